package wire

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"strconv"

	"github.com/astracat/astracaph/internal/jsjson"
)

// MaxScanDepth bounds nesting in the scanner; deeper input goes to the strict decoder.
const MaxScanDepth = 32

// Scanner is a minimal JSON tokenizer over a byte slice that never allocates. It is
// strict (RFC 8259) and handles only the common layout — keys in sorted order, no
// escapes in anything read — which every ALTCHA producer emits by default: when it meets
// an escaped key, keys out of sorted order (which is also what rules out duplicate keys)
// or nesting deeper than MaxScanDepth it sets Strict and fails, and the caller switches
// to a strict decoder. It also records whether what it saw is already in canonical
// JSON.stringify form, so signatures can be checked over the raw bytes.
//
// Objects are read member by member without callbacks:
//
//	more, ok := s.ObjectStart(depth)
//	var k []byte
//	for ok && more {
//		if k, id, ok = s.KeyIn(k, table); !ok { break }
//		… read or skip the value, setting ok …
//		more, ok = s.After(ok)
//	}
//
// Keys must be unescaped and strictly increasing in byte order; for canonical form they
// must also be plain (ASCII, not array indices, which JavaScript orders differently).
type Scanner struct {
	B         []byte
	I         int  // the read position in B
	Canonical bool // set by the caller; cleared on whitespace, escapes, non-canonical numbers or keys
	Strict    bool // gave up: the strict decoder must decide
	AnyOrder  bool // trusted canonical text (no duplicates): skip the key order rule
}

// Peek skips whitespace and returns the next byte (0 at the end). JSON.stringify writes
// no whitespace, so the common case is one comparison, inlined.
func (s *Scanner) Peek() byte {
	if s.I < len(s.B) && s.B[s.I] > ' ' {
		return s.B[s.I]
	}
	return s.peekSlow()
}

func (s *Scanner) peekSlow() byte {
	s.ws()
	if s.I < len(s.B) {
		return s.B[s.I]
	}
	return 0
}

func (s *Scanner) ws() {
	for s.I < len(s.B) {
		switch s.B[s.I] {
		case ' ', '\t', '\n', '\r':
			s.I++
			s.Canonical = false
		default:
			return
		}
	}
}

func (s *Scanner) consume(c byte) bool {
	if s.Peek() == c {
		s.I++
		return true
	}
	return false
}

// Str returns the raw bytes between the quotes and whether they contain escapes (which
// are checked for syntax, not decoded).
func (s *Scanner) Str() (raw []byte, escaped, ok bool) {
	if s.Peek() != '"' {
		return nil, false, false
	}
	s.I++
	start := s.I
	// The first quote, backslash or control character ends a plain string (every field
	// ALTCHA sends); only a backslash needs the byte-wise loop. Eight bytes at a time
	// while the buffer has them (the closing quote is rarely the last byte).
	b, j := s.B, start
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
		s.I = j + 1
		return b[start:j], false, true
	}
	for s.I < len(s.B) {
		c := s.B[s.I]
		switch {
		case c == '"':
			raw = s.B[start:s.I]
			s.I++
			return raw, escaped, true
		case c == '\\':
			if !s.escape() {
				return nil, false, false
			}
			escaped = true
			s.Canonical = false
			continue
		case c < 0x20:
			return nil, false, false
		}
		s.I++
	}
	return nil, false, false
}

// escape checks the escape sequence at s.I and steps over it.
func (s *Scanner) escape() bool {
	if s.I+1 >= len(s.B) {
		return false
	}
	switch s.B[s.I+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		s.I += 2
		return true
	case 'u':
		if s.I+6 > len(s.B) {
			return false
		}
		for _, c := range s.B[s.I+2 : s.I+6] {
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
		s.I += 6
		return true
	}
	return false
}

// LongStr reads a long string that must be present and have no escapes, leaving control
// characters to the caller: the end and any backslash are found with bytes.IndexByte,
// which is much faster than a byte classification for long text that the caller scans
// anyway (a server signature's verificationData; see HasControl).
func (s *Scanner) LongStr() ([]byte, bool) {
	if s.Peek() != '"' {
		return nil, false
	}
	rest := s.B[s.I+1:]
	q := bytes.IndexByte(rest, '"')
	if q < 0 {
		return nil, false
	}
	if bytes.IndexByte(rest[:q], '\\') >= 0 {
		s.Strict = true // escapes (perhaps of this very quote): the strict decoder reads it
		return nil, false
	}
	s.I += q + 2
	return rest[:q], true
}

// HasControl reports whether b holds a control character, eight bytes at a time.
func HasControl(b []byte) bool {
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

// PlainStr reads a string that must be present and have no escapes; an escaped string
// sends the payload to the strict decoder, which unescapes it.
func (s *Scanner) PlainStr() ([]byte, bool) {
	raw, esc, ok := s.Str()
	if esc {
		s.Strict = true
		return nil, false
	}
	return raw, ok
}

// Num returns the raw number literal.
func (s *Scanner) Num() ([]byte, bool) {
	s.ws()
	b, i := s.B, s.I
	start := i
	if i < len(b) && b[i] == '-' {
		i++
	}
	intStart := i
	i = digitsEnd(b, i)
	if i == intStart || (b[intStart] == '0' && i-intStart > 1) {
		s.I = i
		return nil, false
	}
	simple := i-intStart <= 15
	if i < len(b) && b[i] == '.' {
		simple = false
		if d := i + 1; digitsEnd(b, d) == d {
			s.I = d
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
			s.I = d
			return nil, false
		}
		i = digitsEnd(b, i)
	}
	s.I = i
	raw := b[start:i]
	if len(raw) == 2 && raw[0] == '-' && raw[1] == '0' {
		simple = false
	}
	if !simple && s.Canonical {
		// Compare with JavaScript's own formatting of the parsed value.
		f, err := strconv.ParseFloat(string(raw), 64)
		var tmp [32]byte
		if err != nil || string(jsjson.AppendNumber(tmp[:0], f)) != string(raw) {
			s.Canonical = false
		}
	}
	return raw, true
}

// AnyNumber reads any value and returns its literal when it is a number (nil otherwise):
// for members a reader takes as informational, whatever their type.
func (s *Scanner) AnyNumber(depth int) ([]byte, bool) {
	v, ok := s.Value(depth, false)
	if ok && len(v) > 0 && (v[0] == '-' || v[0] >= '0' && v[0] <= '9') {
		return v, true
	}
	return nil, ok
}

// digitsEnd returns the index after the decimal digits of b that start at i.
func digitsEnd(b []byte, i int) int {
	for i < len(b) && b[i]-'0' <= 9 {
		i++
	}
	return i
}

// Value skips any JSON value and returns its raw span. Objects inside arrays are not
// sorted by ALTCHA's sortKeys, so any such object makes the span non-canonical.
func (s *Scanner) Value(depth int, inArray bool) ([]byte, bool) {
	if depth > MaxScanDepth {
		s.Strict = true
		return nil, false
	}
	c := s.Peek()
	start := s.I
	switch {
	case c == '"':
		_, _, ok := s.Str()
		return s.B[start:s.I], ok
	case c == '{':
		if inArray {
			s.Canonical = false
		}
		more, ok := s.ObjectStart(depth + 1)
		var k []byte
		for more {
			if k, ok = s.Key(k); !ok {
				return nil, false
			}
			if _, ok = s.Value(depth+1, false); !ok {
				return nil, false
			}
			more, ok = s.Next()
		}
		return s.B[start:s.I], ok
	case c == '[':
		s.I++
		if s.consume(']') {
			return s.B[start:s.I], true
		}
		for {
			if _, ok := s.Value(depth+1, true); !ok {
				return nil, false
			}
			if s.consume(',') {
				continue
			}
			if s.consume(']') {
				return s.B[start:s.I], true
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
		return s.Num()
	}
	return nil, false
}

// Skip consumes any value.
func (s *Scanner) Skip(depth int) bool {
	_, ok := s.Value(depth, false)
	return ok
}

func (s *Scanner) lit(l string) ([]byte, bool) {
	if len(s.B)-s.I < len(l) || string(s.B[s.I:s.I+len(l)]) != l {
		return nil, false
	}
	s.I += len(l)
	return s.B[s.I-len(l) : s.I], true
}

// ObjectStart consumes "{" and reports whether members follow (false for "{}").
func (s *Scanner) ObjectStart(depth int) (more, ok bool) {
	if depth > MaxScanDepth {
		s.Strict = true
		return false, false
	}
	if s.Peek() != '{' {
		return false, false
	}
	s.I++
	if s.Peek() == '}' {
		s.I++
		return false, true
	}
	return true, true
}

// Key reads a member's key and its colon; prev is the object's previous key (nil for the
// first member).
func (s *Scanner) Key(prev []byte) ([]byte, bool) {
	k, esc, ok := s.Str()
	if !ok {
		return nil, false
	}
	if !s.AnyOrder && (esc || prev != nil && !keyAfter(k, prev)) {
		s.Strict = true
		return nil, false
	}
	if s.Canonical && !plainKey(k) {
		s.Canonical = false
	}
	if s.Peek() != ':' {
		return nil, false
	}
	s.I++
	return k, true
}

// keyLookup reads a member key like Key and finds it in table: id is its index, or -1.
// It is KeyIn's fallback, for white space, other keys and the end of the text.
func (s *Scanner) keyLookup(prev []byte, table []string) (k []byte, id int, ok bool) {
	if k, ok = s.Key(prev); !ok {
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

// After ends one member: given whether its value was read, it consumes the separator;
// more is true after ",", false after "}" (and ok false on any failure).
func (s *Scanner) After(ok bool) (more, _ bool) {
	if !ok {
		return false, false
	}
	return s.Next()
}

// Next consumes what follows a member's value: more is true after ",", false after "}".
func (s *Scanner) Next() (more, ok bool) {
	switch s.Peek() {
	case ',':
		s.I++
		return true, true
	case '}':
		s.I++
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

// End reports whether only whitespace remains.
func (s *Scanner) End() bool {
	s.ws()
	return s.I == len(s.B)
}

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

// KeyTable holds the member keys a reader knows, each as the bytes `key":` packed into
// three little-endian words with masks, so that Scanner.KeyIn recognises a key with
// three loads and a few compares per candidate, no scanning and no calls.
type KeyTable struct {
	keys  []string
	words [][3]uint64
	masks [][3]uint64
}

// NewKeyTable builds the table of keys; a key's id is its index. Keys are at most 22
// bytes.
func NewKeyTable(keys ...string) *KeyTable {
	t := &KeyTable{keys: keys}
	for _, k := range keys {
		pat := k + `":`
		if len(pat) > 24 {
			panic("astracaph: key too long for KeyTable: " + k)
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

// KeyIn reads a member key like Key and identifies the keys of t: id is the key's index
// in t, or -1. Near the end of the text, after whitespace or for other keys it falls back
// to scanning.
func (s *Scanner) KeyIn(prev []byte, t *KeyTable) (k []byte, id int, ok bool) {
	if i := s.I; i+25 <= len(s.B) && s.B[i] == '"' {
		x0 := binary.LittleEndian.Uint64(s.B[i+1:])
		x1 := binary.LittleEndian.Uint64(s.B[i+9:])
		x2 := binary.LittleEndian.Uint64(s.B[i+17:])
		for id := range t.words {
			w, m := &t.words[id], &t.masks[id]
			if (x0^w[0])&m[0]|(x1^w[1])&m[1]|(x2^w[2])&m[2] == 0 {
				end := i + 1 + len(t.keys[id])
				k = s.B[i+1 : end]
				if !s.AnyOrder && prev != nil && !keyAfter(k, prev) {
					s.Strict = true
					return nil, -1, false
				}
				s.I = end + 2
				return k, id, true
			}
		}
	}
	return s.keyLookup(prev, t.keys)
}
