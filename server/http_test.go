package server_test

import (
	"bytes"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph/server"
)

// browserPaths are the endpoints pages call cross-origin.
var browserPaths = []string{
	"/api/v1/challenge",
	"/api/v1/challenge/visual",
	"/api/v1/challenge/visual/v_x/image.png",
	"/api/v1/challenge/verify",
}

func TestCORSPreflight(t *testing.T) {
	e := newEnv(t)
	for _, p := range browserPaths {
		r := e.do(http.MethodOptions, p, nil, withOrigin("https://page.example"), withHeader("Access-Control-Request-Method", "POST"), withHeader("Access-Control-Request-Headers", "content-type"))
		require.Equal(t, http.StatusNoContent, r.Code, p)
		require.Empty(t, r.Body)
		h := r.Header
		require.Equal(t, "*", h.Get("Access-Control-Allow-Origin"), p)
		require.Contains(t, h.Get("Access-Control-Allow-Methods"), "POST", p)
		require.Contains(t, h.Get("Access-Control-Allow-Methods"), "GET", p)
		require.Contains(t, h.Get("Access-Control-Allow-Headers"), "Content-Type", p)
		require.NotEmpty(t, h.Get("Access-Control-Max-Age"), p)
		require.Contains(t, h.Get("Access-Control-Expose-Headers"), "Retry-After", p)
		require.Empty(t, h.Get("Access-Control-Allow-Credentials"), "no credentials with a wildcard origin")
	}
	// A plain OPTIONS (no preflight) is just a disallowed method.
	r := e.do(http.MethodOptions, "/api/v1/challenge", nil)
	requireError(t, r, http.StatusMethodNotAllowed, "method-not-allowed")
	require.Equal(t, "*", r.Header.Get("Access-Control-Allow-Origin"))

	// Server-to-server endpoints are not opened to pages.
	for _, p := range []string{"/api/v1/verify", "/public/api/v1/verify", "/api/v1/siteverify", "/api/v1/verify/signature", "/api/v1/sites"} {
		r := e.do(http.MethodOptions, p, nil, withOrigin("https://page.example"), withHeader("Access-Control-Request-Method", "POST"))
		requireError(t, r, http.StatusMethodNotAllowed, "method-not-allowed")
		require.Empty(t, r.Header.Get("Access-Control-Allow-Origin"), p)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	e := newEnv(t)
	for path, allow := range map[string]string{
		"/api/v1/challenge":                      "GET, HEAD, POST",
		"/api/v1/challenge/visual":               "POST",
		"/api/v1/challenge/visual/v_x/audio.wav": "GET, HEAD",
		"/api/v1/challenge/verify":               "POST",
		"/api/v1/verify":                         "POST",
		"/public/api/v1/verify":                  "POST",
		"/api/v1/siteverify":                     "POST",
		"/turnstile/v0/siteverify":               "POST",
		"/recaptcha/api/siteverify":              "POST",
		"/hcaptcha/siteverify":                   "POST",
		"/api/v1/verify/signature":               "POST",
		"/api/v1/sites":                          "DELETE, POST",
		"/api/v1/sites/pk_live_x":                "GET, HEAD",
		"/healthz":                               "GET, HEAD",
		"/sandbox/events":                        "GET, HEAD",
	} {
		r := e.do(http.MethodPatch, path, nil)
		m := requireError(t, r, http.StatusMethodNotAllowed, "method-not-allowed")
		require.Equal(t, allow, r.Header.Get("Allow"), path)
		require.Contains(t, m["message"], "PATCH")
	}
}

func TestNotFound(t *testing.T) {
	e := newEnv(t)
	for _, p := range []string{"/nope", "/api/v1", "/api/v2/challenge", "/api/v1/sites/", "/api/v1/challenge/visual/x"} {
		for _, m := range []string{http.MethodGet, http.MethodPost} {
			requireError(t, e.do(m, p, nil), http.StatusNotFound, "not-found")
		}
	}
	// The root sends people to the sandbox.
	r := e.do(http.MethodGet, "/", nil)
	require.Equal(t, http.StatusFound, r.Code)
	require.Equal(t, "/sandbox", r.Header.Get("Location"))
	requireError(t, e.do(http.MethodPost, "/", nil), http.StatusNotFound, "not-found")

	off := newEnv(t, server.WithSandbox(false))
	requireError(t, off.do(http.MethodGet, "/", nil), http.StatusNotFound, "not-found")
	requireError(t, off.do(http.MethodGet, "/sandbox", nil), http.StatusNotFound, "not-found")
	requireError(t, off.do(http.MethodGet, "/sandbox/events", nil), http.StatusNotFound, "not-found")
}

func TestBodyLimit(t *testing.T) {
	e := newEnv(t, server.WithMaxBody(256))
	big := strings.Repeat("a", 1024)
	jsonPaths := []string{"/api/v1/challenge", "/api/v1/challenge/visual", "/api/v1/challenge/verify", "/api/v1/verify", "/public/api/v1/verify", "/api/v1/verify/signature", "/api/v1/sites"}
	for _, p := range jsonPaths {
		r := e.do(http.MethodPost, p, map[string]any{"payload": big, "token": big, "domain": big, "id": big}, withOrigin("https://x.example"))
		requireError(t, r, http.StatusRequestEntityTooLarge, "body-too-large")
	}
	requireError(t, e.do(http.MethodDelete, "/api/v1/sites", map[string]any{"domain": big}), http.StatusRequestEntityTooLarge, "body-too-large")
	for p := range siteverifyPaths {
		requireError(t, e.do(http.MethodPost, p, url.Values{"secret": {"s"}, "response": {big}}), http.StatusRequestEntityTooLarge, "body-too-large")
		requireError(t, e.do(http.MethodPost, p, map[string]any{"secret": "s", "response": big}), http.StatusRequestEntityTooLarge, "body-too-large")
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	require.NoError(t, mw.WriteField("secret", "s"))
	require.NoError(t, mw.WriteField("response", big))
	require.NoError(t, mw.Close())
	requireError(t, e.do(http.MethodPost, "/api/v1/siteverify", buf.String(), withCT(mw.FormDataContentType())), http.StatusRequestEntityTooLarge, "body-too-large")
	// Under the limit the same endpoints work.
	r := e.do(http.MethodPost, "/api/v1/verify", map[string]any{"token": "x", "origin": "https://x.example"})
	require.Equal(t, http.StatusOK, r.Code, r.String())
}

func TestUnsupportedMediaType(t *testing.T) {
	e := newEnv(t)
	jsonPaths := []string{"/api/v1/challenge", "/api/v1/challenge/visual", "/api/v1/challenge/verify", "/api/v1/verify", "/public/api/v1/verify", "/api/v1/verify/signature", "/api/v1/sites"}
	for _, p := range jsonPaths {
		for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "application/jsonp", "multipart/form-data; boundary=x"} {
			r := e.do(http.MethodPost, p, `{"payload":"x"}`, withCT(ct))
			requireError(t, r, http.StatusUnsupportedMediaType, "unsupported-media-type")
		}
		// Parameters on the media type are fine.
		r := e.do(http.MethodPost, p, `{}`, withCT("application/json; charset=utf-8"), withOrigin("https://x.example"))
		require.NotEqual(t, http.StatusUnsupportedMediaType, r.Code, p)
	}
	for p := range siteverifyPaths {
		for _, ct := range []string{"", "text/plain", "application/xml"} {
			requireError(t, e.do(http.MethodPost, p, "secret=x&response=y", withCT(ct)), http.StatusUnsupportedMediaType, "unsupported-media-type")
		}
	}
}

func requireRetryAfter(t *testing.T, r resp, max int) {
	t.Helper()
	requireError(t, r, http.StatusTooManyRequests, "rate-limited")
	n, err := strconv.Atoi(r.Header.Get("Retry-After"))
	require.NoError(t, err, "Retry-After: %q", r.Header.Get("Retry-After"))
	require.GreaterOrEqual(t, n, 1)
	require.LessOrEqual(t, n, max)
}

func TestRateLimits(t *testing.T) {
	awayFromWindowEdge(time.Minute)
	awayFromWindowEdge(time.Hour)
	e := newEnv(t, server.WithLimits(server.Limits{Challenge: 2, Redeem: 3, Sites: 1}))
	for range 2 {
		require.Equal(t, http.StatusOK, e.do(http.MethodGet, "/api/v1/challenge", nil).Code)
	}
	r := e.do(http.MethodGet, "/api/v1/challenge", nil)
	requireRetryAfter(t, r, 61)
	require.Contains(t, r.Header.Get("Access-Control-Expose-Headers"), "Retry-After", "pages can read Retry-After")
	// Another client has its own budget.
	require.Equal(t, http.StatusOK, e.do(http.MethodGet, "/api/v1/challenge", nil, withRemote("198.51.100.9:1")).Code)

	// Redeem, visual answers and verifyUrl share the redeem budget.
	require.NotEqual(t, http.StatusTooManyRequests, e.do(http.MethodPost, "/api/v1/challenge", map[string]any{"payload": "x"}).Code)
	require.NotEqual(t, http.StatusTooManyRequests, e.do(http.MethodPost, "/api/v1/challenge/visual", map[string]any{"id": "x", "code": "y"}).Code)
	require.NotEqual(t, http.StatusTooManyRequests, e.do(http.MethodPost, "/api/v1/challenge/verify", map[string]any{"payload": "x"}).Code)
	requireRetryAfter(t, e.do(http.MethodPost, "/api/v1/challenge", map[string]any{"payload": "x"}), 61)
	requireRetryAfter(t, e.do(http.MethodPost, "/api/v1/challenge/visual", map[string]any{"id": "x", "code": "y"}), 61)
	requireRetryAfter(t, e.do(http.MethodPost, "/api/v1/challenge/verify", map[string]any{"payload": "x"}), 61)

	// Site creation has an hourly budget.
	e.site("one.example")
	requireRetryAfter(t, e.do(http.MethodPost, "/api/v1/sites", map[string]any{"domain": "two.example"}), 3601)

	// Verification is never rate-limited by these budgets.
	for range 5 {
		require.Equal(t, http.StatusOK, e.do(http.MethodPost, "/api/v1/verify", map[string]any{"token": "x", "origin": "https://x.example"}).Code)
	}
}

func TestHealthz(t *testing.T) {
	e := newEnv(t)
	r := e.do(http.MethodGet, "/healthz", nil)
	require.Equal(t, http.StatusOK, r.Code)
	requireJSON(t, r)
	require.Equal(t, "ok", r.JSON(t)["status"])
	e.store.down.Store(true)
	r = e.do(http.MethodGet, "/healthz", nil)
	require.Equal(t, http.StatusServiceUnavailable, r.Code)
	requireJSON(t, r)
	require.Equal(t, "unavailable", r.JSON(t)["status"])
	e.store.down.Store(false)
	require.Equal(t, http.StatusOK, e.do(http.MethodGet, "/healthz", nil).Code)
}

func TestWidgetRoutes(t *testing.T) {
	e := newEnv(t)
	for path, want := range map[string]string{
		"/api/v1/widget.js": "text/javascript",
		"/api/v1/worker.js": "text/javascript",
		"/captcha/widget":   "text/html",
		"/sandbox":          "text/html",
	} {
		r := e.do(http.MethodGet, path, nil)
		require.Equal(t, http.StatusOK, r.Code, path)
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		require.NoError(t, err)
		require.Equal(t, want, mt, path)
		require.NotEmpty(t, r.Body, path)
		require.Equal(t, "nosniff", r.Header.Get("X-Content-Type-Options"))
	}
	requireError(t, e.do(http.MethodGet, "/widget/deadbeef/widget.js", nil), http.StatusNotFound, "not-found")
}

func TestEventsCarryBodyRejections(t *testing.T) {
	var obs observed
	e := newEnv(t, withObserver(&obs), server.WithMaxBody(64))
	for _, c := range []struct {
		body   string
		ct     string
		status int
		code   string
	}{
		{`{"payload":"x"}`, "text/plain", http.StatusUnsupportedMediaType, "unsupported-media-type"},
		{`{"payload":"` + strings.Repeat("a", 200) + `"}`, "application/json", http.StatusRequestEntityTooLarge, "body-too-large"},
		{`{"payload":`, "application/json", http.StatusBadRequest, "bad-request"},
	} {
		requireError(t, e.do(http.MethodPost, "/api/v1/challenge", c.body, withCT(c.ct)), c.status, c.code)
		ev := obs.last(t)
		require.Equal(t, "redeem", ev.Kind)
		require.Equal(t, c.status, ev.Status)
		require.Equal(t, c.code, ev.Error)
	}
}
