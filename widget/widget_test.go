package widget

import (
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func newWidget(t testing.TB) *Widget {
	t.Helper()
	w, err := New()
	require.NoError(t, err)
	return w
}

func get(t testing.TB, h http.Handler, method, target string, hdr map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t testing.TB, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	return string(b)
}

func TestRoutes(t *testing.T) {
	w := newWidget(t)
	cases := []struct {
		path, asset, ctype, cache string
		cors                      bool
	}{
		{RouteLoader, "widget.js", "text/javascript; charset=utf-8", cacheShort, true},
		{RouteWorker, "worker.js", "text/javascript; charset=utf-8", cacheShort, true},
		{w.AssetURL("widget.js"), "widget.js", "text/javascript; charset=utf-8", cacheImmutable, true},
		{w.AssetURL("worker.js"), "worker.js", "text/javascript; charset=utf-8", cacheImmutable, true},
		{w.AssetURL("widget.css"), "widget.css", "text/css; charset=utf-8", cacheImmutable, true},
		{w.AssetURL("frame.js"), "frame.js", "text/javascript; charset=utf-8", cacheImmutable, true},
		{w.AssetURL("sandbox.js"), "sandbox.js", "text/javascript; charset=utf-8", cacheImmutable, true},
		{w.AssetURL("sandbox.css"), "sandbox.css", "text/css; charset=utf-8", cacheImmutable, true},
		{RouteFrame + "?theme=dark&siteKey=pk_live_x", "frame.html", "text/html; charset=utf-8", cachePage, false},
		{RouteSandbox, "sandbox.html", "text/html; charset=utf-8", cachePage, false},
		{RoutePrivacy, "privacy.html", "text/html; charset=utf-8", cacheShort, false},
		{w.AssetURL("privacy.css"), "privacy.css", "text/css; charset=utf-8", cacheImmutable, true},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			require.NotEmpty(t, c.path)
			a := w.assets[c.asset]
			r := get(t, w, http.MethodGet, c.path, nil)
			require.Equal(t, http.StatusOK, r.StatusCode)
			require.Equal(t, c.ctype, r.Header.Get("Content-Type"))
			require.Equal(t, c.cache, r.Header.Get("Cache-Control"))
			require.Equal(t, "nosniff", r.Header.Get("X-Content-Type-Options"))
			require.Equal(t, a.etag, r.Header.Get("ETag"))
			require.Equal(t, string(a.body), body(t, r))
			if c.cors {
				require.Equal(t, "*", r.Header.Get("Access-Control-Allow-Origin"))
				require.Empty(t, r.Header.Get("Access-Control-Allow-Credentials"))
			} else {
				require.Empty(t, r.Header.Get("Access-Control-Allow-Origin"))
				require.NotEmpty(t, r.Header.Get("Content-Security-Policy"))
			}

			r = get(t, w, http.MethodGet, c.path, map[string]string{"If-None-Match": a.etag})
			require.Equal(t, http.StatusNotModified, r.StatusCode)
			require.Empty(t, body(t, r))

			r = get(t, w, http.MethodGet, c.path, map[string]string{"If-None-Match": `"stale"`})
			require.Equal(t, http.StatusOK, r.StatusCode)

			r = get(t, w, http.MethodHead, c.path, nil)
			require.Equal(t, http.StatusOK, r.StatusCode)
			require.Equal(t, c.ctype, r.Header.Get("Content-Type"))
			require.Empty(t, body(t, r))

			for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodOptions} {
				r = get(t, w, m, c.path, nil)
				require.Equal(t, http.StatusMethodNotAllowed, r.StatusCode, m)
				require.Equal(t, "GET, HEAD", r.Header.Get("Allow"))
				var e struct {
					Success bool   `json:"success"`
					Error   string `json:"error"`
					Message string `json:"message"`
				}
				require.NoError(t, json.Unmarshal([]byte(body(t, r)), &e))
				require.False(t, e.Success)
				require.Equal(t, "method-not-allowed", e.Error)
				require.NotEmpty(t, e.Message)
			}
		})
	}
}

func TestPageCSP(t *testing.T) {
	w := newWidget(t)
	r := get(t, w, http.MethodGet, RouteFrame, nil)
	csp := r.Header.Get("Content-Security-Policy")
	require.Contains(t, csp, "frame-ancestors *")
	require.Contains(t, csp, "script-src 'self'")
	require.NotContains(t, csp, "unsafe-inline")
	r = get(t, w, http.MethodGet, RouteSandbox, nil)
	csp = r.Header.Get("Content-Security-Policy")
	require.Contains(t, csp, "frame-ancestors 'self'")
	require.NotContains(t, csp, "unsafe")
}

func TestNotFound(t *testing.T) {
	w := newWidget(t)
	good := w.AssetURL("widget.css")
	for _, p := range []string{
		strings.Replace(good, w.assets["widget.css"].hash, "0000000000000000", 1), // stale hash
		"/widget/" + w.assets["widget.js"].hash + "/widget.css",                   // hash of another file
		"/widget/" + w.assets["frame.html"].hash + "/frame.html",                  // pages are not hashed assets
		"/widget/", "/widget/x", "/api/v1/nope.js", "/",
	} {
		r := get(t, w, http.MethodGet, p, nil)
		require.Equal(t, http.StatusNotFound, r.StatusCode, p)
		require.Contains(t, body(t, r), `"not-found"`)
	}
}

func TestIntegrityMatchesBytes(t *testing.T) {
	w := newWidget(t)
	for name, a := range w.assets {
		r := get(t, w, http.MethodGet, "/widget/"+a.hash+"/"+name, nil)
		if a.page {
			require.Equal(t, http.StatusNotFound, r.StatusCode)
			continue
		}
		b := body(t, r)
		sum := sha512.Sum384([]byte(b))
		require.Equal(t, "sha384-"+base64.StdEncoding.EncodeToString(sum[:]), w.Integrity(name), name)
	}
	require.Empty(t, w.Integrity("nope.js"))
	require.Empty(t, w.AssetURL("nope.js"))
	require.Empty(t, w.AssetURL("frame.html"))
}

func TestPlaceholdersResolved(t *testing.T) {
	w := newWidget(t)
	for name, a := range w.assets {
		require.False(t, containsPlaceholder(a.body), name)
	}
	// The loader names the stylesheet by its content-addressed URL and SRI.
	js := string(w.assets["widget.js"].body)
	require.Contains(t, js, w.AssetURL("widget.css"))
	require.Contains(t, js, w.Integrity("widget.css"))
	frame := string(w.assets["frame.html"].body)
	require.Contains(t, frame, w.AssetURL("frame.js"))
	require.Contains(t, frame, w.AssetURL("widget.js"))
}

func TestScriptTag(t *testing.T) {
	w := newWidget(t)
	tag := string(w.ScriptTag("https://captcha.example.com/"))
	require.Contains(t, tag, `src="https://captcha.example.com`+w.AssetURL("widget.js")+`"`)
	require.Contains(t, tag, `integrity="`+w.Integrity("widget.js")+`"`)
	require.Contains(t, tag, `crossorigin="anonymous"`)
	require.NotContains(t, string(w.ScriptTag(`"><x`)), `"><x`)
}

// TestPrivacyURL: the widget's "Privacy" link points where WithPrivacyURL says (compiled
// into widget.js, escaped for its string literal); the default is the server's own page;
// URLs that could leave the page's control (another scheme, "//host", "/\\host") are refused.
func TestPrivacyURL(t *testing.T) {
	def := newWidget(t)
	require.Contains(t, string(def.assets["widget.js"].body), "var PRIVACY_URL = '';")
	for _, u := range []string{"https://example.com/privacy?x=1&y='2'", "/legal/privacy", "http://localhost:8080/p"} {
		w, err := New(WithPrivacyURL(u))
		require.NoError(t, err, u)
		js := string(w.assets["widget.js"].body)
		require.Contains(t, js, "var PRIVACY_URL = '"+jsString(u)+"';")
		require.NotEqual(t, def.AssetURL("widget.js"), w.AssetURL("widget.js"), "the content hash covers the setting")
		require.False(t, containsPlaceholder([]byte(js)))
	}
	require.Equal(t, `https://e.x/?a=\u0027b\u0027\u0026c`, jsString("https://e.x/?a='b'&c"))
	for _, u := range []string{"javascript:alert(1)", "//evil.example/p", "/\\evil.example", "privacy.html", "ftp://x/p", "https:///nohost", "/a b"} {
		_, err := New(WithPrivacyURL(u))
		require.ErrorIs(t, err, ErrPrivacyURL, u)
	}
}

func TestRegister(t *testing.T) {
	w := newWidget(t)
	mux := http.NewServeMux()
	w.Register(mux)
	for _, p := range []string{RouteLoader, RouteWorker, w.AssetURL("widget.css"), RouteFrame, RoutePrivacy, RouteSandbox} {
		r := get(t, mux, http.MethodGet, p, nil)
		require.Equal(t, http.StatusOK, r.StatusCode, p)
	}
}

func TestLoadAssetsCycle(t *testing.T) {
	fsys := fstestMap{
		"assets/a.js": "__ASTRACAPH_URL(b.js)__",
		"assets/b.js": "__ASTRACAPH_SRI(a.js)__",
	}
	_, err := loadAssets(fsys.FS(), nil, nil)
	require.ErrorIs(t, err, errCycle)
	_, err = loadAssets(fstestMap{"assets/a.js": "__ASTRACAPH_URL(missing.js)__"}.FS(), nil, nil)
	require.ErrorIs(t, err, errCycle)
	got, err := loadAssets(fstestMap{"assets/a.js": "x", "assets/b.js": "u=__ASTRACAPH_URL(a.js)__"}.FS(), nil, nil)
	require.NoError(t, err)
	require.Equal(t, "u="+got["a.js"].url(), string(got["b.js"].body))
}

func BenchmarkServeAsset(b *testing.B) {
	w := newWidget(b)
	req := httptest.NewRequest(http.MethodGet, RouteLoader, nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		w.ServeHTTP(rec, req)
	}
}
