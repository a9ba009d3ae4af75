package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/docs"
	"github.com/astracat/astracaph/internal/openapi"
	"github.com/astracat/astracaph/internal/pattest"
	"github.com/astracat/astracaph/server"
	"github.com/astracat/astracaph/widget"
)

// apiCheck serves requests through an env and validates every response against
// docs/openapi.json, recording which operations were exercised.
type apiCheck struct {
	t       *testing.T
	spec    *openapi.Spec
	covered map[string][]int // "METHOD /template" → statuses seen
}

func newAPICheck(t *testing.T) *apiCheck {
	spec, err := openapi.Load(docs.OpenAPI())
	require.NoError(t, err, "docs/openapi.json")
	return &apiCheck{t: t, spec: spec, covered: map[string][]int{}}
}

// do serves one request on e and checks the exchange; a request body the server accepted
// (2xx) must match the description too.
// with returns the checker reporting to t (a subtest), sharing the coverage record.
func (a *apiCheck) with(t *testing.T) *apiCheck { b := *a; b.t = t; return &b }

func (a *apiCheck) do(e *env, method, target string, body any, mods ...reqMod) resp {
	a.t.Helper()
	r := e.do(method, target, body, mods...)
	a.check(method, target, body, r)
	return r
}

func (a *apiCheck) check(method, target string, body any, r resp) {
	a.t.Helper()
	path, _, _ := strings.Cut(target, "?")
	op, err := a.spec.Find(method, path)
	require.NoError(a.t, err, "%s %s is not in docs/openapi.json", method, path)
	_, err = op.ValidateResponse(r.Code, r.Header.Get("Content-Type"), r.Body)
	require.NoError(a.t, err, "%s %s → %s", method, target, r.String())
	if r.Code < 300 && body != nil {
		if _, isForm := body.(url.Values); !isForm {
			if _, isRaw := body.(string); !isRaw {
				js, err := json.Marshal(body)
				require.NoError(a.t, err)
				require.NoError(a.t, op.ValidateRequest("application/json", js), "%s %s request %s", method, target, js)
			}
		}
	}
	key := op.Method + " " + op.Path
	a.covered[key] = append(a.covered[key], r.Code)
}

func (a *apiCheck) json(e *env, method, target string, body any, status int, mods ...reqMod) map[string]any {
	a.t.Helper()
	r := a.do(e, method, target, body, mods...)
	require.Equal(a.t, status, r.Code, "%s %s → %s", method, target, r.String())
	return r.JSON(a.t)
}

// TestOpenAPIDescribesEveryRoute exercises every route of a test server — successes and the
// errors clients meet — and validates each real response (status, media type, JSON body)
// against docs/openapi.json; it fails when a route, a method, a status, a field or an error
// code drifts from the description, and when an operation of the description is never
// exercised.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	a := newAPICheck(t)
	n, err := a.spec.CheckExamples()
	require.NoError(t, err, "an example in docs/openapi.json drifted from its schema")
	require.Positive(t, n)

	w, err := widget.New()
	require.NoError(t, err)
	doms := &fakeDomains{txt: map[string][]string{}, body: map[string]string{}}
	e := newEnv(t, withNoLimits(), server.WithWidget(w), server.WithVerifyTrustedIPs(netip.MustParsePrefix("198.51.100.0/24")),
		astracaph.WithDomainVerifier(doms))
	const origin = "https://shop.example"
	trusted := withRemote("198.51.100.7:1234")

	t.Run("challenge", func(t *testing.T) {
		a := a.with(t)
		a.json(e, http.MethodGet, "/api/v1/challenge", nil, http.StatusOK)
		a.json(e, http.MethodGet, "/api/v1/challenge?v=1", nil, http.StatusBadRequest) // pow-v1-disabled
		v1 := newEnv(t, astracaph.WithPoWV1(true))
		a.json(v1, http.MethodGet, "/api/v1/challenge?v=1", nil, http.StatusOK)
		a.json(e, http.MethodGet, "/api/v1/challenge?siteKey=pk_live_nope", nil, http.StatusNotFound)
		closed := newEnv(t, astracaph.WithOpenMode(false))
		a.json(closed, http.MethodGet, "/api/v1/challenge", nil, http.StatusForbidden)
		limited := newEnv(t, server.WithLimits(server.Limits{Challenge: 1, Redeem: 1, Sites: 1}))
		a.json(limited, http.MethodGet, "/api/v1/challenge", nil, http.StatusOK)
		r := a.do(limited, http.MethodGet, "/api/v1/challenge", nil)
		require.Equal(t, http.StatusTooManyRequests, r.Code)
		require.NotEmpty(t, r.Header.Get("Retry-After"))
		down := newEnv(t)
		down.store.down.Store(true)
		a.json(down, http.MethodGet, "/api/v1/challenge", nil, http.StatusServiceUnavailable)
	})

	var token string
	t.Run("redeem", func(t *testing.T) {
		a := a.with(t)
		m := a.json(e, http.MethodPost, "/api/v1/challenge", map[string]any{"payload": e.solve(""), "origin": origin}, http.StatusOK)
		token, _ = m["token"].(string)
		require.NotEmpty(t, token)
		payload := e.solve("")
		a.json(e, http.MethodPost, "/api/v1/challenge", map[string]any{"payload": payload}, http.StatusOK, withOrigin(origin))
		a.json(e, http.MethodPost, "/api/v1/challenge", map[string]any{"payload": payload}, http.StatusForbidden, withOrigin(origin)) // already used
		a.json(e, http.MethodPost, "/api/v1/challenge", map[string]any{"payload": e.solve("")}, http.StatusBadRequest)                // origin-required
		a.json(e, http.MethodPost, "/api/v1/challenge", map[string]any{}, http.StatusBadRequest)
		a.json(e, http.MethodPost, "/api/v1/challenge", map[string]any{"payload": e.solve(astracaph.TestSiteKeyBlock), "siteKey": astracaph.TestSiteKeyBlock}, http.StatusForbidden, withOrigin(origin))
		a.json(e, http.MethodPost, "/api/v1/challenge", `{"payload":`+strings.Repeat(" ", 70<<10)+`""}`, http.StatusRequestEntityTooLarge, withCT("application/json"))
		a.json(e, http.MethodPost, "/api/v1/challenge", "payload=x", http.StatusUnsupportedMediaType, withCT("text/plain"))
	})

	t.Run("visual", func(t *testing.T) {
		a := a.with(t)
		m := a.json(e, http.MethodPost, "/api/v1/challenge", map[string]any{"payload": e.solve(astracaph.TestSiteKeyStepUp), "siteKey": astracaph.TestSiteKeyStepUp}, http.StatusOK, withOrigin(origin))
		require.Equal(t, "visual", m["step"], m)
		vis := m["visual"].(map[string]any)
		id := vis["id"].(string)
		for _, u := range []string{vis["image"].(string) + "?theme=dark", vis["audio"].(string)} {
			r := a.do(e, http.MethodGet, u, nil)
			require.Equal(t, http.StatusOK, r.Code, r.String())
			a.json(e, http.MethodGet, u, nil, http.StatusNotFound)
		}
		wrong := a.json(e, http.MethodPost, "/api/v1/challenge/visual", map[string]any{"id": id, "code": "zzzzzz"}, http.StatusForbidden)
		require.EqualValues(t, 2, wrong["attemptsLeft"])
		a.json(e, http.MethodPost, "/api/v1/challenge/visual", map[string]any{"id": id}, http.StatusBadRequest)
		a.json(e, http.MethodPost, "/api/v1/challenge/visual", map[string]any{"id": "v_unknown", "code": "abc"}, http.StatusNotFound)
		waitJS, err := json.Marshal(vis["wait"])
		require.NoError(t, err)
		var wait astracaph.Challenge
		require.NoError(t, json.Unmarshal(waitJS, &wait))
		ok := a.json(e, http.MethodPost, "/api/v1/challenge/visual", map[string]any{"id": id, "payload": solveChallenge(t, wait)}, http.StatusOK)
		require.Equal(t, true, ok["success"])
	})

	t.Run("private-token", func(t *testing.T) {
		a := a.with(t)
		pe, iss, _ := newPATEnv(t, withNoLimits())
		a.json(pe, http.MethodGet, "/api/v1/challenge", nil, http.StatusOK) // with privateToken
		u, _ := pe.patChallenge("")
		first := a.do(pe, http.MethodGet, u, nil, withOrigin(origin))
		auth := answer(t, iss, first, pattest.IssuerA)
		a.json(pe, http.MethodGet, u, nil, http.StatusOK, withOrigin(origin), auth)
		a.json(pe, http.MethodGet, u, nil, http.StatusForbidden, withOrigin(origin), auth) // replayed
		a.json(pe, http.MethodGet, "/api/v1/challenge/private-token", nil, http.StatusBadRequest)
		a.json(e, http.MethodGet, u, nil, http.StatusNotFound, withOrigin(origin)) // no issuers configured
		limited, _, _ := newPATEnv(t, server.WithLimits(server.Limits{Challenge: 10, Redeem: 1}))
		u, _ = limited.patChallenge("")
		a.do(limited, http.MethodGet, u, nil, withOrigin(origin))
		a.json(limited, http.MethodGet, u, nil, http.StatusTooManyRequests, withOrigin(origin))
		u, _ = pe.patChallenge("")
		auth = answer(t, iss, a.do(pe, http.MethodGet, u, nil, withOrigin(origin)), pattest.IssuerB)
		pe.store.down.Store(true)
		a.json(pe, http.MethodGet, u, nil, http.StatusServiceUnavailable, withOrigin(origin), auth)
	})

	t.Run("altcha-verify", func(t *testing.T) {
		a := a.with(t)
		payload := e.solve("")
		ok := a.json(e, http.MethodPost, "/api/v1/challenge/verify", map[string]any{"payload": payload}, http.StatusOK, withOrigin(origin))
		require.Equal(t, true, ok["verified"])
		no := a.json(e, http.MethodPost, "/api/v1/challenge/verify", map[string]any{"payload": payload}, http.StatusOK, withOrigin(origin))
		require.Equal(t, false, no["verified"])
		a.json(e, http.MethodPost, "/api/v1/challenge/verify", "x", http.StatusUnsupportedMediaType, withCT("text/plain"))
	})

	siteKey, secret := "", ""
	t.Run("sites", func(t *testing.T) {
		a := a.with(t)
		m := a.json(e, http.MethodPost, "/api/v1/sites", map[string]any{"domain": "shop.example", "name": "Shop", "origins": []string{"http://localhost:3000"}}, http.StatusCreated)
		siteKey, secret = m["siteKey"].(string), m["secret"].(string)
		a.json(e, http.MethodPost, "/api/v1/sites", map[string]any{"domain": "shop.example"}, http.StatusConflict)
		a.json(e, http.MethodPost, "/api/v1/sites", map[string]any{"domain": "not a domain"}, http.StatusBadRequest)
		a.json(e, http.MethodGet, "/api/v1/sites/"+siteKey, nil, http.StatusOK)
		a.json(e, http.MethodGet, "/api/v1/sites/pk_live_nope", nil, http.StatusNotFound)
		a.json(e, http.MethodPost, "/api/v1/sites", map[string]any{"domain": "other.example"}, http.StatusCreated)
		a.json(e, http.MethodDelete, "/api/v1/sites", map[string]any{"domain": "other.example", "secret": secret}, http.StatusForbidden)
		a.json(e, http.MethodDelete, "/api/v1/sites", map[string]any{"domain": "gone.example", "secret": secret}, http.StatusNotFound)
		a.json(e, http.MethodDelete, "/api/v1/sites", map[string]any{"domain": "shop.example"}, http.StatusBadRequest)
		limited := newEnv(t, server.WithLimits(server.Limits{Sites: 1}))
		a.json(limited, http.MethodPost, "/api/v1/sites", map[string]any{"domain": "a.example"}, http.StatusCreated)
		a.json(limited, http.MethodPost, "/api/v1/sites", map[string]any{"domain": "b.example"}, http.StatusTooManyRequests)

		// Domain claims: take over a registered domain by publishing a token.
		claim := a.json(e, http.MethodPost, "/api/v1/sites/claims", map[string]any{"domain": "taken.example"}, http.StatusCreated)
		a.json(e, http.MethodPost, "/api/v1/sites/claims", map[string]any{"domain": "not a domain"}, http.StatusBadRequest)
		a.json(e, http.MethodPost, "/api/v1/sites", map[string]any{"domain": "taken.example"}, http.StatusCreated)
		a.json(e, http.MethodPost, "/api/v1/sites", map[string]any{"domain": "taken.example", "claim": claim["claimId"]}, http.StatusForbidden)
		a.json(e, http.MethodPost, "/api/v1/sites", map[string]any{"domain": "taken.example", "claim": "cl_unknown"}, http.StatusNotFound)
		doms.txt[claim["dnsName"].(string)] = []string{claim["token"].(string)}
		a.json(e, http.MethodPost, "/api/v1/sites", map[string]any{"domain": "taken.example", "claim": claim["claimId"]}, http.StatusCreated)

		// An admin token guards registration; the registry can be switched off.
		guarded := newEnv(t, server.WithAdminToken("admin-token-0123456789"))
		a.json(guarded, http.MethodPost, "/api/v1/sites", map[string]any{"domain": "g.example"}, http.StatusUnauthorized)
		a.json(guarded, http.MethodPost, "/api/v1/sites/claims", map[string]any{"domain": "g.example"}, http.StatusUnauthorized)
		a.json(guarded, http.MethodPost, "/api/v1/sites", map[string]any{"domain": "g.example"}, http.StatusCreated, withHeader("Authorization", "Bearer admin-token-0123456789"))
		off := newEnv(t, server.WithSitesAPI(false))
		a.json(off, http.MethodPost, "/api/v1/sites", map[string]any{"domain": "o.example"}, http.StatusNotFound)
		a.json(off, http.MethodPost, "/api/v1/sites/claims", map[string]any{"domain": "o.example"}, http.StatusNotFound)
	})

	t.Run("verify", func(t *testing.T) {
		a := a.with(t)
		siteToken := e.token(siteKey, origin)
		for _, p := range []string{"/api/v1/verify", "/public/api/v1/verify"} {
			tok := e.token(siteKey, origin)
			ok := a.json(e, http.MethodPost, p, map[string]any{"token": tok, "secret": secret}, http.StatusOK)
			require.Equal(t, true, ok["success"], ok)
			no := a.json(e, http.MethodPost, p, map[string]any{"token": tok, "secretKey": secret}, http.StatusOK)
			require.Equal(t, false, no["success"], no)
			a.json(e, http.MethodPost, p, map[string]any{"secret": secret}, http.StatusBadRequest)
			a.json(e, http.MethodPost, p, map[string]any{"token": tok, "origin": origin}, http.StatusForbidden)
			a.json(e, http.MethodPost, p, "x", http.StatusUnsupportedMediaType, withCT("text/plain"))
		}
		open := a.json(e, http.MethodPost, "/api/v1/verify", map[string]any{"token": token, "origin": origin}, http.StatusOK, trusted)
		require.Equal(t, true, open["success"], open)

		sig := a.json(e, http.MethodPost, "/api/v1/verify/signature", map[string]any{"payload": siteToken, "secret": secret}, http.StatusOK)
		require.Equal(t, true, sig["verified"], sig)
		sig = a.json(e, http.MethodPost, "/api/v1/verify/signature", map[string]any{"payload": siteToken, "secret": "sk_live_wrong"}, http.StatusOK)
		require.Equal(t, false, sig["verified"], sig)
		a.json(e, http.MethodPost, "/api/v1/verify/signature", map[string]any{"payload": siteToken}, http.StatusBadRequest)

		down := newEnv(t)
		tok := down.token("", origin)
		down.store.down.Store(true)
		a.json(down, http.MethodPost, "/api/v1/verify", map[string]any{"token": tok, "origin": origin}, http.StatusServiceUnavailable)
	})

	t.Run("siteverify", func(t *testing.T) {
		a := a.with(t)
		for _, p := range []string{"/api/v1/siteverify", "/turnstile/v0/siteverify", "/recaptcha/api/siteverify", "/hcaptcha/siteverify"} {
			tok := e.token(siteKey, origin)
			ok := a.json(e, http.MethodPost, p, url.Values{"secret": {secret}, "response": {tok}}, http.StatusOK)
			require.Equal(t, true, ok["success"], ok)
			no := a.json(e, http.MethodPost, p, map[string]any{"secret": secret, "response": tok}, http.StatusOK)
			require.Equal(t, false, no["success"], no)
			a.json(e, http.MethodPost, p, url.Values{"response": {tok}}, http.StatusUnauthorized)
			a.json(e, http.MethodPost, p, url.Values{"secret": {"sk_live_wrong"}, "response": {e.token(siteKey, origin)}}, http.StatusForbidden)
			a.json(e, http.MethodPost, p, url.Values{"secret": {secret}}, http.StatusBadRequest)
			a.json(e, http.MethodPost, p, "x", http.StatusUnsupportedMediaType, withCT("text/plain"))
		}
	})

	t.Run("operations", func(t *testing.T) {
		a := a.with(t)
		a.json(e, http.MethodGet, "/healthz", nil, http.StatusOK)
		down := newEnv(t)
		down.store.down.Store(true)
		a.json(down, http.MethodGet, "/healthz", nil, http.StatusServiceUnavailable)
		r := a.do(e, http.MethodGet, server.RouteOpenAPI, nil)
		require.Equal(t, http.StatusOK, r.Code)
		require.Equal(t, docs.OpenAPI(), r.Body, "the served description is docs/openapi.json")
		requireError(t, e.do(http.MethodGet, "/nope", nil), http.StatusNotFound, "not-found") // any unknown path
		r = a.do(e, http.MethodGet, "/", nil)
		require.Equal(t, http.StatusFound, r.Code)
		require.Equal(t, widget.RouteSandbox, r.Header.Get("Location"))
	})

	t.Run("assets", func(t *testing.T) {
		a := a.with(t)
		for _, p := range []string{widget.RouteLoader + "?compat=turnstile&render=explicit", widget.RouteWorker, w.AssetURL("widget.css"), w.AssetURL("widget.js"),
			widget.RouteFrame + "?theme=dark&size=compact", widget.RoutePrivacy, widget.RouteSandbox} {
			r := a.do(e, http.MethodGet, p, nil)
			require.Equal(t, http.StatusOK, r.Code, p)
		}
		r := a.do(e, http.MethodGet, widget.RouteLoader, nil, withHeader("If-None-Match", e.do(http.MethodGet, widget.RouteLoader, nil).Header.Get("ETag")))
		require.Equal(t, http.StatusNotModified, r.Code)
		a.json(e, http.MethodGet, "/widget/0123456789abcdef/widget.js", nil, http.StatusNotFound)
		r = a.do(e, http.MethodGet, "/api/v1/challenge/proof.js?id=rB0q2cFz1Oa5Yt3n8Q2xkA", nil)
		require.Equal(t, http.StatusOK, r.Code)
		a.json(e, http.MethodGet, "/api/v1/challenge/proof.js", nil, http.StatusBadRequest)

		// The event stream never ends by itself: read its start, then hang up.
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/sandbox/events", nil)
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, req)
		a.check(http.MethodGet, "/sandbox/events", nil, resp{Code: rec.Code, Header: rec.Result().Header, Body: rec.Body.Bytes()})
	})

	// Every operation of the description was exercised.
	var missing []string
	for _, p := range a.spec.Paths() {
		if len(a.covered[p]) == 0 {
			missing = append(missing, p)
		}
	}
	require.Empty(t, missing, "operations in docs/openapi.json that the test never exercised")

	// Every route the server registers is described, with the same methods, and every
	// described path is served.
	routeDrift(t, a.spec, e)
}

var wildcardRE = regexp.MustCompile(`\{[^}]*\}`)

// routeDrift compares the server's mux patterns with the description's paths and methods.
func routeDrift(t *testing.T, spec *openapi.Spec, e *env) {
	t.Helper()
	described := map[string][]string{} // template → methods
	for _, pm := range spec.Paths() {
		m, p, _ := strings.Cut(pm, " ")
		described[p] = append(described[p], m)
	}
	match := func(pattern, tpl string) bool {
		if pattern == "/" || tpl == "/" {
			return pattern == tpl
		}
		if strings.HasSuffix(pattern, "/") {
			return strings.HasPrefix(tpl, pattern)
		}
		ps, ts := strings.Split(pattern, "/"), strings.Split(tpl, "/")
		if len(ps) != len(ts) {
			return false
		}
		for i := range ps {
			if ps[i] != ts[i] && !wildcardRE.MatchString(ps[i]) && !wildcardRE.MatchString(ts[i]) {
				return false
			}
		}
		return true
	}
	patterns := server.Patterns(e.srv)
	// Each described path belongs to the pattern that serves it: the identical pattern, else
	// the wildcard pattern with the fewest wildcards, else a subtree ("/widget/").
	owner := func(tpl string) string {
		best, bestScore := "", 1<<30
		for _, pat := range patterns {
			if !match(pat, tpl) {
				continue
			}
			score := len(wildcardRE.FindAllString(pat, -1))
			switch {
			case pat == tpl:
				score = -1
			case strings.HasSuffix(pat, "/") && pat != "/":
				score = 1 << 20
			}
			if score < bestScore {
				best, bestScore = pat, score
			}
		}
		return best
	}
	byPattern := map[string][]string{}
	for tpl, ms := range described {
		pat := owner(tpl)
		require.NotEmpty(t, pat, "docs/openapi.json describes %s, which the server does not serve", tpl)
		byPattern[pat] = append(byPattern[pat], ms...)
	}
	for _, pat := range patterns {
		methods := byPattern[pat]
		require.NotEmpty(t, methods, "route %q is not in docs/openapi.json", pat)
		if pat == "/" || strings.HasSuffix(pat, "/") {
			continue
		}
		// A method no route has: the 405 answer's Allow header lists what the route serves.
		r := e.do("PATCH", wildcardRE.ReplaceAllString(pat, "x"), nil)
		require.Equal(t, http.StatusMethodNotAllowed, r.Code, "PATCH %s", pat)
		var allowed []string
		for _, m := range strings.Split(r.Header.Get("Allow"), ",") {
			if m = strings.TrimSpace(m); m != "HEAD" && m != "OPTIONS" && m != "" {
				allowed = append(allowed, m)
			}
		}
		sort.Strings(allowed)
		require.Equal(t, uniq(methods), allowed, "methods of %s: described vs served", pat)
	}
}

func uniq(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// TestOpenAPIDriftIsCaught: the validator the test above relies on rejects a response that
// gained an undocumented field or lost a required one, and an undocumented error code.
func TestOpenAPIDriftIsCaught(t *testing.T) {
	a := newAPICheck(t)
	op, err := a.spec.Find(http.MethodPost, "/api/v1/verify")
	require.NoError(t, err)
	ok := `{"success":true,"message":"Verification successful","hostname":"h","siteKey":"k","score":0.9,"challenge_ts":"2026-01-01T00:00:00Z","reasons":[],"classification":""}`
	_, err = op.ValidateResponse(200, "application/json", []byte(ok))
	require.NoError(t, err)
	_, err = op.ValidateResponse(200, "application/json", bytes.Replace([]byte(ok), []byte(`"classification":""`), []byte(`"classification":"","extra":1`), 1))
	require.ErrorIs(t, err, openapi.ErrInvalid)
	_, err = op.ValidateResponse(200, "application/json", bytes.Replace([]byte(ok), []byte(`"hostname":"h",`), nil, 1))
	require.ErrorIs(t, err, openapi.ErrInvalid)
	_, err = op.ValidateResponse(400, "application/json", []byte(`{"success":false,"error":"new-code","message":"m"}`))
	require.ErrorIs(t, err, openapi.ErrInvalid)
	_, err = op.ValidateResponse(418, "application/json", []byte(`{}`))
	require.ErrorIs(t, err, openapi.ErrNoResponse)
}
