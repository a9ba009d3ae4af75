package server_test

import (
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/server"
)

var verifyPaths = []string{"/api/v1/verify", "/public/api/v1/verify"}

// verifyOK posts to a verify path and returns the 200 body.
func verifyOK(t *testing.T, e *env, path string, body map[string]any, mods ...reqMod) map[string]any {
	t.Helper()
	r := e.do(http.MethodPost, path, body, mods...)
	require.Equal(t, http.StatusOK, r.Code, r.String())
	requireJSON(t, r)
	return r.JSON(t)
}

func TestVerifyWithSiteSecret(t *testing.T) {
	e := newEnv(t)
	key, secret := e.site("shop.example")
	for _, path := range verifyPaths {
		for _, field := range []string{"secret", "secretKey"} {
			t.Run(path+"/"+field, func(t *testing.T) {
				tok := e.token(key, "https://shop.example")
				// A wrong secret fails without consuming the token.
				m := verifyOK(t, e, path, map[string]any{"token": tok, field: "sk_live_wrong"})
				require.Equal(t, false, m["success"])
				require.Equal(t, []any{astracaph.CodeInvalidSecret}, m["error-codes"])
				require.NotEmpty(t, m["message"])

				m = verifyOK(t, e, path, map[string]any{"token": tok, field: secret})
				require.Equal(t, true, m["success"], m)
				require.Equal(t, key, m["siteKey"])
				require.Equal(t, "shop.example", m["hostname"])
				require.Equal(t, "Verification successful", m["message"])
				m = verifyOK(t, e, path, map[string]any{"token": tok, field: secret})
				require.Equal(t, []any{astracaph.CodeTimeoutDuplicate}, m["error-codes"])
			})
		}
	}
}

func TestVerifyFailures(t *testing.T) {
	e := newEnv(t)
	for _, path := range verifyPaths {
		tok := e.token("", "https://x.example")
		r := e.do(http.MethodPost, path, map[string]any{"origin": "https://x.example"})
		m := requireError(t, r, http.StatusBadRequest, astracaph.CodeMissingResponse)
		require.Equal(t, []any{astracaph.CodeMissingResponse}, m["error-codes"])

		m = verifyOK(t, e, path, map[string]any{"token": tok})
		require.Equal(t, []any{astracaph.CodeMissingSecret}, m["error-codes"])
		m = verifyOK(t, e, path, map[string]any{"token": "bm90LWEtdG9rZW4=", "origin": "https://x.example"})
		require.Equal(t, []any{astracaph.CodeInvalidResponse}, m["error-codes"])
		m = verifyOK(t, e, path, map[string]any{"token": tok, "origin": "https://y.example"})
		require.Equal(t, []any{astracaph.CodeOriginMismatch}, m["error-codes"])
		m = verifyOK(t, e, path, map[string]any{"token": tok, "domain": "y.example"})
		require.Equal(t, []any{astracaph.CodeOriginMismatch}, m["error-codes"])
		// None of the failures consumed the token.
		m = verifyOK(t, e, path, map[string]any{"token": tok, "domain": "X.example"})
		require.Equal(t, true, m["success"], m)

		requireError(t, e.do(http.MethodPost, path, "token=x", withCT("application/x-www-form-urlencoded")), http.StatusUnsupportedMediaType, "unsupported-media-type")
		requireError(t, e.do(http.MethodPost, path, `{"token":`, withCT("application/json")), http.StatusBadRequest, "bad-request")
	}
}

func TestVerifyStoreOutageFailsClosed(t *testing.T) {
	e := newEnv(t)
	tok := e.token("", "https://x.example")
	e.store.down.Store(true)
	r := e.do(http.MethodPost, "/api/v1/verify", map[string]any{"token": tok, "origin": "https://x.example"})
	m := requireError(t, r, http.StatusServiceUnavailable, "unavailable")
	require.Equal(t, []any{astracaph.CodeInternalError}, m["error-codes"])
	e.store.down.Store(false)
	m = verifyOK(t, e, "/api/v1/verify", map[string]any{"token": tok, "origin": "https://x.example"})
	require.Equal(t, true, m["success"], "the outage did not spend the token")
}

func TestVerifyTrustedIPs(t *testing.T) {
	e := newEnv(t, server.WithVerifyTrustedIPs(netip.MustParsePrefix("10.1.0.0/16")))
	key, secret := e.site("shop.example")
	outsider, insider := withRemote("203.0.113.50:4000"), withRemote("10.1.2.3:4000")
	for _, path := range verifyPaths {
		tok := e.token(key, "https://shop.example")
		for _, b := range []map[string]any{{"token": tok, "origin": "https://shop.example"}, {"token": tok, "domain": "shop.example"}, {"token": tok}} {
			m := requireError(t, e.do(http.MethodPost, path, b, outsider), http.StatusForbidden, "forbidden")
			require.Equal(t, []any{astracaph.CodeMissingSecret}, m["error-codes"])
		}
		m := verifyOK(t, e, path, map[string]any{"token": tok, "origin": "https://shop.example"}, insider)
		require.Equal(t, true, m["success"], m)

		tok = e.token(key, "https://shop.example")
		m = verifyOK(t, e, path, map[string]any{"token": tok, "secretKey": secret}, outsider)
		require.Equal(t, true, m["success"], "a secret works from anywhere: %v", m)
	}
}

func TestVerifySignature(t *testing.T) {
	e := newEnv(t)
	key, secret := e.site("sig.example")
	tok := e.token(key, "https://sig.example")
	post := func(body any) map[string]any {
		t.Helper()
		r := e.do(http.MethodPost, "/api/v1/verify/signature", body)
		require.Equal(t, http.StatusOK, r.Code, r.String())
		requireJSON(t, r)
		return r.JSON(t)
	}
	m := post(map[string]any{"payload": tok, "secret": secret})
	require.Equal(t, true, m["verified"], m)
	require.NotContains(t, m, "reason")
	vd, ok := m["verificationData"].(map[string]any)
	require.True(t, ok, m)
	require.Equal(t, key, vd["site"])
	require.Equal(t, "https://sig.example", vd["origin"])
	require.Equal(t, true, vd["verified"])
	require.NotEmpty(t, vd["id"])
	require.EqualValues(t, 1, vd["score"])
	require.InDelta(t, time.Now().Unix(), vd["time"], 5)
	require.InDelta(t, time.Now().Add(5*time.Minute).Unix(), vd["expire"], 5)

	m = post(map[string]any{"payload": tok, "secret": "sk_live_wrong"})
	require.Equal(t, false, m["verified"])
	require.Equal(t, "invalid-signature", m["reason"])
	require.NotContains(t, m, "verificationData")
	m = post(map[string]any{"payload": "garbage", "secret": secret})
	require.Equal(t, false, m["verified"])
	require.Equal(t, "invalid-payload", m["reason"])

	// Signature checks do not consume: the token still verifies once afterwards.
	v := verifyOK(t, e, "/api/v1/verify", map[string]any{"token": tok, "secret": secret})
	require.Equal(t, true, v["success"], v)

	// Expired and not-verified payloads signed with a known key.
	k := []byte("known-signing-key")
	past := time.Now().Add(-time.Hour)
	expired, err := astracaph.SignServerPayload(astracaph.VerificationData{ID: "old", Time: past, Expire: past.Add(time.Minute), Verified: true}, k, astracaph.SHA256)
	require.NoError(t, err)
	m = post(map[string]any{"payload": expired, "secret": string(k)})
	require.Equal(t, false, m["verified"])
	require.Equal(t, "expired", m["reason"])
	notVerified, err := astracaph.SignServerPayload(astracaph.VerificationData{ID: "nv", Time: time.Now(), Expire: time.Now().Add(time.Minute)}, k, astracaph.SHA256)
	require.NoError(t, err)
	m = post(map[string]any{"payload": notVerified, "secret": string(k)})
	require.Equal(t, false, m["verified"])
	require.Equal(t, "not-verified", m["reason"])

	requireError(t, e.do(http.MethodPost, "/api/v1/verify/signature", map[string]any{"payload": tok}), http.StatusBadRequest, "bad-request")
	requireError(t, e.do(http.MethodPost, "/api/v1/verify/signature", map[string]any{"secret": secret}), http.StatusBadRequest, "bad-request")
	requireError(t, e.do(http.MethodPost, "/api/v1/verify/signature", "payload=x", withCT("text/plain")), http.StatusUnsupportedMediaType, "unsupported-media-type")
}

func TestVerifyConcurrentExactlyOnce(t *testing.T) {
	e := newEnv(t)
	tok := e.token("", "https://x.example")
	const n = 32
	var wg sync.WaitGroup
	var ok atomic.Int32
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.do(http.MethodPost, "/api/v1/verify", map[string]any{"token": tok, "origin": "https://x.example"})
			if r.Code == http.StatusOK && strings.Contains(string(r.Body), `"success":true`) {
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	require.Equal(t, int32(1), ok.Load())
}
