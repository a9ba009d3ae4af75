package ipintel

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A minimal MaxMind DB writer for test fixtures, so tests need no extra module: an IPv6
// tree with 32-bit records (IPv4 networks live under ::/96, where readers look them up),
// a data section with the types ASN databases use, and the metadata map.

type mmdbNet struct {
	pfx netip.Prefix
	rec map[string]any
}

type mmdbNode struct {
	child [2]*mmdbNode
	data  [2]int // data section offset + 1; 0 = none
}

func buildMMDB(t testing.TB, nets []mmdbNet) []byte {
	t.Helper()
	var data []byte
	root := &mmdbNode{}
	for _, n := range nets {
		off := len(data)
		data = mmdbEncode(data, n.rec)
		a, bitsLen := n.pfx.Addr(), n.pfx.Bits()
		if a.Is4() {
			a, bitsLen = netip.AddrFrom16(a.As16()), bitsLen+96
			b := a.As16()
			b[10], b[11] = 0, 0 // ::a.b.c.d, not ::ffff:a.b.c.d
			a = netip.AddrFrom16(b)
		}
		ip := a.As16()
		nd := root
		for i := range bitsLen {
			bit := (ip[i/8] >> (7 - i%8)) & 1
			if i == bitsLen-1 {
				require.True(t, nd.child[bit] == nil && nd.data[bit] == 0, "mmdb fixture: overlapping network %v", n.pfx)
				nd.data[bit] = off + 1
				break
			}
			require.Zero(t, nd.data[bit], "mmdb fixture: overlapping network %v", n.pfx)
			if nd.child[bit] == nil {
				nd.child[bit] = &mmdbNode{}
			}
			nd = nd.child[bit]
		}
	}
	// Number nodes breadth first; the root must be node 0.
	order := []*mmdbNode{root}
	ids := map[*mmdbNode]uint32{root: 0}
	for i := 0; i < len(order); i++ {
		for _, c := range order[i].child {
			if c != nil {
				ids[c] = uint32(len(order))
				order = append(order, c)
			}
		}
	}
	count := uint32(len(order))
	var out []byte
	for _, nd := range order {
		for b := range 2 {
			v := count // empty
			switch {
			case nd.child[b] != nil:
				v = ids[nd.child[b]]
			case nd.data[b] != 0:
				v = count + 16 + uint32(nd.data[b]-1)
			}
			out = binary.BigEndian.AppendUint32(out, v)
		}
	}
	out = append(out, make([]byte, 16)...)
	out = append(out, data...)
	out = append(out, "\xab\xcd\xefMaxMind.com"...)
	out = mmdbEncode(out, map[string]any{
		"node_count":                  count,
		"record_size":                 uint16(32),
		"ip_version":                  uint16(6),
		"database_type":               "AstraCaph-Test-ASN",
		"languages":                   []any{"en"},
		"binary_format_major_version": uint16(2),
		"binary_format_minor_version": uint16(0),
		"build_epoch":                 uint64(1700000000),
		"description":                 map[string]any{"en": "test fixture"},
	})
	return out
}

func mmdbCtrl(b []byte, typ, size int) []byte {
	first := byte(0)
	if typ <= 7 {
		first = byte(typ << 5)
	}
	var ext []byte
	if typ > 7 {
		ext = []byte{byte(typ - 7)}
	}
	var sz []byte
	switch {
	case size < 29:
		first |= byte(size)
	case size < 285:
		first |= 29
		sz = []byte{byte(size - 29)}
	case size < 65821:
		first |= 30
		sz = binary.BigEndian.AppendUint16(nil, uint16(size-285))
	default:
		first |= 31
		s := size - 65821
		sz = []byte{byte(s >> 16), byte(s >> 8), byte(s)}
	}
	b = append(b, first)
	b = append(b, ext...)
	return append(b, sz...)
}

func mmdbUint(b []byte, typ int, v uint64) []byte {
	var buf []byte
	for v > 0 {
		buf = append([]byte{byte(v)}, buf...)
		v >>= 8
	}
	return append(mmdbCtrl(b, typ, len(buf)), buf...)
}

func mmdbEncode(b []byte, v any) []byte {
	switch v := v.(type) {
	case string:
		return append(mmdbCtrl(b, 2, len(v)), v...)
	case uint16:
		return mmdbUint(b, 5, uint64(v))
	case uint32:
		return mmdbUint(b, 6, uint64(v))
	case uint64:
		return mmdbUint(b, 9, v)
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = mmdbCtrl(b, 7, len(v))
		for _, k := range keys {
			b = mmdbEncode(b, k)
			b = mmdbEncode(b, v[k])
		}
		return b
	case []any:
		b = mmdbCtrl(b, 11, len(v))
		for _, e := range v {
			b = mmdbEncode(b, e)
		}
		return b
	}
	panic("mmdb fixture: unsupported type")
}

// fixtureMMDB has one network in each supported schema.
func fixtureMMDB(t testing.TB) []byte {
	return buildMMDB(t, []mmdbNet{
		// MaxMind GeoLite2-ASN / DB-IP schema.
		{netip.MustParsePrefix("192.0.2.0/24"), map[string]any{
			"autonomous_system_number": uint32(64500), "autonomous_system_organization": "Example Residential Broadband"}},
		{netip.MustParsePrefix("203.0.113.0/24"), map[string]any{
			"autonomous_system_number": uint32(64501), "autonomous_system_organization": "Example Wireless Telecom"}},
		// IPinfo Lite schema.
		{netip.MustParsePrefix("198.51.100.0/24"), map[string]any{
			"asn": "AS16509", "as_name": "Amazon.com, Inc.", "as_domain": "amazon.com", "country_code": "US"}},
		{netip.MustParsePrefix("2001:db8::/32"), map[string]any{
			"asn": "AS15169", "as_name": "Google LLC", "as_domain": "google.com", "country_code": "US"}},
	})
}

func TestMMDBFixtureBothSchemas(t *testing.T) {
	db, err := openMMDB(fixtureMMDB(t))
	require.NoError(t, err)
	cases := []struct {
		ip     string
		asn    uint32
		org    string
		mobile bool
		found  bool
	}{
		{"192.0.2.7", 64500, "Example Residential Broadband", false, true},
		{"203.0.113.9", 64501, "Example Wireless Telecom", true, true},
		{"198.51.100.1", 16509, "Amazon.com, Inc.", false, true},
		{"2001:db8:1::1", 15169, "Google LLC", false, true},
		{"8.8.8.8", 0, "", false, false},
		{"2001:db9::1", 0, "", false, false},
	}
	for _, c := range cases {
		rec, ok := db.lookup(netip.MustParseAddr(c.ip))
		assert.Equal(t, c.found, ok, c.ip)
		assert.Equal(t, c.asn, rec.ASN, c.ip)
		assert.Equal(t, c.org, rec.Org, c.ip)
		assert.Equal(t, c.mobile, rec.Mobile, c.ip)
	}
}
