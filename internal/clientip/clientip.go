// Package clientip buckets client addresses for the limits that the engine and the HTTP
// layer keep per client.
package clientip

import "net/netip"

// Prefix is the bucket a client address counts in for rate and velocity limits: the
// address for IPv4, its /64 for IPv6 (one subscriber usually holds a whole /64).
func Prefix(a netip.Addr) string {
	if !a.IsValid() {
		return "unknown"
	}
	if a.Is4() || a.Is4In6() {
		return a.Unmap().String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}
