package astracaph

import (
	"bytes"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/astracat/astracaph/internal/jsjson"
)

// Server-signature payloads (docs/protocol.md): base64(JSON{algorithm, signature,
// verificationData, verified}) where verificationData is URL-encoded and
// signature = hex(HMAC(key, H(verificationData))) over the raw digest bytes. AstraCaph
// tokens use this format, so any ALTCHA library verifies them offline with the site secret.

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

// Encode returns the URLSearchParams text of d with keys in sorted order.
func (d *VerificationData) Encode() string {
	type kv struct{ k, v string }
	pairs := make([]kv, 0, 12+len(d.Extra))
	add := func(k, v string) { pairs = append(pairs, kv{k, v}) }
	if d.Classification != "" {
		add("classification", d.Classification)
	}
	if d.Email != "" {
		add("email", d.Email)
	}
	if !d.Expire.IsZero() {
		add("expire", strconv.FormatInt(d.Expire.Unix(), 10))
	}
	if len(d.Fields) > 0 {
		add("fields", strings.Join(d.Fields, ","))
	}
	if d.FieldsHash != "" {
		add("fieldsHash", d.FieldsHash)
	}
	if d.ID != "" {
		add("id", d.ID)
	}
	if d.IPAddress != "" {
		add("ipAddress", d.IPAddress)
	}
	if d.Origin != "" {
		add("origin", d.Origin)
	}
	if len(d.Reasons) > 0 {
		add("reasons", strings.Join(d.Reasons, ","))
	}
	if d.HasScore || d.Score != 0 {
		add("score", string(jsjson.AppendNumber(nil, d.Score)))
	}
	if d.Site != "" {
		add("site", d.Site)
	}
	if !d.Time.IsZero() {
		add("time", strconv.FormatInt(d.Time.Unix(), 10))
	}
	add("verified", strconv.FormatBool(d.Verified))
	for k, v := range d.Extra {
		if !knownVDKey(k) {
			add(k, v)
		}
	}
	sort.SliceStable(pairs, func(i, j int) bool { return pairs[i].k < pairs[j].k })
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(formEncode(p.k))
		b.WriteByte('=')
		b.WriteString(formEncode(p.v))
	}
	return b.String()
}

func knownVDKey(k string) bool {
	switch k {
	case "classification", "email", "expire", "fields", "fieldsHash", "id", "ipAddress", "origin", "reasons", "score", "site", "time", "verified":
		return true
	}
	return false
}

// ParseVerificationData parses URL-encoded verification data the way altcha-lib reads it
// (URLSearchParams, so a malformed escape is kept as text, never an error): fields and
// reasons split on ",", numbers typed, other strings trimmed; "verified" is true only for
// the exact text "true"; expire and time are read like JavaScript's Number (so a negative
// or hexadecimal expire counts, as it does there). For a repeated key the last value
// wins. Values are substrings of s where nothing needs decoding; what does is decoded
// into one shared allocation, and the two lists share another. The error is always nil.
func ParseVerificationData(s string) (VerificationData, error) {
	var d VerificationData
	var vals [vdStringFields]vdValue
	var stack [256]byte
	dec := stack[:0] // decoded values, converted to one string at the end
	for i := 0; i < len(s); {
		// One pair: the key runs to the first "=", the value to the next "&".
		start, eq, j := i, -1, i
		kEnc, vEnc := false, false
	pair:
		for ; j < len(s); j++ {
			for j < len(s) && formClass[s[j]] == 0 {
				j++
			}
			if j == len(s) {
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
		}
		i = j + 1
		if j == start {
			continue // "&&"
		}
		k, v := s[start:j], ""
		if eq >= 0 {
			k, v = s[start:eq], s[eq+1:j]
		}
		if kEnc {
			k = formDecode(k)
		}
		val := vdValue{s: v, dec: vEnc}
		if vEnc {
			val.off = len(dec)
			dec = appendFormDecoded(dec, v)
			val.n = len(dec) - val.off
		}
		if f, ok := vdStringField(k); ok {
			val.trim(dec) // altcha-lib trims its strings
			vals[f] = val
			continue
		}
		text := val.s
		if vEnc {
			text = string(dec[val.off : val.off+val.n]) // rare: a number or flag that is percent-encoded
		}
		switch k {
		case "expire":
			d.Expire = unixField(text)
		case "time":
			d.Time = unixField(text)
		case "score":
			f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
			d.Score, d.HasScore = f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
			if !d.HasScore {
				d.Score = 0
			}
		case "verified":
			d.Verified = text == "true"
		default:
			if d.Extra == nil {
				d.Extra = map[string]string{}
			}
			d.Extra[k] = strings.TrimSpace(text)
		}
	}
	var ds string
	if len(dec) > 0 {
		ds = string(dec)
	}
	str := func(f int) string { return vals[f].get(ds) }
	d.Classification, d.Email, d.FieldsHash, d.ID = str(vdClassification), str(vdEmail), str(vdFieldsHash), str(vdID)
	d.IPAddress, d.Origin, d.Site = str(vdIPAddress), str(vdOrigin), str(vdSite)
	fields, reasons := str(vdFields), str(vdReasons)
	if fields != "" || reasons != "" {
		n := 0
		if fields != "" {
			n += strings.Count(fields, ",") + 1
		}
		if reasons != "" {
			n += strings.Count(reasons, ",") + 1
		}
		lists := make([]string, 0, n)
		lists, d.Fields = splitInto(lists, fields)
		_, d.Reasons = splitInto(lists, reasons)
	}
	return d, nil
}

// formClass marks the bytes that end a run of plain form text.
var formClass = [256]byte{'&': 1, '=': 1, '%': 1, '+': 1}

// The text fields of VerificationData, indexes into ParseVerificationData's values.
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
	vdStringFields
)

func vdStringField(k string) (int, bool) {
	switch k {
	case "classification":
		return vdClassification, true
	case "email":
		return vdEmail, true
	case "fieldsHash":
		return vdFieldsHash, true
	case "id":
		return vdID, true
	case "ipAddress":
		return vdIPAddress, true
	case "origin":
		return vdOrigin, true
	case "site":
		return vdSite, true
	case "fields":
		return vdFields, true
	case "reasons":
		return vdReasons, true
	}
	return 0, false
}

// vdValue is a value either as a substring of the input or as a span of decoded bytes.
type vdValue struct {
	s      string
	dec    bool
	off, n int
}

func (v *vdValue) trim(dec []byte) {
	if !v.dec {
		if n := len(v.s); n > 0 && v.s[0] > ' ' && v.s[0] < 0x80 && v.s[n-1] > ' ' && v.s[n-1] < 0x80 {
			return // nothing to trim: the usual case
		}
		v.s = strings.TrimSpace(v.s)
		return
	}
	x := dec[v.off : v.off+v.n]
	l := bytes.TrimLeftFunc(x, unicode.IsSpace)
	v.off += len(x) - len(l)
	v.n = len(bytes.TrimRightFunc(l, unicode.IsSpace))
}

func (v *vdValue) get(ds string) string {
	if v.dec {
		return ds[v.off : v.off+v.n]
	}
	return v.s
}

// splitInto appends the comma-separated items of v to lists and returns the items as
// their own slice (capacity capped, so appending to one list never overwrites another).
func splitInto(lists []string, v string) ([]string, []string) {
	if v == "" {
		return lists, nil
	}
	start := len(lists)
	for {
		item, rest, more := strings.Cut(v, ",")
		lists = append(lists, item)
		if !more {
			break
		}
		v = rest
	}
	return lists, lists[start:len(lists):len(lists)]
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

// SignServerPayload signs d with key and returns the base64 server-signature payload.
// alg defaults to SHA-256; SHA-1 is refused (only legacy payloads are verified with it).
func SignServerPayload(d VerificationData, key []byte, alg Algorithm) (string, error) {
	if len(key) == 0 {
		return "", ErrEmptyKey
	}
	if alg == "" {
		alg = SHA256
	}
	switch alg {
	case SHA256, SHA384, SHA512:
	default:
		return "", fmt.Errorf("%w: server signature %q", ErrUnknownAlgorithm, alg)
	}
	vd := d.Encode()
	sig := serverSignature(alg, key, []byte(vd))
	out := make([]byte, 0, len(vd)+len(sig)+80)
	out = append(out, `{"algorithm":`...)
	out = jsjson.AppendString(out, string(alg))
	out = append(out, `,"signature":`...)
	out = jsjson.AppendString(out, sig)
	out = append(out, `,"verificationData":`...)
	out = jsjson.AppendString(out, vd)
	out = append(out, `,"verified":`...)
	out = strconv.AppendBool(out, d.Verified)
	return encodeLatin1Base64(append(out, '}')), nil
}

// serverSignature is hex(HMAC_alg(key, H_alg(verificationData))).
func serverSignature(alg Algorithm, key, vd []byte) string {
	var d [64]byte
	digest := alg.sum(d[:0], vd)
	mac, n := hmacSum(alg, key, digest)
	return hex.EncodeToString(mac[:n])
}

// ServerSignatureResult is the outcome of VerifyServerSignature.
type ServerSignatureResult struct {
	Verified         bool
	Expired          bool
	InvalidSignature bool
	InvalidSolution  bool
	Algorithm        Algorithm
	VerificationData VerificationData
	RawData          string // the signed verificationData text
}

// VerifyServerSignature verifies a server-signature payload with hmacKey like altcha-lib
// 2.8's verifyServerSignature: expired = expire present and past; invalidSignature =
// constant-time mismatch; invalidSolution = verificationData.verified or payload.verified
// not true. Any JSON spelling of the envelope is accepted, and the algorithm name in any
// letter case (docs/protocol.md). Malformed input returns an error wrapping
// ErrMalformedPayload.
func VerifyServerSignature(payload string, hmacKey []byte) (ServerSignatureResult, error) {
	return verifyServerSignatureAt(payload, hmacKey, time.Now())
}

func verifyServerSignatureAt(payload string, hmacKey []byte, now time.Time) (ServerSignatureResult, error) {
	if len(hmacKey) == 0 {
		return ServerSignatureResult{}, ErrEmptyKey
	}
	sc := getScratch()
	defer putScratch(sc)
	raw, err := sc.parseServerPayload(payload)
	if err != nil {
		return ServerSignatureResult{}, err
	}
	vd, _ := ParseVerificationData(raw.data)
	return sc.checkServerSignature(&raw, vd, hmacKey, now), nil
}

// checkServerSignature verifies an already parsed payload against one key; vd must be
// ParseVerificationData(raw.data).
func checkServerSignature(raw rawServerPayload, vd VerificationData, hmacKey []byte, now time.Time) ServerSignatureResult {
	sc := getScratch()
	defer putScratch(sc)
	return sc.checkServerSignature(&raw, vd, hmacKey, now)
}

func (sc *scratch) checkServerSignature(raw *rawServerPayload, vd VerificationData, hmacKey []byte, now time.Time) ServerSignatureResult {
	res := ServerSignatureResult{Algorithm: raw.alg, RawData: raw.data, VerificationData: vd}
	res.InvalidSignature = !sc.serverSignatureOK(raw, raw.data, hmacKey)
	if res.InvalidSignature && raw.alt != "" && sc.serverSignatureOK(raw, raw.alt, hmacKey) {
		// The payload's other reading (UTF-8 or Latin-1) is the one that was signed.
		res.InvalidSignature, res.RawData = false, raw.alt
		res.VerificationData, _ = ParseVerificationData(raw.alt)
	}
	vd = res.VerificationData
	res.Expired = !vd.Expire.IsZero() && vd.Expire.Before(now)
	res.InvalidSolution = !vd.Verified || !raw.verified
	res.Verified = !res.Expired && !res.InvalidSignature && !res.InvalidSolution
	return res
}

// serverSignatureOK compares hex(HMAC(key, H(data))) with the payload's signature in
// constant time.
func (sc *scratch) serverSignatureOK(raw *rawServerPayload, data string, key []byte) bool {
	sc.buf = append(sc.buf[:0], data...) // H takes bytes; the scratch spares a copy's allocation
	digest := raw.alg.sum(sc.tmp[:0], sc.buf)
	mac := sc.macs.sum(raw.alg, key, digest)
	var want [128]byte
	hex.Encode(want[:], mac)
	return subtle.ConstantTimeCompare(want[:2*len(mac)], raw.signature()) == 1
}

// rawServerPayload is the envelope of a server-signature payload.
type rawServerPayload struct {
	alg      Algorithm
	sig      [128]byte // the hex signature as sent (longer ones cannot match: sigLen tells)
	sigLen   int
	data     string // verificationData as signed, after JSON unescaping
	alt      string // verificationData of the payload's other text reading, if it differs
	verified bool
}

func (r *rawServerPayload) signature() []byte { return r.sig[:min(r.sigLen, len(r.sig))] }

func (r *rawServerPayload) setSignature(s []byte) {
	r.sigLen = len(s)
	copy(r.sig[:], s)
}

// parseServerPayload decodes the base64 JSON envelope of a server-signature payload:
// raw.data is the exact verificationData text that was signed.
func parseServerPayload(payload string) (rawServerPayload, error) {
	sc := getScratch()
	defer putScratch(sc)
	return sc.parseServerPayload(payload)
}

func (sc *scratch) parseServerPayload(payload string) (rawServerPayload, error) {
	b, high, err := sc.decode(payload)
	if err != nil {
		return rawServerPayload{}, err
	}
	if !high {
		return parseServerText(b)
	}
	first, second := readings(b)
	r, err := parseServerText(first)
	if second != nil {
		r2, err2 := parseServerText(second)
		switch {
		case err != nil:
			return r2, err2
		case err2 == nil && r2.data != r.data:
			r.alt = r2.data
		}
	}
	return r, err
}

// parseServerText reads one text reading of an envelope, fast or strict.
func parseServerText(b []byte) (rawServerPayload, error) {
	var r rawServerPayload
	err := r.parseFast(b)
	if err == errNeedStrict {
		r = rawServerPayload{}
		err = r.parseStrict(b)
	}
	return r, err
}

func (r *rawServerPayload) parseFast(b []byte) error {
	s := scanner{b: b}
	var data []byte
	var gotSig bool
	var algErr error
	ok := r.scan(&s, &data, &gotSig, &algErr) && s.end()
	switch {
	case s.strict:
		return errNeedStrict
	case algErr != nil:
		return algErr
	case !ok || r.alg == "" || !gotSig || data == nil:
		return ErrMalformedPayload
	}
	r.data = string(data)
	return nil
}

func (r *rawServerPayload) scan(s *scanner, data *[]byte, gotSig *bool, algErr *error) bool {
	more, ok := s.objectStart(0)
	if !ok {
		return false
	}
	var k []byte
	for more {
		if k, ok = s.key(k); !ok {
			return false
		}
		switch string(k) {
		case "algorithm":
			var raw []byte
			if raw, ok = s.plainStr(); ok {
				r.alg, *algErr = serverAlgorithm(raw)
				ok = *algErr == nil
			}
		case "signature":
			var raw []byte
			raw, ok = s.plainStr()
			r.setSignature(raw)
			*gotSig = ok
		case "verificationData":
			*data, ok = s.plainStr()
		case "verified":
			var raw []byte
			raw, ok = s.value(1, false)
			r.verified = string(raw) == "true"
		default:
			ok = s.skip(1)
		}
		if !ok {
			return false
		}
		if more, ok = s.next(); !ok {
			return false
		}
	}
	return true
}

// serverAlgorithm accepts the hashes altcha-lib signs server payloads with.
func serverAlgorithm(raw []byte) (Algorithm, error) {
	a, _ := internAlgorithm(raw)
	switch a {
	case SHA1, SHA256, SHA384, SHA512:
		return a, nil
	}
	return "", fmt.Errorf("%w: %w: server signature %q", ErrMalformedPayload, ErrUnknownAlgorithm, raw)
}

// IsServerPayload reports whether payload decodes to a server-signature envelope
// (it has verificationData) rather than a PoW solution.
func IsServerPayload(payload string) bool {
	_, err := parseServerPayload(payload)
	return err == nil
}

// DecodeServerPayload reads the signed verificationData of a server-signature payload
// WITHOUT checking its signature: only for a token that was already verified (for example
// by a remote AstraCaph server).
func DecodeServerPayload(payload string) (VerificationData, error) {
	raw, err := parseServerPayload(payload)
	if err != nil {
		return VerificationData{}, err
	}
	return ParseVerificationData(raw.data)
}

// VerifyFieldsHash checks hex(H(values of fields joined by "\n")) against fieldsHash, with
// a missing field counting as "". Browsers submit textarea line breaks as CRLF, and the
// widget normalises what it sends the same way, so the submitted form values hash as
// they are. The comparison is constant time.
func VerifyFieldsHash(form url.Values, fields []string, fieldsHash string, alg Algorithm) (bool, error) {
	if alg == "" {
		alg = SHA256
	}
	switch alg {
	case SHA1, SHA256, SHA384, SHA512:
	default:
		return false, fmt.Errorf("%w: %q", ErrUnknownAlgorithm, alg)
	}
	got := FieldsHash(form, fields, alg)
	return subtle.ConstantTimeCompare([]byte(got), []byte(fieldsHash)) == 1, nil
}

// FieldsHash computes hex(H(values of fields joined by "\n")).
func FieldsHash(form url.Values, fields []string, alg Algorithm) string {
	if alg == "" {
		alg = SHA256
	}
	var b strings.Builder
	for i, f := range fields {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(form.Get(f))
	}
	var d [64]byte
	return hex.EncodeToString(alg.sum(d[:0], []byte(b.String())))
}

// DeriveHMACKeySecret is altcha-lib's deriveHmacKeySecret: hex(HMAC-SHA256("derived-secret",
// master)), a key-signature secret derived from one master secret.
func DeriveHMACKeySecret(master string) string {
	mac, n := hmacSum(SHA256, []byte("derived-secret"), []byte(master))
	return hex.EncodeToString(mac[:n])
}
