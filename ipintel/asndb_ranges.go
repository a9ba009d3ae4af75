package ipintel

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"net/netip"
	"slices"
	"strings"
)

// rangeTable is an IP→ASN database kept as sorted, non-overlapping address ranges searched
// by bisection. iptoasn ranges do not align to CIDR boundaries, so converting them to
// prefixes would multiply the entries; a sorted table of fixed-size rows is compact
// (16 bytes per IPv4 row) and lookups do not allocate.
type rangeTable struct {
	v4     []range4
	v6     []range6
	orgs   []string // interned AS names, indexed by the rows' org field
	mobile []bool   // isMobileName(orgs[i]), precomputed
}

type range4 struct{ start, end, asn, org uint32 }

type u128 struct{ hi, lo uint64 }

func (a u128) cmp(b u128) int {
	if c := cmp.Compare(a.hi, b.hi); c != 0 {
		return c
	}
	return cmp.Compare(a.lo, b.lo)
}

type range6 struct {
	start, end u128
	asn, org   uint32
}

func addr4(a netip.Addr) uint32 { b := a.As4(); return binary.BigEndian.Uint32(b[:]) }

func addr6(a netip.Addr) u128 {
	b := a.As16()
	return u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

// parseRangeTable reads iptoasn.com TSV (`range_start\trange_end\tAS_number\tcountry\tAS_description`,
// IPv4 and IPv6 in one or separate files) and the ip-location-db CSV form
// (`start,end,asn,organization`). Rows with AS 0 ("Not routed") are skipped: the address
// is unknown, not residential.
func parseRangeTable(data []byte) (t *rangeTable, bad int, err error) {
	t = &rangeTable{}
	var p parsed
	intern := map[string]uint32{}
	rows := 0
	for line := range bytes.Lines(data) {
		s := strings.TrimRight(string(line), "\r\n")
		if strings.TrimSpace(s) == "" || s[0] == '#' {
			continue
		}
		var f []string
		var org string
		if strings.IndexByte(s, '\t') >= 0 {
			f = strings.SplitN(s, "\t", 5)
			if len(f) == 5 {
				org = f[4]
			}
		} else {
			f = strings.SplitN(s, ",", 4)
			if len(f) == 4 {
				org = f[3]
			}
		}
		if len(f) < 3 {
			p.bad++
			continue
		}
		org = strings.Trim(strings.TrimSpace(org), "\"")
		start, ok1 := parseAddrLoose(strings.Trim(f[0], "\" "))
		end, ok2 := parseAddrLoose(strings.Trim(f[1], "\" "))
		if !ok1 || !ok2 || start.Is4() != end.Is4() || end.Less(start) {
			p.bad++
			continue
		}
		asnText := strings.Trim(strings.TrimSpace(f[2]), "\"")
		if asnText == "0" {
			rows++
			continue
		}
		asn, ok := parseASN(asnText)
		if !ok {
			p.bad++
			continue
		}
		rows++
		idx, seen := intern[org]
		if !seen {
			idx = uint32(len(t.orgs))
			intern[org] = idx
			t.orgs = append(t.orgs, org)
			t.mobile = append(t.mobile, isMobileName(org))
		}
		if start.Is4() {
			t.v4 = append(t.v4, range4{addr4(start), addr4(end), asn, idx})
		} else {
			t.v6 = append(t.v6, range6{addr6(start), addr6(end), asn, idx})
		}
	}
	slices.SortFunc(t.v4, func(a, b range4) int { return cmp.Compare(a.start, b.start) })
	slices.SortFunc(t.v6, func(a, b range6) int { return a.start.cmp(b.start) })
	// "Not routed" rows carry no ASN but still prove the input is a range table.
	if rows == 0 && p.bad > 0 {
		return nil, p.bad, p.check()
	}
	return t, p.bad, nil
}

func (t *rangeTable) size() int { return len(t.v4) + len(t.v6) }

func (t *rangeTable) lookup(a netip.Addr) (asnRecord, bool) {
	if a.Is4() {
		x := addr4(a)
		lo, hi := 0, len(t.v4)
		for lo < hi { // first row with start > x
			m := int(uint(lo+hi) >> 1)
			if t.v4[m].start <= x {
				lo = m + 1
			} else {
				hi = m
			}
		}
		if lo == 0 || t.v4[lo-1].end < x {
			return asnRecord{}, false
		}
		r := t.v4[lo-1]
		return asnRecord{ASN: r.asn, Org: t.orgs[r.org], Mobile: t.mobile[r.org]}, true
	}
	x := addr6(a)
	lo, hi := 0, len(t.v6)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if t.v6[m].start.cmp(x) <= 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == 0 || t.v6[lo-1].end.cmp(x) < 0 {
		return asnRecord{}, false
	}
	r := t.v6[lo-1]
	return asnRecord{ASN: r.asn, Org: t.orgs[r.org], Mobile: t.mobile[r.org]}, true
}
