package server_test

import (
	"encoding/json"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/astracat/astracaph/server"
	"github.com/stretchr/testify/require"
)

// FuzzClientIP feeds arbitrary X-Forwarded-For values from a trusted proxy. The client
// must always be the peer or an address listed in the header outside the trusted set.
func FuzzClientIP(f *testing.F) {
	for _, s := range []string{"", "198.51.100.2", "1.1.1.1, 198.51.100.2, 10.0.0.9", "[2001:db8::1]:80", "garbage, 10.0.0.2", ",,,", "::ffff:198.51.100.2", "fe80::1%eth0", "10.0.0.1"} {
		f.Add(s)
	}
	trusted := netip.MustParsePrefix("10.0.0.0/8")
	peer := netip.MustParseAddr("10.0.0.1")
	f.Fuzz(func(t *testing.T, xff string) {
		var obs observed
		e := newEnv(t, withObserver(&obs), withNoLimits(), server.WithTrustedProxies(trusted))
		r := e.do(http.MethodGet, "/api/v1/challenge", nil, withRemote("10.0.0.1:80"), func(r *http.Request) { r.Header["X-Forwarded-For"] = []string{xff} })
		require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)
		got := obs.last(t).ClientIP
		if got == peer {
			return
		}
		require.False(t, trusted.Contains(got), "client %v from %q", got, xff)
		require.Empty(t, got.Zone(), "client %v from %q", got, xff)
		require.False(t, got.Is4In6(), "client %v from %q", got, xff)
		for _, hop := range strings.Split(xff, ",") {
			hop = strings.TrimSpace(hop)
			if h, _, err := net.SplitHostPort(hop); err == nil {
				hop = h
			}
			if a, err := netip.ParseAddr(strings.Trim(hop, "[]")); err == nil && a.Unmap().WithZone("") == got {
				return
			}
		}
		require.Failf(t, "client not from the header", "client %v does not appear in %q", got, xff)
	})
}

// FuzzSiteverifyBody posts arbitrary bodies: the answer is always JSON with a 2xx/4xx
// status, never a 5xx with a healthy store.
func FuzzSiteverifyBody(f *testing.F) {
	f.Add("application/x-www-form-urlencoded", "secret=s&response=r")
	f.Add("application/json", `{"secret":"s","response":"r","idempotency_key":1}`)
	f.Add("application/json", `{"secret":`)
	f.Add("multipart/form-data; boundary=X", "--X\r\nContent-Disposition: form-data; name=\"secret\"\r\n\r\ns\r\n--X--\r\n")
	f.Add("text/plain", "x")
	f.Add("application/x-www-form-urlencoded", "secret=%zz")
	f.Fuzz(func(t *testing.T, ct, body string) {
		e := newEnv(t, server.WithMaxBody(4096))
		r := e.do(http.MethodPost, "/hcaptcha/siteverify", body, withCT(ct))
		require.True(t, r.Code >= 200 && r.Code < 500, "%d %q for %q %q", r.Code, r.Body, ct, body)
		require.True(t, json.Valid(r.Body), "%d %q for %q %q", r.Code, r.Body, ct, body)
	})
}

// FuzzPrivateTokenRequest sends arbitrary challenge parameters and Authorization values to
// the private-token route: the answer is always JSON with a 4xx status (no token can be
// forged; a healthy store never yields a 5xx), and a 401 always carries a challenge.
func FuzzPrivateTokenRequest(f *testing.F) {
	e, _, _ := newPATEnv(f, withNoLimits())
	u, _ := e.patChallenge("")
	valid := strings.TrimPrefix(u, "/api/v1/challenge/private-token?challenge=")
	f.Add(valid, "")
	f.Add(valid, `PrivateToken token="AAIA"`)
	f.Add(valid, `Basic dXNlcjpwYXNz, PrivateToken token=AAIA, PrivateToken token=AAIA`)
	f.Add("e30", `PrivateToken token="`+strings.Repeat("A", 400)+`"`)
	f.Add("%%%", "PrivateToken")
	f.Fuzz(func(t *testing.T, challenge, auth string) {
		e := *e
		e.t = t
		r := e.do(http.MethodGet, "/api/v1/challenge/private-token?challenge="+url.QueryEscape(challenge), nil,
			withOrigin("https://shop.example"), func(r *http.Request) { r.Header["Authorization"] = []string{auth} })
		require.True(t, r.Code >= 400 && r.Code < 500, "%d %q for %q %q", r.Code, r.Body, challenge, auth)
		require.True(t, json.Valid(r.Body), "%d %q for %q %q", r.Code, r.Body, challenge, auth)
		if r.Code == http.StatusUnauthorized {
			require.NotEmpty(t, r.Header.Get("WWW-Authenticate"), "401 without a challenge for %q %q", challenge, auth)
		}
	})
}
