package server_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/astracat/astracaph"
	"github.com/stretchr/testify/require"
)

// BenchmarkVerifyHandler measures POST /api/v1/verify end to end through the handler
// (JSON decode, signature check, atomic consumption, JSON answer) with fresh tokens.
func BenchmarkVerifyHandler(b *testing.B) {
	open := []byte("open-secret-for-benchmarks")
	e := newEnv(b, astracaph.WithOpenSecret(open), withNoLimits())
	now := time.Now()
	bodies := make([]string, b.N)
	for i := range bodies {
		tok, err := astracaph.SignServerPayload(astracaph.VerificationData{
			ID: "bench-" + strconv.Itoa(i), Origin: "https://x.example", Time: now, Expire: now.Add(5 * time.Minute),
			Score: 0.9, HasScore: true, Verified: true,
		}, open, astracaph.SHA256)
		require.NoError(b, err)
		bodies[i] = `{"token":"` + tok + `","origin":"https://x.example"}`
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := httptest.NewRequest(http.MethodPost, "/api/v1/verify", strings.NewReader(bodies[i]))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		e.srv.ServeHTTP(w, r)
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"success":true`) { // guarded: require costs a t.Helper call
			require.Failf(b, "verify failed", "%d %s", w.Code, w.Body)
		}
	}
}
