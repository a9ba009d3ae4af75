package astracaph

import (
	"encoding/base64"
	"slices"
	"unicode/utf16"
)

func base64Std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func sortStrings(s []string) { slices.Sort(s) }

func utf16Pair(r rune) (rune, rune) { return utf16.EncodeRune(r) }

// formEncode is the application/x-www-form-urlencoded serializer of URLSearchParams:
// space becomes '+', and everything but ASCII alphanumerics and *-._ is percent-encoded.
func formEncode(s string) string {
	const hexU = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if !formSafe(s[i]) && s[i] != ' ' {
			n++
		}
	}
	if n == 0 && !containsSpace(s) {
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

func containsSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			return true
		}
	}
	return false
}
