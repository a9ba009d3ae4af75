package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/server"
)

// fastPoW keeps each solve at a few milliseconds while running the real PBKDF2 path.
var fastPoW = astracaph.PoWConfig{Algorithm: astracaph.PBKDF2SHA256, Cost: 2, CounterMin: 1, CounterMax: 30, V1MaxNumber: 500}

const masterSecret = "0123456789abcdef0123456789abcdef"

// env is one server under test: the engine, its (breakable) store and the handler.
type env struct {
	t     testing.TB
	c     *astracaph.Captcha
	store *flakyStore
	srv   *server.Server
}

// newEnv builds a Captcha (fast PoW, fixed secret, flaky memory store) and a server.
// opts may mix astracaph.Option and server.Option values.
func newEnv(t testing.TB, opts ...any) *env {
	t.Helper()
	st := &flakyStore{Store: astracaph.NewMemoryStore(astracaph.MemoryOptions{})}
	copts := []astracaph.Option{astracaph.WithSecret([]byte(masterSecret)), astracaph.WithPoW(fastPoW), astracaph.WithStore(st)}
	var sopts []server.Option
	for _, o := range opts {
		switch o := o.(type) {
		case astracaph.Option:
			copts = append(copts, o)
		case server.Option:
			sopts = append(sopts, o)
		default:
			require.Failf(t, "newEnv: unexpected option", "%T", o)
		}
	}
	c, err := astracaph.New(copts...)
	require.NoError(t, err)
	return &env{t: t, c: c, store: st, srv: server.New(c, sopts...)}
}

// reqMod adjusts a request before it is served.
type reqMod func(*http.Request)

func withHeader(k, v string) reqMod { return func(r *http.Request) { r.Header.Set(k, v) } }
func withOrigin(o string) reqMod    { return withHeader("Origin", o) }
func withRemote(a string) reqMod    { return func(r *http.Request) { r.RemoteAddr = a } }
func withCT(ct string) reqMod       { return withHeader("Content-Type", ct) }

// resp is a recorded response.
type resp struct {
	Code   int
	Header http.Header
	Body   []byte
}

// JSON decodes the body as an object, failing when it is not JSON.
func (r resp) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &m), "body: %s", r.Body)
	return m
}

func (r resp) String() string { return fmt.Sprintf("%d %s", r.Code, r.Body) }

// do serves one request. body: nil, a string (raw; set the Content-Type with withCT),
// url.Values (form-encoded), or anything else (JSON).
func (e *env) do(method, path string, body any, mods ...reqMod) resp {
	e.t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case url.Values:
		rd, ct = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	default:
		js, err := json.Marshal(b)
		require.NoError(e.t, err)
		rd, ct = bytes.NewReader(js), "application/json"
	}
	r := httptest.NewRequest(method, path, rd)
	if ct != "" {
		r.Header.Set("Content-Type", ct)
	}
	for _, m := range mods {
		m(r)
	}
	w := httptest.NewRecorder()
	e.srv.ServeHTTP(w, r)
	return resp{Code: w.Code, Header: w.Result().Header, Body: w.Body.Bytes()}
}

// requireJSON asserts an application/json response that is never cached.
func requireJSON(t testing.TB, r resp) {
	t.Helper()
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	require.NoError(t, err, r.String())
	require.Equal(t, "application/json", mt, r.String())
	require.Equal(t, "no-store", r.Header.Get("Cache-Control"))
	require.True(t, json.Valid(r.Body), "invalid JSON: %s", r.Body)
}

// requireError asserts the common JSON error shape with status and code.
func requireError(t testing.TB, r resp, status int, code string) map[string]any {
	t.Helper()
	require.Equal(t, status, r.Code, r.String())
	requireJSON(t, r)
	m := r.JSON(t)
	require.Equal(t, false, m["success"], r.String())
	require.Equal(t, code, m["error"], r.String())
	return m
}

// challenge fetches a v2 challenge through GET /api/v1/challenge.
func (e *env) challenge(query string, mods ...reqMod) astracaph.Challenge {
	e.t.Helper()
	r := e.do(http.MethodGet, "/api/v1/challenge"+query, nil, mods...)
	require.Equal(e.t, http.StatusOK, r.Code, r.String())
	var ch astracaph.Challenge
	require.NoError(e.t, json.Unmarshal(r.Body, &ch))
	return ch
}

// solve returns the payload a browser would post for a challenge fetched over HTTP.
func (e *env) solve(siteKey string) string {
	e.t.Helper()
	q := ""
	if siteKey != "" {
		q = "?siteKey=" + url.QueryEscape(siteKey)
	}
	return solveChallenge(e.t, e.challenge(q))
}

func solveChallenge(t testing.TB, ch astracaph.Challenge) string {
	t.Helper()
	sol, err := astracaph.SolveChallenge(context.Background(), ch, astracaph.SolveOptions{})
	require.NoError(t, err)
	return astracaph.EncodePayload(ch, sol)
}

// redeem posts a fresh solution for siteKey from origin and returns the decoded answer.
func (e *env) redeem(siteKey, origin string) (resp, map[string]any) {
	e.t.Helper()
	body := map[string]any{"payload": e.solve(siteKey)}
	if siteKey != "" {
		body["siteKey"] = siteKey
	}
	r := e.do(http.MethodPost, "/api/v1/challenge", body, withOrigin(origin))
	requireJSON(e.t, r)
	return r, r.JSON(e.t)
}

// token runs the browser flow and returns a token bound to origin.
func (e *env) token(siteKey, origin string) string {
	e.t.Helper()
	r, m := e.redeem(siteKey, origin)
	require.Equal(e.t, http.StatusOK, r.Code, r.String())
	require.Equal(e.t, true, m["success"], r.String())
	tok, _ := m["token"].(string)
	require.NotEmpty(e.t, tok)
	return tok
}

// site registers a site through POST /api/v1/sites.
func (e *env) site(domain string, origins ...string) (siteKey, secret string) {
	e.t.Helper()
	r := e.do(http.MethodPost, "/api/v1/sites", map[string]any{"domain": domain, "name": "Test " + domain, "origins": origins})
	require.Equal(e.t, http.StatusCreated, r.Code, r.String())
	m := r.JSON(e.t)
	return m["siteKey"].(string), m["secret"].(string)
}

// flakyStore is a memory store that fails every call with astracaph.ErrStore while down.
type flakyStore struct {
	astracaph.Store
	down atomic.Bool
}

func (f *flakyStore) fail() error {
	if f.down.Load() {
		return fmt.Errorf("%w: simulated outage", astracaph.ErrStore)
	}
	return nil
}

func (f *flakyStore) Ping(ctx context.Context) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Store.Ping(ctx)
}

func (f *flakyStore) ConsumeOnce(ctx context.Context, key, value string, issued time.Time, ttl time.Duration) (bool, string, error) {
	if err := f.fail(); err != nil {
		return false, "", err
	}
	return f.Store.ConsumeOnce(ctx, key, value, issued, ttl)
}

func (f *flakyStore) Incr(ctx context.Context, key string, window time.Duration) (int64, error) {
	if err := f.fail(); err != nil {
		return 0, err
	}
	return f.Store.Incr(ctx, key, window)
}

func (f *flakyStore) Leak(ctx context.Context, key string, add, rate float64, ttl time.Duration) (float64, error) {
	if err := f.fail(); err != nil {
		return 0, err
	}
	return f.Store.Leak(ctx, key, add, rate, ttl)
}

func (f *flakyStore) CreateSite(ctx context.Context, s astracaph.SiteRecord) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Store.CreateSite(ctx, s)
}

func (f *flakyStore) GetSite(ctx context.Context, siteKey string) (astracaph.SiteRecord, error) {
	if err := f.fail(); err != nil {
		return astracaph.SiteRecord{}, err
	}
	return f.Store.GetSite(ctx, siteKey)
}

func (f *flakyStore) GetSiteByDomain(ctx context.Context, domain string) (astracaph.SiteRecord, error) {
	if err := f.fail(); err != nil {
		return astracaph.SiteRecord{}, err
	}
	return f.Store.GetSiteByDomain(ctx, domain)
}

func (f *flakyStore) UpdateSite(ctx context.Context, s astracaph.SiteRecord, expectHash string) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Store.UpdateSite(ctx, s, expectHash)
}

func (f *flakyStore) DeleteSite(ctx context.Context, siteKey, secretHash string) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Store.DeleteSite(ctx, siteKey, secretHash)
}

func (f *flakyStore) ListSites(ctx context.Context) ([]astracaph.SiteRecord, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return f.Store.ListSites(ctx)
}

func (f *flakyStore) SetState(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Store.SetState(ctx, key, value, ttl)
}

func (f *flakyStore) GetState(ctx context.Context, key string) ([]byte, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return f.Store.GetState(ctx, key)
}

func (f *flakyStore) TakeState(ctx context.Context, key string) ([]byte, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return f.Store.TakeState(ctx, key)
}

// clock is a settable time source for expiry tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// observed collects server events.
type observed struct {
	mu  sync.Mutex
	evs []server.Event
}

func (o *observed) record(e server.Event) { o.mu.Lock(); o.evs = append(o.evs, e); o.mu.Unlock() }

func (o *observed) last(t testing.TB) server.Event {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	require.NotEmpty(t, o.evs)
	return o.evs[len(o.evs)-1]
}

// withNoLimits disables the store-backed rate limits.
func withNoLimits() server.Option { return server.WithLimits(server.Limits{}) }

// withObserver records every server event into o.
func withObserver(o *observed) server.Option { return server.WithObserver(o.record) }
