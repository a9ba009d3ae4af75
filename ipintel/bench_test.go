package ipintel

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkClassify measures the lookup path. "lists" hits prefix lists only (the zero-alloc
// path); "lists+iptoasn" adds the range-table ASN database; "lists+mmdb" the MMDB reader;
// "shared" uses the full X4BNet, Tor and cloud lists when the dataset directory is present.
func BenchmarkClassify(b *testing.B) {
	mmdb := filepath.Join(b.TempDir(), "asn.mmdb")
	require.NoError(b, os.WriteFile(mmdb, fixtureMMDB(b), 0o644))
	lists := fixtureSources(b)[:11] // without the ASN list and database
	ips := []netip.Addr{
		netip.MustParseAddr("198.51.100.200"), netip.MustParseAddr("198.51.100.130"),
		netip.MustParseAddr("192.0.2.5"), netip.MustParseAddr("2001:db8:aaaa::1"),
		netip.MustParseAddr("203.0.113.200"), netip.MustParseAddr("8.8.8.8"),
	}
	run := func(b *testing.B, c *Classifier, ips []netip.Addr) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			_ = c.Classify(ips[i%len(ips)])
			i++
		}
	}
	b.Run("lists", func(b *testing.B) { run(b, newClassifier(b, Options{Sources: lists}), ips) })
	b.Run("lists+iptoasn", func(b *testing.B) {
		run(b, newClassifier(b, Options{Sources: fixtureSources(b)}), ips)
	})
	b.Run("lists+mmdb", func(b *testing.B) {
		src := append(lists, Source{Name: "mmdb", Format: FormatMMDB, Path: mmdb})
		run(b, newClassifier(b, Options{Sources: src}), ips)
	})
	b.Run("shared", func(b *testing.B) {
		c := sharedClassifier(b)
		run(b, c, []netip.Addr{
			netip.MustParseAddr("3.5.140.1"), netip.MustParseAddr("185.220.101.1"),
			netip.MustParseAddr("2a01:4f8::1"), netip.MustParseAddr("81.2.69.142"),
		})
	})
}
