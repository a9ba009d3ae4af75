package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/astracat/astracaph/middleware"
	"github.com/stretchr/testify/require"
)

// BenchmarkProtectURLEncoded is the in-process hot path: buffer and parse a form, verify
// and consume a token in the memory store, call the handler.
func BenchmarkProtectURLEncoded(b *testing.B) {
	c := newCaptcha(b)
	bodies := make([]string, b.N)
	for i := range bodies {
		bodies[i] = url.Values{"astracaph-response": {sign(b, nil)}, "name": {"Ada"}, "message": {strings.Repeat("hello ", 50)}}.Encode()
	}
	h := middleware.Protect(c)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := httptest.NewRequest(http.MethodPost, "/submit", strings.NewReader(bodies[i]))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Origin", siteOrigin)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK { // guarded: require costs a t.Helper call
			require.Failf(b, "request refused", "%d %s", w.Code, w.Body.String())
		}
	}
}

// BenchmarkProtectReject is the cost of refusing garbage (what a flood costs).
func BenchmarkProtectReject(b *testing.B) {
	c := newCaptcha(b)
	body := url.Values{"astracaph-response": {"not-a-token"}, "name": {"Ada"}}.Encode()
	h := middleware.Protect(c)(http.NotFoundHandler())
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "/submit", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Origin", siteOrigin)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusForbidden { // guarded: require costs a t.Helper call
			require.Failf(b, "garbage not refused", "status %d", w.Code)
		}
	}
}
