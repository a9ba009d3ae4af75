package server_test

import (
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph/server"
)

// awayFromWindowEdge waits out the last moments of a fixed rate-limit window so a test
// counting requests does not straddle two windows.
func awayFromWindowEdge(window time.Duration) {
	left := window - time.Duration(time.Now().UnixNano()%int64(window))
	if left < 2*time.Second {
		time.Sleep(left + 10*time.Millisecond)
	}
}

func TestClientIPFromTrustedProxy(t *testing.T) {
	var obs observed
	e := newEnv(t, withObserver(&obs), server.WithTrustedProxies(netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")))
	clientOf := func(remote string, xff ...string) netip.Addr {
		t.Helper()
		mods := []reqMod{withRemote(remote)}
		for _, x := range xff {
			mods = append(mods, func(r *http.Request) { r.Header.Add("X-Forwarded-For", x) })
		}
		require.Equal(t, http.StatusOK, e.do(http.MethodGet, "/api/v1/challenge", nil, mods...).Code)
		return obs.last(t).ClientIP
	}
	ip := netip.MustParseAddr
	// No proxy: the peer.
	require.Equal(t, ip("203.0.113.5"), clientOf("203.0.113.5:5000"))
	// An untrusted peer cannot claim another address.
	require.Equal(t, ip("203.0.113.5"), clientOf("203.0.113.5:5000", "198.51.100.1"))
	// A trusted proxy: the right-most hop that is not a trusted proxy; left entries are
	// client-controlled and ignored.
	require.Equal(t, ip("198.51.100.2"), clientOf("10.0.0.1:80", "1.1.1.1, 198.51.100.2"))
	require.Equal(t, ip("198.51.100.2"), clientOf("10.0.0.1:80", "1.1.1.1, 198.51.100.2, 10.9.9.9"))
	require.Equal(t, ip("198.51.100.2"), clientOf("10.0.0.1:80", "1.1.1.1", "198.51.100.2, 10.9.9.9"), "several headers are one list")
	require.Equal(t, ip("198.51.100.3"), clientOf("10.0.0.1:80", "198.51.100.3:4711"))
	require.Equal(t, ip("2001:db8::7"), clientOf("[fd00::1]:443", "[2001:db8::7]:1234"))
	require.Equal(t, ip("198.51.100.4"), clientOf("[::ffff:10.0.0.1]:80", "198.51.100.4"), "IPv4-mapped peers are unmapped")
	// Garbage stops the walk at the proxy; all-trusted chains fall back to the peer.
	require.Equal(t, ip("10.0.0.1"), clientOf("10.0.0.1:80", "198.51.100.2, not-an-ip"))
	require.Equal(t, ip("10.0.0.1"), clientOf("10.0.0.1:80", "10.1.1.1, 10.2.2.2"))
	require.Equal(t, ip("10.0.0.1"), clientOf("10.0.0.1:80"))

	// Without trusted proxies X-Forwarded-For is ignored entirely.
	var obs2 observed
	plain := newEnv(t, withObserver(&obs2))
	require.Equal(t, http.StatusOK, plain.do(http.MethodGet, "/api/v1/challenge", nil, withRemote("10.0.0.1:80"), withHeader("X-Forwarded-For", "198.51.100.2")).Code)
	require.Equal(t, ip("10.0.0.1"), obs2.last(t).ClientIP)
}

func TestClientIPRateLimitBuckets(t *testing.T) {
	awayFromWindowEdge(time.Minute)
	e := newEnv(t, server.WithLimits(server.Limits{Challenge: 1}), server.WithTrustedProxies(netip.MustParsePrefix("10.0.0.0/8")))
	get := func(remote, xff string) int {
		t.Helper()
		mods := []reqMod{withRemote(remote)}
		if xff != "" {
			mods = append(mods, withHeader("X-Forwarded-For", xff))
		}
		return e.do(http.MethodGet, "/api/v1/challenge", nil, mods...).Code
	}
	// Two clients behind the same proxy get their own buckets.
	require.Equal(t, http.StatusOK, get("10.0.0.1:80", "198.51.100.1"))
	require.Equal(t, http.StatusOK, get("10.0.0.1:80", "198.51.100.2"))
	// Rotating the spoofable left part does not buy a new bucket.
	require.Equal(t, http.StatusTooManyRequests, get("10.0.0.1:80", "1.2.3.4, 198.51.100.1"))
	require.Equal(t, http.StatusTooManyRequests, get("10.0.0.2:80", "5.6.7.8, 198.51.100.2"))
	// An untrusted peer is limited by its own address whatever it forwards.
	require.Equal(t, http.StatusOK, get("203.0.113.9:1", "198.51.100.50"))
	require.Equal(t, http.StatusTooManyRequests, get("203.0.113.9:1", "198.51.100.51"))
	// IPv6 clients share a /64.
	require.Equal(t, http.StatusOK, get("[2001:db8:1:2::1]:1", ""))
	require.Equal(t, http.StatusTooManyRequests, get("[2001:db8:1:2:ffff::9]:1", ""))
	require.Equal(t, http.StatusOK, get("[2001:db8:1:3::1]:1", ""))
}
