package astracaph

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// application/x-www-form-urlencoded reading as JavaScript's URLSearchParams does it,
// which is how altcha-lib reads a v1 salt's parameters and a server signature's
// verificationData: "+" is a space, "%XY" a byte, a malformed "%" stays as it is (never an
// error), and bytes that are not UTF-8 become U+FFFD. Go's url.ParseQuery refuses
// malformed escapes instead, so a payload altcha-lib accepts would fail here.

// needsFormDecode reports whether s has anything to decode.
func needsFormDecode(s string) bool {
	return strings.IndexByte(s, '%') >= 0 || strings.IndexByte(s, '+') >= 0
}

// appendFormDecoded appends the decoded form of s to dst.
func appendFormDecoded(dst []byte, s string) []byte {
	start := len(dst)
	dst = slices.Grow(dst, len(s))[:start+len(s)] // decoding never lengthens
	w := start
	var high byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '+':
			c = ' '
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			c = unhex(s[i+1])<<4 | unhex(s[i+2])
			i += 2
		} // a "%" that starts no escape stays as it is
		high |= c
		dst[w] = c
		w++
	}
	dst = dst[:w]
	if high < 0x80 || utf8.Valid(dst[start:]) {
		return dst
	}
	// Replace what is not UTF-8 with U+FFFD, as TextDecoder does.
	bad := append([]byte(nil), dst[start:]...)
	dst = dst[:start]
	for i := 0; i < len(bad); {
		r, n := utf8.DecodeRune(bad[i:])
		dst = utf8.AppendRune(dst, r)
		i += n
	}
	return dst
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// formDecode returns the decoded form of s, without allocating when there is nothing to
// decode.
func formDecode(s string) string {
	if !needsFormDecode(s) {
		return s
	}
	return string(appendFormDecoded(nil, s))
}

// saltExpiry returns, still encoded, the expiry parameter of a v1 salt as altcha-lib/v1
// finds it: in salt.split('?')[1], the last "expires" value if it is not empty, else the
// last "expire" value. One pass, no allocation unless a key is percent-encoded.
func saltExpiry(salt string) string {
	q := strings.IndexByte(salt, '?')
	if q < 0 {
		return ""
	}
	var expires, expire string
	start, eq, enc := q+1, -1, false
	for i := q + 1; i <= len(salt); i++ {
		c := byte('&') // the end of the salt ends the last pair
		if i < len(salt) {
			c = salt[i]
		}
		switch c {
		case '=':
			if eq < 0 {
				eq = i
			}
			continue
		case '%', '+':
			enc = enc || eq < 0
			continue
		case '&', '?':
		default:
			continue
		}
		if eq > start {
			k := salt[start:eq]
			if enc {
				k = formDecode(k)
			}
			switch k {
			case "expires":
				expires = salt[eq+1 : i]
			case "expire":
				expire = salt[eq+1 : i]
			}
		}
		if c == '?' {
			break // the parameters end at the second "?"
		}
		start, eq, enc = i+1, -1, false
	}
	if expires != "" {
		return expires
	}
	return expire
}

// jsParseInt is JavaScript's parseInt(s, 10): leading whitespace, a sign, then as many
// decimal digits as there are; NaN when there are none.
func jsParseInt(s string) float64 {
	if n, ok := smallUint(s); ok { // the usual spelling: plain decimal digits
		return float64(n)
	}
	s = strings.TrimLeft(s, " \t\n\v\f\r\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff")
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	if n == 0 {
		return math.NaN()
	}
	f, _ := strconv.ParseFloat(s[:n], 64) // digits only: at worst +Inf
	if neg {
		f = -f
	}
	return f
}

// jsNumber is JavaScript's Number(s) for the strings a verificationData holds: trimmed,
// "" is 0, decimal or 0x/0o/0b integers, ±Infinity; anything else NaN.
func jsNumber(s string) float64 {
	s = strings.TrimSpace(s)
	switch s {
	case "":
		return 0
	case "Infinity", "+Infinity":
		return math.Inf(1)
	case "-Infinity":
		return math.Inf(-1)
	}
	if len(s) > 2 && s[0] == '0' {
		base := 0
		switch s[1] {
		case 'x', 'X':
			base = 16
		case 'o', 'O':
			base = 8
		case 'b', 'B':
			base = 2
		}
		if base != 0 {
			if strings.IndexByte(s[2:], '_') >= 0 {
				return math.NaN()
			}
			n, err := strconv.ParseUint(s[2:], base, 64)
			if err != nil {
				return math.NaN()
			}
			return float64(n)
		}
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			return math.NaN()
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && f == 0 {
		return math.NaN()
	}
	return f
}
