// Package loadtest is the load generator behind `astracaph loadtest`: a fixed number of
// workers drive running servers over one shared keep-alive transport, and Run reports
// throughput and latency percentiles.
//
// Modes:
//
//	verify     POST /api/v1/verify, each pre-minted token verified once
//	flow       GET challenge → solve in-process → POST redeem → POST verify
//	challenge  GET /api/v1/challenge
//
// Each worker loops until the duration ends or the request budget (Options.N) is spent, so
// every run stops by itself. It talks only to Options.Targets (worker i uses target i mod n,
// so several servers sharing one store are loaded evenly).
//
// Before a flow run it solves one challenge: when that alone takes over MaxFlowSolve, the
// run would measure the generator's hashing rather than the servers, so Run refuses and
// names the serve flags of a load-test configuration (ServeFlags).
package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/astracat/astracaph"
)

// MaxFlowSolve is the longest in-process solve of one challenge a flow run accepts.
const MaxFlowSolve = 100 * time.Millisecond

// ServeFlags is the server configuration a load test needs: a token proof of work, no rate
// limits (one generator is one client prefix) and no risk scoring (the generator is not a
// browser).
const ServeFlags = "-pow-cost 1 -pow-counter-min 1 -pow-counter-max 10 -limit-challenge 0 -limit-redeem 0 -risk=false"

// Options describes one run.
type Options struct {
	Targets     []*url.URL    // base URLs of the servers under test (ParseTarget)
	Mode        string        // "verify", "flow" or "challenge"
	Concurrency int           // workers (and keep-alive connections), 1..4096
	Duration    time.Duration // measured duration; 0 runs until N
	N           int           // measured requests (flows in flow mode); 0 runs until Duration
	Warmup      time.Duration // unmeasured load before the measured phase
	Origin      string        // the origin flows and tokens are bound to
	// TokenSecret is the servers' master secret (ASTRACAPH_TOKEN_SECRET): with it, verify
	// mode mints its tokens offline, as a server would; OpenSecret is their open secret,
	// when they set one.
	TokenSecret, OpenSecret string
	Tokens                  int           // verify mode: tokens to mint first (0: enough for N or Duration)
	Timeout                 time.Duration // of each request; 0: none
	AllowSlow               bool          // run even when one challenge takes over MaxFlowSolve to solve
	Progress                io.Writer     // where minting is reported; nil discards it
}

// ParseTarget parses a base URL for Options.Targets: http(s)://host[:port], without a
// trailing slash.
func ParseTarget(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil {
		return nil, fmt.Errorf("must be http(s)://host[:port], not %q", raw)
	}
	return u, checkTarget(u)
}

func checkTarget(u *url.URL) error {
	if u == nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("must be http(s)://host[:port], not %q", u.String())
	}
	return nil
}

// Validate reports what makes c unusable.
func (c Options) Validate() error {
	if len(c.Targets) == 0 {
		return errors.New("no target")
	}
	for _, t := range c.Targets {
		if err := checkTarget(t); err != nil {
			return fmt.Errorf("target %w", err)
		}
	}
	switch {
	case c.Mode != "verify" && c.Mode != "flow" && c.Mode != "challenge":
		return fmt.Errorf("mode must be verify, flow or challenge, not %q", c.Mode)
	case c.Concurrency < 1 || c.Concurrency > 4096:
		return errors.New("concurrency must be in 1..4096")
	case c.N < 0 || c.Duration < 0 || c.Warmup < 0 || c.Tokens < 0:
		return errors.New("the request budget, duration, warm-up and token count must not be negative")
	case c.N == 0 && c.Duration == 0:
		return errors.New("give a duration or a request budget: the run must end by itself")
	}
	if _, err := astracaph.NormalizeOrigin(c.Origin); err != nil {
		return fmt.Errorf("origin: %w", err)
	}
	return nil
}

func (c Options) targets() string {
	s := make([]string, len(c.Targets))
	for i, u := range c.Targets {
		s[i] = u.String()
	}
	return strings.Join(s, ",")
}

// Report is the result of one measured phase.
type Report struct {
	Mode        string             `json:"mode"`
	URL         string             `json:"url"` // the targets, comma-separated
	Concurrency int                `json:"concurrency"`
	Elapsed     float64            `json:"elapsedSeconds"`
	Requests    int64              `json:"requests"` // HTTP requests sent (flow: 3 per flow)
	Flows       int64              `json:"flows,omitempty"`
	Errors      map[string]int64   `json:"errors"` // "<step> <status>[ <code>]" → count
	ErrorTotal  int64              `json:"errorTotal"`
	Throughput  float64            `json:"throughput"` // requests/s
	FlowsPerSec float64            `json:"flowsPerSecond,omitempty"`
	Latency     Latency            `json:"latency"` // per unit: request, or whole flow
	Steps       map[string]Latency `json:"steps,omitempty"`
	Note        string             `json:"note,omitempty"`
}

// Latency holds percentiles in milliseconds.
type Latency struct {
	P50 float64 `json:"p50ms"`
	P90 float64 `json:"p90ms"`
	P99 float64 `json:"p99ms"`
	Max float64 `json:"maxms"`
}

func summarize(samples []time.Duration) Latency {
	if len(samples) == 0 {
		return Latency{}
	}
	slices.Sort(samples)
	q := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(samples)))) - 1
		i = max(0, min(i, len(samples)-1))
		return ms(samples[i])
	}
	return Latency{P50: q(0.50), P90: q(0.90), P99: q(0.99), Max: ms(samples[len(samples)-1])}
}

func ms(d time.Duration) float64 { return math.Round(float64(d.Microseconds())) / 1000 }

// loadClient is the HTTP side shared by all workers.
type loadClient struct {
	cfg    Options
	client *http.Client
	urls   []map[string]string // per target: step → URL
}

func newLoadClient(cfg Options) *loadClient {
	tr := &http.Transport{
		Proxy:               nil, // only ever -url, never an environment proxy
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        cfg.Concurrency,
		MaxIdleConnsPerHost: cfg.Concurrency,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
	}
	lc := &loadClient{cfg: cfg, client: &http.Client{Transport: tr, Timeout: cfg.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	for _, t := range cfg.Targets {
		base := t.String()
		lc.urls = append(lc.urls, map[string]string{
			"challenge": base + "/api/v1/challenge", "redeem": base + "/api/v1/challenge", "verify": base + "/api/v1/verify",
		})
	}
	return lc
}

func (lc *loadClient) close() { lc.client.CloseIdleConnections() }

// stepError is one failed request, classified for the report.
type stepError struct{ key string }

func (e *stepError) Error() string { return e.key }

// do sends one request and returns the body of a 200 answer, or a classified error.
func (lc *loadClient) do(ctx context.Context, target int, step, method string, body []byte) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, lc.urls[target%len(lc.urls)][step], rd)
	if err != nil {
		return nil, &stepError{step + " request"}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if step != "verify" {
		req.Header.Set("Origin", lc.cfg.Origin)
	}
	resp, err := lc.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &stepError{step + " transport"}
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &stepError{step + " transport"}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &stepError{classifyFailure(step, resp.StatusCode, b)}
	}
	return b, nil
}

// classifyFailure names a failed answer "<step> <status>[ <code>]" from its JSON error.
func classifyFailure(step string, status int, body []byte) string {
	var e struct {
		Error      string   `json:"error"`
		ErrorCodes []string `json:"error-codes"`
		Step       string   `json:"step"`
	}
	key := step + " " + strconv.Itoa(status)
	if json.Unmarshal(body, &e) != nil {
		return key
	}
	code := e.Error
	if len(e.ErrorCodes) > 0 {
		code = e.ErrorCodes[0]
	}
	if code == "" && e.Step != "" {
		code = "step-" + e.Step
	}
	if code == "" || len(code) > 40 || strings.ContainsAny(code, " \n\t") {
		return key
	}
	return key + " " + code
}

var successTrue = []byte(`"success":true`)

// verify posts a prepared body to /api/v1/verify; 200 with success:false is a failure.
func (lc *loadClient) verify(ctx context.Context, target int, body []byte) error {
	b, err := lc.do(ctx, target, "verify", http.MethodPost, body)
	if err != nil {
		return err
	}
	if !bytes.Contains(b, successTrue) {
		return &stepError{classifyFailure("verify", http.StatusOK, b)}
	}
	return nil
}

func (lc *loadClient) challenge(ctx context.Context, target int) (astracaph.Challenge, error) {
	var ch astracaph.Challenge
	b, err := lc.do(ctx, target, "challenge", http.MethodGet, nil)
	if err != nil {
		return ch, err
	}
	if err := json.Unmarshal(b, &ch); err != nil {
		return ch, &stepError{"challenge malformed"}
	}
	return ch, nil
}

// redeem solves ch in-process (one goroutine: the workers already fill the CPUs) and
// posts the payload; it returns the token.
func (lc *loadClient) redeem(ctx context.Context, target int, ch astracaph.Challenge) (string, error) {
	sol, err := astracaph.SolveChallenge(ctx, ch, astracaph.SolveOptions{Workers: 1})
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", &stepError{"solve failed"}
	}
	body, _ := json.Marshal(map[string]string{"payload": astracaph.EncodePayload(ch, sol), "origin": lc.cfg.Origin})
	b, err := lc.do(ctx, target, "redeem", http.MethodPost, body)
	if err != nil {
		return "", err
	}
	var out struct {
		Success bool   `json:"success"`
		Token   string `json:"token"`
	}
	if json.Unmarshal(b, &out) != nil || !out.Success || out.Token == "" {
		return "", &stepError{classifyFailure("redeem", http.StatusOK, b)}
	}
	return out.Token, nil
}

func (lc *loadClient) verifyBody(token string) []byte {
	b, _ := json.Marshal(map[string]string{"token": token, "origin": lc.cfg.Origin})
	return b
}

// MintOffline issues n open-mode tokens bound to origin as the server would, each as the
// JSON body of a verify request, with an in-process engine on the server's master secret
// (and open secret): tokens carry a mint proof derived from the master secret, so no other
// key can make ones the server accepts. The in-process engine's proof of work is trivial;
// only its keys matter.
func MintOffline(ctx context.Context, n int, origin string, master, open []byte) ([][]byte, error) {
	opts := []astracaph.Option{astracaph.WithSecret(master),
		astracaph.WithPoW(astracaph.PoWConfig{Algorithm: astracaph.PBKDF2SHA256, Cost: 1, CounterMin: 1, CounterMax: 2})}
	if len(open) > 0 {
		opts = append(opts, astracaph.WithOpenSecret(open))
	}
	e, err := astracaph.New(opts...)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, n)
	for i := range out {
		ch, err := e.Challenge(ctx, astracaph.ChallengeRequest{})
		if err != nil {
			return nil, err
		}
		sol, err := astracaph.SolveChallenge(ctx, ch, astracaph.SolveOptions{Workers: 1})
		if err != nil {
			return nil, err
		}
		d, err := e.Redeem(ctx, astracaph.RedeemRequest{Payload: astracaph.EncodePayload(ch, sol), Origin: origin})
		if err != nil {
			return nil, err
		}
		b, _ := json.Marshal(map[string]string{"token": d.Token, "origin": origin})
		out[i] = b
	}
	return out, nil
}

// phase is one run of the workers: it ends at the deadline, after budget units, or when
// the unit function reports that its supply ran out.
type phase struct {
	start    time.Time
	elapsed  time.Duration
	units    atomic.Int64 // successful units
	requests atomic.Int64
	mu       sync.Mutex
	errors   map[string]int64
	samples  [][]time.Duration            // per worker, whole unit
	steps    []map[string][]time.Duration // per worker, per step (flow mode)
	ranOut   atomic.Bool
}

var errSupplyExhausted = errors.New("supply exhausted")

// unitFunc performs one unit of work for worker w; it records its steps in rec.
type unitFunc func(ctx context.Context, w int, rec func(step string, d time.Duration)) (requests int, err error)

func runPhase(ctx context.Context, concurrency int, d time.Duration, budget int, f unitFunc) *phase {
	p := &phase{errors: map[string]int64{}, samples: make([][]time.Duration, concurrency), steps: make([]map[string][]time.Duration, concurrency)}
	if d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	var issued atomic.Int64
	var wg sync.WaitGroup
	p.start = time.Now()
	for w := range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			steps := map[string][]time.Duration{}
			rec := func(step string, d time.Duration) { steps[step] = append(steps[step], d) }
			for ctx.Err() == nil {
				if budget > 0 && issued.Add(1) > int64(budget) {
					break
				}
				t0 := time.Now()
				n, err := f(ctx, w, rec)
				dt := time.Since(t0)
				p.requests.Add(int64(n))
				if errors.Is(err, errSupplyExhausted) {
					p.ranOut.Store(true)
					break
				}
				if err != nil && ctx.Err() != nil {
					// Cut off by the deadline: neither a success nor a server error.
					p.requests.Add(-int64(n))
					break
				}
				if err != nil {
					p.mu.Lock()
					p.errors[err.Error()]++
					p.mu.Unlock()
					continue
				}
				p.units.Add(1)
				p.samples[w] = append(p.samples[w], dt)
			}
			p.steps[w] = steps
		}()
	}
	wg.Wait()
	p.elapsed = time.Since(p.start)
	return p
}

func (p *phase) report(cfg Options) Report {
	r := Report{Mode: cfg.Mode, URL: cfg.targets(), Concurrency: cfg.Concurrency, Elapsed: p.elapsed.Seconds(),
		Requests: p.requests.Load(), Errors: p.errors}
	for _, n := range p.errors {
		r.ErrorTotal += n
	}
	var all []time.Duration
	for _, s := range p.samples {
		all = append(all, s...)
	}
	r.Latency = summarize(all)
	if secs := p.elapsed.Seconds(); secs > 0 {
		r.Throughput = float64(r.Requests) / secs
		if cfg.Mode == "flow" {
			r.Flows = p.units.Load()
			r.FlowsPerSec = float64(r.Flows) / secs
		}
	}
	if cfg.Mode == "flow" {
		merged := map[string][]time.Duration{}
		for _, m := range p.steps {
			for k, v := range m {
				merged[k] = append(merged[k], v...)
			}
		}
		r.Steps = map[string]Latency{}
		for k, v := range merged {
			r.Steps[k] = summarize(v)
		}
	}
	if p.ranOut.Load() {
		r.Note = "ran out of pre-minted tokens before the deadline (raise -tokens)"
	}
	return r
}

// fullFlow is one challenge → solve → redeem → verify round; it returns the requests sent.
// The verification goes to the next target: with several servers, a token redeemed on one
// is verified on another, through the shared store.
func (lc *loadClient) fullFlow(ctx context.Context, target int, rec func(string, time.Duration)) (int, error) {
	t := time.Now()
	ch, err := lc.challenge(ctx, target)
	if err != nil {
		return 1, err
	}
	rec("challenge", time.Since(t))
	t = time.Now()
	tok, err := lc.redeem(ctx, target, ch)
	if err != nil {
		return 2, err
	}
	rec("redeem", time.Since(t)) // includes the in-process solve
	t = time.Now()
	if err := lc.verify(ctx, target+1, lc.verifyBody(tok)); err != nil {
		return 3, err
	}
	rec("verify", time.Since(t))
	return 3, nil
}

// Run performs one load test: an optional warm-up, then the measured phase, whose report
// it returns. A report with errors is not an error: Run fails only when the run cannot
// start (invalid Options, a flow that would measure the generator, no token to verify)
// or ctx ends.
func Run(ctx context.Context, cfg Options) (Report, error) {
	if err := cfg.Validate(); err != nil {
		return Report{}, err
	}
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	lc := newLoadClient(cfg)
	defer lc.close()
	var unit unitFunc
	// Units go to the targets in turn, so each server gets an equal share.
	var turn atomic.Int64
	next := func() int { return int(turn.Add(1) - 1) }
	switch cfg.Mode {
	case "challenge":
		unit = func(ctx context.Context, _ int, _ func(string, time.Duration)) (int, error) {
			_, err := lc.challenge(ctx, next())
			return 1, err
		}
	case "flow":
		if err := lc.preflight(ctx); err != nil {
			return Report{}, err
		}
		unit = func(ctx context.Context, _ int, rec func(string, time.Duration)) (int, error) {
			return lc.fullFlow(ctx, next(), rec)
		}
	case "verify":
		if cfg.TokenSecret == "" {
			if err := lc.preflight(ctx); err != nil {
				return Report{}, err
			}
		}
		bodies, err := lc.mintTokens(ctx, cfg)
		if err != nil {
			return Report{}, err
		}
		var next atomic.Int64
		unit = func(ctx context.Context, _ int, _ func(string, time.Duration)) (int, error) {
			i := next.Add(1) - 1
			if i >= int64(len(bodies)) {
				return 0, errSupplyExhausted
			}
			return 1, lc.verify(ctx, int(i), bodies[i])
		}
	}
	if cfg.Warmup > 0 {
		runPhase(ctx, cfg.Concurrency, cfg.Warmup, 0, unit)
	}
	if err := ctx.Err(); err != nil {
		return Report{}, err
	}
	rep := runPhase(ctx, cfg.Concurrency, cfg.Duration, cfg.N, unit).report(cfg)
	return rep, nil
}

// mintTokens prepares the verify bodies: offline with the open secret, else by full flows.
func (lc *loadClient) mintTokens(ctx context.Context, cfg Options) ([][]byte, error) {
	n := cfg.Tokens
	offline := cfg.TokenSecret != ""
	if n == 0 {
		switch {
		case cfg.N > 0:
			n = cfg.N
		case offline:
			// Enough for a fast server; running out early ends the run, it does not skew it.
			n = int((cfg.Duration + cfg.Warmup).Seconds() * 40000)
		default:
			n = 10000
		}
		if cfg.N > 0 && cfg.Warmup > 0 {
			n += int(cfg.Warmup.Seconds() * 40000)
		}
	}
	t := time.Now()
	if offline {
		bodies, err := MintOffline(ctx, n, cfg.Origin, []byte(cfg.TokenSecret), []byte(cfg.OpenSecret))
		if err == nil {
			fmt.Fprintf(cfg.Progress, "minted %d tokens offline in %v\n", n, time.Since(t).Round(time.Millisecond))
		}
		return bodies, err
	}
	var mu sync.Mutex
	bodies := make([][]byte, 0, n)
	var errs atomic.Int64
	var firstErr atomic.Value
	var turn atomic.Int64
	p := runPhase(ctx, min(cfg.Concurrency, n), 0, n, func(ctx context.Context, _ int, _ func(string, time.Duration)) (int, error) {
		t := int(turn.Add(1) - 1)
		ch, err := lc.challenge(ctx, t)
		if err == nil {
			var tok string
			if tok, err = lc.redeem(ctx, t, ch); err == nil {
				mu.Lock()
				bodies = append(bodies, lc.verifyBody(tok))
				mu.Unlock()
				return 2, nil
			}
		}
		firstErr.CompareAndSwap(nil, err.Error())
		if errs.Add(1) > int64(n/10+10) {
			return 0, errSupplyExhausted // the server refuses: stop early
		}
		return 2, err
	})
	if len(bodies) == 0 {
		return nil, fmt.Errorf("could not mint any token by full flows (first error: %v)", firstErr.Load())
	}
	fmt.Fprintf(cfg.Progress, "minted %d tokens by full flows in %v (%d errors)\n", len(bodies), p.elapsed.Round(time.Millisecond), errs.Load())
	return bodies, nil
}

// signedRange is the counter range a challenge signs in data.counterMin/counterMax.
func signedRange(ch astracaph.Challenge) (lo, hi uint32, ok bool) {
	num := func(k string) (uint32, bool) {
		f, isNum := ch.Parameters.Data[k].(float64)
		return uint32(f), isNum && f >= 0 && f <= math.MaxUint32 && f == math.Trunc(f)
	}
	lo, okLo := num("counterMin")
	hi, okHi := num("counterMax")
	return lo, hi, okLo && okHi && hi >= lo
}

// preflight solves one challenge of each target the way the workers do (one goroutine)
// and refuses the run when that takes over MaxFlowSolve: with a production proof of work
// a load test measures the generator's CPU, reports almost no flows and says nothing about
// the servers. A challenge that cannot be fetched is left to the run, which reports it.
func (lc *loadClient) preflight(ctx context.Context) error {
	if lc.cfg.AllowSlow {
		return nil
	}
	for i, t := range lc.cfg.Targets {
		ch, err := lc.challenge(ctx, i)
		if err != nil {
			continue
		}
		sctx, cancel := context.WithTimeout(ctx, MaxFlowSolve)
		start := time.Now()
		sol, err := astracaph.SolveChallenge(sctx, ch, astracaph.SolveOptions{Workers: 1})
		took := time.Since(start)
		cancel()
		slow := err != nil && sctx.Err() != nil && ctx.Err() == nil
		if lo, hi, ok := signedRange(ch); err == nil && ok && sol.Counter >= lo {
			// A counter at the start of its range solves at once: that is luck, not the
			// cost of a flow. Scale the time per counter tried to the range's mean.
			per := took / time.Duration(sol.Counter-lo+1)
			slow = per*time.Duration((hi-lo)/2+1) > MaxFlowSolve
		}
		if slow {
			p := ch.Parameters
			return fmt.Errorf("solving one challenge of %s takes over %v here (%s, cost %d), so one flow would too: the run would measure this "+
				"machine's hashing, not the server. Start the servers under test with\n  astracaph serve %s\n"+
				"(or the matching ASTRACAPH_* variables), or pass -allow-slow (Options.AllowSlow) to measure anyway",
				t, MaxFlowSolve, p.Algorithm, p.Cost, ServeFlags)
		}
	}
	return ctx.Err()
}
