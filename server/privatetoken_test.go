package server_test

import (
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"testing"

	"github.com/astracat/astracaph/internal/testenv"
	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/internal/pattest"
	"github.com/astracat/astracaph/privacypass"
	"github.com/astracat/astracaph/server"
)

const patPage = "https://shop.example"

// newPATEnv is a server accepting Private Access Tokens from two loopback issuers.
func newPATEnv(t testing.TB, opts ...any) (*env, *pattest.Server, *privacypass.Issuers) {
	t.Helper()
	iss := pattest.Start(t, pattest.IssuerA, pattest.IssuerB)
	is := iss.Issuers(t, []string{pattest.IssuerA, pattest.IssuerB})
	return newEnv(t, append([]any{astracaph.WithPrivacyPass(is)}, opts...)...), iss, is
}

// patChallenge fetches a challenge and returns the private-token URL the widget builds
// from it, and the challenge.
func (e *env) patChallenge(siteKey string) (string, astracaph.Challenge) {
	e.t.Helper()
	q := ""
	if siteKey != "" {
		q = "?siteKey=" + url.QueryEscape(siteKey)
	}
	r := e.do(http.MethodGet, "/api/v1/challenge"+q, nil)
	require.Equal(e.t, http.StatusOK, r.Code, r.String())
	var body struct {
		Parameters   json.RawMessage `json:"parameters"`
		Signature    string          `json:"signature"`
		PrivateToken *struct {
			URL string `json:"url"`
		} `json:"privateToken"`
	}
	require.NoError(e.t, json.Unmarshal(r.Body, &body))
	require.NotNil(e.t, body.PrivateToken, "the challenge offers the private-token route: %s", r.Body)
	var ch astracaph.Challenge
	require.NoError(e.t, json.Unmarshal(r.Body, &ch))
	// What the widget sends back: the challenge as received, without the offer.
	js, err := json.Marshal(map[string]any{"parameters": body.Parameters, "signature": body.Signature})
	require.NoError(e.t, err)
	u := body.PrivateToken.URL + "?challenge=" + base64.RawURLEncoding.EncodeToString(js)
	if siteKey != "" {
		u += "&siteKey=" + url.QueryEscape(siteKey)
	}
	return u, ch
}

// answer plays Safari: the 401's WWW-Authenticate is answered by issuer.
func answer(t testing.TB, iss *pattest.Server, r resp, issuer string) reqMod {
	t.Helper()
	require.Equal(t, http.StatusUnauthorized, r.Code, r.String())
	return withHeader("Authorization", iss.Answer(t, r.Header.Get("WWW-Authenticate"), issuer))
}

// A browser with a Private Access Token gets a site token without the proof of work, in
// open mode and for a registered site; the backend verifies it as any other, and learns
// how it was earned. The token redeems once, and the challenge's proof of work is spent.
func TestPrivateTokenFlow(t *testing.T) {
	e, iss, _ := newPATEnv(t)
	siteKey, secret := e.site("shop.example")
	for name, key := range map[string]string{"open mode": "", "site": siteKey} {
		t.Run(name, func(t *testing.T) {
			u, ch := e.patChallenge(key)
			first := e.do(http.MethodGet, u, nil, withOrigin(patPage))
			m := requireError(t, first, http.StatusUnauthorized, "private-token-required")
			require.NotEmpty(t, m["message"])
			ws, err := privacypass.ParseWWWAuthenticate(first.Header.Get("WWW-Authenticate"))
			require.NoError(t, err)
			require.Len(t, ws, 2, "one challenge per issuer")
			require.Equal(t, patPage, first.Header.Get("Access-Control-Allow-Origin"), "credentialed CORS echoes the page")
			require.Equal(t, "true", first.Header.Get("Access-Control-Allow-Credentials"))

			auth := answer(t, iss, first, pattest.IssuerA)
			ok := e.do(http.MethodGet, u, nil, withOrigin(patPage), auth)
			require.Equal(t, http.StatusOK, ok.Code, ok.String())
			requireJSON(t, ok)
			body := ok.JSON(t)
			keys := make([]string, 0, len(body))
			for k := range body {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			require.Equal(t, []string{"expiresAt", "success", "token"}, keys, "no score or reasons for the client")
			tok := body["token"].(string)

			requireError(t, e.do(http.MethodGet, u, nil, withOrigin(patPage), auth), http.StatusForbidden, "private-token-invalid")
			pow := e.do(http.MethodPost, "/api/v1/challenge", map[string]any{"payload": solveChallenge(t, ch), "siteKey": key}, withOrigin(patPage))
			requireError(t, pow, http.StatusForbidden, "already-used")

			var v map[string]any
			if key == "" {
				v = verifyOK(t, e, "/api/v1/verify", map[string]any{"token": tok, "origin": patPage})
			} else {
				v = e.do(http.MethodPost, "/api/v1/siteverify", url.Values{"secret": {secret}, "response": {tok}}).JSON(t)
				v["reasons"] = v["score_reason"] // Turnstile's name
			}
			require.Equal(t, true, v["success"], v)
			require.Equal(t, astracaph.PrivateTokenScore, v["score"])
			require.Equal(t, []any{astracaph.ReasonPrivateToken}, v["reasons"])
		})
	}
}

// TestAttackPrivateTokenRefusalsAreGeneric: a wrongly signed token, one obtained for
// another origin, one from an unknown issuer and a malformed credential all get the same
// answer, the reason is logged, and the challenge's proof of work still earns a token.
func TestAttackPrivateTokenRefusalsAreGeneric(t *testing.T) {
	logs := &testenv.SyncBuffer{}
	e, iss, _ := newPATEnv(t, server.WithLogger(slog.New(slog.NewTextHandler(logs, nil))))
	rogue := pattest.Start(t, pattest.Rogue)
	cases := map[string]func(t *testing.T, first resp) reqMod{
		"wrongly signed": func(t *testing.T, first resp) reqMod {
			w := pattest.Pick(t, first.Header.Get("WWW-Authenticate"), pattest.IssuerA)
			return withHeader("Authorization", pattest.Mint(t, w, pattest.Key(3)).Authorization())
		},
		"unknown issuer's key": func(t *testing.T, first resp) reqMod {
			w := pattest.Pick(t, first.Header.Get("WWW-Authenticate"), pattest.IssuerA)
			var err error
			w.TokenKey, err = privacypass.MarshalTokenKey(&pattest.Key(3).PublicKey) // no configured issuer's

			require.NoError(t, err)
			return withHeader("Authorization", pattest.Mint(t, w, pattest.Key(3)).Authorization())
		},
		"malformed credential": func(*testing.T, resp) reqMod {
			return withHeader("Authorization", `PrivateToken token="!!"`)
		},
	}
	var bodies [][]byte
	check := func(t *testing.T, u string, ch astracaph.Challenge, r resp) {
		requireError(t, r, http.StatusForbidden, "private-token-invalid")
		bodies = append(bodies, r.Body)
		pow := e.do(http.MethodPost, "/api/v1/challenge", map[string]any{"payload": solveChallenge(t, ch)}, withOrigin(patPage))
		require.Equal(t, http.StatusOK, pow.Code, "the proof of work stays open: %s", pow.String())
	}
	for name, mod := range cases {
		t.Run(name, func(t *testing.T) {
			u, ch := e.patChallenge("")
			first := e.do(http.MethodGet, u, nil, withOrigin(patPage))
			check(t, u, ch, e.do(http.MethodGet, u, nil, withOrigin(patPage), mod(t, first)))
		})
	}
	t.Run("other origin", func(t *testing.T) {
		u, ch := e.patChallenge("")
		elsewhere := e.do(http.MethodGet, u, nil, withOrigin(patPage), func(r *http.Request) { r.Host = "captcha.elsewhere.example" })
		check(t, u, ch, e.do(http.MethodGet, u, nil, withOrigin(patPage), answer(t, iss, elsewhere, pattest.IssuerA)))
	})
	t.Run("rogue issuer's challenge", func(t *testing.T) {
		u, ch := e.patChallenge("")
		first := e.do(http.MethodGet, u, nil, withOrigin(patPage))
		tc, err := privacypass.ParseTokenChallenge(pattest.Pick(t, first.Header.Get("WWW-Authenticate"), pattest.IssuerA).Challenge)
		require.NoError(t, err)
		cs, err := rogue.Issuers(t, []string{pattest.Rogue}).Challenges(tc.RedemptionContext, 0, "example.com")
		require.NoError(t, err)
		auth := withHeader("Authorization", rogue.Answer(t, privacypass.HeaderValue(cs), pattest.Rogue))
		check(t, u, ch, e.do(http.MethodGet, u, nil, withOrigin(patPage), auth))
	})
	for _, b := range bodies[1:] {
		require.Equal(t, string(bodies[0]), string(b), "every refusal reads the same")
	}
	for _, reason := range []string{"invalid token signature", "unknown issuer", "another challenge", "malformed"} {
		require.Contains(t, logs.String(), reason, "the reason is logged")
	}
}

// Without issuers (or with no key yet) nothing is offered and the route says so; a
// legacy v1 challenge is never offered a token.
func TestPrivateTokenNotOffered(t *testing.T) {
	plain := newEnv(t)
	r := plain.do(http.MethodGet, "/api/v1/challenge", nil)
	require.Equal(t, http.StatusOK, r.Code)
	require.NotContains(t, r.JSON(t), "privateToken")
	js, err := json.Marshal(plain.challenge(""))
	require.NoError(t, err)
	requireError(t, plain.do(http.MethodGet, "/api/v1/challenge/private-token?challenge="+base64.RawURLEncoding.EncodeToString(js), nil, withOrigin(patPage)),
		http.StatusNotFound, "private-token-unavailable")

	v1, _, _ := newPATEnv(t, astracaph.WithPoWV1(true))
	r = v1.do(http.MethodGet, "/api/v1/challenge?v=1", nil)
	require.Equal(t, http.StatusOK, r.Code)
	require.NotContains(t, r.JSON(t), "privateToken")
	r = v1.do(http.MethodGet, "/api/v1/challenge?siteKey="+astracaph.TestSiteKeyPass, nil)
	require.NotContains(t, r.JSON(t), "privateToken", "test keys give their outcome through the proof of work")
}

// A refresh of the issuers' directories that fails keeps serving tokens; a store outage
// is a 503, not the client's fault; HEAD cannot spend a token; the route has a budget of
// its own, so a browser's 401 round trip does not eat the redemption budget.
func TestPrivateTokenOperations(t *testing.T) {
	e, iss, is := newPATEnv(t)
	iss.Fail(pattest.IssuerA, http.StatusServiceUnavailable)
	iss.Fail(pattest.IssuerB, http.StatusServiceUnavailable)
	require.Error(t, is.Refresh(t.Context()))
	u, _ := e.patChallenge("")
	first := e.do(http.MethodGet, u, nil, withOrigin(patPage))
	auth := answer(t, iss, first, pattest.IssuerB)
	e.store.down.Store(true)
	requireError(t, e.do(http.MethodGet, u, nil, withOrigin(patPage), auth), http.StatusServiceUnavailable, "unavailable")
	e.store.down.Store(false)
	r := e.do(http.MethodHead, u, nil, withOrigin(patPage), auth)
	require.Equal(t, http.StatusMethodNotAllowed, r.Code)
	require.Equal(t, http.StatusOK, e.do(http.MethodGet, u, nil, withOrigin(patPage), auth).Code, "kept keys, and nothing was spent before")

	requireError(t, e.do(http.MethodGet, "/api/v1/challenge/private-token", nil), http.StatusBadRequest, "invalid-challenge")
	requireError(t, e.do(http.MethodGet, "/api/v1/challenge/private-token?challenge=%2B%2B", nil), http.StatusBadRequest, "invalid-challenge")
	requireError(t, e.do(http.MethodGet, "/api/v1/challenge/private-token?challenge=e30", nil), http.StatusBadRequest, "invalid-challenge")

	limited, _, _ := newPATEnv(t, server.WithLimits(server.Limits{Challenge: 10, Redeem: 1}))
	u, _ = limited.patChallenge("")
	require.Equal(t, http.StatusUnauthorized, limited.do(http.MethodGet, u, nil, withOrigin(patPage)).Code)
	requireError(t, limited.do(http.MethodGet, u, nil, withOrigin(patPage)), http.StatusTooManyRequests, "rate-limited")
	_, m := limited.redeem("", patPage)
	require.Equal(t, true, m["success"], "the proof of work has its own budget: %v", m)
}
