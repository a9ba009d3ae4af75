package risk

// Offline evaluation: labelled redemptions replayed through the scorer in order, with the
// replay memory a server keeps, so a document seen twice is judged as a server would judge
// it. `astracaph risk eval` prints the counts per class; the README quotes them.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// EvalCase is one redemption: the telemetry the client sent and what the server saw.
// A JSON line holding a bare telemetry document ({"v":1,…}) is a case with defaults.
type EvalCase struct {
	Label     string            `json:"label,omitempty"`
	Telemetry json.RawMessage   `json:"telemetry,omitempty"` // absent or null: no telemetry
	Header    map[string]string `json:"header,omitempty"`    // nil: a desktop Chrome fetch's headers
	IPClass   string            `json:"ipClass,omitempty"`
	IPCountry string            `json:"ipCountry,omitempty"`
	ElapsedMs float64           `json:"elapsedMs,omitempty"` // challenge issue → redemption; 0: ch.snd + 300 ms
	PoWWork   float64           `json:"powWork,omitempty"`   // work of the solved challenge (KDF calls); 0: unknown
}

// EvalOutcome counts decisions.
type EvalOutcome struct {
	Token, Visual, Deny int
	Reasons             map[string]int // how often each reason code contributed
}

// Total is the number of cases counted.
func (o EvalOutcome) Total() int { return o.Token + o.Visual + o.Deny }

// Evaluator replays cases through a scorer. The zero value uses the default scorer and
// the default server's policy for the official ALTCHA widget (not allowed: WidgetRequired).
type Evaluator struct {
	Scorer            *Scorer
	AllowALTCHAWidget bool
	seen              map[string]bool
}

// evalHeader is what a desktop Chrome's fetch() from the widget sends.
func evalHeader() http.Header {
	h := http.Header{}
	for k, v := range map[string]string{
		"User-Agent":         "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36",
		"Accept":             "*/*",
		"Accept-Language":    "en-GB,en;q=0.9",
		"Accept-Encoding":    "gzip, deflate, br, zstd",
		"Sec-Fetch-Dest":     "empty",
		"Sec-Fetch-Mode":     "cors",
		"Sec-Fetch-Site":     "same-origin",
		"Sec-Ch-Ua":          `"Chromium";v="140", "Google Chrome";v="140", "Not;A=Brand";v="24"`,
		"Sec-Ch-Ua-Mobile":   "?0",
		"Sec-Ch-Ua-Platform": `"Windows"`,
	} {
		h.Set(k, v)
	}
	return h
}

// Eval scores one case and remembers its behaviour hash.
func (e *Evaluator) Eval(c EvalCase) Assessment {
	in := Input{IPClass: c.IPClass, IPCountry: c.IPCountry, WidgetRequired: !e.AllowALTCHAWidget, PoWWork: c.PoWWork}
	if c.Header == nil {
		in.Header = evalHeader()
	} else {
		in.Header = http.Header{}
		for k, v := range c.Header {
			in.Header.Set(k, v)
		}
	}
	if raw := bytes.TrimSpace(c.Telemetry); len(raw) > 0 && string(raw) != "null" {
		if t, err := ParseTelemetry(raw); err != nil {
			in.TelemetryInvalid = true
		} else {
			in.Telemetry = t
		}
	}
	in.ServerElapsed = time.Duration(c.ElapsedMs * float64(time.Millisecond))
	if in.ServerElapsed == 0 && in.Telemetry != nil && in.Telemetry.Ch != nil && in.Telemetry.Ch.Snd != nil {
		in.ServerElapsed = time.Duration((*in.Telemetry.Ch.Snd + 300) * float64(time.Millisecond))
	}
	s := e.Scorer
	if s == nil {
		s = &Scorer{}
	}
	a := s.Score(in)
	if a.InteractionHash != "" {
		if e.seen == nil {
			e.seen = map[string]bool{}
		}
		if e.seen[a.InteractionHash] {
			in.ReplayedInteraction = true
			a = s.Score(in)
		}
		e.seen[a.InteractionHash] = true
	}
	return a
}

// Count adds an assessment to o: pass and harder PoW earn a token, the step-up bands a
// visual step.
func (o *EvalOutcome) Count(a Assessment) {
	switch a.Action {
	case ActionPass, ActionHarderPoW:
		o.Token++
	case ActionStepUp:
		o.Visual++
	default:
		o.Deny++
	}
	if o.Reasons == nil {
		o.Reasons = map[string]int{}
	}
	for _, r := range a.Reasons {
		o.Reasons[r]++
	}
}

// ParseEvalCases reads JSON Lines (one case or bare telemetry document per line; blank
// lines and lines starting with # are skipped) or one JSON array of them.
func ParseEvalCases(r io.Reader) ([]EvalCase, error) {
	br := bufio.NewReader(r)
	first, err := firstByte(br)
	if err != nil {
		return nil, err
	}
	if first == '[' {
		var raws []json.RawMessage
		if err := json.NewDecoder(br).Decode(&raws); err != nil {
			return nil, fmt.Errorf("astracaph: eval cases: %w", err)
		}
		out := make([]EvalCase, 0, len(raws))
		for i, raw := range raws {
			c, err := parseEvalCase(raw)
			if err != nil {
				return nil, fmt.Errorf("astracaph: eval case %d: %w", i+1, err)
			}
			out = append(out, c)
		}
		return out, nil
	}
	var out []EvalCase
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		c, err := parseEvalCase(line)
		if err != nil {
			return nil, fmt.Errorf("astracaph: eval line %d: %w", n, err)
		}
		out = append(out, c)
	}
	return out, sc.Err()
}

func firstByte(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.Peek(1)
		if err == io.EOF {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n':
			_, _ = br.ReadByte()
			continue
		}
		return b[0], nil
	}
}

func parseEvalCase(raw []byte) (EvalCase, error) {
	var probe struct {
		V *json.RawMessage `json:"v"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return EvalCase{}, err
	}
	if probe.V != nil {
		return EvalCase{Telemetry: append(json.RawMessage(nil), raw...)}, nil
	}
	var c EvalCase
	err := json.Unmarshal(raw, &c)
	return c, err
}
