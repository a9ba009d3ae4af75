package ipintel

import (
	"bytes"
	"strconv"
	"strings"
)

// parseASNList reads AS numbers, one per line: bad-asn-list CSV rows (`51447, "Name, NL"`,
// `"62026","Name"`), X4BNet inputs (`AS123 # name`, space or TAB) or bare numbers. The loader is
// deliberately not an RFC 4180 reader: encoding/csv either rejects bad-asn-list or merges two
// of its rows. It takes the text before the first comma (or first field), trims spaces and
// quotes and an "AS" prefix, and parses a uint32; the name is only a label and is ignored.
func parseASNList(data []byte) (parsed, error) {
	var p parsed
	for line := range bytes.Lines(data) {
		s := string(line)
		if i := strings.IndexByte(s, '#'); i >= 0 {
			s = s[:i]
		}
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if i := strings.IndexByte(s, ','); i >= 0 {
			s = s[:i]
		} else if f := strings.Fields(s); len(f) > 0 {
			s = f[0]
		}
		asn, ok := parseASN(s)
		if !ok {
			p.bad++ // includes the "ASN,Entity" header
			continue
		}
		p.asns = append(p.asns, asn)
	}
	return p, p.check()
}

// parseASN parses "15169", "AS15169", "as15169" or a quoted form of those. AS 0 is reserved
// and rejected.
func parseASN(s string) (uint32, bool) {
	s = strings.Trim(strings.TrimSpace(s), "\" '")
	if len(s) > 2 && (s[0] == 'A' || s[0] == 'a') && (s[1] == 'S' || s[1] == 's') {
		s = s[2:]
	}
	if s == "" || s[0] < '0' || s[0] > '9' {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n == 0 {
		return 0, false
	}
	return uint32(n), true
}
