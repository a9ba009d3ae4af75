package server

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientIP is RemoteAddr unless the peer is a trusted proxy; then it is the right-most
// X-Forwarded-For address that is not itself a trusted proxy ("The perils of the 'real'
// client IP": left-most entries are client-controlled).
func (s *Server) clientIP(r *http.Request) netip.Addr {
	peer := parseAddr(r.RemoteAddr)
	if !peer.IsValid() || !inPrefixes(peer, s.cfg.trustedProxies) {
		return peer
	}
	hops := r.Header.Values("X-Forwarded-For")
	var all []string
	for _, h := range hops {
		all = append(all, strings.Split(h, ",")...)
	}
	for i := len(all) - 1; i >= 0; i-- {
		a := parseAddr(strings.TrimSpace(all[i]))
		if !a.IsValid() {
			return peer // garbage: do not trust anything further left
		}
		if !inPrefixes(a, s.cfg.trustedProxies) {
			return a
		}
	}
	return peer
}

func parseAddr(s string) netip.Addr {
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap().WithZone("")
}

func inPrefixes(a netip.Addr, ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
