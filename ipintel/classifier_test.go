package ipintel

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func td(name string) string { return filepath.Join("testdata", name) }

func writeFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

// fixtureSources covers every list format plus an iptoasn database.
func fixtureSources(t testing.TB) []Source {
	proxy := writeFile(t, t.TempDir(), "proxy.txt", "172.16.6.0/24\n")
	return []Source{
		{Name: "tor-exit", Format: FormatTor, Path: td("torbulkexitlist.txt")},
		{Name: "tor-exit", Format: FormatTor, Path: td("exit-addresses.txt")},
		{Name: "tor-exit", Format: FormatTor, Path: td("secops-tor.lst")},
		{Name: "tor-exit", Format: FormatTor, Path: td("onionoo-exits.csv")},
		{Name: "x4bnet-vpn", Class: ClassVPN, Format: FormatCIDR, Path: td("vpn.txt")},
		{Name: "x4bnet-datacenter", Class: ClassHosting, Format: FormatCIDR, Path: td("datacenter.txt")},
		{Name: "icloud-relay", Class: ClassRelay, Format: FormatCIDR, Path: td("relay.txt")},
		{Name: "proxies", Class: ClassProxy, Format: FormatCIDR, Path: proxy},
		{Name: "aws", Format: FormatAWS, Path: td("aws-ip-ranges.json")},
		{Name: "google-cloud", Format: FormatGoogle, Path: td("google-cloud.json")},
		{Name: "oracle", Format: FormatOracle, Path: td("oracle-public-ip-ranges.json")},
		{Name: "bad-asn-list", Format: FormatASNList, Path: td("bad-asn-list.csv")},
		{Name: "ip2asn", Format: FormatIPtoASN, Path: td("ip2asn-combined.tsv")},
	}
}

func newClassifier(t testing.TB, cfg Options) *Classifier {
	t.Helper()
	c, err := New(context.Background(), cfg)
	require.NoError(t, err)
	return c
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func TestClassifyPrecedenceAndSources(t *testing.T) {
	c := newClassifier(t, Options{Sources: fixtureSources(t)})
	cases := []struct {
		ip      string
		class   Class
		asn     uint32
		sources []string
	}{
		{"198.51.100.200", ClassTor, 16509, []string{"tor-exit", "x4bnet-vpn", "x4bnet-datacenter", "ip2asn", SourceBuiltinHosting}},
		{"198.51.100.130", ClassVPN, 16509, []string{"x4bnet-vpn", "x4bnet-datacenter", "ip2asn", SourceBuiltinHosting}},
		{"198.51.100.5", ClassHosting, 16509, []string{"x4bnet-datacenter", "ip2asn", SourceBuiltinHosting}},
		{"203.0.113.5", ClassHosting, 64501, []string{"x4bnet-datacenter", "ip2asn", SourceMobileName}},
		{"203.0.113.200", ClassHosting, 62026, []string{"ip2asn", "asn:bad-asn-list"}},
		{"192.0.2.5", ClassResidential, 64500, []string{"ip2asn"}},
		{"192.0.2.10", ClassTor, 64500, []string{"tor-exit", "ip2asn"}},
		{"192.0.2.22", ClassTor, 64500, []string{"tor-exit", "ip2asn"}},
		{"192.0.2.40", ClassTor, 64500, []string{"tor-exit", "ip2asn"}},
		{"192.0.2.77", ClassHosting, 64500, []string{"x4bnet-datacenter", "ip2asn"}},
		{"::ffff:192.0.2.10", ClassTor, 64500, []string{"tor-exit", "ip2asn"}},
		{"2001:db8::9001", ClassTor, 64500, []string{"tor-exit", "ip2asn"}},
		{"2001:db8:100:5::1", ClassVPN, 64500, []string{"x4bnet-vpn", "x4bnet-datacenter", "ip2asn"}},
		{"10.20.1.1", ClassHosting, 64502, []string{"aws", "ip2asn"}},
		{"10.21.1.1", ClassHosting, 64502, []string{"aws", "ip2asn"}},
		{"10.30.15.1", ClassHosting, 64502, []string{"google-cloud", "ip2asn"}},
		{"10.41.3.3", ClassHosting, 64502, []string{"oracle", "ip2asn"}},
		{"10.99.0.1", ClassResidential, 64502, []string{"ip2asn"}},
		{"2001:db8:aaaa::1", ClassHosting, 64500, []string{"aws", "ip2asn"}},
		{"2001:db8:bbbb::1", ClassHosting, 64500, []string{"google-cloud", "ip2asn"}},
		{"172.16.5.9", ClassRelay, 0, []string{"icloud-relay"}},
		{"172.16.6.1", ClassProxy, 0, []string{"proxies"}},
		{"8.8.8.8", ClassUnknown, 0, nil},
		{"100.64.0.1", ClassUnknown, 0, nil}, // "Not routed" in the ASN table
	}
	for _, tc := range cases {
		got := c.Classify(netip.MustParseAddr(tc.ip))
		assert.Equal(t, tc.class, got.Class, tc.ip)
		assert.Equal(t, tc.asn, got.ASN, tc.ip)
		assert.ElementsMatch(t, tc.sources, got.Sources, tc.ip)
	}
	assert.Equal(t, ClassUnknown, c.Classify(netip.Addr{}).Class, "invalid addr")
	assert.Equal(t, "EXAMPLE-RESIDENTIAL Broadband", c.Classify(netip.MustParseAddr("192.0.2.5")).Org)
}

func TestClassifyMMDBAndBuiltins(t *testing.T) {
	dir := t.TempDir()
	mmdb := filepath.Join(dir, "asn.mmdb")
	require.NoError(t, os.WriteFile(mmdb, fixtureMMDB(t), 0o644))
	src := []Source{{Name: "asn.mmdb", Format: FormatMMDB, Path: mmdb}}
	cases := []struct {
		cfg   Options
		ip    string
		class Class
	}{
		{Options{Sources: src}, "203.0.113.9", ClassMobile},    // "Example Wireless Telecom"
		{Options{Sources: src}, "198.51.100.1", ClassHosting},  // IPinfo schema, AS16509 built in
		{Options{Sources: src}, "2001:db8:1::1", ClassHosting}, // AS15169 built in
		{Options{Sources: src}, "192.0.2.7", ClassResidential}, // known ASN, no class
		{Options{Sources: src}, "8.8.8.8", ClassUnknown},       // not in the database
		{Options{Sources: src, DisableBuiltinASN: true}, "198.51.100.1", ClassResidential},
		{Options{Sources: src, DisableMobileNameHeuristic: true}, "203.0.113.9", ClassResidential},
	}
	for _, tc := range cases {
		got := newClassifier(t, tc.cfg).Classify(netip.MustParseAddr(tc.ip))
		assert.Equal(t, tc.class, got.Class, "%s (builtin off=%v, heuristic off=%v): got %+v", tc.ip,
			tc.cfg.DisableBuiltinASN, tc.cfg.DisableMobileNameHeuristic, got)
	}
	// Built-in mobile carrier: the first database that knows the address wins.
	tsv := writeFile(t, dir, "mobile.tsv", "203.0.113.0\t203.0.113.255\t21928\tUS\tT-MOBILE-AS21928\n")
	c := newClassifier(t, Options{Sources: []Source{
		{Name: "carrier", Format: FormatIPtoASN, Path: tsv},
		{Name: "asn.mmdb", Format: FormatMMDB, Path: mmdb},
	}})
	got := c.Classify(netip.MustParseAddr("203.0.113.9"))
	assert.Equal(t, ClassMobile, got.Class, "builtin mobile")
	assert.Equal(t, uint32(21928), got.ASN, "builtin mobile")
	assert.ElementsMatch(t, []string{"carrier", SourceBuiltinMobile}, got.Sources, "builtin mobile")
}

func TestConfigErrors(t *testing.T) {
	cases := map[string][]Source{
		"class mismatch": {
			{Name: "x", Class: ClassVPN, Format: FormatCIDR, Path: td("vpn.txt")},
			{Name: "x", Class: ClassHosting, Format: FormatCIDR, Path: td("datacenter.txt")},
		},
		"no path":        {{Name: "x", Format: FormatCIDR}},
		"path and url":   {{Name: "x", Format: FormatCIDR, Path: "a", URL: "http://b"}},
		"unknown format": {{Name: "x", Format: "yaml", Path: td("vpn.txt")}},
		"unnamed":        {{Format: FormatCIDR, Path: td("vpn.txt")}},
		"bad class":      {{Name: "x", Class: "evil", Format: FormatCIDR, Path: td("vpn.txt")}},
	}
	for name, src := range cases {
		_, err := New(context.Background(), Options{Sources: src})
		assert.ErrorIs(t, err, ErrConfig, name)
	}
	missing := Source{Name: "x", Format: FormatCIDR, Path: filepath.Join(t.TempDir(), "absent.txt")}
	_, err := New(context.Background(), Options{Sources: []Source{missing}})
	assert.Error(t, err, "missing required file")
	missing.Optional = true
	c := newClassifier(t, Options{Sources: []Source{missing}})
	if st := c.Stats(); assert.Len(t, st, 1, "optional missing source stats") {
		assert.True(t, st[0].Missing, "optional missing source stats: %+v", st)
	}
	got := newClassifier(t, Options{}).Classify(netip.MustParseAddr("1.2.3.4"))
	assert.Equal(t, ClassUnknown, got.Class, "empty config")
}

func TestURLSourceAndStats(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/vpn" {
			w.Write([]byte("192.0.2.0/24\nbogus\n"))
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	c := newClassifier(t, Options{Client: srv.Client(), Sources: []Source{{Name: "remote", Class: ClassVPN, Format: FormatCIDR, URL: srv.URL + "/vpn"}}})
	assert.Equal(t, ClassVPN, c.Classify(netip.MustParseAddr("192.0.2.1")).Class, "url source")
	if st := c.Stats(); assert.Len(t, st, 1, "stats") {
		assert.Equal(t, 1, st[0].Entries, "stats: %+v", st)
		assert.Equal(t, 1, st[0].Skipped, "stats: %+v", st)
	}
	_, err := New(context.Background(), Options{Client: srv.Client(), Sources: []Source{{Name: "gone", Format: FormatCIDR, URL: srv.URL + "/404"}}})
	assert.ErrorIs(t, err, ErrBadStatus, "404 url")
	_, err = New(context.Background(), Options{Client: srv.Client(), MaxBytes: 4,
		Sources: []Source{{Name: "big", Format: FormatCIDR, URL: srv.URL + "/vpn"}}})
	assert.ErrorIs(t, err, ErrTooLarge, "size limit")
}

func TestReloadFailureKeepsSnapshot(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "vpn.txt", "192.0.2.0/24\n")
	c := newClassifier(t, Options{Sources: []Source{{Name: "vpn", Class: ClassVPN, Format: FormatCIDR, Path: p}}})
	a := netip.MustParseAddr("192.0.2.1")
	b := netip.MustParseAddr("198.51.100.1")

	writeFile(t, dir, "vpn.txt", "<html><body>502 Bad Gateway</body></html>\n")
	require.ErrorIs(t, c.Reload(context.Background()), ErrNoEntries, "reload of garbage")
	require.Equal(t, ClassVPN, c.Classify(a).Class, "old snapshot lost after failed reload")
	writeFile(t, dir, "vpn.txt", "198.51.100.0/24\n")
	require.NoError(t, c.Reload(context.Background()))
	require.Equal(t, ClassUnknown, c.Classify(a).Class, "new snapshot not in service")
	require.Equal(t, ClassVPN, c.Classify(b).Class, "new snapshot not in service")
}

func TestWatchReloadsChangedFile(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "vpn.txt", "192.0.2.0/24\n")
	absent := filepath.Join(dir, "later.txt")
	c := newClassifier(t, Options{Sources: []Source{
		{Name: "vpn", Class: ClassVPN, Format: FormatCIDR, Path: p},
		{Name: "tor", Format: FormatTor, Path: absent, Optional: true},
	}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Watch(ctx, 5*time.Millisecond) }()

	waitFor := func(ip string, want Class) {
		t.Helper()
		require.Eventually(t, func() bool { return c.Classify(netip.MustParseAddr(ip)).Class == want },
			5*time.Second, 2*time.Millisecond, "%s never became %s", ip, want)
	}
	writeFile(t, dir, "vpn.txt", "198.51.100.0/24\n# size differs\n")
	waitFor("198.51.100.7", ClassVPN)
	writeFile(t, dir, "later.txt", "203.0.113.9\n") // an optional file appearing counts too
	waitFor("203.0.113.9", ClassTor)
	cancel()
	require.ErrorIs(t, <-done, context.Canceled, "Watch's return")
}

// TestReloadUnderConcurrentLookups alternates two file versions while 8 goroutines classify
// continuously: every answer must come whole from one snapshot or the other.
func TestReloadUnderConcurrentLookups(t *testing.T) {
	dir := t.TempDir()
	vpnA, vpnB := "192.0.2.0/24\n10.0.0.0/8\n", "10.0.0.0/8\n"
	vp := writeFile(t, dir, "vpn.txt", vpnA)
	dc := writeFile(t, dir, "dc.txt", "192.0.2.0/24\n")
	c := newClassifier(t, Options{Sources: []Source{
		{Name: "vpn", Class: ClassVPN, Format: FormatCIDR, Path: vp},
		{Name: "dc", Class: ClassHosting, Format: FormatCIDR, Path: dc},
	}})
	x := netip.MustParseAddr("192.0.2.9") // vpn in A, hosting in B
	y := netip.MustParseAddr("10.1.2.3")  // vpn in both
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var bad, total atomic.Int64
	for range 8 {
		wg.Go(func() {
			n := 0
			for {
				select {
				case <-stop:
					total.Add(int64(n))
					return
				default:
				}
				gx, gy := c.Classify(x), c.Classify(y)
				okX := (gx.Class == ClassVPN && sameSet(gx.Sources, []string{"vpn", "dc"})) ||
					(gx.Class == ClassHosting && sameSet(gx.Sources, []string{"dc"}))
				okY := gy.Class == ClassVPN && sameSet(gy.Sources, []string{"vpn"})
				if !okX || !okY {
					bad.Add(1)
				}
				n++
			}
		})
	}
	for i := range 20 {
		content := vpnA
		if i%2 == 0 {
			content = vpnB
		}
		writeFile(t, dir, "vpn.txt", content)
		assert.NoError(t, c.Reload(context.Background()))
	}
	close(stop)
	wg.Wait()
	require.Zero(t, bad.Load(), "inconsistent lookups out of %d", total.Load())
	require.NotZero(t, total.Load(), "no lookups ran")
	require.Equal(t, ClassVPN, c.Classify(x).Class, "final snapshot") // last write was vpnA
}
