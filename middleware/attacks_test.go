package middleware_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/middleware"
	"github.com/astracat/astracaph/server"
)

// TestAttackForgedTokenThroughProtect: the README's in-process example (Protect without a
// site key) accepted a token signed offline with a self-registered site's secret.
func TestAttackForgedTokenThroughProtect(t *testing.T) {
	c := newCaptcha(t)
	evil, err := c.RegisterSite(context.Background(), astracaph.SiteRequest{Domain: "attacker.example"})
	require.NoError(t, err)
	now := time.Now()
	h := &recorder{}
	var f failure
	prot := middleware.Protect(c, capture(&f))(h)
	for _, origin := range []string{siteOrigin, "https://attacker.example"} {
		forged, err := astracaph.SignServerPayload(astracaph.VerificationData{ID: "forged", Time: now, Expire: now.Add(time.Minute),
			Origin: origin, Site: evil.SiteKey, Score: 1, HasScore: true, Classification: "GOOD", Verified: true}, []byte(evil.Secret), astracaph.SHA256)
		require.NoError(t, err)
		r := formPost(url.Values{"astracaph-response": {forged}})
		r.Header.Set("Origin", origin)
		require.Equal(t, http.StatusForbidden, serve(prot, r).Code, origin)
		require.ErrorIs(t, f.err, middleware.ErrTokenInvalid)
	}
	require.Zero(t, h.calls, "the protected handler never ran")
}

// TestAttackRemoteExpectedOriginAgainstRealServer: middleware.WithRemote with WithExpectedOrigin
// against the real hosted API (not a test double): a token bound to another origin of the
// same site is refused although the secret is right.
func TestAttackRemoteExpectedOriginAgainstRealServer(t *testing.T) {
	c := newCaptcha(t)
	site, err := c.RegisterSite(context.Background(), astracaph.SiteRequest{Domain: "shop.example.com", Origins: []string{"https://partner.example"}})
	require.NoError(t, err)
	api := httptest.NewServer(server.New(c, server.WithLimits(server.Limits{})))
	defer api.Close()
	d, err := c.Redeem(context.Background(), astracaph.RedeemRequest{Payload: solveFor(t, c, site.SiteKey), SiteKey: site.SiteKey, Origin: "https://partner.example"})
	require.NoError(t, err)
	h := &recorder{}
	var f failure
	prot := middleware.Protect(nil, middleware.WithRemote(api.URL, site.Secret, api.Client()), middleware.WithExpectedOrigin(siteOrigin), capture(&f))(h)
	require.Equal(t, http.StatusForbidden, serve(prot, formPost(url.Values{"astracaph-response": {d.Token}})).Code)
	require.ErrorIs(t, f.err, middleware.ErrTokenInvalid)
	require.Zero(t, h.calls)
	// Bound to the expected origin, it passes.
	d, err = c.Redeem(context.Background(), astracaph.RedeemRequest{Payload: solveFor(t, c, site.SiteKey), SiteKey: site.SiteKey, Origin: siteOrigin})
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, serve(prot, formPost(url.Values{"astracaph-response": {d.Token}})).Code, f.err)
}
