package ipintel

import (
	"context"
	"errors"
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
)

func td(name string) string { return filepath.Join("testdata", name) }

func writeFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
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
	if err != nil {
		t.Fatal(err)
	}
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
		if got.Class != tc.class || got.ASN != tc.asn || !sameSet(got.Sources, tc.sources) {
			t.Errorf("%s: got %+v, want class=%s asn=%d sources=%v", tc.ip, got, tc.class, tc.asn, tc.sources)
		}
	}
	if got := c.Classify(netip.Addr{}); got.Class != ClassUnknown {
		t.Errorf("invalid addr: %+v", got)
	}
	if got := c.Classify(netip.MustParseAddr("192.0.2.5")); got.Org != "EXAMPLE-RESIDENTIAL Broadband" {
		t.Errorf("org = %q", got.Org)
	}
}

func TestClassifyMMDBAndBuiltins(t *testing.T) {
	dir := t.TempDir()
	mmdb := filepath.Join(dir, "asn.mmdb")
	if err := os.WriteFile(mmdb, fixtureMMDB(t), 0o644); err != nil {
		t.Fatal(err)
	}
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
		if got.Class != tc.class {
			t.Errorf("%s (builtin off=%v, heuristic off=%v): got %+v, want %s", tc.ip,
				tc.cfg.DisableBuiltinASN, tc.cfg.DisableMobileNameHeuristic, got, tc.class)
		}
	}
	// Built-in mobile carrier: the first database that knows the address wins.
	tsv := writeFile(t, dir, "mobile.tsv", "203.0.113.0\t203.0.113.255\t21928\tUS\tT-MOBILE-AS21928\n")
	c := newClassifier(t, Options{Sources: []Source{
		{Name: "carrier", Format: FormatIPtoASN, Path: tsv},
		{Name: "asn.mmdb", Format: FormatMMDB, Path: mmdb},
	}})
	got := c.Classify(netip.MustParseAddr("203.0.113.9"))
	if got.Class != ClassMobile || got.ASN != 21928 || !sameSet(got.Sources, []string{"carrier", SourceBuiltinMobile}) {
		t.Errorf("builtin mobile: %+v", got)
	}
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
		if _, err := New(context.Background(), Options{Sources: src}); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: err = %v, want ErrConfig", name, err)
		}
	}
	missing := Source{Name: "x", Format: FormatCIDR, Path: filepath.Join(t.TempDir(), "absent.txt")}
	if _, err := New(context.Background(), Options{Sources: []Source{missing}}); err == nil {
		t.Error("missing required file: no error")
	}
	missing.Optional = true
	c := newClassifier(t, Options{Sources: []Source{missing}})
	if st := c.Stats(); len(st) != 1 || !st[0].Missing {
		t.Errorf("optional missing source stats: %+v", st)
	}
	if got := newClassifier(t, Options{}).Classify(netip.MustParseAddr("1.2.3.4")); got.Class != ClassUnknown {
		t.Errorf("empty config: %+v", got)
	}
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
	if got := c.Classify(netip.MustParseAddr("192.0.2.1")); got.Class != ClassVPN {
		t.Errorf("url source: %+v", got)
	}
	if st := c.Stats(); len(st) != 1 || st[0].Entries != 1 || st[0].Skipped != 1 {
		t.Errorf("stats: %+v", st)
	}
	_, err := New(context.Background(), Options{Client: srv.Client(), Sources: []Source{{Name: "gone", Format: FormatCIDR, URL: srv.URL + "/404"}}})
	if !errors.Is(err, ErrBadStatus) {
		t.Errorf("404 url: err = %v, want ErrBadStatus", err)
	}
	if _, err := New(context.Background(), Options{Client: srv.Client(), MaxBytes: 4,
		Sources: []Source{{Name: "big", Format: FormatCIDR, URL: srv.URL + "/vpn"}}}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("size limit: err = %v, want ErrTooLarge", err)
	}
}

func TestReloadFailureKeepsSnapshot(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "vpn.txt", "192.0.2.0/24\n")
	c := newClassifier(t, Options{Sources: []Source{{Name: "vpn", Class: ClassVPN, Format: FormatCIDR, Path: p}}})
	a := netip.MustParseAddr("192.0.2.1")
	b := netip.MustParseAddr("198.51.100.1")

	writeFile(t, dir, "vpn.txt", "<html><body>502 Bad Gateway</body></html>\n")
	if err := c.Reload(context.Background()); !errors.Is(err, ErrNoEntries) {
		t.Fatalf("reload of garbage: err = %v, want ErrNoEntries", err)
	}
	if got := c.Classify(a); got.Class != ClassVPN {
		t.Fatalf("old snapshot lost after failed reload: %+v", got)
	}
	writeFile(t, dir, "vpn.txt", "198.51.100.0/24\n")
	if err := c.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c.Classify(a).Class != ClassUnknown || c.Classify(b).Class != ClassVPN {
		t.Fatalf("new snapshot not in service: %+v %+v", c.Classify(a), c.Classify(b))
	}
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
		deadline := time.Now().Add(5 * time.Second)
		for c.Classify(netip.MustParseAddr(ip)).Class != want {
			if time.Now().After(deadline) {
				t.Fatalf("%s never became %s", ip, want)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	writeFile(t, dir, "vpn.txt", "198.51.100.0/24\n# size differs\n")
	waitFor("198.51.100.7", ClassVPN)
	writeFile(t, dir, "later.txt", "203.0.113.9\n") // an optional file appearing counts too
	waitFor("203.0.113.9", ClassTor)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Watch returned %v", err)
	}
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
		if err := c.Reload(context.Background()); err != nil {
			t.Error(err)
		}
	}
	close(stop)
	wg.Wait()
	if bad.Load() != 0 {
		t.Fatalf("%d inconsistent lookups out of %d", bad.Load(), total.Load())
	}
	if total.Load() == 0 {
		t.Fatal("no lookups ran")
	}
	if got := c.Classify(x); got.Class != ClassVPN { // last write was vpnA
		t.Fatalf("final snapshot: %+v", got)
	}
}
