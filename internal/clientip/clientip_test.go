package clientip

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPrefixIPv6SubscriberSharesOneBucket: rotating addresses inside one /64 (what any
// IPv6 subscriber can do) must not escape a per-client limit.
func TestPrefixIPv6SubscriberSharesOneBucket(t *testing.T) {
	a := Prefix(netip.MustParseAddr("2001:db8:1:2::1"))
	require.Equal(t, "2001:db8:1:2::/64", a)
	require.Equal(t, a, Prefix(netip.MustParseAddr("2001:db8:1:2:ffff:ffff:ffff:fffe")))
	require.NotEqual(t, a, Prefix(netip.MustParseAddr("2001:db8:1:3::1")))
}

func TestPrefixIPv4(t *testing.T) {
	require.Equal(t, "192.0.2.7", Prefix(netip.MustParseAddr("192.0.2.7")))
	require.Equal(t, "192.0.2.7", Prefix(netip.MustParseAddr("::ffff:192.0.2.7")), "a mapped address is its IPv4 bucket")
	require.NotEqual(t, Prefix(netip.MustParseAddr("192.0.2.7")), Prefix(netip.MustParseAddr("192.0.2.8")))
	require.Equal(t, "unknown", Prefix(netip.Addr{}))
}
