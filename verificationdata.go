package astracaph

import (
	"math"
	"math/bits"
	"strconv"
	"strings"
	"time"
)

// Reading a server signature's verificationData: URL-encoded text (urlencoded.go) that
// altcha-lib's parseVerificationData turns into typed values. Verifying a token reads it
// every time, so it is one pass over the bytes, values are cut from the text rather than
// copied, and what has to be decoded goes into one buffer that becomes one string.

// ParseVerificationData parses URL-encoded verification data the way altcha-lib reads it
// (URLSearchParams, so a malformed escape is kept as text, never an error): fields and
// reasons split on ",", numbers typed, other strings trimmed; "verified" is true only for
// the exact text "true"; expire and time are read like JavaScript's Number (so a negative
// or hexadecimal expire counts, as it does there). For a repeated key the last value
// wins. Values are substrings of s where nothing needs decoding; what does is decoded
// into one shared allocation, and the two lists share another. The error is always nil.
func ParseVerificationData(s string) (VerificationData, error) {
	var d VerificationData
	parseVerificationData(&d, s)
	return d, nil
}

// parseVerificationData parses s into *d (which must be zero), without a copy of the
// result.
func parseVerificationData(d *VerificationData, s string) {
	var stack [128]byte
	p := vdParser{d: d, dec: stack[:0]}
	parseVD(&p, s)
	var ds string
	if len(p.dec) > 0 {
		ds = string(p.dec)
	}
	p.resolve(s, ds)
}

// vdParser holds one parse: the typed values go straight into d, the text values are
// recorded as references and resolved into strings at the end.
type vdParser struct {
	d    *VerificationData
	refs [vdTextFields]vdRef
	dec  []byte // decoded values
}

// vdRef is a text value: a span of the input, or of dec when it had to be decoded.
type vdRef struct {
	off, n  int
	decoded bool
}

// The keys of VerificationData: the text fields first (indexes into vdParser.refs),
// then the typed ones.
const (
	vdClassification = iota
	vdEmail
	vdFieldsHash
	vdID
	vdIPAddress
	vdOrigin
	vdSite
	vdFields
	vdReasons
	vdTextFields // not a key: the count of text fields
	vdExpire
	vdTime
	vdScore
	vdVerified
	vdOther
)

// vdKey classifies a key by its length first, so that each candidate is one comparison
// with a constant of that length (a string switch compares through a binary search).
func vdKey(k string) int {
	switch len(k) {
	case 2:
		if k == "id" {
			return vdID
		}
	case 4:
		switch k {
		case "site":
			return vdSite
		case "time":
			return vdTime
		}
	case 5:
		switch k {
		case "email":
			return vdEmail
		case "score":
			return vdScore
		}
	case 6:
		switch k {
		case "expire":
			return vdExpire
		case "fields":
			return vdFields
		case "origin":
			return vdOrigin
		}
	case 7:
		if k == "reasons" {
			return vdReasons
		}
	case 8:
		if k == "verified" {
			return vdVerified
		}
	case 9:
		if k == "ipAddress" {
			return vdIPAddress
		}
	case 10:
		if k == "fieldsHash" {
			return vdFieldsHash
		}
	case 14:
		if k == "classification" {
			return vdClassification
		}
	}
	return vdOther
}

func parseVD(p *vdParser, s string) {
	for i := 0; i < len(s); {
		// One pair: the key runs to the first "=", the value to the next "&".
		start, eq, j := i, -1, i
		kEnc, vEnc := false, false
	pair:
		for {
			if j += formSpecialIndex(s[j:]); j == len(s) {
				break
			}
			switch s[j] {
			case '&':
				break pair
			case '=':
				if eq < 0 {
					eq = j
				}
			default: // % or +
				if eq < 0 {
					kEnc = true
				} else {
					vEnc = true
				}
			}
			j++
		}
		i = j + 1
		if j == start {
			continue // "&&"
		}
		key, vStart := s[start:j], j
		if eq >= 0 {
			key, vStart = s[start:eq], eq+1
		}
		if kEnc {
			key = string(appendFormDecoded(nil, key))
		}
		ref := vdRef{off: vStart, n: j - vStart}
		if vEnc {
			off := len(p.dec)
			p.dec = appendFormDecoded(p.dec, s[vStart:j])
			ref = vdRef{off: off, n: len(p.dec) - off, decoded: true}
		}
		id := vdKey(key)
		if id < vdTextFields {
			p.refs[id] = ref
			continue
		}
		v := s[vStart:j]
		if vEnc {
			v = string(p.dec[ref.off : ref.off+ref.n]) // rare: a number or flag that is encoded
		}
		p.typed(id, key, v)
	}
}

// formSpecialIndex returns the index of the first '&', '=', '%' or '+' in s, or len(s),
// eight bytes at a time (see specialIndex).
func formSpecialIndex(s string) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(s); i += 8 {
		c := s[i : i+8] // the eight loads compile to one
		x := uint64(c[0]) | uint64(c[1])<<8 | uint64(c[2])<<16 | uint64(c[3])<<24 |
			uint64(c[4])<<32 | uint64(c[5])<<40 | uint64(c[6])<<48 | uint64(c[7])<<56
		m := ((x ^ ones*'&' - ones) | (x ^ ones*'=' - ones) | (x ^ ones*'%' - ones) | (x ^ ones*'+' - ones)) &^ x & highs
		if m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(s); i++ {
		switch s[i] {
		case '&', '=', '%', '+':
			return i
		}
	}
	return i
}

// typed records a value that is not text.
func (p *vdParser) typed(id int, k, v string) {
	d := p.d
	switch id {
	case vdExpire:
		d.Expire = unixField(v)
	case vdTime:
		d.Time = unixField(v)
	case vdScore:
		f, ok := score(strings.TrimSpace(v))
		d.Score, d.HasScore = f, ok
	case vdVerified:
		d.Verified = v == "true"
	default:
		if d.Extra == nil {
			d.Extra = map[string]string{}
		}
		d.Extra[k] = strings.TrimSpace(v)
	}
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
	d.Classification, d.Email, d.FieldsHash, d.ID = get(vdClassification), get(vdEmail), get(vdFieldsHash), get(vdID)
	d.IPAddress, d.Origin, d.Site = get(vdIPAddress), get(vdOrigin), get(vdSite)
	fields, reasons := get(vdFields), get(vdReasons)
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
	lists := make([]string, n) // one allocation for both lists
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

// splitList splits a comma list; "" is no list.
func splitList(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, ",")
}

// unixField reads expire or time like JavaScript's Number: 0, "" and NaN mean absent.
func unixField(v string) time.Time {
	if n, ok := smallUint(v); ok { // the usual spelling: decimal seconds
		if n == 0 {
			return time.Time{}
		}
		return time.Unix(n, 0)
	}
	f := jsNumber(v)
	if math.IsNaN(f) || f == 0 {
		return time.Time{}
	}
	const limit = 1e15 // seconds; beyond any real date, and int64 nanoseconds stay in range
	f = max(min(f, limit), -limit)
	sec := math.Floor(f)
	return time.Unix(int64(sec), int64((f-sec)*1e9))
}

// score parses a score; NaN and infinities are no score.
func score(s string) (float64, bool) {
	if f, ok := smallDecimal(s); ok {
		return f, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}
