package ipintel

import (
	"fmt"
	"net/netip"

	"github.com/oschwald/maxminddb-golang/v2"
	"github.com/oschwald/maxminddb-golang/v2/mmdbdata"
)

// mmdbDB reads an ASN database in MaxMind DB format. Free ASN databases do not share a
// schema, so the record decodes both: MaxMind GeoLite2-ASN / DB-IP
// (autonomous_system_number, autonomous_system_organization) and IPinfo Lite
// (asn "AS15169", as_name). The reader is opened from bytes held in memory rather than
// mmapped, so an old snapshot still used by a concurrent lookup stays valid after a reload
// without any reference counting.
type mmdbDB struct {
	r *maxminddb.Reader
}

type mmdbRecord struct {
	ASN    uint32   `maxminddb:"autonomous_system_number"`
	Org    string   `maxminddb:"autonomous_system_organization"`
	InfoAS asnValue `maxminddb:"asn"`
	ASName string   `maxminddb:"as_name"`
}

// UnmarshalMaxMindDBCursor implements mmdbdata.CursorUnmarshaler: it walks the record map
// once and skips unknown keys, which is several times faster than reflection-based decoding.
func (r *mmdbRecord) UnmarshalMaxMindDBCursor(c mmdbdata.Cursor) (mmdbdata.Cursor, error) {
	m, err := c.Map()
	if err != nil {
		return mmdbdata.Cursor{}, mmdbdata.NormalizeUnmarshalError[mmdbRecord](err)
	}
	var next mmdbdata.Cursor
	for {
		key, val, ok := m.Next(next)
		if !ok {
			break
		}
		switch string(key) {
		case "autonomous_system_number":
			var n uint64
			n, next, err = val.ReadUint()
			if err == nil && n <= 1<<32-1 {
				r.ASN = uint32(n)
			}
		case "autonomous_system_organization":
			r.Org, next, err = val.ReadStringMaxSize(maxOrgLen)
		case "asn":
			next, err = r.InfoAS.UnmarshalMaxMindDBCursor(val)
		case "as_name":
			r.ASName, next, err = val.ReadStringMaxSize(maxOrgLen)
		default:
			next, err = val.Skip()
		}
		if err != nil {
			return mmdbdata.Cursor{}, err
		}
	}
	if err := m.Err(); err != nil {
		return mmdbdata.Cursor{}, err
	}
	return m.End()
}

// maxOrgLen bounds AS names read from a database; real ones are under 100 bytes.
const maxOrgLen = 1024

// asnValue accepts an AS number stored as a string ("AS15169", IPinfo) or an integer.
type asnValue uint32

// UnmarshalMaxMindDBCursor implements mmdbdata.CursorUnmarshaler.
func (v *asnValue) UnmarshalMaxMindDBCursor(c mmdbdata.Cursor) (mmdbdata.Cursor, error) {
	kind, err := c.Kind()
	if err != nil {
		return mmdbdata.Cursor{}, err
	}
	if kind == mmdbdata.KindString {
		s, next, err := c.ReadStringMaxSize(32)
		if err != nil {
			return mmdbdata.Cursor{}, err
		}
		n, _ := parseASN(s)
		*v = asnValue(n)
		return next, nil
	}
	n, next, err := c.ReadUint()
	if err != nil {
		return mmdbdata.Cursor{}, mmdbdata.NormalizeUnmarshalError[asnValue](err)
	}
	if n > 1<<32-1 {
		n = 0
	}
	*v = asnValue(n)
	return next, nil
}

func openMMDB(data []byte) (*mmdbDB, error) {
	r, err := maxminddb.OpenBytes(data)
	if err != nil {
		return nil, fmt.Errorf("astracaph: ipintel: mmdb: %w", err)
	}
	return &mmdbDB{r: r}, nil
}

func (d *mmdbDB) lookup(a netip.Addr) (asnRecord, bool) {
	res := d.r.Lookup(a)
	if !res.Found() {
		return asnRecord{}, false
	}
	var rec mmdbRecord
	if err := res.Decode(&rec); err != nil {
		// A record we cannot decode tells us nothing; treat the address as not covered.
		return asnRecord{}, false
	}
	out := asnRecord{ASN: rec.ASN, Org: rec.Org}
	if out.ASN == 0 {
		out.ASN, out.Org = uint32(rec.InfoAS), rec.ASName
	}
	if out.ASN == 0 {
		return asnRecord{}, false
	}
	out.Mobile = isMobileName(out.Org)
	return out, true
}
