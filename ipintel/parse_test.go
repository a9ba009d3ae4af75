package ipintel

import (
	"bytes"
	"compress/gzip"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
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
	require.NoError(t, err)
	want := prefixes("198.51.100.0/24", "203.0.113.0/25", "192.0.2.77/32", "2001:db8:100::/48")
	require.Equal(t, want, p.prefixes)
	require.Equal(t, 1, p.bad)
	// Host bits are masked, IPv4-mapped prefixes are unmapped, CRLF and ';' comments work.
	p, err = parseCIDRList([]byte("10.1.2.3/8\r\n::ffff:10.9.0.0/112 ; SBL1\r\n"))
	require.NoError(t, err)
	require.Equal(t, prefixes("10.0.0.0/8", "10.9.0.0/16"), p.prefixes)
	// RFC 8805 geofeed rows (iCloud Private Relay egress list).
	p, err = parseCIDRList([]byte("172.224.226.0/27,GB,GB-EN,London,\n2a02:26f7:b3c0:4000::/64,GB,GB-EN,London,\n"))
	require.NoError(t, err, "geofeed")
	require.Equal(t, prefixes("172.224.226.0/27", "2a02:26f7:b3c0:4000::/64"), p.prefixes, "geofeed")
	_, err = parseCIDRList([]byte("<html>\n<body>oops</body>\n"))
	require.ErrorIs(t, err, ErrNoEntries, "HTML page")
	p, err = parseCIDRList(nil)
	require.NoError(t, err, "empty input")
	require.Zero(t, p.entries(), "empty input")
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
		require.NoError(t, err, c.file)
		assert.Equal(t, c.want, p.prefixes, c.file)
		assert.Zero(t, p.bad, c.file)
	}
	p, _ := parseTor([]byte("ExitAddress\nExitAddress nonsense 2024-01-01\n192.0.2.1\n"))
	require.Equal(t, 2, p.bad, "malformed ExitAddress lines: %+v", p)
	require.Len(t, p.prefixes, 1, "malformed ExitAddress lines: %+v", p)
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
		require.NoError(t, err, c.file)
		assert.Equal(t, c.want, p.prefixes, c.file)
	}
	azure := `{"values":[{"name":"AzureCloud","properties":{"addressPrefixes":["10.50.0.0/16","2001:db8:cccc::/48"]}}]}`
	p, err := parseCloudJSON([]byte(azure))
	if assert.NoError(t, err, "azure") {
		assert.Equal(t, prefixes("10.50.0.0/16", "2001:db8:cccc::/48"), p.prefixes, "azure")
	}
	_, err = parseCloudJSON([]byte(`{"message":"rate limited"}`))
	assert.ErrorIs(t, err, ErrNoEntries, "error body")
	_, err = parseCloudJSON([]byte(`{"prefixes":[`))
	assert.Error(t, err, "truncated JSON parsed without error")
}

func TestParseASNListQuirks(t *testing.T) {
	p, err := parseASNList(readTestdata(t, "bad-asn-list.csv"))
	require.NoError(t, err)
	require.Equal(t, []uint32{62026, 51447, 3223, 15497, 64510, 48031, 212238}, p.asns)
	require.Equal(t, 1, p.bad, "the header")
	// X4BNet input format: AS prefix, space or TAB before the comment.
	p, _ = parseASNList([]byte("AS60729 # Tor Servers\nAS9009\t# M247\nas0\nAS4294967296\n"))
	require.Equal(t, []uint32{60729, 9009}, p.asns, "x4bnet format")
	require.Equal(t, 2, p.bad, "x4bnet format")
}

func TestParseRangeTable(t *testing.T) {
	tbl, bad, err := parseRangeTable(readTestdata(t, "ip2asn-combined.tsv"))
	require.NoError(t, err)
	require.Zero(t, bad)
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
		assert.Equal(t, c.asn != 0, ok, c.ip)
		assert.Equal(t, c.asn, rec.ASN, c.ip)
		assert.Equal(t, c.org, rec.Org, c.ip)
		assert.Equal(t, c.mobile, rec.Mobile, c.ip)
	}
	// ip-location-db CSV form, quoted organisation with a comma; unsorted input.
	csv := "2.0.0.0,2.0.0.255,64600,\"Org, Inc.\"\n1.0.0.0,1.0.0.255,64601,Other\n"
	tbl, _, err = parseRangeTable([]byte(csv))
	require.NoError(t, err)
	rec, ok := tbl.lookup(netip.MustParseAddr("2.0.0.5"))
	assert.True(t, ok, "csv form")
	assert.Equal(t, uint32(64600), rec.ASN, "csv form")
	assert.Equal(t, "Org, Inc.", rec.Org, "csv form")
	rec, ok = tbl.lookup(netip.MustParseAddr("1.0.0.5"))
	assert.True(t, ok, "csv form unsorted")
	assert.Equal(t, uint32(64601), rec.ASN, "csv form unsorted")
	_, _, err = parseRangeTable([]byte("garbage\nmore garbage\n"))
	assert.ErrorIs(t, err, ErrNoEntries, "garbage")
}

func TestMaybeGunzip(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte("10.0.0.0/8\n"))
	zw.Close()
	out, err := maybeGunzip(buf.Bytes(), 1<<20)
	require.NoError(t, err)
	require.Equal(t, "10.0.0.0/8\n", string(out))
	_, err = maybeGunzip(buf.Bytes(), 4)
	require.ErrorIs(t, err, ErrTooLarge, "limit")
	out, _ = maybeGunzip([]byte("plain"), 10)
	require.Equal(t, "plain", string(out), "plain input changed")
}

func TestIsMobileName(t *testing.T) {
	yes := []string{"T-Mobile USA, Inc.", "Cellco Partnership DBA Verizon Wireless", "Telefonica Moviles Chile",
		"Mobilink", "China Mobile communications", "Example LTE Networks", "AT&T MOBILITY LLC", "TELEFÓNICA MÓVILES"}
	no := []string{"Automobile Club", "Amazon.com, Inc.", "Deutsche Telekom AG", "", "SPLTEX", "Cellular"[:4]}
	for _, s := range yes {
		assert.True(t, isMobileName(s), "isMobileName(%q)", s)
	}
	for _, s := range no {
		assert.False(t, isMobileName(s), "isMobileName(%q)", s)
	}
}
