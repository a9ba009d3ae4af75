package middleware_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/middleware"
)

const remoteSecret = "sk_live_remote_secret_for_tests"

// remoteAstraCaph implements the remote verify contract with a real engine behind it.
type remoteAstraCaph struct {
	c    *astracaph.Captcha
	mu   sync.Mutex
	reqs []map[string]string
	path string
}

func (s *remoteAstraCaph) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var in map[string]string
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&in) != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.reqs, s.path = append(s.reqs, in), r.URL.Path
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if in["secret"] != remoteSecret {
		_ = json.NewEncoder(w).Encode(map[string]any{"success": false, "error-codes": []string{astracaph.CodeInvalidSecret}})
		return
	}
	res, err := s.c.Verify(r.Context(), in["token"], astracaph.VerifyTokenOptions{Origin: in["origin"]})
	if err != nil {
		_ = json.NewEncoder(w).Encode(map[string]any{"success": false, "error-codes": []string{astracaph.CodeInternalError}})
		return
	}
	out := map[string]any{"success": res.Success, "error-codes": res.ErrorCodes}
	if res.Success {
		out["hostname"], out["siteKey"], out["score"] = res.Hostname, res.SiteKey, res.Score
		out["challenge_ts"] = res.ChallengeTS.UTC().Format(time.RFC3339)
		out["error-codes"] = []string{}
	}
	_ = json.NewEncoder(w).Encode(out)
}

func (s *remoteAstraCaph) last() (map[string]string, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reqs[len(s.reqs)-1], s.path
}

func TestRemoteVerify(t *testing.T) {
	c := newCaptcha(t)
	remote := &remoteAstraCaph{c: c}
	srv := httptest.NewServer(remote)
	defer srv.Close()
	h := &recorder{}
	var f failure
	prot := middleware.Protect(nil, middleware.WithRemote(srv.URL+"/", remoteSecret, nil), capture(&f))(h)

	tok := issue(t, c, siteOrigin)
	require.Equal(t, http.StatusNoContent, serve(prot, formPost(url.Values{"astracaph-response": {tok}, "name": {"Ada"}})).Code, f.err)
	sent, path := remote.last()
	require.Equal(t, "/public/api/v1/verify", path)
	require.Equal(t, map[string]string{"token": tok, "secret": remoteSecret, "origin": siteOrigin}, sent)
	require.True(t, h.result.Success)
	require.Equal(t, "shop.example.com", h.result.Hostname)
	require.Equal(t, 1.0, h.result.Score)
	require.Equal(t, siteOrigin, h.result.Origin)
	require.WithinDuration(t, time.Now(), h.result.ChallengeTS, 5*time.Second)
	require.Equal(t, url.Values{"astracaph-response": {tok}, "name": {"Ada"}}.Encode(), string(h.body), "the body survives remote mode too")

	// The remote's refusals are ErrTokenInvalid with its codes.
	require.Equal(t, http.StatusForbidden, serve(prot, formPost(url.Values{"astracaph-response": {tok}})).Code)
	require.ErrorIs(t, f.err, middleware.ErrTokenInvalid)
	requireCodes(t, f.err, astracaph.CodeTimeoutDuplicate)
	r := formPost(url.Values{"astracaph-response": {issue(t, c, siteOrigin)}})
	r.Header.Set("Origin", "https://evil.example")
	require.Equal(t, http.StatusForbidden, serve(prot, r).Code)
	requireCodes(t, f.err, astracaph.CodeOriginMismatch)
	wrongSecret := middleware.Protect(nil, middleware.WithRemote(srv.URL, "sk_live_wrong", nil), capture(&f))(h)
	require.Equal(t, http.StatusForbidden, serve(wrongSecret, formPost(url.Values{"astracaph-response": {issue(t, c, siteOrigin)}})).Code)
	requireCodes(t, f.err, astracaph.CodeInvalidSecret)
	require.Equal(t, 1, h.calls)

	// Raw payloads are forwarded as they are; the remote decides.
	payload := solve(t, c)
	serve(prot, formPost(url.Values{"altcha": {payload}}))
	sent, _ = remote.last()
	require.Equal(t, payload, sent["token"])
}

func TestRemoteChecksUseSignedData(t *testing.T) {
	c := newCaptcha(t)
	srv := httptest.NewServer(&remoteAstraCaph{c: c})
	defer srv.Close()
	h := &recorder{}
	var f failure
	prot := middleware.Protect(nil, middleware.WithRemote(srv.URL, remoteSecret, srv.Client()), middleware.WithRejectSpam(), middleware.WithCheckFieldsHash(), capture(&f))(h)

	bad := sign(t, func(d *astracaph.VerificationData) { d.Classification = "BAD" })
	require.Equal(t, http.StatusForbidden, serve(prot, formPost(url.Values{"astracaph-response": {bad}})).Code)
	require.ErrorIs(t, f.err, middleware.ErrSpam)

	form := url.Values{"name": {"Ada"}}
	hashed := func(d *astracaph.VerificationData) {
		d.Fields, d.FieldsHash, d.Classification = []string{"name"}, astracaph.FieldsHash(form, []string{"name"}, ""), "GOOD"
	}
	require.Equal(t, http.StatusNoContent, serve(prot, formPost(url.Values{"astracaph-response": {sign(t, hashed)}, "name": {"Ada"}})).Code, f.err)
	require.Equal(t, "GOOD", h.result.Classification)
	require.Equal(t, []string{"name"}, h.result.Data.Fields)
	require.Equal(t, http.StatusForbidden, serve(prot, formPost(url.Values{"astracaph-response": {sign(t, hashed)}, "name": {"Eve"}})).Code)
	require.ErrorIs(t, f.err, middleware.ErrFieldsMismatch)
}

func TestRemoteFailsClosed(t *testing.T) {
	for name, tc := range map[string]struct {
		handler http.HandlerFunc
		timeout time.Duration
	}{
		"500": {handler: func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, `{"success":true}`, http.StatusInternalServerError)
		}},
		"400 with success": {handler: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"success":true}`))
		}},
		"garbage JSON": {handler: func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"success":true,`))
		}},
		"trailing garbage": {handler: func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"success":true} {"success":true}`))
		}},
		"HTML": {handler: func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`<html>success</html>`))
		}},
		"no success field": {handler: func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"hostname":"shop.example.com","error-codes":[]}`))
		}},
		"success of the wrong type": {handler: func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"success":"true"}`))
		}},
		"internal error": {handler: func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"success":false,"error-codes":["internal-error"]}`))
		}},
		"timeout": {timeout: 150 * time.Millisecond, handler: func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body) // lets the server notice the client hanging up
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}},
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			client := srv.Client()
			client.Timeout = tc.timeout
			h := &recorder{}
			var f failure
			prot := middleware.Protect(nil, middleware.WithRemote(srv.URL, remoteSecret, client), capture(&f))(h)
			w := serve(prot, formPost(url.Values{"astracaph-response": {"some-token"}}))
			require.Equal(t, http.StatusServiceUnavailable, w.Code)
			require.ErrorIs(t, f.err, middleware.ErrUnavailable)
			require.Zero(t, h.calls)
		})
	}
	t.Run("unreachable", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		addr := srv.URL
		srv.Close()
		var f failure
		prot := middleware.Protect(nil, middleware.WithRemote(addr, remoteSecret, nil), capture(&f))(&recorder{})
		require.Equal(t, http.StatusServiceUnavailable, serve(prot, formPost(url.Values{"astracaph-response": {"t"}})).Code)
		require.ErrorIs(t, f.err, middleware.ErrUnavailable)
	})
	t.Run("plain failure is not an outage", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"success":false}`))
		}))
		defer srv.Close()
		var f failure
		prot := middleware.Protect(nil, middleware.WithRemote(srv.URL, remoteSecret, nil), capture(&f))(&recorder{})
		require.Equal(t, http.StatusForbidden, serve(prot, formPost(url.Values{"astracaph-response": {"t"}})).Code)
		require.ErrorIs(t, f.err, middleware.ErrTokenInvalid)
		requireCodes(t, f.err, astracaph.CodeInvalidResponse)
	})
}
