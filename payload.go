package astracaph

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strconv"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/astracat/astracaph/internal/jsjson"
)

// Payload decoding shared by PoW v1, PoW v2 and server signatures. The widget submits
// btoa(JSON.stringify(x)), so the base64 bytes are Latin-1 code points, not UTF-8
// (docs/protocol-notes.md, "Interoperability traps" 6). Decoding uses pooled buffers and a small allocation-free JSON
// scanner because verification is the hot path of the whole service.

// ErrMalformedPayload is returned for a payload that is not a well-formed ALTCHA payload.
var ErrMalformedPayload = errors.New("astracaph: malformed payload")

// ErrTestPayload is returned for the official widget's test-mode payload, which carries no
// proof of work and must never verify.
var ErrTestPayload = errors.New("astracaph: test-mode payload rejected")

// maxPayloadLen bounds the encoded payload length a verifier accepts.
const maxPayloadLen = 16 << 10

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

func getBuf() *[]byte  { return bufPool.Get().(*[]byte) }
func putBuf(b *[]byte) { *b = (*b)[:0]; bufPool.Put(b) }

var b64Std = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xFF
	}
	const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alpha); i++ {
		t[alpha[i]] = byte(i)
	}
	return t
}()

// decodePayload decodes base64 like atob (ASCII whitespace ignored, padding optional) into
// dst and converts the Latin-1 bytes to UTF-8 when any byte is ≥ 0x80.
func decodePayload(dst []byte, s string) ([]byte, error) {
	if len(s) == 0 || len(s) > maxPayloadLen {
		return nil, ErrMalformedPayload
	}
	// Fast path: canonical padded base64 without whitespace, decoded by the standard
	// library straight from the string's bytes (read-only, so no copy is needed).
	if len(s)%4 == 0 {
		src := unsafe.Slice(unsafe.StringData(s), len(s))
		n := base64.StdEncoding.DecodedLen(len(s))
		if cap(dst) < n {
			dst = make([]byte, n)
		}
		if m, err := base64.StdEncoding.Decode(dst[:n], src); err == nil {
			return latin1ToUTF8(dst[:m]), nil
		}
	}
	dst = dst[:0]
	var acc uint32
	var n, pad int
	high := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case ' ', '\t', '\n', '\r', '\f':
			continue
		case '=':
			pad++
			continue
		}
		v := b64Std[c]
		if v == 0xFF || pad > 0 {
			return nil, ErrMalformedPayload
		}
		acc = acc<<6 | uint32(v)
		n++
		if n == 4 {
			dst = append(dst, byte(acc>>16), byte(acc>>8), byte(acc))
			high = high || (acc&0x808080) != 0
			acc, n = 0, 0
		}
	}
	switch n {
	case 1:
		return nil, ErrMalformedPayload
	case 2:
		b := byte(acc >> 4)
		dst = append(dst, b)
		high = high || b >= 0x80
	case 3:
		b1, b2 := byte(acc>>10), byte(acc>>2)
		dst = append(dst, b1, b2)
		high = high || b1 >= 0x80 || b2 >= 0x80
	}
	if pad > 2 || (pad > 0 && (n+pad)%4 != 0) {
		return nil, ErrMalformedPayload
	}
	if !high {
		return dst, nil
	}
	return latin1ToUTF8(dst), nil
}

// latin1ToUTF8 converts Latin-1 bytes to UTF-8 (every byte is one code point), returning
// dst itself when it is pure ASCII.
func latin1ToUTF8(dst []byte) []byte {
	i := 0
	for ; i+8 <= len(dst); i += 8 {
		if binary.LittleEndian.Uint64(dst[i:])&0x8080808080808080 != 0 {
			break
		}
	}
	for ; i < len(dst) && dst[i] < 0x80; i++ {
	}
	if i == len(dst) {
		return dst
	}
	extra := 0
	for _, b := range dst {
		if b >= 0x80 {
			extra++
		}
	}
	out := make([]byte, 0, len(dst)+extra)
	for _, b := range dst {
		out = utf8.AppendRune(out, rune(b))
	}
	return out
}

// scanner is a minimal JSON tokenizer over a byte slice that never allocates. It is
// strict (RFC 8259) and records whether what it saw is already in canonical
// JSON.stringify form, so signatures can be checked over the raw bytes.
type scanner struct {
	b         []byte
	i         int
	canonical bool // no whitespace, no escapes, canonical numbers, sorted keys
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
			s.canonical = false
		default:
			return
		}
	}
}

func (s *scanner) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *scanner) consume(c byte) bool {
	if s.peek() == c {
		s.i++
		return true
	}
	return false
}

// str returns the raw bytes between the quotes and whether they contain escapes.
func (s *scanner) str() (raw []byte, escaped, ok bool) {
	if s.peek() != '"' {
		return nil, false, false
	}
	s.i++
	start := s.i
	// Fast path: find the closing quote, then check the span has no escapes or control
	// characters (the common case for every field ALTCHA sends).
	if q := bytes.IndexByte(s.b[start:], '"'); q >= 0 {
		span := s.b[start : start+q]
		if plainSpan(span) {
			s.i = start + q + 1
			return span, false, true
		}
	}
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			raw = s.b[start:s.i]
			s.i++
			return raw, escaped, true
		case c == '\\':
			escaped = true
			s.canonical = false
			s.i += 2
			continue
		case c < 0x20:
			return nil, false, false
		}
		s.i++
	}
	return nil, false, false
}

// num returns the raw number literal.
func (s *scanner) num() ([]byte, bool) {
	s.ws()
	start := s.i
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	intStart := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	if s.i == intStart || (s.b[intStart] == '0' && s.i-intStart > 1) {
		return nil, false
	}
	simple := s.i-intStart <= 15
	if s.i < len(s.b) && s.b[s.i] == '.' {
		simple = false
		s.i++
		d := s.i
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
		}
		if s.i == d {
			return nil, false
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		simple = false
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		d := s.i
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
		}
		if s.i == d {
			return nil, false
		}
	}
	raw := s.b[start:s.i]
	if string(raw) == "-0" {
		simple = false
	}
	if !simple && s.canonical {
		// Compare with JavaScript's own formatting of the parsed value.
		f, err := strconv.ParseFloat(string(raw), 64)
		var tmp [32]byte
		if err != nil || string(appendJSNumber(tmp[:0], f)) != string(raw) {
			s.canonical = false
		}
	}
	return raw, true
}

// value skips any JSON value and returns its raw span. Objects met here must have keys in
// canonical order for the span to stay canonical; objects inside arrays are not sorted
// by ALTCHA, so any such object is treated as non-canonical (rare; slow path).
func (s *scanner) value(depth int, inArray bool) ([]byte, bool) {
	if depth > 32 {
		return nil, false
	}
	c := s.peek()
	start := s.i
	switch {
	case c == '"':
		raw, _, ok := s.str()
		_ = raw
		return s.b[start:s.i], ok
	case c == '{':
		if inArray {
			s.canonical = false
		}
		ok := s.object(depth+1, func(key []byte) bool {
			_, ok := s.value(depth+1, false)
			return ok
		})
		return s.b[start:s.i], ok
	case c == '[':
		s.i++
		if s.consume(']') {
			return s.b[start:s.i], true
		}
		for {
			if _, ok := s.value(depth+1, true); !ok {
				return nil, false
			}
			if s.consume(',') {
				continue
			}
			if s.consume(']') {
				return s.b[start:s.i], true
			}
			return nil, false
		}
	case c == 't':
		return s.lit("true")
	case c == 'f':
		return s.lit("false")
	case c == 'n':
		return s.lit("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return s.num()
	}
	return nil, false
}

func (s *scanner) lit(l string) ([]byte, bool) {
	if len(s.b)-s.i < len(l) || string(s.b[s.i:s.i+len(l)]) != l {
		return nil, false
	}
	s.i += len(l)
	return s.b[s.i-len(l) : s.i], true
}

// object iterates an object's members, calling fn with each key positioned at the value;
// fn must consume the value. Key order is checked for canonical form: keys must be plain
// ASCII, not array indices, and strictly increasing.
func (s *scanner) object(depth int, fn func(key []byte) bool) bool {
	if !s.consume('{') {
		return false
	}
	if s.consume('}') {
		return true
	}
	var prev []byte
	for {
		key, esc, ok := s.str()
		if !ok {
			return false
		}
		if s.canonical && (esc || !plainKey(key) || (prev != nil && string(key) <= string(prev))) {
			s.canonical = false
		}
		prev = key
		if !s.consume(':') {
			return false
		}
		if !fn(key) {
			return false
		}
		if s.consume(',') {
			continue
		}
		return s.consume('}')
	}
}

// plainKey: ASCII and not starting with a digit (array-index keys sort differently).
func plainKey(k []byte) bool {
	if len(k) == 0 || (k[0] >= '0' && k[0] <= '9') {
		return false
	}
	for _, c := range k {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// end reports whether only whitespace remains.
func (s *scanner) end() bool {
	s.ws()
	return s.i == len(s.b)
}

// parseInt parses a JSON number that must be an integer in [lo, hi].
func parseIntIn(raw []byte, lo, hi float64) (int64, bool) {
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || f != float64(int64(f)) || f < lo || f > hi {
		return 0, false
	}
	return int64(f), true
}

func parseFloat(raw []byte) (float64, bool) {
	f, err := strconv.ParseFloat(string(raw), 64)
	return f, err == nil
}

// isLowerHex reports whether b is non-empty, even-length, lower-case hex.
func isLowerHex(b []byte) bool {
	if len(b) == 0 || len(b)%2 != 0 {
		return false
	}
	return isLowerHexAny(b)
}

// isLowerHexAny reports whether b is non-empty lower-case hex of any length.
func isLowerHexAny(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// appendJSNumber formats like JavaScript's Number#toString.
func appendJSNumber(dst []byte, f float64) []byte { return jsjson.AppendNumber(dst, f) }

// plainSpan reports whether b has no backslash and no control character, eight bytes at a
// time (SWAR): the hex strings of a payload are long and always plain.
func plainSpan(b []byte) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		ctl := (x - ones*0x20) & ^x & highs // some byte < 0x20
		y := x ^ (ones * '\\')
		bs := (y - ones) & ^y & highs // some byte == '\\'
		if ctl|bs != 0 {
			return false
		}
	}
	for ; i < len(b); i++ {
		if b[i] < 0x20 || b[i] == '\\' {
			return false
		}
	}
	return true
}
