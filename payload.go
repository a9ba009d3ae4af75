package astracaph

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/bits"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/astracat/astracaph/internal/jsjson"
)

// Payload decoding shared by PoW v1, PoW v2 and server signatures (docs/protocol.md; the formats themselves: docs/protocol-notes.md).
//
// Base64: the widget submits btoa(JSON.stringify(x)), so bytes ≥ 0x80 are Latin-1 code
// points; server-side encoders (Go, Python, altcha-lib-go) base64 the UTF-8 text instead.
// A payload with such bytes is read both ways when both are possible (readings).
//
// JSON: a fast scanner reads the layout every ALTCHA producer emits by default — keys in
// sorted order, no escapes in anything read, canonical parameters — without allocating.
// Anything else (escapes, other member orders, whitespace in the parameters, deep
// nesting) makes it give up with errNeedStrict, and the payload is decoded again by a
// full strict decoder (payload_strict.go) that applies the same checks.

// ErrMalformedPayload is returned for a payload that is not a well-formed ALTCHA payload.
var ErrMalformedPayload = errors.New("astracaph: malformed payload")

// ErrTestPayload is returned for the official widget's test-mode payload, which carries no
// proof of work and must never verify.
var ErrTestPayload = errors.New("astracaph: test-mode payload rejected")

// errNeedStrict: the fast scanner met something only the strict decoder handles.
var errNeedStrict = errors.New("astracaph: payload needs the strict decoder")

// maxPayloadLen bounds the encoded payload length a verifier accepts.
const maxPayloadLen = 16 << 10

// maxScanDepth bounds nesting in the fast scanner; deeper input goes to the strict decoder.
const maxScanDepth = 32

// scratch is the per-verification working memory: the decoded payload and the keyed HMAC
// states. Pooled, so a verification allocates only what it returns.
type scratch struct {
	buf   []byte // the decoded payload
	hash  []byte // bytes to hash that are not in buf
	macs  macCache
	arena arena // where results are cut from (arena.go)
	// tmp holds HMAC inputs built during verification. Hash writes go through an
	// interface, so a stack array passed to one would be moved to the heap on every call.
	tmp [1024]byte
}

var scratchPool = sync.Pool{New: func() any { return &scratch{buf: make([]byte, 0, 2048)} }}

func getScratch() *scratch  { return scratchPool.Get().(*scratch) }
func putScratch(s *scratch) { s.buf = s.buf[:0]; scratchPool.Put(s) }

// decode base64-decodes payload into the scratch buffer (see decodePayload).
func (sc *scratch) decode(payload string) ([]byte, bool, error) {
	b, high, err := decodePayload(sc.buf, payload)
	if err == nil {
		sc.buf = b[:0]
	}
	return b, high, err
}

// b64Std maps the standard base64 alphabet to its values and everything else to 0xFF.
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

// b64Pairs returns the table t with t[c1<<8|c0] the 12-bit value of the two characters
// c0 c1 (in that order), or 0xFFFF when either is not in the alphabet: one lookup per two
// characters, indexed by 16 bits of the word being decoded, instead of two lookups and
// the shifts to combine them. The table is 128 KiB, built on first use; the rows of
// alphabet characters actually read are about 12 KiB. The decoder is 1.5× as fast as with
// a per-character table, and 1.8× encoding/base64 (900-byte payload: 254, 386, 449 ns).
var b64Pairs = sync.OnceValue(func() *[1 << 16]uint16 {
	t := new([1 << 16]uint16)
	for i := range t {
		c0, c1 := b64Std[i&0xFF], b64Std[i>>8]
		if c0 == 0xFF || c1 == 0xFF {
			t[i] = 0xFFFF
		} else {
			t[i] = uint16(c0)<<6 | uint16(c1)
		}
	}
	return t
})

// decodePayload decodes base64 like atob (ASCII whitespace ignored, padding optional)
// into dst, growing it if needed, and reports whether any decoded byte is ≥ 0x80. It
// reads the string directly, eight characters per round (the compiler merges the eight
// byte loads into one), so nothing is copied first and no unsafe conversion is needed.
func decodePayload(dst []byte, s string) (out []byte, high bool, err error) {
	if len(s) == 0 || len(s) > maxPayloadLen {
		return nil, false, ErrMalformedPayload
	}
	need := len(s)/4*3 + 8 // +8: each round stores a whole uint64
	if cap(dst) < need {
		dst = make([]byte, need)
	}
	dst = dst[:cap(dst)]
	n, i := 0, 0
	var hi uint64
	pairs := b64Pairs()
	for ; i+8 <= len(s) && n+8 <= len(dst); i += 8 {
		c := s[i : i+8] // the eight loads compile to one
		x := uint64(c[0]) | uint64(c[1])<<8 | uint64(c[2])<<16 | uint64(c[3])<<24 |
			uint64(c[4])<<32 | uint64(c[5])<<40 | uint64(c[6])<<48 | uint64(c[7])<<56
		p0, p1, p2, p3 := pairs[uint16(x)], pairs[uint16(x>>16)], pairs[uint16(x>>32)], pairs[uint16(x>>48)]
		if (p0|p1|p2|p3)&0xF000 != 0 {
			break // padding, whitespace or an invalid character: byte-wise loop below
		}
		v := uint64(p0)<<52 | uint64(p1)<<40 | uint64(p2)<<28 | uint64(p3)<<16
		binary.BigEndian.PutUint64(dst[n:], v)
		hi |= v
		n += 6
	}
	high = hi&0x8080808080800000 != 0
	dst = dst[:n]
	var acc uint32
	var k, pad int
	for ; i < len(s); i++ {
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
			return nil, false, ErrMalformedPayload
		}
		acc = acc<<6 | uint32(v)
		k++
		if k == 4 {
			dst = append(dst, byte(acc>>16), byte(acc>>8), byte(acc))
			high = high || acc&0x808080 != 0
			acc, k = 0, 0
		}
	}
	switch k {
	case 1:
		return nil, false, ErrMalformedPayload
	case 2:
		b := byte(acc >> 4)
		dst = append(dst, b)
		high = high || b >= 0x80
	case 3:
		b1, b2 := byte(acc>>10), byte(acc>>2)
		dst = append(dst, b1, b2)
		high = high || b1 >= 0x80 || b2 >= 0x80
	}
	if pad > 2 || (pad > 0 && (k+pad)%4 != 0) {
		return nil, false, ErrMalformedPayload
	}
	return dst, high, nil
}

// readings returns the texts a decoded payload with bytes ≥ 0x80 may stand for. Bytes
// that are valid UTF-8 are read as UTF-8 first (a server-side encoder; Latin-1 text is
// almost never valid UTF-8) and as Latin-1 second; other bytes only as Latin-1 (btoa).
// The caller keeps the reading whose signature verifies, so either way what verifies is
// exactly what was signed.
func readings(raw []byte) (first, second []byte) {
	latin := latin1ToUTF8(raw)
	if utf8.Valid(raw) {
		return raw, latin
	}
	return latin, nil
}

// latin1ToUTF8 converts Latin-1 bytes to UTF-8 (every byte is one code point) into a new
// slice, or returns b itself when it is pure ASCII.
func latin1ToUTF8(b []byte) []byte {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if binary.LittleEndian.Uint64(b[i:])&0x8080808080808080 != 0 {
			break
		}
	}
	for ; i < len(b) && b[i] < 0x80; i++ {
	}
	if i == len(b) {
		return b
	}
	out := make([]byte, i, len(b)+len(b)/2)
	copy(out, b[:i])
	for _, c := range b[i:] {
		out = utf8.AppendRune(out, rune(c))
	}
	return out
}

// scanner is a minimal JSON tokenizer over a byte slice that never allocates. It is
// strict (RFC 8259) and handles only the common layout: when it meets an escaped key,
// keys out of sorted order (which is also what rules out duplicate keys) or nesting
// deeper than maxScanDepth it sets strict and fails, and the caller switches to the
// strict decoder. It also records whether what it saw is already in canonical
// JSON.stringify form, so signatures can be checked over the raw bytes.
type scanner struct {
	b         []byte
	i         int
	canonical bool // no whitespace, no escapes, canonical numbers, plain keys
	strict    bool // gave up: the strict decoder must decide
	anyOrder  bool // trusted canonical text (no duplicates): skip the key order rule
}

// peek skips whitespace and returns the next byte (0 at the end). JSON.stringify writes
// no whitespace, so the common case is one comparison, inlined.
func (s *scanner) peek() byte {
	if s.i < len(s.b) && s.b[s.i] > ' ' {
		return s.b[s.i]
	}
	return s.peekSlow()
}

func (s *scanner) peekSlow() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
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

func (s *scanner) consume(c byte) bool {
	if s.peek() == c {
		s.i++
		return true
	}
	return false
}

// str returns the raw bytes between the quotes and whether they contain escapes (which
// are checked for syntax, not decoded).
func (s *scanner) str() (raw []byte, escaped, ok bool) {
	if s.peek() != '"' {
		return nil, false, false
	}
	s.i++
	start := s.i
	// The first quote, backslash or control character ends a plain string (every field
	// ALTCHA sends); only a backslash needs the byte-wise loop. Eight bytes at a time
	// while the buffer has them (the closing quote is rarely the last byte).
	b, j := s.b, start
	for j+8 <= len(b) {
		if m := special(binary.LittleEndian.Uint64(b[j:])); m != 0 {
			j += bits.TrailingZeros64(m) / 8
			break
		}
		j += 8
	}
	for j < len(b) && b[j] != '"' && b[j] != '\\' && b[j] >= 0x20 {
		j++
	}
	if j < len(b) && b[j] == '"' {
		s.i = j + 1
		return b[start:j], false, true
	}
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			raw = s.b[start:s.i]
			s.i++
			return raw, escaped, true
		case c == '\\':
			if !s.escape() {
				return nil, false, false
			}
			escaped = true
			s.canonical = false
			continue
		case c < 0x20:
			return nil, false, false
		}
		s.i++
	}
	return nil, false, false
}

// escape checks the escape sequence at s.i and steps over it.
func (s *scanner) escape() bool {
	if s.i+1 >= len(s.b) {
		return false
	}
	switch s.b[s.i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		s.i += 2
		return true
	case 'u':
		if s.i+6 > len(s.b) {
			return false
		}
		for _, c := range s.b[s.i+2 : s.i+6] {
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
		s.i += 6
		return true
	}
	return false
}

// longStr reads a long string that must be present and have no escapes, leaving control
// characters to the caller: the end and any backslash are found with bytes.IndexByte,
// which is much faster than a byte classification for long text that the caller scans
// anyway (verificationData; see hasControl).
func (s *scanner) longStr() ([]byte, bool) {
	if s.peek() != '"' {
		return nil, false
	}
	rest := s.b[s.i+1:]
	q := bytes.IndexByte(rest, '"')
	if q < 0 {
		return nil, false
	}
	if bytes.IndexByte(rest[:q], '\\') >= 0 {
		s.strict = true // escapes (perhaps of this very quote): the strict decoder reads it
		return nil, false
	}
	s.i += q + 2
	return rest[:q], true
}

// hasControl reports whether b holds a control character, eight bytes at a time.
func hasControl(b []byte) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		if (x-ones*0x20)&^x&highs != 0 {
			return true
		}
	}
	for ; i < len(b); i++ {
		if b[i] < 0x20 {
			return true
		}
	}
	return false
}

// plainStr reads a string that must be present and have no escapes; an escaped string
// sends the payload to the strict decoder, which unescapes it.
func (s *scanner) plainStr() ([]byte, bool) {
	raw, esc, ok := s.str()
	if esc {
		s.strict = true
		return nil, false
	}
	return raw, ok
}

// num returns the raw number literal.
func (s *scanner) num() ([]byte, bool) {
	s.ws()
	b, i := s.b, s.i
	start := i
	if i < len(b) && b[i] == '-' {
		i++
	}
	intStart := i
	i = digitsEnd(b, i)
	if i == intStart || (b[intStart] == '0' && i-intStart > 1) {
		s.i = i
		return nil, false
	}
	simple := i-intStart <= 15
	if i < len(b) && b[i] == '.' {
		simple = false
		if d := i + 1; digitsEnd(b, d) == d {
			s.i = d
			return nil, false
		}
		i = digitsEnd(b, i+1)
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		simple = false
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if d := i; digitsEnd(b, d) == d {
			s.i = d
			return nil, false
		}
		i = digitsEnd(b, i)
	}
	s.i = i
	raw := b[start:i]
	if len(raw) == 2 && raw[0] == '-' && raw[1] == '0' {
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

// digitsEnd returns the index after the decimal digits of b that start at i.
func digitsEnd(b []byte, i int) int {
	for i < len(b) && b[i]-'0' <= 9 {
		i++
	}
	return i
}

// value skips any JSON value and returns its raw span. Objects inside arrays are not
// sorted by ALTCHA's sortKeys, so any such object makes the span non-canonical.
func (s *scanner) value(depth int, inArray bool) ([]byte, bool) {
	if depth > maxScanDepth {
		s.strict = true
		return nil, false
	}
	c := s.peek()
	start := s.i
	switch {
	case c == '"':
		_, _, ok := s.str()
		return s.b[start:s.i], ok
	case c == '{':
		if inArray {
			s.canonical = false
		}
		more, ok := s.objectStart(depth + 1)
		var k []byte
		for more {
			if k, ok = s.key(k); !ok {
				return nil, false
			}
			if _, ok = s.value(depth+1, false); !ok {
				return nil, false
			}
			more, ok = s.next()
		}
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

// skip consumes any value.
func (s *scanner) skip(depth int) bool {
	_, ok := s.value(depth, false)
	return ok
}

func (s *scanner) lit(l string) ([]byte, bool) {
	if len(s.b)-s.i < len(l) || string(s.b[s.i:s.i+len(l)]) != l {
		return nil, false
	}
	s.i += len(l)
	return s.b[s.i-len(l) : s.i], true
}

// Objects are read member by member without callbacks:
//
//	more, ok := s.objectStart(depth)
//	var k []byte
//	for ok && more {
//		if k, id, ok = s.keyIn(k, table); !ok { break }
//		… read or skip the value, setting ok …
//		more, ok = s.after(ok)
//	}
//
// Keys must be unescaped and strictly increasing in byte order, which every producer's
// default output satisfies and which rules out duplicate keys; otherwise the scanner gives
// up (strict). For canonical form keys must also be plain (ASCII, not array indices,
// which JavaScript orders differently).

// objectStart consumes "{" and reports whether members follow (false for "{}").
func (s *scanner) objectStart(depth int) (more, ok bool) {
	if depth > maxScanDepth {
		s.strict = true
		return false, false
	}
	if s.peek() != '{' {
		return false, false
	}
	s.i++
	if s.peek() == '}' {
		s.i++
		return false, true
	}
	return true, true
}

// key reads a member's key and its colon; prev is the object's previous key (nil for the
// first member).
func (s *scanner) key(prev []byte) ([]byte, bool) {
	k, esc, ok := s.str()
	if !ok {
		return nil, false
	}
	if !s.anyOrder && (esc || prev != nil && !keyAfter(k, prev)) {
		s.strict = true
		return nil, false
	}
	if s.canonical && !plainKey(k) {
		s.canonical = false
	}
	if s.peek() != ':' {
		return nil, false
	}
	s.i++
	return k, true
}

// keyLookup reads a member key like key and finds it in table: id is its index, or -1.
// It is keyIn's fallback, for white space, other keys and the end of the text.
func (s *scanner) keyLookup(prev []byte, table []string) (k []byte, id int, ok bool) {
	if k, ok = s.key(prev); !ok {
		return nil, -1, false
	}
	for id, lit := range table {
		if string(k) == lit {
			return k, id, true
		}
	}
	return k, -1, true
}

// keyAfter reports k > prev, deciding on the first byte when it differs (the usual case).
func keyAfter(k, prev []byte) bool {
	if len(k) > 0 && len(prev) > 0 && k[0] != prev[0] {
		return k[0] > prev[0]
	}
	return string(k) > string(prev)
}

// after ends one member: given whether its value was read, it consumes the separator;
// more is true after ",", false after "}" (and ok false on any failure).
func (s *scanner) after(ok bool) (more, _ bool) {
	if !ok {
		return false, false
	}
	return s.next()
}

// next consumes what follows a member's value: more is true after ",", false after "}".
func (s *scanner) next() (more, ok bool) {
	switch s.peek() {
	case ',':
		s.i++
		return true, true
	case '}':
		s.i++
		return false, true
	}
	return false, false
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

// parseIntIn parses a JSON number that must be an integer in [lo, hi].
func parseIntIn(raw []byte, lo, hi float64) (int64, bool) {
	if n, ok := smallUint(raw); ok {
		f := float64(n)
		return n, f >= lo && f <= hi
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || f != float64(int64(f)) || f < lo || f > hi {
		return 0, false
	}
	return int64(f), true
}

func parseFloat(raw []byte) (float64, bool) {
	if f, ok := smallDecimal(raw); ok {
		return f, true
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	return f, err == nil
}

// smallDecimal parses digits with an optional fraction, 15 digits at most, exactly and
// without strconv: both operands of the division are exact, so it rounds once, as
// ParseFloat does. Anything else reports false.
func smallDecimal[T string | []byte](s T) (float64, bool) {
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

// smallUint parses a literal of 1 to 15 decimal digits, the common case, without strconv.
func smallUint[T string | []byte](raw T) (int64, bool) {
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

// special flags (high bit per byte) the bytes of x, eight bytes read little-endian, that
// are '"', '\\' or control characters: SWAR zero-byte tests. Each test flags a byte whose
// high bit the subtraction sets while the byte's own high bit is clear; a borrow only
// comes from a real match below, so the lowest flag is exact.
func special(x uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	q := x ^ (ones * '"')
	bs := x ^ (ones * '\\')
	return ((x - ones*0x20) | (q - ones) | (bs - ones)) &^ x & highs
}

// keyTable holds the member keys a reader knows, each as the bytes `key":` packed into
// three little-endian words with masks, so that scanner.keyIn recognises a key with
// three loads and a few compares per candidate, no scanning and no calls.
type keyTable struct {
	keys  []string
	words [][3]uint64
	masks [][3]uint64
}

func newKeyTable(keys ...string) *keyTable {
	t := &keyTable{keys: keys}
	for _, k := range keys {
		pat := k + `":`
		if len(pat) > 24 {
			panic("astracaph: key too long for keyTable: " + k)
		}
		var w, m [3]uint64
		for i := 0; i < len(pat); i++ {
			w[i/8] |= uint64(pat[i]) << (8 * (i % 8))
			m[i/8] |= 0xFF << (8 * (i % 8))
		}
		t.words = append(t.words, w)
		t.masks = append(t.masks, m)
	}
	return t
}

// keyIn reads a member key like key and identifies the keys of t: id is the key's index
// in t, or -1. Near the end of the text, after whitespace or for other keys it falls back
// to scanning.
func (s *scanner) keyIn(prev []byte, t *keyTable) (k []byte, id int, ok bool) {
	if i := s.i; i+25 <= len(s.b) && s.b[i] == '"' {
		x0 := binary.LittleEndian.Uint64(s.b[i+1:])
		x1 := binary.LittleEndian.Uint64(s.b[i+9:])
		x2 := binary.LittleEndian.Uint64(s.b[i+17:])
		for id := range t.words {
			w, m := &t.words[id], &t.masks[id]
			if (x0^w[0])&m[0]|(x1^w[1])&m[1]|(x2^w[2])&m[2] == 0 {
				end := i + 1 + len(t.keys[id])
				k = s.b[i+1 : end]
				if !s.anyOrder && prev != nil && !keyAfter(k, prev) {
					s.strict = true
					return nil, -1, false
				}
				s.i = end + 2
				return k, id, true
			}
		}
	}
	return s.keyLookup(prev, t.keys)
}
