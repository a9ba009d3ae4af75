package server_test

// Attack regression tests for the hosted API (docs/security.md lists each attack, its
// defence and its test).

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/server"
)

// TestAttackForgedTokenViaVerifyEndpoints: with the secret of a site it registered itself,
// an attacker signed tokens offline that /api/v1/verify and /public/api/v1/verify accepted
// by origin or domain, for any origin, without solving anything.
func TestAttackForgedTokenViaVerifyEndpoints(t *testing.T) {
	e := newEnv(t)
	key, secret := e.site("attacker.example")
	now := time.Now()
	for _, origin := range []string{"https://victim.example", "https://attacker.example"} {
		forged, err := astracaph.SignServerPayload(astracaph.VerificationData{ID: "forged", Time: now, Expire: now.Add(time.Minute),
			Origin: origin, Site: key, Score: 1, HasScore: true, Classification: "GOOD", Verified: true}, []byte(secret), astracaph.SHA256)
		require.NoError(t, err)
		for _, path := range []string{"/api/v1/verify", "/public/api/v1/verify"} {
			for _, body := range []map[string]any{
				{"token": forged, "origin": origin},
				{"token": forged, "domain": strings.TrimPrefix(origin, "https://")},
				{"token": forged, "secret": secret},
			} {
				m := e.do(http.MethodPost, path, body).JSON(t)
				require.Equal(t, false, m["success"], "%s %v", path, body)
				require.Equal(t, []any{astracaph.CodeInvalidResponse}, m["error-codes"])
			}
		}
		m := e.do(http.MethodPost, "/api/v1/siteverify", url.Values{"secret": {secret}, "response": {forged}}).JSON(t)
		require.Equal(t, false, m["success"])
	}
}

// TestAttackSiteRegistrationWithoutAdminToken: with ASTRACAPH_ADMIN_TOKEN set, nobody
// registers a site (or claims a domain) without it; DELETE still takes the site's secret.
func TestAttackSiteRegistrationWithoutAdminToken(t *testing.T) {
	e := newEnv(t, server.WithAdminToken("admin-token-0123456789"))
	body := map[string]any{"domain": "shop.example"}
	for _, auth := range []string{"", "Bearer wrong", "Basic YWRtaW46eA==", "Bearer admin-token-012345678"} {
		r := e.do(http.MethodPost, "/api/v1/sites", body, withHeader("Authorization", auth))
		requireError(t, r, http.StatusUnauthorized, "unauthorized")
		require.Contains(t, r.Header.Get("WWW-Authenticate"), "Bearer")
		requireError(t, e.do(http.MethodPost, "/api/v1/sites/claims", body, withHeader("Authorization", auth)), http.StatusUnauthorized, "unauthorized")
	}
	r := e.do(http.MethodPost, "/api/v1/sites", body, withHeader("Authorization", "Bearer admin-token-0123456789"))
	require.Equal(t, http.StatusCreated, r.Code, r.String())
	secret := r.JSON(t)["secret"].(string)
	d := e.do(http.MethodDelete, "/api/v1/sites", map[string]any{"domain": "shop.example", "secret": secret})
	require.Equal(t, http.StatusOK, d.Code, d.String())
}

// TestAttackSitesAPIDisabled: -sites=false removes the registry from the API.
func TestAttackSitesAPIDisabled(t *testing.T) {
	e := newEnv(t, server.WithSitesAPI(false))
	for _, rq := range [][2]string{{http.MethodPost, "/api/v1/sites"}, {http.MethodDelete, "/api/v1/sites"}, {http.MethodPost, "/api/v1/sites/claims"}, {http.MethodGet, "/api/v1/sites/pk_live_x"}} {
		requireError(t, e.do(rq[0], rq[1], map[string]any{"domain": "shop.example"}), http.StatusNotFound, "not-found")
	}
}

// fakeDomains answers claim checks from maps: what a domain's DNS and web server publish.
type fakeDomains struct {
	mu   sync.Mutex
	txt  map[string][]string
	body map[string]string
}

func (f *fakeDomains) LookupTXT(_ context.Context, name string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if v, ok := f.txt[name]; ok {
		return v, nil
	}
	return nil, errors.New("no such record")
}

func (f *fakeDomains) Fetch(_ context.Context, u string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if v, ok := f.body[u]; ok {
		return []byte(v), nil
	}
	return nil, errors.New("404")
}

// TestAttackDomainSquatting: an attacker registered the victim's domain first. The owner
// proves control (DNS TXT, or the well-known file) and takes the domain over; the
// squatter's site and secret stop working. Unproven, foreign or reused claims fail.
func TestAttackDomainSquatting(t *testing.T) {
	for _, via := range []string{"dns", "well-known"} {
		t.Run(via, func(t *testing.T) {
			doms := &fakeDomains{txt: map[string][]string{}, body: map[string]string{}}
			e := newEnv(t, astracaph.WithDomainVerifier(doms))
			squatKey, squatSecret := e.site("victim.example")
			squatTok := e.token(squatKey, "https://victim.example")

			r := e.do(http.MethodPost, "/api/v1/sites", map[string]any{"domain": "victim.example"})
			m := requireError(t, r, http.StatusConflict, "site-exists")
			require.Contains(t, m["message"], "/api/v1/sites/claims", "the conflict says how to recover the domain")

			cr := e.do(http.MethodPost, "/api/v1/sites/claims", map[string]any{"domain": "Victim.Example"})
			require.Equal(t, http.StatusCreated, cr.Code, cr.String())
			claim := cr.JSON(t)
			id, token := claim["claimId"].(string), claim["token"].(string)
			require.Equal(t, "_astracaph-challenge.victim.example", claim["dnsName"])
			require.Equal(t, "https://victim.example/.well-known/astracaph-challenge/"+id, claim["wellKnownUrl"])

			// Not published yet: refused, the claim survives.
			requireError(t, e.do(http.MethodPost, "/api/v1/sites", map[string]any{"domain": "victim.example", "claim": id}), http.StatusForbidden, "claim-not-proven")
			// Published for another domain (or the wrong token): still refused.
			doms.txt["_astracaph-challenge.victim.example"] = []string{"astracaph-claim-wrong"}
			requireError(t, e.do(http.MethodPost, "/api/v1/sites", map[string]any{"domain": "victim.example", "claim": id}), http.StatusForbidden, "claim-not-proven")
			other := e.do(http.MethodPost, "/api/v1/sites/claims", map[string]any{"domain": "other.example"}).JSON(t)
			requireError(t, e.do(http.MethodPost, "/api/v1/sites", map[string]any{"domain": "victim.example", "claim": other["claimId"]}), http.StatusForbidden, "claim-not-proven")

			if via == "dns" {
				doms.txt["_astracaph-challenge.victim.example"] = []string{"v=something-else", token}
			} else {
				doms.body[claim["wellKnownUrl"].(string)] = token + "\n"
			}
			r = e.do(http.MethodPost, "/api/v1/sites", map[string]any{"domain": "victim.example", "name": "Owner", "claim": id})
			require.Equal(t, http.StatusCreated, r.Code, r.String())
			owner := r.JSON(t)
			require.NotEqual(t, squatKey, owner["siteKey"])

			// The squatter is out: its site, its secret and its tokens.
			requireError(t, e.do(http.MethodGet, "/api/v1/sites/"+squatKey, nil), http.StatusNotFound, "site-not-found")
			vm := e.do(http.MethodPost, "/api/v1/verify", map[string]any{"token": squatTok, "secret": squatSecret}).JSON(t)
			require.Equal(t, false, vm["success"])
			// The owner's site works.
			tok := e.token(owner["siteKey"].(string), "https://victim.example")
			vm = e.do(http.MethodPost, "/api/v1/verify", map[string]any{"token": tok, "secret": owner["secret"]}).JSON(t)
			require.Equal(t, true, vm["success"], vm)
			// A claim is single-use.
			requireError(t, e.do(http.MethodPost, "/api/v1/sites", map[string]any{"domain": "victim.example", "claim": id}), http.StatusNotFound, "claim-not-found")
		})
	}
}

// TestAttackReasonCodesNotSentToClient: a denial used to answer the exact signal that
// fired ("reasons":["hdr.NON_BROWSER_UA"]) and the score; so did the sandbox stream.
func TestAttackReasonCodesNotSentToClient(t *testing.T) {
	for _, dev := range []bool{false, true} {
		e := newEnv(t, astracaph.WithRisk(denyRisk("hdr.NON_BROWSER_UA")), server.WithDevelopment(dev))
		ts := httptest.NewServer(e.srv)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+"/sandbox/events", nil)
		stream, err := ts.Client().Do(req)
		require.NoError(t, err)
		sc := bufio.NewScanner(stream.Body)
		require.True(t, sc.Scan()) // greeting: subscribed

		r, m := e.redeem("", "https://x.example")
		require.Equal(t, http.StatusForbidden, r.Code)
		require.NotContains(t, r.String(), "NON_BROWSER_UA")
		require.NotContains(t, m, "score")
		// The redeem above went through the handler directly (address 192.0.2.1); redo it
		// over the network so the stream, keyed by address, sees it.
		body := strings.NewReader(`{"payload":"` + e.solve("") + `"}`)
		hr, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+"/api/v1/challenge", body)
		hr.Header.Set("Content-Type", "application/json")
		hr.Header.Set("Origin", "https://x.example")
		res, err := ts.Client().Do(hr)
		require.NoError(t, err)
		res.Body.Close()
		var data string
		for sc.Scan() {
			if l := sc.Text(); strings.HasPrefix(l, "data: ") && strings.Contains(l, `"redeem"`) {
				data = l
				break
			}
		}
		require.NotEmpty(t, data)
		if dev {
			require.Contains(t, data, "NON_BROWSER_UA", "with the development flag the sandbox shows reasons")
		} else {
			require.NotContains(t, data, "NON_BROWSER_UA")
			require.NotContains(t, data, `"score"`)
		}
		cancel()
		stream.Body.Close()
		ts.Close()
	}
}

// TestAttackSandboxStreamsHeldByOneClient: one address could hold all 256 event streams.
func TestAttackSandboxStreamsHeldByOneClient(t *testing.T) {
	e := newEnv(t)
	ts := httptest.NewServer(e.srv)
	defer ts.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var open []*http.Response
	defer func() {
		for _, r := range open {
			r.Body.Close()
		}
	}()
	for i := 0; ; i++ {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+"/sandbox/events", nil)
		res, err := ts.Client().Do(req)
		require.NoError(t, err)
		if res.StatusCode != http.StatusOK {
			require.Equal(t, http.StatusTooManyRequests, res.StatusCode)
			res.Body.Close()
			require.LessOrEqual(t, i, 8, "a handful of streams per address, not 256")
			break
		}
		bufio.NewReader(res.Body).ReadString('\n') // subscribed
		open = append(open, res)
		require.Less(t, i, 256)
	}
	// Another address still gets a stream.
	rec := httptest.NewRecorder()
	rctx, rcancel := context.WithCancel(context.Background())
	req := httptest.NewRequest(http.MethodGet, "/sandbox/events", nil).WithContext(rctx)
	req.RemoteAddr = "203.0.113.9:1234"
	done := make(chan struct{})
	go func() { e.srv.ServeHTTP(rec, req); close(done) }()
	time.Sleep(50 * time.Millisecond)
	rcancel()
	<-done
	require.Equal(t, http.StatusOK, rec.Code)
}

// TestAttackPoWV1DowngradeOverHTTP: ?v=1 gave any client the legacy proof of work.
func TestAttackPoWV1DowngradeOverHTTP(t *testing.T) {
	requireError(t, newEnv(t).do(http.MethodGet, "/api/v1/challenge?v=1", nil), http.StatusBadRequest, "pow-v1-disabled")
	r := newEnv(t, astracaph.WithPoWV1(true)).do(http.MethodGet, "/api/v1/challenge?v=1", nil)
	require.Equal(t, http.StatusOK, r.Code, r.String())
}

// TestAttackJunkRedemptionsCountAgainstLimit: failed redemptions count against the
// client prefix's redemption budget like successful ones.
func TestAttackJunkRedemptionsCountAgainstLimit(t *testing.T) {
	e := newEnv(t, server.WithLimits(server.Limits{Redeem: 5}))
	for range 5 {
		r := e.do(http.MethodPost, "/api/v1/challenge", map[string]any{"payload": "eyJqdW5rIjp0cnVlfQ=="}, withOrigin("https://x.example"))
		require.NotEqual(t, http.StatusTooManyRequests, r.Code)
	}
	requireError(t, e.do(http.MethodPost, "/api/v1/challenge", map[string]any{"payload": e.solve("")}, withOrigin("https://x.example")), http.StatusTooManyRequests, "rate-limited")
	requireError(t, e.do(http.MethodPost, "/api/v1/challenge/verify", map[string]any{"payload": "x"}, withOrigin("https://x.example")), http.StatusTooManyRequests, "rate-limited")
}
