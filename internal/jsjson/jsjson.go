// Package jsjson reproduces JavaScript's JSON.parse / JSON.stringify closely enough that a
// value parsed here and written with Canonical is byte-for-byte what
// JSON.stringify(sortKeysRecursively(JSON.parse(text))) prints in a browser or Node.
//
// ALTCHA signs the canonical JSON of the challenge parameters, and a verifier must
// canonicalise the parameters exactly as received (unknown fields included), so
// encoding/json is not usable: it escapes <, >, & and U+2028/U+2029, drops unknown
// fields when decoding into structs, and formats -0 differently.
//
// Values are nil, bool, float64, string, []any and *Object. Strings may hold lone
// surrogates from \uD800-style escapes; they are kept as WTF-8 so that they round-trip
// the way JavaScript strings do.
package jsjson

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 64

// Object is a JSON object in property order (as JavaScript would enumerate it after
// JSON.parse: duplicate keys keep their first position and their last value).
type Object struct {
	Keys   []string
	Values []any
}

// Get returns the value for key and whether it exists.
func (o *Object) Get(key string) (any, bool) {
	for i, k := range o.Keys {
		if k == key {
			return o.Values[i], true
		}
	}
	return nil, false
}

// Set assigns key, keeping the first position of an existing key (JavaScript semantics).
func (o *Object) Set(key string, v any) {
	for i, k := range o.Keys {
		if k == key {
			o.Values[i] = v
			return
		}
	}
	o.Keys = append(o.Keys, key)
	o.Values = append(o.Values, v)
}

// Parse parses JSON text like JSON.parse.
func Parse(data []byte) (any, error) { return parse(data, false) }

// ParseStrict parses like Parse but refuses an object with a repeated key
// (ErrDuplicateKey), at any depth. Keys are compared after unescaping.
func ParseStrict(data []byte) (any, error) { return parse(data, true) }

func parse(data []byte, strict bool) (any, error) {
	p := parser{b: data, strict: strict}
	p.ws()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.i != len(p.b) {
		return nil, ErrSyntax
	}
	return v, nil
}

type parser struct {
	b      []byte
	i      int
	strict bool // refuse duplicate keys
}

func (p *parser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) value(depth int) (any, error) {
	if depth > maxDepth || p.i >= len(p.b) {
		return nil, ErrSyntax
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		return p.str()
	case c == 't':
		return true, p.lit("true")
	case c == 'f':
		return false, p.lit("false")
	case c == 'n':
		return nil, p.lit("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	return nil, ErrSyntax
}

func (p *parser) lit(s string) error {
	if len(p.b)-p.i < len(s) || string(p.b[p.i:p.i+len(s)]) != s {
		return ErrSyntax
	}
	p.i += len(s)
	return nil
}

func (p *parser) object(depth int) (any, error) {
	p.i++
	o := &Object{}
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return o, nil
	}
	// Set is a linear search; a large object built from hostile input gets a map so that
	// duplicate detection stays linear.
	var seen map[string]struct{}
	for {
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return nil, ErrSyntax
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return nil, ErrSyntax
		}
		p.i++
		p.ws()
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		if p.strict {
			if seen == nil && len(o.Keys) >= 8 {
				seen = make(map[string]struct{}, 2*len(o.Keys))
				for _, k := range o.Keys {
					seen[k] = struct{}{}
				}
			}
			dup := false
			if seen != nil {
				_, dup = seen[k]
				seen[k] = struct{}{}
			} else {
				_, dup = o.Get(k)
			}
			if dup {
				return nil, ErrDuplicateKey
			}
			o.Keys = append(o.Keys, k)
			o.Values = append(o.Values, v)
		} else {
			o.Set(k, v)
		}
		if done, err := p.sep('}'); err != nil || done {
			if err != nil {
				return nil, err
			}
			return o, nil
		}
	}
}

func (p *parser) array(depth int) (any, error) {
	p.i++
	a := []any{}
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return a, nil
	}
	for {
		p.ws()
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		if done, err := p.sep(']'); err != nil || done {
			if err != nil {
				return nil, err
			}
			return a, nil
		}
	}
}

// sep reads what follows a member or element: ',' (more follow) or end (done).
func (p *parser) sep(end byte) (done bool, err error) {
	p.ws()
	if p.i >= len(p.b) {
		return false, ErrSyntax
	}
	switch p.b[p.i] {
	case ',':
		p.i++
		return false, nil
	case end:
		p.i++
		return true, nil
	}
	return false, ErrSyntax
}

// number validates the JSON number grammar, then converts like JavaScript (nearest
// float64; overflow becomes ±Inf, which JSON.stringify prints as null).
func (p *parser) number() (any, error) {
	start := p.i
	if p.b[p.i] == '-' {
		p.i++
	}
	if p.i >= len(p.b) {
		return nil, ErrSyntax
	}
	if p.b[p.i] == '0' {
		p.i++
	} else if p.b[p.i] >= '1' && p.b[p.i] <= '9' {
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
		}
	} else {
		return nil, ErrSyntax
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if !p.digits() {
			return nil, ErrSyntax
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if !p.digits() {
			return nil, ErrSyntax
		}
	}
	f, err := strconv.ParseFloat(string(p.b[start:p.i]), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, ErrSyntax
	}
	return f, nil
}

func (p *parser) digits() bool {
	s := p.i
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
	}
	return p.i > s
}

func (p *parser) str() (string, error) {
	p.i++ // opening quote
	start := p.i
	// Fast path: no escapes.
	for p.i < len(p.b) {
		c := p.b[p.i]
		if c == '"' {
			s := p.b[start:p.i]
			p.i++
			if !utf8.Valid(s) {
				return "", ErrSyntax
			}
			return string(s), nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return "", ErrSyntax
		}
		p.i++
	}
	out := append([]byte(nil), p.b[start:p.i]...)
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			if !validWTF8(out) {
				return "", ErrSyntax
			}
			return string(out), nil
		case c < 0x20:
			return "", ErrSyntax
		case c != '\\':
			out = append(out, c)
			p.i++
			continue
		}
		p.i++
		if p.i >= len(p.b) {
			return "", ErrSyntax
		}
		e := p.b[p.i]
		p.i++
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", ErrSyntax
			}
			if utf16.IsSurrogate(r) && r < 0xDC00 && p.i+6 <= len(p.b) && p.b[p.i] == '\\' && p.b[p.i+1] == 'u' {
				save := p.i
				p.i += 2
				r2, ok2 := p.hex4()
				if ok2 && r2 >= 0xDC00 && r2 <= 0xDFFF {
					out = utf8.AppendRune(out, utf16.DecodeRune(r, r2))
					continue
				}
				p.i = save
			}
			out = appendWTF8(out, r)
		default:
			return "", ErrSyntax
		}
	}
	return "", ErrSyntax
}

func (p *parser) hex4() (rune, bool) {
	if p.i+4 > len(p.b) {
		return 0, false
	}
	var r rune
	for _, c := range p.b[p.i : p.i+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	p.i += 4
	return r, true
}

// WellFormed returns s with every lone surrogate (held as WTF-8) replaced by U+FFFD: the
// bytes TextEncoder produces for a JavaScript string, so what JavaScript hashes or signs.
// It returns s itself when there is nothing to replace.
func WellFormed(s string) string {
	i := 0
	for ; i+2 < len(s); i++ {
		if s[i] == 0xED && s[i+1] >= 0xA0 {
			break
		}
	}
	if i+2 >= len(s) {
		return s
	}
	out := make([]byte, 0, len(s))
	for j := 0; j < len(s); {
		if s[j] == 0xED && j+2 < len(s) && s[j+1] >= 0xA0 && s[j+1] <= 0xBF {
			out = utf8.AppendRune(out, utf8.RuneError)
			j += 3
			continue
		}
		out = append(out, s[j])
		j++
	}
	return string(out)
}

// appendWTF8 encodes r, including lone surrogates, as generalized UTF-8.
func appendWTF8(b []byte, r rune) []byte {
	if utf16.IsSurrogate(r) {
		return append(b, 0xED, byte(0x80|(r>>6)&0x3F), byte(0x80|r&0x3F))
	}
	return utf8.AppendRune(b, r)
}

// validWTF8 accepts UTF-8 plus encoded lone surrogates (ED A0..BF xx).
func validWTF8(b []byte) bool {
	for len(b) > 0 {
		if b[0] < utf8.RuneSelf {
			b = b[1:]
			continue
		}
		if r, n := utf8.DecodeRune(b); r != utf8.RuneError || n > 1 {
			b = b[n:]
			continue
		}
		if len(b) >= 3 && b[0] == 0xED && b[1] >= 0xA0 && b[1] <= 0xBF && b[2]&0xC0 == 0x80 {
			b = b[3:]
			continue
		}
		return false
	}
	return true
}

// Canonical returns JSON.stringify(sortKeys(v)): object keys sorted recursively through
// nested objects (arrays are left as they are, as ALTCHA's sortKeys does), JavaScript
// number formatting and JSON.stringify string escaping.
func Canonical(v any) []byte { return AppendCanonical(nil, v, true) }

// AppendCanonical appends the JSON.stringify text of v to dst. When sortKeys is false
// objects keep JavaScript's own-property order (integer-like keys first).
func AppendCanonical(dst []byte, v any, sortKeys bool) []byte {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...)
	case bool:
		if x {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case float64:
		return AppendNumber(dst, x)
	case int:
		return strconv.AppendInt(dst, int64(x), 10)
	case int64:
		return AppendNumber(dst, float64(x))
	case uint32:
		return strconv.AppendUint(dst, uint64(x), 10)
	case string:
		return AppendString(dst, x)
	case []any:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			// ALTCHA's sortKeys does not descend into arrays.
			dst = AppendCanonical(dst, e, false)
		}
		return append(dst, ']')
	case *Object:
		order := propertyOrder(x.Keys, sortKeys)
		dst = append(dst, '{')
		for n, i := range order {
			if n > 0 {
				dst = append(dst, ',')
			}
			dst = AppendString(dst, x.Keys[i])
			dst = append(dst, ':')
			dst = AppendCanonical(dst, x.Values[i], sortKeys)
		}
		return append(dst, '}')
	case map[string]any:
		o := &Object{}
		for k, e := range x {
			o.Keys = append(o.Keys, k)
			o.Values = append(o.Values, e)
		}
		return AppendCanonical(dst, o, true)
	}
	// Other Go values ([]string, map[string]string, int32, structs …) take the shape
	// encoding/json gives them, re-read as JavaScript would.
	b, err := json.Marshal(v)
	if err != nil {
		return append(dst, "null"...)
	}
	pv, err := Parse(b)
	if err != nil {
		return append(dst, "null"...)
	}
	return AppendCanonical(dst, pv, sortKeys)
}

// AppendNumber formats f like ECMAScript Number#toString inside JSON.stringify
// (non-finite numbers become null, -0 becomes 0).
func AppendNumber(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	if f == 0 {
		return append(dst, '0')
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs < 1e-6 || abs >= 1e21 {
		format = 'e'
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// Go prints e-07 and e+21; JavaScript prints e-7 and e+21.
		n := len(dst)
		if n-start >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
		if n-start >= 4 && dst[n-4] == 'e' && dst[n-3] == '+' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

const hexDigits = "0123456789abcdef"

// AppendString quotes s as JSON.stringify does: only ", \ and control characters are
// escaped; lone surrogates (WTF-8) are written as \udxxx.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c != 0xED {
			i++
			continue
		}
		if c == 0xED && i+2 < len(s) && s[i+1] >= 0xA0 && s[i+1] <= 0xBF {
			dst = append(dst, s[start:i]...)
			r := rune(0xD000) | rune(s[i+1]&0x3F)<<6 | rune(s[i+2]&0x3F)
			dst = append(dst, '\\', 'u', hexDigits[r>>12&0xF], hexDigits[r>>8&0xF], hexDigits[r>>4&0xF], hexDigits[r&0xF])
			i += 3
			start = i
			continue
		}
		if c == 0xED {
			i++
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"':
			dst = append(dst, '\\', '"')
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// arrayIndex reports whether k is a canonical array index ("0".."4294967294"), which
// JavaScript enumerates before all other keys, in numeric order.
func arrayIndex(k string) (uint64, bool) {
	if len(k) == 0 || len(k) > 10 || (len(k) > 1 && k[0] == '0') {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(k); i++ {
		if k[i] < '0' || k[i] > '9' {
			return 0, false
		}
		n = n*10 + uint64(k[i]-'0')
	}
	return n, n < math.MaxUint32
}

// propertyOrder returns the index order in which JavaScript enumerates keys: array
// indices ascending, then the others either sorted by UTF-16 code units
// (Array.prototype.sort) or in insertion order.
func propertyOrder(keys []string, sorted bool) []int {
	order := make([]int, 0, len(keys))
	for i := range keys {
		order = append(order, i)
	}
	less := func(a, b int) bool {
		na, ia := arrayIndex(keys[a])
		nb, ib := arrayIndex(keys[b])
		switch {
		case ia && ib:
			return na < nb
		case ia != ib:
			return ia
		case sorted:
			return CompareUTF16(keys[a], keys[b]) < 0
		}
		return a < b
	}
	// Insertion sort: objects here are small and the sort must be stable.
	for i := 1; i < len(order); i++ {
		for j := i; j > 0 && less(order[j], order[j-1]); j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
	return order
}

// CompareUTF16 compares strings by UTF-16 code units, as JavaScript's default sort does.
// It differs from byte order only for supplementary characters versus U+E000..U+FFFF.
func CompareUTF16(a, b string) int {
	for len(a) > 0 && len(b) > 0 {
		ra, na := decodeWTF8(a)
		rb, nb := decodeWTF8(b)
		if ra != rb {
			ua, ub := firstUnit(ra), firstUnit(rb)
			if ua != ub {
				if ua < ub {
					return -1
				}
				return 1
			}
			if ra < rb {
				return -1
			}
			return 1
		}
		a, b = a[na:], b[nb:]
	}
	switch {
	case len(a) == len(b):
		return 0
	case len(a) == 0:
		return -1
	}
	return 1
}

func decodeWTF8(s string) (rune, int) {
	if s[0] == 0xED && len(s) >= 3 && s[1] >= 0xA0 {
		return rune(0xD000) | rune(s[1]&0x3F)<<6 | rune(s[2]&0x3F), 3
	}
	r, n := utf8.DecodeRuneInString(s)
	return r, n
}

func firstUnit(r rune) rune {
	if r >= 0x10000 {
		hi, _ := utf16.EncodeRune(r)
		return hi
	}
	return r
}
