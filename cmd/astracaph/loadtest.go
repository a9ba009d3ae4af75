package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/astracat/astracaph"
)

// `astracaph loadtest` drives a running server with a fixed number of workers over one
// shared keep-alive transport and reports throughput and latency percentiles:
//
//	verify     POST /api/v1/verify, each pre-minted token verified once
//	flow       GET challenge → solve in-process → POST redeem → POST verify
//	challenge  GET /api/v1/challenge
//
// Each worker loops until the duration ends or the request budget (-n) is spent, so every
// run stops by itself. It talks only to the -target servers (repeatable: worker i uses
// target i mod n, so several servers sharing one store are loaded evenly).
//
// Before a flow run it solves one challenge: when that alone takes over maxFlowSolve, the
// run would measure the generator's hashing rather than the servers, so it refuses and
// prints the serve flags of a load-test configuration.

// maxFlowSolve is the longest in-process solve of one challenge a flow run accepts.
const maxFlowSolve = 100 * time.Millisecond

// loadTestServeFlags is the server configuration a load test needs: a token proof of work,
// no rate limits (one generator is one client prefix) and no risk scoring (the generator is
// not a browser).
const loadTestServeFlags = "-pow-cost 1 -pow-counter-min 1 -pow-counter-max 10 -limit-challenge 0 -limit-redeem 0 -risk=false"

// targetList is the repeatable -target flag.
type targetList []*url.URL

func (t *targetList) String() string {
	s := make([]string, len(*t))
	for i, u := range *t {
		s[i] = u.String()
	}
	return strings.Join(s, ",")
}

func (t *targetList) Set(raw string) error {
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("must be http(s)://host[:port], not %q", raw)
	}
	*t = append(*t, u)
	return nil
}

type loadConfig struct {
	targets     targetList
	allowSlow   bool
	mode        string
	concurrency int
	duration    time.Duration // 0: until n
	n           int           // 0: until duration
	warmup      time.Duration
	origin      string
	tokenSecret string
	openSecret  string
	tokens      int
	timeout     time.Duration
	json        bool
	cpuProfile  string
}

// loadReport is the result of one measured phase.
type loadReport struct {
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
	Latency     latency            `json:"latency"` // per unit: request, or whole flow
	Steps       map[string]latency `json:"steps,omitempty"`
	Note        string             `json:"note,omitempty"`
}

// latency percentiles in milliseconds.
type latency struct {
	P50 float64 `json:"p50ms"`
	P90 float64 `json:"p90ms"`
	P99 float64 `json:"p99ms"`
	Max float64 `json:"maxms"`
}

func summarize(samples []time.Duration) latency {
	if len(samples) == 0 {
		return latency{}
	}
	slices.Sort(samples)
	q := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(samples)))) - 1
		i = max(0, min(i, len(samples)-1))
		return ms(samples[i])
	}
	return latency{P50: q(0.50), P90: q(0.90), P99: q(0.99), Max: ms(samples[len(samples)-1])}
}

func ms(d time.Duration) float64 { return math.Round(float64(d.Microseconds())) / 1000 }

func parseLoadFlags(args []string, stderr io.Writer) (loadConfig, error) {
	var c loadConfig
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Var(&c.targets, "target", "Base URL of a server under test; repeat it to spread the load over several servers (default http://127.0.0.1:8080).")
	fs.Var(&c.targets, "url", "Same as -target.")
	fs.StringVar(&c.mode, "mode", "verify", "What to load: verify, flow or challenge.")
	fs.IntVar(&c.concurrency, "c", 32, "Concurrent workers (and keep-alive connections).")
	fs.DurationVar(&c.duration, "d", 10*time.Second, "Measured duration; with -n alone the run lasts until n.")
	fs.IntVar(&c.n, "n", 0, "Total measured requests (flows in flow mode); 0 runs until -d.")
	fs.DurationVar(&c.warmup, "warmup", 0, "Unmeasured load before the measured phase.")
	fs.StringVar(&c.origin, "origin", "https://load.example", "Origin the flows and tokens are bound to.")
	fs.StringVar(&c.tokenSecret, "token-secret", "", "The servers' ASTRACAPH_TOKEN_SECRET, so that verify mode mints its tokens offline, as a server would.")
	fs.StringVar(&c.openSecret, "open-secret", "", "The servers' ASTRACAPH_OPEN_SECRET, when they set one (with -token-secret).")
	fs.IntVar(&c.tokens, "tokens", 0, "Verify mode: tokens to mint first (default: -n, or enough for -d; 10000 when minted by flows).")
	fs.DurationVar(&c.timeout, "timeout", 10*time.Second, "Timeout of each request.")
	fs.BoolVar(&c.allowSlow, "allow-slow", false, "Run even when one challenge takes the generator over 100ms to solve.")
	fs.BoolVar(&c.json, "json", false, "Print the report as JSON.")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "Diagnostics: write the generator's CPU profile to this file.")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	dSet := false
	fs.Visit(func(f *flag.Flag) { dSet = dSet || f.Name == "d" })
	if c.n > 0 && !dSet {
		c.duration = 0
	}
	if len(c.targets) == 0 {
		_ = c.targets.Set("http://127.0.0.1:8080")
	}
	switch {
	case c.mode != "verify" && c.mode != "flow" && c.mode != "challenge":
		return c, fmt.Errorf("-mode must be verify, flow or challenge, not %q", c.mode)
	case c.concurrency < 1 || c.concurrency > 4096:
		return c, errors.New("-c must be in 1..4096")
	case c.n < 0 || c.duration < 0 || c.warmup < 0 || c.tokens < 0:
		return c, errors.New("-n, -d, -warmup and -tokens must not be negative")
	case c.n == 0 && c.duration == 0:
		return c, errors.New("give -d or -n: the run must end by itself")
	}
	if _, err := astracaph.NormalizeOrigin(c.origin); err != nil {
		return c, fmt.Errorf("-origin: %w", err)
	}
	return c, nil
}

// cmdLoadtest runs the load generator; exit 0 when every measured request succeeded, 1 when
// some failed (the report says which), 2 on usage or setup errors.
func cmdLoadtest(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	cfg, err := parseLoadFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "astracaph: loadtest:", err)
		return 2
	}
	if cfg.cpuProfile != "" {
		stop, err := startCPUProfile(cfg.cpuProfile)
		if err != nil {
			fmt.Fprintln(stderr, "astracaph: loadtest: -cpuprofile:", err)
			return 2
		}
		defer stop()
	}
	rep, err := runLoad(ctx, cfg, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "astracaph: loadtest:", err)
		return 2
	}
	if cfg.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
	} else {
		writeLoadReport(stdout, rep)
	}
	if rep.ErrorTotal > 0 {
		return 1
	}
	return 0
}

func writeLoadReport(w io.Writer, r loadReport) {
	fmt.Fprintf(w, "mode %s  url %s  c=%d  elapsed %.2fs\n", r.Mode, r.URL, r.Concurrency, r.Elapsed)
	fmt.Fprintf(w, "requests    %d\n", r.Requests)
	if r.Mode == "flow" {
		fmt.Fprintf(w, "flows       %d\n", r.Flows)
	}
	fmt.Fprintf(w, "errors      %d\n", r.ErrorTotal)
	keys := make([]string, 0, len(r.Errors))
	for k := range r.Errors {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  %-40s %d\n", k, r.Errors[k])
	}
	fmt.Fprintf(w, "throughput  %.1f req/s\n", r.Throughput)
	unit := "request"
	if r.Mode == "flow" {
		fmt.Fprintf(w, "flows/s     %.1f\n", r.FlowsPerSec)
		unit = "flow"
	}
	l := r.Latency
	fmt.Fprintf(w, "latency (%s)  p50 %.3fms  p90 %.3fms  p99 %.3fms  max %.3fms\n", unit, l.P50, l.P90, l.P99, l.Max)
	steps := make([]string, 0, len(r.Steps))
	for k := range r.Steps {
		steps = append(steps, k)
	}
	sort.Strings(steps)
	for _, k := range steps {
		l := r.Steps[k]
		fmt.Fprintf(w, "  %-10s p50 %.3fms  p90 %.3fms  p99 %.3fms  max %.3fms\n", k, l.P50, l.P90, l.P99, l.Max)
	}
	if r.Note != "" {
		fmt.Fprintln(w, "note:", r.Note)
	}
}

// loadClient is the HTTP side shared by all workers.
type loadClient struct {
	cfg    loadConfig
	client *http.Client
	urls   []map[string]string // per target: step → URL
}

func newLoadClient(cfg loadConfig) *loadClient {
	tr := &http.Transport{
		Proxy:               nil, // only ever -url, never an environment proxy
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        cfg.concurrency,
		MaxIdleConnsPerHost: cfg.concurrency,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
	}
	lc := &loadClient{cfg: cfg, client: &http.Client{Transport: tr, Timeout: cfg.timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	for _, t := range cfg.targets {
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
		req.Header.Set("Origin", lc.cfg.origin)
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
	body, _ := json.Marshal(map[string]string{"payload": astracaph.EncodePayload(ch, sol), "origin": lc.cfg.origin})
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
	b, _ := json.Marshal(map[string]string{"token": token, "origin": lc.cfg.origin})
	return b
}

// mintOffline issues open-mode tokens as the server would, with an in-process engine on
// the server's master secret (and open secret): tokens carry a mint proof derived from the
// master secret, so no other key can make ones the server accepts. The in-process engine's
// proof of work is trivial; only its keys matter.
func mintOffline(ctx context.Context, n int, origin string, master, open []byte) ([][]byte, error) {
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

func (p *phase) report(cfg loadConfig) loadReport {
	r := loadReport{Mode: cfg.mode, URL: cfg.targets.String(), Concurrency: cfg.concurrency, Elapsed: p.elapsed.Seconds(),
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
		if cfg.mode == "flow" {
			r.Flows = p.units.Load()
			r.FlowsPerSec = float64(r.Flows) / secs
		}
	}
	if cfg.mode == "flow" {
		merged := map[string][]time.Duration{}
		for _, m := range p.steps {
			for k, v := range m {
				merged[k] = append(merged[k], v...)
			}
		}
		r.Steps = map[string]latency{}
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

func runLoad(ctx context.Context, cfg loadConfig, stderr io.Writer) (loadReport, error) {
	lc := newLoadClient(cfg)
	defer lc.close()
	var unit unitFunc
	// Units go to the targets in turn, so each server gets an equal share.
	var turn atomic.Int64
	next := func() int { return int(turn.Add(1) - 1) }
	switch cfg.mode {
	case "challenge":
		unit = func(ctx context.Context, _ int, _ func(string, time.Duration)) (int, error) {
			_, err := lc.challenge(ctx, next())
			return 1, err
		}
	case "flow":
		if err := lc.preflight(ctx); err != nil {
			return loadReport{}, err
		}
		unit = func(ctx context.Context, _ int, rec func(string, time.Duration)) (int, error) {
			return lc.fullFlow(ctx, next(), rec)
		}
	case "verify":
		if cfg.tokenSecret == "" {
			if err := lc.preflight(ctx); err != nil {
				return loadReport{}, err
			}
		}
		bodies, err := lc.mintTokens(ctx, cfg, stderr)
		if err != nil {
			return loadReport{}, err
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
	if cfg.warmup > 0 {
		runPhase(ctx, cfg.concurrency, cfg.warmup, 0, unit)
	}
	if err := ctx.Err(); err != nil {
		return loadReport{}, err
	}
	rep := runPhase(ctx, cfg.concurrency, cfg.duration, cfg.n, unit).report(cfg)
	return rep, nil
}

// mintTokens prepares the verify bodies: offline with the open secret, else by full flows.
func (lc *loadClient) mintTokens(ctx context.Context, cfg loadConfig, stderr io.Writer) ([][]byte, error) {
	n := cfg.tokens
	offline := cfg.tokenSecret != ""
	if n == 0 {
		switch {
		case cfg.n > 0:
			n = cfg.n
		case offline:
			// Enough for a fast server; running out early ends the run, it does not skew it.
			n = int((cfg.duration + cfg.warmup).Seconds() * 40000)
		default:
			n = 10000
		}
		if cfg.n > 0 && cfg.warmup > 0 {
			n += int(cfg.warmup.Seconds() * 40000)
		}
	}
	t := time.Now()
	if offline {
		bodies, err := mintOffline(ctx, n, cfg.origin, []byte(cfg.tokenSecret), []byte(cfg.openSecret))
		if err == nil {
			fmt.Fprintf(stderr, "minted %d tokens offline in %v\n", n, time.Since(t).Round(time.Millisecond))
		}
		return bodies, err
	}
	var mu sync.Mutex
	bodies := make([][]byte, 0, n)
	var errs atomic.Int64
	var firstErr atomic.Value
	var turn atomic.Int64
	p := runPhase(ctx, min(cfg.concurrency, n), 0, n, func(ctx context.Context, _ int, _ func(string, time.Duration)) (int, error) {
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
	fmt.Fprintf(stderr, "minted %d tokens by full flows in %v (%d errors)\n", len(bodies), p.elapsed.Round(time.Millisecond), errs.Load())
	return bodies, nil
}

// preflight solves one challenge of each target the way the workers do (one goroutine)
// and refuses the run when that takes over maxFlowSolve: with a production proof of work
// a load test measures the generator's CPU, reports almost no flows and says nothing about
// the servers. A challenge that cannot be fetched is left to the run, which reports it.
func (lc *loadClient) preflight(ctx context.Context) error {
	if lc.cfg.allowSlow {
		return nil
	}
	for i, t := range lc.cfg.targets {
		ch, err := lc.challenge(ctx, i)
		if err != nil {
			continue
		}
		sctx, cancel := context.WithTimeout(ctx, maxFlowSolve)
		_, err = astracaph.SolveChallenge(sctx, ch, astracaph.SolveOptions{Workers: 1})
		cancel()
		if err != nil && sctx.Err() != nil && ctx.Err() == nil {
			p := ch.Parameters
			return fmt.Errorf("solving one challenge of %s takes over %v here (%s, cost %d), so one flow would too: the run would measure this "+
				"machine's hashing, not the server. Start the servers under test with\n  astracaph serve %s\n"+
				"(or the matching ASTRACAPH_* variables), or pass -allow-slow to measure anyway",
				t, maxFlowSolve, p.Algorithm, p.Cost, loadTestServeFlags)
		}
	}
	return ctx.Err()
}
