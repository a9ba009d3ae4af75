// Package scripted is the bot author's toolkit, for tests: a Go client that fetches a
// challenge over HTTP, solves its proof of work with the repository's own solver, and redeems
// it with whatever telemetry and headers the test chooses, plus builders for the telemetry
// documents the widget sends (so the human controls look like the widget) and for the ones
// scripts send.
package scripted

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/internal/mousedata"
	"github.com/astracat/astracaph/risk"
)

// Client talks to a hosted API at Base.
type Client struct {
	Base   string
	HTTP   *http.Client
	Header http.Header // sent with every request (User-Agent, Accept-Language, …); nil sends Go's defaults
	Origin string      // the page origin claimed in the redeem body
}

// Solved is a challenge and its solution, ready to redeem.
type Solved struct {
	Challenge astracaph.Challenge
	Payload   string
	ID        string // binding id: data.challengeId
	Counter   uint64
	Took      time.Duration // how long the solve took
}

func (c *Client) do(req *http.Request) (*http.Response, error) {
	for k, v := range c.Header {
		req.Header[k] = v
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	return hc.Do(req)
}

// Solve fetches a challenge (for siteKey, when given) and solves it.
func (c *Client) Solve(ctx context.Context, siteKey string) (Solved, error) {
	u := c.Base + "/api/v1/challenge"
	if siteKey != "" {
		u += "?siteKey=" + url.QueryEscape(siteKey)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return Solved{}, err
	}
	resp, err := c.do(req)
	if err != nil {
		return Solved{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return Solved{}, fmt.Errorf("challenge: HTTP %d: %s", resp.StatusCode, b)
	}
	var ch astracaph.Challenge
	if err := json.NewDecoder(resp.Body).Decode(&ch); err != nil {
		return Solved{}, err
	}
	start := time.Now()
	sol, err := astracaph.SolveChallenge(ctx, ch, astracaph.SolveOptions{Workers: 1})
	if err != nil {
		return Solved{}, err
	}
	id, _ := ch.Parameters.Data["challengeId"].(string)
	return Solved{Challenge: ch, Payload: astracaph.EncodePayload(ch, sol), ID: id, Counter: uint64(sol.Counter), Took: time.Since(start)}, nil
}

// Result is the decoded answer of a redemption.
type Result struct {
	Status int
	Body   map[string]any
}

// Token reports whether the redemption earned a token directly.
func (r Result) Token() bool { return r.Body["success"] == true && r.Body["token"] != nil }

// Visual reports whether the redemption was sent to the visual step.
func (r Result) Visual() bool { return r.Body["step"] == "visual" }

// Denied reports a denial.
func (r Result) Denied() bool { return r.Status == http.StatusForbidden && r.Body["error"] == "denied" }

// Redeem posts a payload with telemetry (nil: none; raw JSON otherwise).
func (c *Client) Redeem(ctx context.Context, payload string, telemetry json.RawMessage, siteKey string) (Result, error) {
	body := map[string]any{"payload": payload, "siteKey": siteKey, "origin": c.Origin}
	if telemetry != nil {
		body["telemetry"] = telemetry
	}
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Base+"/api/v1/challenge", bytes.NewReader(b))
	if err != nil {
		return Result{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.do(req)
	if err != nil {
		return Result{}, err
	}
	defer resp.Body.Close()
	res := Result{Status: resp.StatusCode}
	if err := json.NewDecoder(resp.Body).Decode(&res.Body); err != nil {
		return res, fmt.Errorf("redeem: HTTP %d: %w", resp.StatusCode, err)
	}
	return res, nil
}

// ChromeHeader is everything a desktop Chrome's fetch() from the widget sends.
func ChromeHeader() http.Header {
	h := http.Header{}
	h.Set("User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36")
	h.Set("Accept", "*/*")
	h.Set("Accept-Language", "en-GB,en;q=0.9")
	h.Set("Accept-Encoding", "gzip, deflate, br, zstd")
	h.Set("Sec-Fetch-Dest", "empty")
	h.Set("Sec-Fetch-Mode", "cors")
	h.Set("Sec-Fetch-Site", "same-origin")
	h.Set("Sec-Ch-Ua", `"Chromium";v="140", "Google Chrome";v="140", "Not;A=Brand";v="24"`)
	h.Set("Sec-Ch-Ua-Mobile", "?0")
	h.Set("Sec-Ch-Ua-Platform", `"Windows"`)
	return h
}

// Binding fills the challenge binding as the widget would after receiving s: arrival 80 ms
// after the click at clickMs, the solve as long as it took (at least 300 ms), sent 5 ms later.
func Binding(t *risk.Telemetry, s Solved, clickMs float64) {
	rcv := clickMs + 80
	sol := float64(max(s.Took.Milliseconds(), 300))
	snd := sol + 5
	t.Ch = &risk.Binding{ID: s.ID, Rcv: &rcv, Sol: &sol, Snd: &snd}
	if t.Beh != nil {
		t.Beh.Times = &risk.Times{Ready: ptr(0.0), First: ptr(clickMs - 800), Submit: ptr(rcv + snd)}
	}
}

// MouseDoc is the document of a person who moved to the checkbox and clicked it: a
// human-like approach (seeded), the environment of a desktop Chrome, the binding of s, and
// proof as the environment check's answer ("" leaves it out).
func MouseDoc(r *rand.Rand, s Solved, proof string) *risk.Telemetry {
	a := mousedata.Bot(r, mousedata.BotHumanLike)
	b := a.Behaviour(mousedata.WidgetFloorMs)
	b.Focus = &risk.Focus{N: 1, ViaPtr: 1}
	b.Keys = &risk.Keys{N: 0}
	t := &risk.Telemetry{V: 1, Env: mousedata.ChromeEnv(), Beh: b, Proof: proof,
		PoW: &risk.PoWReport{Alg: "pbkdf2sha256", Ms: float64(s.Took.Milliseconds()), Workers: 1}}
	Binding(t, s, *b.Act.T)
	return t
}

// Raw marshals a document.
func Raw(t *risk.Telemetry) json.RawMessage {
	b, _ := json.Marshal(t)
	return b
}

func ptr[T any](v T) *T { return &v }

// ProofAnswer is the environment check's answer for binding id, as a browser computes it
// (Captcha.EnvProof); "" for an id the engine refuses.
func ProofAnswer(c *astracaph.Captcha, id string) string {
	_, answer, _ := c.EnvProof(id)
	return answer
}
