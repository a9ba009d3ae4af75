package wire

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// application/x-www-form-urlencoded as JavaScript's URLSearchParams reads and writes it,
// which is how altcha-lib reads a v1 salt's parameters and a server signature's
// verificationData: "+" is a space, "%XY" a byte, a malformed "%" stays as it is (never an
// error), and bytes that are not UTF-8 become U+FFFD. Go's url.ParseQuery refuses
// malformed escapes instead, so a payload altcha-lib accepts would fail there.

// FormEncode is the application/x-www-form-urlencoded serializer of URLSearchParams:
// space becomes '+', and everything but ASCII alphanumerics and *-._ is percent-encoded.
func FormEncode(s string) string {
	const hexU = "0123456789ABCDEF"
	n, spaces := 0, false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == ' ':
			spaces = true
		case !formSafe(s[i]):
			n++
		}
	}
	if n == 0 && !spaces {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case formSafe(c):
			b = append(b, c)
		case c == ' ':
			b = append(b, '+')
		default:
			b = append(b, '%', hexU[c>>4], hexU[c&15])
		}
	}
	return string(b)
}

func formSafe(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '*' || c == '-' || c == '.' || c == '_'
}

// AppendFormDecoded appends the decoded form of s to dst.
func AppendFormDecoded(dst []byte, s string) []byte {
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

// FormDecode returns the decoded form of s, without allocating when there is nothing to
// decode.
func FormDecode(s string) string {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s
	}
	return string(AppendFormDecoded(nil, s))
}
