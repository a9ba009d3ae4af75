package wire

import (
	"math"
	"strconv"
	"strings"
)

// ParseIntIn parses a JSON number that must be an integer in [lo, hi].
func ParseIntIn(raw []byte, lo, hi float64) (int64, bool) {
	if n, ok := SmallUint(raw); ok {
		f := float64(n)
		return n, f >= lo && f <= hi
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || f != float64(int64(f)) || f < lo || f > hi {
		return 0, false
	}
	return int64(f), true
}

// ParseFloat parses a JSON number.
func ParseFloat(raw []byte) (float64, bool) {
	if f, ok := SmallDecimal(raw); ok {
		return f, true
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	return f, err == nil
}

// SmallDecimal parses digits with an optional fraction, 15 digits at most, exactly and
// without strconv: both operands of the division are exact, so it rounds once, as
// ParseFloat does. Anything else reports false.
func SmallDecimal[T string | []byte](s T) (float64, bool) {
	if len(s) == 0 || len(s) > 16 {
		return 0, false
	}
	var m uint64
	digits, frac := 0, -1
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			m = m*10 + uint64(c-'0')
			digits++
			if frac >= 0 {
				frac++
			}
		case c == '.' && frac < 0 && i > 0 && i+1 < len(s):
			frac = 0
		default:
			return 0, false
		}
	}
	if digits > 15 {
		return 0, false
	}
	f := float64(m)
	if frac > 0 {
		f /= pow10[frac]
	}
	return f, true
}

var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// SmallUint parses a literal of 1 to 15 decimal digits, the common case, without strconv.
func SmallUint[T string | []byte](raw T) (int64, bool) {
	if len(raw) == 0 || len(raw) > 15 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// JSParseInt is JavaScript's parseInt(s, 10): leading whitespace, a sign, then as many
// decimal digits as there are; NaN when there are none.
func JSParseInt(s string) float64 {
	if n, ok := SmallUint(s); ok { // the usual spelling: plain decimal digits
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

// JSNumber is JavaScript's Number(s) for the strings a verificationData holds: trimmed,
// "" is 0, decimal or 0x/0o/0b integers, ±Infinity; anything else NaN.
func JSNumber(s string) float64 {
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
