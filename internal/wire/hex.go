package wire

import "encoding/binary"

// Constant-time comparisons of MACs and hex, a word at a time. Every check in a
// verification compares a computed value with a submitted one; crypto/subtle does it a
// byte at a time, which for 64 hex characters is a visible share of a verification.
// These never branch on the data, only on lengths, which are public.

// hexPairs[b] is the lower-case hex of b, first character in the low byte.
var hexPairs = func() (t [256]uint16) {
	const digits = "0123456789abcdef"
	for i := range t {
		t[i] = uint16(digits[i>>4]) | uint16(digits[i&15])<<8
	}
	return t
}()

// CTEqual reports a == b in time that depends only on the lengths.
func CTEqual(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	var x uint64
	i := 0
	for ; i+8 <= len(a); i += 8 {
		x |= binary.LittleEndian.Uint64(a[i:]) ^ binary.LittleEndian.Uint64(b[i:])
	}
	for ; i < len(a); i++ {
		x |= uint64(a[i] ^ b[i])
	}
	return x == 0
}

// HexEqual reports whether h is the lower-case hex of mac, in time that depends only on
// the lengths: the hex is built four bytes at a time and compared as words.
func HexEqual(mac, h []byte) bool {
	if len(h) != 2*len(mac) {
		return false
	}
	var x uint64
	i := 0
	for ; i+4 <= len(mac); i += 4 {
		w := uint64(hexPairs[mac[i]]) | uint64(hexPairs[mac[i+1]])<<16 | uint64(hexPairs[mac[i+2]])<<32 |
			uint64(hexPairs[mac[i+3]])<<48
		x |= w ^ binary.LittleEndian.Uint64(h[2*i:])
	}
	for ; i < len(mac); i++ {
		x |= uint64(hexPairs[mac[i]] ^ (uint16(h[2*i]) | uint16(h[2*i+1])<<8))
	}
	return x == 0
}

// lowerHexVal maps '0'–'9' and 'a'–'f' to their values and everything else (upper case
// included) to 0xFF.
var lowerHexVal = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xFF
	}
	for i := 0; i < 16; i++ {
		t["0123456789abcdef"[i]] = byte(i)
	}
	return t
}()

// DecodeLowerHex decodes non-empty, even-length, lower-case hex into dst (which must have
// room), reporting false for anything else; validation and decoding are one pass.
func DecodeLowerHex(dst, src []byte) (int, bool) {
	if len(src) == 0 || len(src)%2 != 0 || len(dst) < len(src)/2 {
		return 0, false
	}
	var bad byte
	for i := 0; i < len(src)/2; i++ {
		hi, lo := lowerHexVal[src[2*i]], lowerHexVal[src[2*i+1]]
		bad |= hi | lo
		dst[i] = hi<<4 | lo&0x0F
	}
	return len(src) / 2, bad&0xF0 == 0
}

// IsLowerHex reports whether b is non-empty lower-case hex of any length.
func IsLowerHex(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if lowerHexVal[c] == 0xFF {
			return false
		}
	}
	return true
}
