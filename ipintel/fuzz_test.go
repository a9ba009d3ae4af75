package ipintel

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

// Seeds are the quirky lines named in shared/data's READMEs plus the testdata fixtures.

func addSeeds(f *testing.F, files []string, extra ...string) {
	for _, name := range files {
		f.Add(readTestdata(f, name))
	}
	for _, s := range extra {
		f.Add([]byte(s))
	}
}

func checkPrefixes(t *testing.T, p parsed) {
	for _, pfx := range p.prefixes {
		require.True(t, pfx.IsValid(), "bad prefix %v", pfx)
		require.Equal(t, pfx.Masked(), pfx, "host bits set")
		require.False(t, pfx.Addr().Is4In6(), "bad prefix %v", pfx)
		require.Empty(t, pfx.Addr().Zone(), "bad prefix %v", pfx)
	}
}

func FuzzParseTor(f *testing.F) {
	addSeeds(f, []string{"torbulkexitlist.txt", "exit-addresses.txt", "secops-tor.lst", "onionoo-exits.csv"},
		"ExitAddress 2001:0470:0001:0908:0000:0000:0000:9001 2024-03-12 13:06:53\n",
		"x, [2620:7:6003::141], 9001\n", "ExitAddress\n", "fe80::1%eth0\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := parseTor(data)
		if err == nil {
			checkPrefixes(t, p)
		}
		for _, pfx := range p.prefixes {
			require.Equal(t, pfx.Addr().BitLen(), pfx.Bits(), "tor entry is not a host: %v", pfx)
		}
	})
}

func FuzzParseCIDRList(f *testing.F) {
	addSeeds(f, []string{"datacenter.txt", "vpn.txt"}, "::ffff:10.0.0.0/104\n", "1.2.3.4/33\n", "; only comment\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		p, _ := parseCIDRList(data)
		checkPrefixes(t, p)
	})
}

func FuzzParseCloudJSON(f *testing.F) {
	addSeeds(f, []string{"aws-ip-ranges.json", "google-cloud.json", "oracle-public-ip-ranges.json"},
		`{"prefixes":[{"ip_prefix":"3.5.140.0/22","region":"ap-northeast-2","service":"AMAZON"}]}`,
		`{"values":[{"properties":{"addressPrefixes":["1.2.3.0/24"]}}]}`)
	f.Fuzz(func(t *testing.T, data []byte) {
		p, _ := parseCloudJSON(data)
		checkPrefixes(t, p)
	})
}

func FuzzParseASNList(f *testing.F) {
	addSeeds(f, []string{"bad-asn-list.csv"},
		`51447, "RootLayer Web Services Ltd, NL"`+"\n",
		`"48031","PE Ivanov Vitaliy Sergeevich - xserver.ua" `+"\n"+`"212238","Datacamp Limited"`+"\n",
		`15497,"COLOCALL Internet Data Center ""ColoCALL"", UA"`+"\n", "AS60729\t# Tor Servers\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		p, _ := parseASNList(data)
		for _, a := range p.asns {
			require.NotZero(t, a, "AS 0 accepted")
		}
	})
}

func FuzzParseRangeTable(f *testing.F) {
	addSeeds(f, []string{"ip2asn-combined.tsv"}, "1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"\n",
		"::\t::ffff\tAS1\tZZ\tx\n", "2.0.0.0\t1.0.0.0\t5\tZZ\treversed\n")
	probes := []netip.Addr{netip.MustParseAddr("0.0.0.0"), netip.MustParseAddr("1.0.0.7"),
		netip.MustParseAddr("192.0.2.9"), netip.MustParseAddr("255.255.255.255"),
		netip.MustParseAddr("::"), netip.MustParseAddr("2001:db8::1")}
	f.Fuzz(func(t *testing.T, data []byte) {
		tbl, _, err := parseRangeTable(data)
		if err != nil {
			return
		}
		for _, a := range probes {
			if rec, ok := tbl.lookup(a); ok {
				require.NotZero(t, rec.ASN, "%v: found with AS 0", a)
			}
		}
		for _, r := range tbl.v4 {
			require.LessOrEqual(t, r.start, r.end, "reversed range %+v", r)
			rec, ok := tbl.lookup(netip.AddrFrom4([4]byte{byte(r.start >> 24), byte(r.start >> 16), byte(r.start >> 8), byte(r.start)}))
			require.True(t, ok, "range start %d not found", r.start)
			require.NotZero(t, rec.ASN, "range start %d found with AS 0", r.start)
		}
	})
}

func FuzzOpenMMDB(f *testing.F) {
	f.Add(fixtureMMDB(f))
	f.Add([]byte("\xab\xcd\xefMaxMind.com"))
	probes := []netip.Addr{netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("2001:db8::1")}
	f.Fuzz(func(t *testing.T, data []byte) {
		db, err := openMMDB(data)
		if err != nil {
			return
		}
		for _, a := range probes {
			if rec, ok := db.lookup(a); ok {
				require.NotZero(t, rec.ASN, "%v: found with AS 0", a)
			}
		}
	})
}
