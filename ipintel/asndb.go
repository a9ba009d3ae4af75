package ipintel

import "net/netip"

// asnRecord is what an IP→ASN database knows about an address.
type asnRecord struct {
	ASN    uint32
	Org    string
	Mobile bool // Org matches the mobile-carrier name heuristic
}

// asnDB is one loaded IP→ASN database. Implementations are immutable and safe for
// concurrent use.
type asnDB interface {
	lookup(addr netip.Addr) (asnRecord, bool)
}
