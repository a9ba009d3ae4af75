package ipintel

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/netip"
	"strings"
)

// Shared plumbing of the list loaders: results, gzip detection, loose address parsing.

// parsed is what a list loader extracts from one input. Bad counts lines (or records) that
// were neither data nor a recognised comment/header.
type parsed struct {
	prefixes []netip.Prefix
	asns     []uint32
	bad      int
}

func (p parsed) entries() int { return len(p.prefixes) + len(p.asns) }

// check turns "nothing usable at all" into ErrNoEntries so that a truncated download or an
// HTML error page never replaces a good list. An input with no lines at all is allowed.
func (p parsed) check() error {
	if p.entries() == 0 && p.bad > 0 {
		return fmt.Errorf("%w (%d unparsable lines)", ErrNoEntries, p.bad)
	}
	return nil
}

// maybeGunzip returns data decompressed when it starts with the gzip magic, reading at most
// limit bytes of output.
func maybeGunzip(data []byte, limit int64) ([]byte, error) {
	if len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
		return data, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("astracaph: ipintel: gzip: %w", err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, limit+1))
	if err != nil {
		return nil, fmt.Errorf("astracaph: ipintel: gzip: %w", err)
	}
	if int64(len(out)) > limit {
		return nil, ErrTooLarge
	}
	return out, nil
}

// parseAddrLoose accepts an address with optional brackets and rejects zones, which never
// appear in these lists and would not match client addresses.
func parseAddrLoose(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "[")
	s = strings.TrimSuffix(s, "]")
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// parsePrefixLoose accepts a CIDR prefix (host bits are masked off) or a bare address.
func parsePrefixLoose(s string) (netip.Prefix, bool) {
	if strings.IndexByte(s, '/') >= 0 {
		p, err := netip.ParsePrefix(s)
		if err != nil || p.Addr().Zone() != "" {
			return netip.Prefix{}, false
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), true
	}
	a, ok := parseAddrLoose(s)
	if !ok {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, a.BitLen()), true
}

// parseCIDRList reads one prefix or bare address per line. Comments start with '#' or ';'
// (Spamhaus style) and may follow the data; only the first field of a line is used, and a
// comma ends it, so RFC 8805 geofeeds (iCloud Private Relay egress-ip-ranges.csv,
// "prefix,country,region,city,") load as plain lists.
func parseCIDRList(data []byte) (parsed, error) {
	var p parsed
	for line := range bytes.Lines(data) {
		s := string(line)
		if i := strings.IndexAny(s, "#;,"); i >= 0 {
			s = s[:i]
		}
		f := strings.Fields(s)
		if len(f) == 0 {
			continue
		}
		pfx, ok := parsePrefixLoose(f[0])
		if !ok {
			p.bad++
			continue
		}
		p.prefixes = append(p.prefixes, pfx)
	}
	return p, p.check()
}
