package ipintel

import (
	"net/netip"
	"os"
	"testing"

	"github.com/astracat/astracaph/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Tests on the real lists of the dataset directory beside the repository (testenv.SharedData);
// each skips when its dataset is absent.

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().As16()
	off := 0
	if p.Addr().Is4() {
		off = 96
	}
	for i := p.Bits() + off; i < 128; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	a := netip.AddrFrom16(b)
	if p.Addr().Is4() {
		return a.Unmap()
	}
	return a
}

func parseShared(t *testing.T, rel string, parse func([]byte) (parsed, error)) parsed {
	t.Helper()
	data, err := os.ReadFile(testenv.SharedData(t, rel))
	require.NoError(t, err)
	p, err := parse(data)
	require.NoError(t, err, rel)
	return p
}

func distinct(ps []netip.Prefix) int {
	m := map[netip.Prefix]struct{}{}
	for _, p := range ps {
		m[p] = struct{}{}
	}
	return len(m)
}

func TestSharedParseCounts(t *testing.T) {
	cases := []struct {
		rel             string
		parse           func([]byte) (parsed, error)
		entries, unique int
	}{
		{"tor-exit-list/torbulkexitlist-2024-03-12.txt", parseTor, 1174, 1174},
		{"tor-exit-list/exit-addresses-2024-03-12.txt", parseTor, 2378, 1174},
		{"tor-exit-list/secops-tor-exit-nodes-2024-02-27.lst", parseTor, 1746, 1746},
		{"tor-exit-list/onionoo-exits-2026-08-22.csv", parseTor, 5933, -1},
		{"x4bnet-lists-vpn/datacenter-ipv4.txt", parseCIDRList, 42566, 42566},
		{"x4bnet-lists-vpn/datacenter-ipv6.txt", parseCIDRList, 8752, 8752},
		{"x4bnet-lists-vpn/vpn-ipv4.txt", parseCIDRList, 10862, 10862},
		{"x4bnet-lists-vpn/vpn-ipv6.txt", parseCIDRList, 498, 498},
		{"cloud-ranges/femueller-cloud-ip-ranges/aws-ip-ranges.json", parseCloudJSON, 8971 + 4373, 6850 + 2216},
		{"cloud-ranges/femueller-cloud-ip-ranges/google-cloud-ip-ranges.json", parseCloudJSON, 782, -1},
	}
	for _, c := range cases {
		t.Run(c.rel, func(t *testing.T) {
			p := parseShared(t, c.rel, c.parse)
			assert.Len(t, p.prefixes, c.entries)
			assert.Zero(t, p.bad)
			if c.unique >= 0 {
				assert.Equal(t, c.unique, distinct(p.prefixes), "distinct prefixes")
			}
		})
	}
	t.Run("bad-asn-list", func(t *testing.T) {
		p := parseShared(t, "bad-asn-list/bad-asn-list.csv", parseASNList)
		seen := map[uint32]bool{}
		for _, a := range p.asns {
			seen[a] = true
		}
		// Header is the one bad line; 212238 is the row encoding/csv's LazyQuotes loses.
		assert.Len(t, p.asns, 742, "rows")
		assert.Len(t, seen, 723, "distinct")
		assert.Equal(t, 1, p.bad)
		for _, a := range []uint32{51447, 48031, 212238, 15497, 3223, 62026} {
			assert.True(t, seen[a], "AS%d missing", a)
		}
	})
	t.Run("x4bnet-input-asn", func(t *testing.T) {
		p := parseShared(t, "x4bnet-lists-vpn/input-datacenter-ASN.txt", parseASNList)
		assert.Len(t, p.asns, 906, "rows")
		assert.Zero(t, p.bad)
	})
}

func sharedClassifier(t testing.TB) *Classifier {
	t.Helper()
	s := func(rel string) string { return testenv.SharedData(t, rel) }
	return newClassifier(t, Options{Sources: []Source{
		{Name: "tor-exit", Format: FormatTor, Path: s("tor-exit-list/torbulkexitlist-2024-03-12.txt")},
		{Name: "tor-exit", Format: FormatTor, Path: s("tor-exit-list/exit-addresses-2024-03-12.txt")},
		{Name: "tor-exit", Format: FormatTor, Path: s("tor-exit-list/secops-tor-exit-nodes-2024-02-27.lst")},
		{Name: "tor-exit", Format: FormatTor, Path: s("tor-exit-list/onionoo-exits-2026-08-22.csv")},
		{Name: "x4bnet-vpn", Class: ClassVPN, Format: FormatCIDR, Path: s("x4bnet-lists-vpn/vpn-ipv4.txt")},
		{Name: "x4bnet-vpn", Class: ClassVPN, Format: FormatCIDR, Path: s("x4bnet-lists-vpn/vpn-ipv6.txt")},
		{Name: "x4bnet-datacenter", Class: ClassHosting, Format: FormatCIDR, Path: s("x4bnet-lists-vpn/datacenter-ipv4.txt")},
		{Name: "x4bnet-datacenter", Class: ClassHosting, Format: FormatCIDR, Path: s("x4bnet-lists-vpn/datacenter-ipv6.txt")},
		{Name: "aws", Format: FormatAWS, Path: s("cloud-ranges/femueller-cloud-ip-ranges/aws-ip-ranges.json")},
		{Name: "google-cloud", Format: FormatGoogle, Path: s("cloud-ranges/femueller-cloud-ip-ranges/google-cloud-ip-ranges.json")},
		{Name: "bad-asn-list", Format: FormatASNList, Path: s("bad-asn-list/bad-asn-list.csv")},
	}})
}

// TestSharedListsClassify checks both ends of every listed prefix against its list's class
// (or a stronger one).
func TestSharedListsClassify(t *testing.T) {
	c := sharedClassifier(t)
	check := func(rel string, parse func([]byte) (parsed, error), min Class, allowed ...Class) {
		t.Run(rel, func(t *testing.T) {
			p := parseShared(t, rel, parse)
			fails := 0
			for _, pfx := range p.prefixes {
				for _, a := range []netip.Addr{pfx.Addr(), lastAddr(pfx)} {
					got := c.Classify(a)
					ok := got.Class.Rank() >= min.Rank()
					if len(allowed) > 0 {
						ok = false
						for _, cl := range allowed {
							ok = ok || got.Class == cl
						}
					}
					if !ok {
						if fails++; fails <= 5 {
							assert.Fail(t, "misclassified", "%v (%v): got %+v", a, pfx, got)
						}
					}
				}
			}
			assert.Zero(t, fails, "addresses misclassified, of %d prefixes", len(p.prefixes))
		})
	}
	check("x4bnet-lists-vpn/datacenter-ipv4.txt", parseCIDRList, ClassHosting)
	check("x4bnet-lists-vpn/datacenter-ipv6.txt", parseCIDRList, ClassHosting)
	check("x4bnet-lists-vpn/vpn-ipv4.txt", parseCIDRList, "", ClassVPN, ClassTor)
	check("x4bnet-lists-vpn/vpn-ipv6.txt", parseCIDRList, "", ClassVPN, ClassTor)
	check("tor-exit-list/torbulkexitlist-2024-03-12.txt", parseTor, "", ClassTor)
	check("tor-exit-list/exit-addresses-2024-03-12.txt", parseTor, "", ClassTor)
	check("tor-exit-list/secops-tor-exit-nodes-2024-02-27.lst", parseTor, "", ClassTor)
	check("tor-exit-list/onionoo-exits-2026-08-22.csv", parseTor, "", ClassTor)
	check("cloud-ranges/femueller-cloud-ip-ranges/aws-ip-ranges.json", parseCloudJSON, ClassHosting)
	check("cloud-ranges/femueller-cloud-ip-ranges/google-cloud-ip-ranges.json", parseCloudJSON, ClassHosting)

	// An address in none of the lists stays unknown (no ASN database is configured).
	assert.Equal(t, ClassUnknown, c.Classify(netip.MustParseAddr("192.0.2.1")).Class, "documentation address")
}
