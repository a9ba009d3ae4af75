// Package ipintel classifies client IP addresses offline from free public lists, for the
// network signals N1–N5 of the risk model (hosting, Tor, VPN/proxy, iCloud Private Relay,
// mobile carrier). It never blocks: callers turn the Class into a soft score.
//
// # Sources
//
// An Options lists Sources, each a file or URL in one Format:
//
//   - FormatTor: Tor bulk exit list, TorDNSEL exit-addresses, one-address-per-line mirrors
//     (IPv6 fully expanded is fine) and Onionoo CSV (comma + space);
//   - FormatCIDR: one prefix or bare address per line, '#' and ';' comments (X4BNet, lord-alfred,
//     and RFC 8805 geofeeds such as the iCloud Private Relay egress list);
//   - FormatCloudJSON: AWS ip-ranges.json, Google cloud.json/goog.json, Oracle
//     public_ip_ranges.json and Azure Service Tags (the format is recognised from the keys);
//   - FormatASNList: a list of AS numbers with a class, such as bad-asn-list.csv (read
//     tolerantly, line by line, since the file is not strict RFC 4180);
//   - FormatMMDB and FormatIPtoASN: IP→ASN databases (MaxMind/DB-IP or IPinfo Lite .mmdb,
//     iptoasn.com TSV or ip-location-db CSV) that give the ASN and AS name.
//
// Gzip-compressed input is recognised by its magic bytes. On top of the configured ASN lists
// a built-in table maps major hosting providers and dedicated mobile-carrier ASNs to a class,
// and an AS-name heuristic (MOBILE, WIRELESS, CELLULAR, …) marks other mobile networks.
//
// # Precedence
//
// Every matching source is reported in Info.Sources; the Class is the strongest one, in the
// order tor > vpn > proxy > relay > hosting > mobile > residential > unknown. An address is
// residential when an IP→ASN database knows it and nothing else applies, unknown otherwise.
//
// # Snapshots and reload
//
// All sources are parsed into an immutable snapshot: one bart routing table whose value is a
// bit mask of the sources covering each prefix (supernet bits folded into every more specific
// prefix, so one longest-prefix match yields every list that contains the address), an
// ASN→mask map, and the verdict (class and Sources slice) precomputed for every reachable mask.
// Classify loads the snapshot through an atomic.Pointer and takes no lock, so lookups take
// well under a microsecond and do not allocate on the list path. Reload builds a new snapshot off to
// the side and swaps it in; when any source fails the old snapshot stays and the error is
// returned. Watch polls the files' size and mtime and reloads when one changes. Update (and
// the `astracaph data update` command) downloads the public lists atomically into a directory
// that DefaultSources reads.
//
// Online lookups are optional: a Provider wrapped by Guard gets a timeout, a bounded TTL cache
// and a circuit breaker, and is only consulted by Classifier.Lookup.
//
// # Countries
//
// Countries maps addresses to ISO country codes for the time-zone/country signal, from
// ip-location-db range tables (by default the CC0 geo-whois-asn-country database that Update
// downloads), with the same hot reload.
package ipintel

// Class is the kind of network an address belongs to.
type Class string

// Classes, from strongest to weakest.
const (
	ClassTor         Class = "tor"
	ClassVPN         Class = "vpn"
	ClassProxy       Class = "proxy"
	ClassRelay       Class = "relay" // iCloud Private Relay and similar privacy relays: low penalty
	ClassHosting     Class = "hosting"
	ClassMobile      Class = "mobile"
	ClassResidential Class = "residential"
	ClassUnknown     Class = "unknown"
)

// Rank orders classes by precedence: higher wins when several sources match. Unknown or
// unrecognised classes rank 0.
func (c Class) Rank() int {
	switch c {
	case ClassTor:
		return 7
	case ClassVPN:
		return 6
	case ClassProxy:
		return 5
	case ClassRelay:
		return 4
	case ClassHosting:
		return 3
	case ClassMobile:
		return 2
	case ClassResidential:
		return 1
	}
	return 0
}

// Valid reports whether c is one of the defined classes.
func (c Class) Valid() bool { return c.Rank() > 0 || c == ClassUnknown }

// Info is the classification of one address. Sources is shared between lookups and must
// not be modified.
type Info struct {
	Class   Class
	ASN     uint32
	Org     string
	Sources []string
}
