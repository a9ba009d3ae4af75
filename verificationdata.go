package astracaph

import (
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/astracat/astracaph/internal/jsjson"
	"github.com/astracat/astracaph/internal/wire"
)

// The signed content of a server-signature payload (token.go): URL-encoded text that
// altcha-lib's parseVerificationData turns into typed values. One table, vdFields, maps
// the struct's fields to their keys and kinds; encoding, parsing and the mint proof's
// search for the id all read it.

// VerificationData is the signed content of a server-signature payload.
type VerificationData struct {
	Classification string    // GOOD, NEUTRAL or BAD
	Email          string    //
	Expire         time.Time // zero: no expiry
	Fields         []string  // names of the form fields hashed into FieldsHash
	FieldsHash     string    //
	ID             string    // consumed once
	IPAddress      string    //
	Origin         string    // AstraCaph: the origin the token is bound to
	Site           string    // AstraCaph: site key
	Reasons        []string  //
	Score          float64   //
	HasScore       bool      // Score was present
	Time           time.Time // when the challenge was solved
	Verified       bool      //
	Extra          map[string]string
}

// vdKind is how a verificationData value is typed.
type vdKind uint8

const (
	vdText     vdKind = iota // a trimmed string
	vdList                   // a comma-separated list
	vdUnix                   // seconds, read like JavaScript's Number; 0, "" and NaN are absent
	vdScore                  // a number; NaN and infinities are no score
	vdVerified               // true only for the exact text "true"
)

// vdFields are the keys of VerificationData: text values first, then the two lists (the
// values parse keeps as spans until the end, vdRefs of them), then the typed ones. The
// constants below index it, and VerificationData.field maps each to its struct field;
// encode sorts what it writes, so the order here is free.
var vdFields = [...]struct {
	key  string
	kind vdKind
}{
	{"classification", vdText}, {"email", vdText}, {"fieldsHash", vdText}, {"id", vdText},
	{"ipAddress", vdText}, {"origin", vdText}, {"site", vdText},
	{"fields", vdList}, {"reasons", vdList},
	{"expire", vdUnix}, {"time", vdUnix}, {"score", vdScore}, {"verified", vdVerified},
}

const (
	vdClassification = iota
	vdEmail
	vdFieldsHash
	vdID
	vdIPAddress
	vdOrigin
	vdSite
	vdFieldsList
	vdReasons
	vdExpire
	vdTime
	vdScoreKey
	vdVerifiedKey
	vdKeys             // not a key: the count of keys
	vdRefs  = vdExpire // the text and list keys come before it
	vdOther = -1
)

// field returns the string field of a vdText key, the list of a vdList key, and the time of
// a vdUnix key (nil for the others).
func (d *VerificationData) field(id int) (text *string, list *[]string, unix *time.Time) {
	switch id {
	case vdClassification:
		return &d.Classification, nil, nil
	case vdEmail:
		return &d.Email, nil, nil
	case vdFieldsHash:
		return &d.FieldsHash, nil, nil
	case vdID:
		return &d.ID, nil, nil
	case vdIPAddress:
		return &d.IPAddress, nil, nil
	case vdOrigin:
		return &d.Origin, nil, nil
	case vdSite:
		return &d.Site, nil, nil
	case vdFieldsList:
		return nil, &d.Fields, nil
	case vdReasons:
		return nil, &d.Reasons, nil
	case vdExpire:
		return nil, nil, &d.Expire
	case vdTime:
		return nil, nil, &d.Time
	}
	return nil, nil, nil
}

// vdKey returns the index in vdFields of a key, or vdOther. It is vdFields as a switch:
// Go compiles a switch on constant strings to a search that compares lengths and words
// inline, five times faster than comparing with the table's strings (a call each), and this
// runs for every pair of every token verified. TestVDKeyIsTheTable keeps it equal to the
// table.
func vdKey(k string) int {
	switch k {
	case "classification":
		return vdClassification
	case "email":
		return vdEmail
	case "fieldsHash":
		return vdFieldsHash
	case "id":
		return vdID
	case "ipAddress":
		return vdIPAddress
	case "origin":
		return vdOrigin
	case "site":
		return vdSite
	case "fields":
		return vdFieldsList
	case "reasons":
		return vdReasons
	case "expire":
		return vdExpire
	case "time":
		return vdTime
	case "score":
		return vdScoreKey
	case "verified":
		return vdVerifiedKey
	}
	return vdOther
}

// encode returns the URLSearchParams text of d with keys in sorted order.
func (d *VerificationData) encode() string {
	type kv struct{ k, v string }
	pairs := make([]kv, 0, vdKeys+len(d.Extra))
	for id, f := range vdFields {
		text, list, unix := d.field(id)
		var v string
		switch f.kind {
		case vdText:
			v = *text
		case vdList:
			if len(*list) == 0 {
				continue
			}
			v = strings.Join(*list, ",")
		case vdUnix:
			if unix.IsZero() {
				continue
			}
			v = strconv.FormatInt(unix.Unix(), 10)
		case vdScore:
			if !d.HasScore && d.Score == 0 {
				continue
			}
			v = string(jsjson.AppendNumber(nil, d.Score))
		case vdVerified:
			v = strconv.FormatBool(d.Verified) // always written
		}
		if f.kind != vdText || v != "" {
			pairs = append(pairs, kv{f.key, v})
		}
	}
	for k, v := range d.Extra {
		if vdKey(k) == vdOther {
			pairs = append(pairs, kv{k, v})
		}
	}
	slices.SortStableFunc(pairs, func(a, b kv) int { return strings.Compare(a.k, b.k) })
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(wire.FormEncode(p.k))
		b.WriteByte('=')
		b.WriteString(wire.FormEncode(p.v))
	}
	return b.String()
}

// Reading: verifying a token reads its verificationData every time, so it is one pass over
// the bytes, values are cut from the text rather than copied, and what has to be decoded
// goes into one buffer that becomes one string.

// parseVerificationData parses URL-encoded verification data the way altcha-lib reads it
// (URLSearchParams, so a malformed escape is kept as text, never an error): fields and
// reasons split on ",", numbers typed, other strings trimmed; "verified" is true only for
// the exact text "true"; expire and time are read like JavaScript's Number (so a negative
// or hexadecimal expire counts, as it does there). For a repeated key the last value
// wins. Values are substrings of s where nothing needs decoding; what does is decoded
// into one shared allocation, and the two lists share another. d must be zero.
func parseVerificationData(d *VerificationData, s string) {
	var stack [128]byte
	p := vdParser{d: d}
	dec := parseVD(&p, s, stack[:0])
	var ds string
	if len(dec) > 0 {
		ds = string(dec)
	}
	p.resolve(s, ds)
}

// parseVerificationDataBytes parses data, bytes that do not outlive the call, into *d
// (zero on entry) and returns data as a string; the string, the decoded values and the
// lists are cut from the arena. It reports false when data holds a control character
// (data read from a JSON string: such text is not JSON).
func parseVerificationDataBytes(d *VerificationData, data []byte, a *wire.Arena) (string, bool) {
	s := a.Keep(data)
	var stack [128]byte
	p := vdParser{d: d, lists: a.List}
	dec := parseVD(&p, s, stack[:0])
	var ds string
	if len(dec) > 0 {
		ds = a.Keep(dec)
	}
	p.resolve(s, ds)
	return s, !p.control
}

// vdParser holds one parse: the typed values go straight into d, the text values are
// recorded as references and resolved into strings at the end.
type vdParser struct {
	d       *VerificationData
	refs    [vdRefs]vdRef        // the text and list values, by key
	lists   func(n int) []string // where the fields and reasons lists go; nil: make
	control bool                 // saw a control character
}

// vdRef is a text value: a span of the input, or of the decoded values when it had to be
// decoded.
type vdRef struct {
	off, n  int
	decoded bool
}

// parseVD reads s in one pass: a word at a time it finds every '&', '=', '%' and '+',
// and each '&' (and the end) completes a pair. It also notes control characters, which a
// JSON string cannot hold raw: a caller reading straight from JSON text checks p.control.
// Decoded values are appended to dec, which is returned (passed along rather than kept in
// p, so a stack buffer stays on the stack).
func parseVD(p *vdParser, s string, dec []byte) []byte {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	start, eq := 0, -1
	kEnc, vEnc := false, false
	event := func(j int) {
		switch s[j] {
		case '&':
			dec = pair(p, s, start, eq, j, kEnc, vEnc, dec)
			start, eq, kEnc, vEnc = j+1, -1, false, false
		case '=':
			if eq < 0 {
				eq = j
			}
		case '%', '+':
			if eq < 0 {
				kEnc = true
			} else {
				vEnc = true
			}
		default:
			if s[j] < 0x20 {
				p.control = true
			} // else a false flag of the word test
		}
	}
	i := 0
	for ; i+8 <= len(s); i += 8 {
		c := s[i : i+8] // the eight loads compile to one
		x := uint64(c[0]) | uint64(c[1])<<8 | uint64(c[2])<<16 | uint64(c[3])<<24 |
			uint64(c[4])<<32 | uint64(c[5])<<40 | uint64(c[6])<<48 | uint64(c[7])<<56
		// Subtraction zero tests (SWAR): they can also flag the byte just above a match (a
		// borrow), which event ignores.
		m := ((x ^ ones*'&' - ones) | (x ^ ones*'=' - ones) | (x ^ ones*'%' - ones) | (x ^ ones*'+' - ones) |
			(x - ones*0x20)) &^ x & highs
		for ; m != 0; m &= m - 1 {
			event(i + bits.TrailingZeros64(m)/8)
		}
	}
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c == '&' || c == '=' || c == '%' || c == '+' || c < 0x20:
			event(i)
		}
	}
	return pair(p, s, start, eq, len(s), kEnc, vEnc, dec)
}

// pair records the pair s[start:end] whose first '=' is at eq (-1: none); kEnc and vEnc
// tell whether the key or the value has escapes to decode.
func pair(p *vdParser, s string, start, eq, end int, kEnc, vEnc bool, dec []byte) []byte {
	if end == start {
		return dec // "&&"
	}
	key, vStart := s[start:end], end
	if eq >= 0 {
		key, vStart = s[start:eq], eq+1
	}
	if kEnc {
		key = string(wire.AppendFormDecoded(nil, key))
	}
	id := vdKey(key)
	ref := vdRef{off: vStart, n: end - vStart}
	if vEnc {
		off := len(dec)
		dec = wire.AppendFormDecoded(dec, s[vStart:end])
		ref = vdRef{off: off, n: len(dec) - off, decoded: true}
	}
	if id >= 0 && id < vdRefs {
		p.refs[id] = ref
		return dec
	}
	v := s[vStart:end]
	if vEnc {
		v = string(dec[ref.off : ref.off+ref.n]) // rare: a number or flag that is encoded
	}
	d := p.d
	switch id {
	case vdExpire:
		d.Expire = unixField(v)
	case vdTime:
		d.Time = unixField(v)
	case vdScoreKey:
		d.Score, d.HasScore = score(v)
	case vdVerifiedKey:
		d.Verified = v == "true"
	default:
		if d.Extra == nil {
			d.Extra = map[string]string{}
		}
		d.Extra[key] = strings.TrimSpace(v)
	}
	return dec
}

// resolve turns the references into strings: plain ones are cut from input, decoded ones
// from decoded (dec as a string).
func (p *vdParser) resolve(input, decoded string) {
	get := func(f int) string {
		r := p.refs[f]
		src := input
		if r.decoded {
			src = decoded
		}
		return trimJS(src[r.off : r.off+r.n]) // altcha-lib trims its strings
	}
	d := p.d
	// Written out rather than through field: this runs for every token verified.
	d.Classification, d.Email, d.FieldsHash, d.ID = get(vdClassification), get(vdEmail), get(vdFieldsHash), get(vdID)
	d.IPAddress, d.Origin, d.Site = get(vdIPAddress), get(vdOrigin), get(vdSite)
	fields, reasons := get(vdFieldsList), get(vdReasons)
	if fields == "" && reasons == "" {
		return
	}
	n := 0
	if fields != "" {
		n += strings.Count(fields, ",") + 1
	}
	if reasons != "" {
		n += strings.Count(reasons, ",") + 1
	}
	var lists []string // one block for both lists
	if p.lists != nil {
		lists = p.lists(n)
	} else {
		lists = make([]string, n)
	}
	k := splitInto(lists, fields)
	d.Fields = lists[:k:k]
	d.Reasons = lists[k:n:n]
	splitInto(lists[k:], reasons)
	if k == 0 {
		d.Fields = nil
	}
	if k == n {
		d.Reasons = nil
	}
}

// splitInto writes the comma-separated items of v into dst, which has room for them, and
// returns how many there were (0 for "").
func splitInto(dst []string, v string) int {
	if v == "" {
		return 0
	}
	n := 0
	for {
		c := strings.IndexByte(v, ',')
		if c < 0 {
			dst[n] = v
			return n + 1
		}
		dst[n] = v[:c]
		v = v[c+1:]
		n++
	}
}

// trimJS trims white space, skipping the work when there is none (the usual case).
func trimJS(s string) string {
	if n := len(s); n == 0 || s[0] > ' ' && s[0] < 0x80 && s[n-1] > ' ' && s[n-1] < 0x80 {
		return s
	}
	return strings.TrimSpace(s)
}

// unixField reads expire or time like JavaScript's Number: 0, "" and NaN mean absent.
func unixField(v string) time.Time {
	if n, ok := wire.SmallUint(v); ok { // the usual spelling: decimal seconds
		if n == 0 {
			return time.Time{}
		}
		return time.Unix(n, 0)
	}
	f := wire.JSNumber(v)
	if math.IsNaN(f) || f == 0 {
		return time.Time{}
	}
	const limit = 1e15 // seconds; beyond any real date, and int64 nanoseconds stay in range
	f = max(min(f, limit), -limit)
	sec := math.Floor(f)
	return time.Unix(int64(sec), int64((f-sec)*1e9))
}

// score parses a score; NaN and infinities are no score.
func score(v string) (float64, bool) {
	if f, ok := wire.SmallDecimal(v); ok {
		return f, true
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}
