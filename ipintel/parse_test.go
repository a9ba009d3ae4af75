package ipintel

import (
	"bytes"
	"compress/gzip"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func prefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

func TestParseCIDRList(t *testing.T) {
	p, err := parseCIDRList(readTestdata(t, "datacenter.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := prefixes("198.51.100.0/24", "203.0.113.0/25", "192.0.2.77/32", "2001:db8:100::/48")
	if !slices.Equal(p.prefixes, want) || p.bad != 1 {
		t.Fatalf("got %v bad=%d, want %v bad=1", p.prefixes, p.bad, want)
	}
	// Host bits are masked, IPv4-mapped prefixes are unmapped, CRLF and ';' comments work.
	p, err = parseCIDRList([]byte("10.1.2.3/8\r\n::ffff:10.9.0.0/112 ; SBL1\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := prefixes("10.0.0.0/8", "10.9.0.0/16"); !slices.Equal(p.prefixes, want) {
		t.Fatalf("got %v, want %v", p.prefixes, want)
	}
	// RFC 8805 geofeed rows (iCloud Private Relay egress list).
	p, err = parseCIDRList([]byte("172.224.226.0/27,GB,GB-EN,London,\n2a02:26f7:b3c0:4000::/64,GB,GB-EN,London,\n"))
	if err != nil || !slices.Equal(p.prefixes, prefixes("172.224.226.0/27", "2a02:26f7:b3c0:4000::/64")) {
		t.Fatalf("geofeed: %v %v", p.prefixes, err)
	}
	if _, err := parseCIDRList([]byte("<html>\n<body>oops</body>\n")); !errors.Is(err, ErrNoEntries) {
		t.Fatalf("HTML page: err = %v, want ErrNoEntries", err)
	}
	if p, err := parseCIDRList(nil); err != nil || p.entries() != 0 {
		t.Fatalf("empty input: %v %v", p, err)
	}
}

func TestParseTorFormats(t *testing.T) {
	cases := []struct {
		file string
		want []netip.Prefix
	}{
		{"torbulkexitlist.txt", prefixes("198.51.100.200/32", "192.0.2.10/32")},
		{"exit-addresses.txt", prefixes("192.0.2.20/32", "192.0.2.21/32", "192.0.2.22/32")},
		{"secops-tor.lst", prefixes("192.0.2.30/32", "2001:db8::9001/128")},
		{"onionoo-exits.csv", prefixes("192.0.2.40/32", "2001:db8::40/128")},
	}
	for _, c := range cases {
		p, err := parseTor(readTestdata(t, c.file))
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		if !slices.Equal(p.prefixes, c.want) || p.bad != 0 {
			t.Errorf("%s: got %v bad=%d, want %v", c.file, p.prefixes, p.bad, c.want)
		}
	}
	p, _ := parseTor([]byte("ExitAddress\nExitAddress nonsense 2024-01-01\n192.0.2.1\n"))
	if p.bad != 2 || len(p.prefixes) != 1 {
		t.Fatalf("malformed ExitAddress lines: %+v", p)
	}
}

func TestParseCloudJSON(t *testing.T) {
	cases := []struct {
		file string
		want []netip.Prefix
	}{
		{"aws-ip-ranges.json", prefixes("10.20.0.0/16", "10.20.0.0/16", "10.21.1.0/24", "2001:db8:aaaa::/48")},
		{"google-cloud.json", prefixes("10.30.0.0/20", "2001:db8:bbbb::/48")},
		{"oracle-public-ip-ranges.json", prefixes("10.40.0.0/21", "10.40.16.0/20", "10.41.0.0/16")},
	}
	for _, c := range cases {
		p, err := parseCloudJSON(readTestdata(t, c.file))
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		if !slices.Equal(p.prefixes, c.want) {
			t.Errorf("%s: got %v, want %v", c.file, p.prefixes, c.want)
		}
	}
	azure := `{"values":[{"name":"AzureCloud","properties":{"addressPrefixes":["10.50.0.0/16","2001:db8:cccc::/48"]}}]}`
	if p, err := parseCloudJSON([]byte(azure)); err != nil || !slices.Equal(p.prefixes, prefixes("10.50.0.0/16", "2001:db8:cccc::/48")) {
		t.Errorf("azure: %v %v", p.prefixes, err)
	}
	if _, err := parseCloudJSON([]byte(`{"message":"rate limited"}`)); !errors.Is(err, ErrNoEntries) {
		t.Errorf("error body: err = %v, want ErrNoEntries", err)
	}
	if _, err := parseCloudJSON([]byte(`{"prefixes":[`)); err == nil {
		t.Error("truncated JSON parsed without error")
	}
}

func TestParseASNListQuirks(t *testing.T) {
	p, err := parseASNList(readTestdata(t, "bad-asn-list.csv"))
	if err != nil {
		t.Fatal(err)
	}
	want := []uint32{62026, 51447, 3223, 15497, 64510, 48031, 212238}
	if !slices.Equal(p.asns, want) || p.bad != 1 {
		t.Fatalf("got %v bad=%d, want %v bad=1 (header)", p.asns, p.bad, want)
	}
	// X4BNet input format: AS prefix, space or TAB before the comment.
	p, _ = parseASNList([]byte("AS60729 # Tor Servers\nAS9009\t# M247\nas0\nAS4294967296\n"))
	if !slices.Equal(p.asns, []uint32{60729, 9009}) || p.bad != 2 {
		t.Fatalf("x4bnet format: %v bad=%d", p.asns, p.bad)
	}
}

func TestParseRangeTable(t *testing.T) {
	tbl, bad, err := parseRangeTable(readTestdata(t, "ip2asn-combined.tsv"))
	if err != nil || bad != 0 {
		t.Fatalf("err=%v bad=%d", err, bad)
	}
	cases := []struct {
		ip     string
		asn    uint32
		org    string
		mobile bool
	}{
		{"192.0.2.0", 64500, "EXAMPLE-RESIDENTIAL Broadband", false},
		{"192.0.2.255", 64500, "EXAMPLE-RESIDENTIAL Broadband", false},
		{"198.51.100.9", 16509, "AMAZON-02", false},
		{"203.0.113.127", 64501, "Example Mobile Telecom", true},
		{"203.0.113.128", 62026, "SkyparkCDN", false},
		{"10.200.0.1", 64502, "EXAMPLE-TRANSIT", false},
		{"2001:db8:ffff::1", 64500, "EXAMPLE-RESIDENTIAL Broadband", false},
		{"100.64.0.1", 0, "", false}, // not routed
		{"192.0.3.0", 0, "", false},  // gap after a range
		{"1.1.1.1", 0, "", false},    // before the first range
		{"2001:db9::", 0, "", false}, // after the last v6 range
		{"255.255.255.255", 0, "", false},
	}
	for _, c := range cases {
		rec, ok := tbl.lookup(netip.MustParseAddr(c.ip))
		if ok != (c.asn != 0) || rec.ASN != c.asn || rec.Org != c.org || rec.Mobile != c.mobile {
			t.Errorf("%s: got %+v ok=%v, want asn=%d org=%q mobile=%v", c.ip, rec, ok, c.asn, c.org, c.mobile)
		}
	}
	// ip-location-db CSV form, quoted organisation with a comma; unsorted input.
	csv := "2.0.0.0,2.0.0.255,64600,\"Org, Inc.\"\n1.0.0.0,1.0.0.255,64601,Other\n"
	tbl, _, err = parseRangeTable([]byte(csv))
	if err != nil {
		t.Fatal(err)
	}
	if rec, ok := tbl.lookup(netip.MustParseAddr("2.0.0.5")); !ok || rec.ASN != 64600 || rec.Org != "Org, Inc." {
		t.Errorf("csv form: %+v %v", rec, ok)
	}
	if rec, ok := tbl.lookup(netip.MustParseAddr("1.0.0.5")); !ok || rec.ASN != 64601 {
		t.Errorf("csv form unsorted: %+v %v", rec, ok)
	}
	if _, _, err := parseRangeTable([]byte("garbage\nmore garbage\n")); !errors.Is(err, ErrNoEntries) {
		t.Errorf("garbage: err = %v, want ErrNoEntries", err)
	}
}

func TestMaybeGunzip(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte("10.0.0.0/8\n"))
	zw.Close()
	out, err := maybeGunzip(buf.Bytes(), 1<<20)
	if err != nil || string(out) != "10.0.0.0/8\n" {
		t.Fatalf("got %q %v", out, err)
	}
	if _, err := maybeGunzip(buf.Bytes(), 4); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("limit: err = %v, want ErrTooLarge", err)
	}
	if out, _ := maybeGunzip([]byte("plain"), 10); string(out) != "plain" {
		t.Fatalf("plain input changed: %q", out)
	}
}

func TestIsMobileName(t *testing.T) {
	yes := []string{"T-Mobile USA, Inc.", "Cellco Partnership DBA Verizon Wireless", "Telefonica Moviles Chile",
		"Mobilink", "China Mobile communications", "Example LTE Networks", "AT&T MOBILITY LLC", "TELEFÓNICA MÓVILES"}
	no := []string{"Automobile Club", "Amazon.com, Inc.", "Deutsche Telekom AG", "", "SPLTEX", "Cellular"[:4]}
	for _, s := range yes {
		if !isMobileName(s) {
			t.Errorf("isMobileName(%q) = false", s)
		}
	}
	for _, s := range no {
		if isMobileName(s) {
			t.Errorf("isMobileName(%q) = true", s)
		}
	}
}
