package e2e

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/internal/testenv"
	"github.com/astracat/astracaph/middleware"
	"github.com/astracat/astracaph/server"
)

// testTimeout bounds each browser test, Chromium start included.
const testTimeout = 60 * time.Second

// strictCSP is the policy of a site that allows nothing but its own origin; report-uri
// makes Chromium post every violation back to the test server.
const strictCSP = "default-src 'self'; script-src 'self'; style-src 'self'; worker-src 'self'; connect-src 'self'; report-uri /csp-report"

// fastPoW keeps the proof of work around a hundred milliseconds in headless Chromium.
var fastPoW = astracaph.PoWConfig{Algorithm: astracaph.PBKDF2SHA256, Cost: 50, CounterMin: 5, CounterMax: 50}

// newEngine returns an engine with a fixed-length random master secret and the fast PoW,
// plus opts.
func newEngine(t *testing.T, opts ...astracaph.Option) *astracaph.Captcha {
	t.Helper()
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	c, err := astracaph.New(append([]astracaph.Option{astracaph.WithSecret(secret), astracaph.WithPoW(fastPoW)}, opts...)...)
	require.NoError(t, err)
	return c
}

// submission is what the protected form handler saw.
type submission struct {
	Result astracaph.Result
	HasRes bool
	Name   string
}

// site is one origin served by the test: the hosted API mounted at its root (unless
// disabled), the test's pages next to it, a CSP report sink and a protected /submit.
type site struct {
	t       *testing.T
	c       *astracaph.Captcha
	mux     *http.ServeMux
	api     http.Handler // server.New(c), mounted at "/"
	srv     *httptest.Server
	URL     string
	submits chan submission

	mu      sync.Mutex
	reports []string
	events  []server.Event
}

// newSite starts an origin. With c != nil the API from server.New(c) answers every path the
// test does not claim, and /submit is guarded by middleware.Protect(c).
func newSite(t *testing.T, c *astracaph.Captcha, opts ...server.Option) *site {
	t.Helper()
	s := &site{t: t, c: c, mux: http.NewServeMux(), submits: make(chan submission, 8)}
	s.mux.HandleFunc("/csp-report", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
		s.mu.Lock()
		s.reports = append(s.reports, string(b))
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	if c != nil {
		opts = append([]server.Option{server.WithObserver(func(e server.Event) {
			s.mu.Lock()
			s.events = append(s.events, e)
			s.mu.Unlock()
		})}, opts...)
		s.api = server.New(c, opts...)
		s.mux.Handle("/", s.api)
		s.mux.Handle("/submit", middleware.Protect(c)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			res, ok := middleware.ResultFromContext(r.Context())
			_ = r.ParseForm() // the middleware hands the body on unread
			s.submits <- submission{Result: res, HasRes: ok, Name: r.PostFormValue("name")}
			s.html(w, strictCSP, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>submitted</title></head><body><p id="done">Thanks</p></body></html>`)
		})))
	}
	s.srv = httptest.NewServer(s.mux)
	t.Cleanup(s.srv.Close)
	s.URL = s.srv.URL
	return s
}

// html answers a page with the given CSP ("" for none).
func (s *site) html(w http.ResponseWriter, csp, body string) {
	if csp != "" {
		w.Header().Set("Content-Security-Policy", csp)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = io.WriteString(w, body)
}

// page serves body at path under csp.
func (s *site) page(path, csp, body string) {
	s.mux.HandleFunc(path, func(w http.ResponseWriter, _ *http.Request) { s.html(w, csp, body) })
}

// script serves a classic or module script (no inline script is ever needed).
func (s *site) script(path, src string) {
	s.mux.HandleFunc(path, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = io.WriteString(w, src)
	})
}

// cspReports waits briefly (reports are posted asynchronously) and returns them.
func (s *site) cspReports() []string {
	time.Sleep(300 * time.Millisecond)
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.reports...)
}

// eventsOf returns the API events of one kind seen so far.
func (s *site) eventsOf(kind string) []server.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []server.Event
	for _, e := range s.events {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// submission waits for the protected handler to run.
func (s *site) submission(ctx context.Context) submission {
	s.t.Helper()
	select {
	case sub := <-s.submits:
		return sub
	case <-ctx.Done():
		require.Failf(s.t, "the protected handler never ran", "%v", ctx.Err())
	}
	return submission{}
}

// postJSON posts body to the site and decodes the JSON answer.
func (s *site) postJSON(path string, body any) (int, map[string]any) {
	s.t.Helper()
	b, err := json.Marshal(body)
	require.NoError(s.t, err)
	resp, err := http.Post(s.URL+path, "application/json", strings.NewReader(string(b)))
	require.NoError(s.t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(s.t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

// postForm posts a urlencoded form and decodes the JSON answer.
func (s *site) postForm(path string, form url.Values) (int, map[string]any) {
	s.t.Helper()
	resp, err := http.PostForm(s.URL+path, form)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(s.t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

// browserOptions are the flags every test runs Chromium with.
func browserOptions(t *testing.T) []chromedp.ExecAllocatorOption {
	chrome := testenv.LookPath(t, "chromium", "chromium-browser", "google-chrome")
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chrome), chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-first-run", true), chromedp.WindowSize(1024, 768),
	}
}

// newBrowser starts a private Chromium and returns a tab context that expires after
// testTimeout. The browser is killed when the test ends.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), browserOptions(t)...)
	t.Cleanup(cancelAlloc)
	bctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(cancelTab)
	ctx, cancel := context.WithTimeout(bctx, testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// eval evaluates a JavaScript expression (promises awaited) and decodes its value.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	require.NoError(t, err, "evaluating %s", expr)
	return v
}

// widgetDiag describes the first AstraCaph widget on the page, for failure messages.
const widgetDiag = `(function(){var r=document.querySelector('.astracaph');return r?r.getAttribute('data-state')+': '+(r.querySelector('.astracaph__status')||{}).textContent:'no widget'})()`

// waitJS polls expr until it is truthy; on timeout it fails with diag's value. Errors
// while polling (a navigation replacing the page) are retried, not fatal.
func waitJS(t *testing.T, ctx context.Context, expr, diag string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	var lastErr error
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+expr+")"))
		if err == nil && ok {
			return
		}
		lastErr = err
		if time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	state := "?"
	if diag != "" && ctx.Err() == nil {
		state, _ = chromedp.Run(ctx, chromedp.Evaluate[string](diag))
	}
	require.Failf(t, "timed out", "waiting for %s: timed out after %v (last error %v; page: %s)", expr, d, lastErr, state)
}

// jsQuote returns s as a JavaScript string literal.
func jsQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// outDir returns e2e/out, created on demand (git-ignored).
func outDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(testenv.RepoRoot(), "e2e", "out")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	return dir
}

// registerSite registers a site for 127.0.0.1 (any port), as a test would on a real host.
func registerSite(t *testing.T, c *astracaph.Captcha) astracaph.SiteCredentials {
	t.Helper()
	creds, err := c.RegisterSite(t.Context(), astracaph.SiteRequest{Domain: "127.0.0.1", Name: "e2e"})
	require.NoError(t, err)
	return creds
}

// formPage is a contact form protected by our widget (container found by id).
func formPage(attrs string) string {
	return fmt.Sprintf(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>form</title></head>
<body><form id="f" action="/submit" method="post">
<label for="name">Name</label> <input id="name" name="name" type="text">
<div id="astracaph-container" %s></div>
<button id="send" type="submit">Send</button></form>
<script src="/api/v1/widget.js"></script></body></html>`, attrs)
}

// sprintf is fmt.Sprintf, short for page templates.
func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }
