package ipintel

import (
	"bytes"
	"net/netip"
	"strings"
)

// parseTor reads every Tor exit format found in the wild: the bulk exit list (one address
// per line), TorDNSEL exit-addresses records (only ExitAddress lines carry data; CollecTor
// '@type' headers are skipped), mirrors with fully expanded IPv6, and Onionoo CSV rows
// "fingerprint, ipaddr, port" where the first field that parses as an address is taken.
func parseTor(data []byte) (parsed, error) {
	var p parsed
	for line := range bytes.Lines(data) {
		s := strings.TrimSpace(string(line))
		if s == "" || s[0] == '#' || s[0] == '@' {
			continue
		}
		if strings.IndexByte(s, ',') >= 0 {
			found, addrLike := false, false
			for field := range strings.SplitSeq(s, ",") {
				if a, ok := parseAddrLoose(field); ok {
					p.prefixes = append(p.prefixes, netip.PrefixFrom(a, a.BitLen()))
					found = true
					break
				}
				addrLike = addrLike || strings.ContainsAny(field, ".:")
			}
			if !found && addrLike {
				p.bad++
			}
			// A row without anything address-like is the CSV header.
			continue
		}
		f := strings.Fields(s)
		switch f[0] {
		case "ExitAddress":
			if len(f) < 2 {
				p.bad++
				continue
			}
			f = f[1:]
		case "ExitNode", "Published", "LastStatus", "Downloaded":
			continue
		}
		a, ok := parseAddrLoose(f[0])
		if !ok {
			p.bad++
			continue
		}
		p.prefixes = append(p.prefixes, netip.PrefixFrom(a, a.BitLen()))
	}
	return p, p.check()
}
