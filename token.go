package astracaph

import (
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/astracat/astracaph/internal/jsjson"
)

// Server-signature payloads (docs/protocol-notes.md, "Server-signature payloads (tokens)"): base64(JSON{algorithm, signature,
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

// ParseVerificationData parses URL-encoded verification data like altcha-lib v2:
// fields and reasons split on ",", numbers and booleans typed, other strings trimmed. For
// a repeated key the last value wins. Values are substrings of s where no unescaping is
// needed, so parsing allocates little.
func ParseVerificationData(s string) (VerificationData, error) {
	var d VerificationData
	for rest := s; rest != ""; {
		var pair string
		pair, rest, _ = strings.Cut(rest, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		var err error
		if k, err = formDecode(k); err != nil {
			return VerificationData{}, fmt.Errorf("%w: verificationData: %v", ErrMalformedPayload, err)
		}
		if v, err = formDecode(v); err != nil {
			return VerificationData{}, fmt.Errorf("%w: verificationData: %v", ErrMalformedPayload, err)
		}
		v = strings.TrimSpace(v)
		switch k {
		case "classification":
			d.Classification = v
		case "email":
			d.Email = v
		case "expire":
			d.Expire = unixField(v)
		case "fields":
			d.Fields = splitList(v)
		case "fieldsHash":
			d.FieldsHash = v
		case "id":
			d.ID = v
		case "ipAddress":
			d.IPAddress = v
		case "origin":
			d.Origin = v
		case "reasons":
			d.Reasons = splitList(v)
		case "score":
			f, err := strconv.ParseFloat(v, 64)
			if err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
				d.Score, d.HasScore = f, true
			}
		case "site":
			d.Site = v
		case "time":
			d.Time = unixField(v)
		case "verified":
			d.Verified = v == "true"
		default:
			if d.Extra == nil {
				d.Extra = map[string]string{}
			}
			d.Extra[k] = v
		}
	}
	return d, nil
}

// formDecode undoes application/x-www-form-urlencoded escaping, without allocating when
// there is nothing to undo.
func formDecode(s string) (string, error) {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s, nil
	}
	return url.QueryUnescape(s)
}

func unixField(v string) time.Time {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f <= 0 || f > 1e12 {
		return time.Time{}
	}
	return time.Unix(0, int64(f*1e9))
}

func splitList(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, ",")
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
// not true. Malformed input returns an error wrapping ErrMalformedPayload.
func VerifyServerSignature(payload string, hmacKey []byte) (ServerSignatureResult, error) {
	return verifyServerSignatureAt(payload, hmacKey, time.Now())
}

func verifyServerSignatureAt(payload string, hmacKey []byte, now time.Time) (ServerSignatureResult, error) {
	if len(hmacKey) == 0 {
		return ServerSignatureResult{}, ErrEmptyKey
	}
	raw, err := parseServerPayload(payload)
	if err != nil {
		return ServerSignatureResult{}, err
	}
	vd, err := ParseVerificationData(raw.data)
	if err != nil {
		return ServerSignatureResult{}, err
	}
	return checkServerSignature(raw, vd, hmacKey, now), nil
}

// checkServerSignature verifies an already parsed payload against one key.
func checkServerSignature(raw rawServerPayload, vd VerificationData, hmacKey []byte, now time.Time) ServerSignatureResult {
	res := ServerSignatureResult{Algorithm: raw.alg, RawData: raw.data, VerificationData: vd}
	if !vd.Expire.IsZero() && vd.Expire.Before(now) {
		res.Expired = true
	}
	var d [64]byte
	digest := raw.alg.sum(d[:0], []byte(raw.data))
	mac, n := hmacSum(raw.alg, hmacKey, digest)
	var want [128]byte
	hex.Encode(want[:], mac[:n])
	if subtle.ConstantTimeCompare(want[:2*n], []byte(raw.signature)) != 1 {
		res.InvalidSignature = true
	}
	res.InvalidSolution = !vd.Verified || !raw.verified
	res.Verified = !res.Expired && !res.InvalidSignature && !res.InvalidSolution
	return res
}

type rawServerPayload struct {
	alg             Algorithm
	signature, data string
	verified        bool
}

// parseServerPayload decodes the base64 JSON envelope of a server-signature payload.
func parseServerPayload(payload string) (rawServerPayload, error) {
	var r rawServerPayload
	bp := getBuf()
	defer putBuf(bp)
	b, err := decodePayload(*bp, payload)
	if err != nil {
		return r, err
	}
	*bp = b[:0]
	s := scanner{b: b}
	var gotAlg, gotSig, gotData bool
	ok := s.object(0, func(k []byte) bool {
		switch string(k) {
		case "algorithm":
			raw, esc, ok := s.str()
			if !ok || esc || gotAlg {
				return false
			}
			a, known := internAlgorithm(raw)
			if !known || a.isV2() && a.digestSize() == 0 || strings.HasPrefix(string(a), "PBKDF2") {
				return false
			}
			r.alg, gotAlg = a, true
			return true
		case "signature":
			raw, esc, ok := s.str()
			if !ok || esc || gotSig {
				return false
			}
			r.signature, gotSig = string(raw), true
			return true
		case "verificationData":
			start := s.i
			raw, esc, ok := s.str()
			if !ok || gotData {
				return false
			}
			gotData = true
			if !esc {
				r.data = string(raw)
				return true
			}
			v, err := jsjson.Parse(s.b[start:s.i])
			if err != nil {
				return false
			}
			r.data, _ = v.(string)
			return true
		case "verified":
			raw, ok := s.value(1, false)
			r.verified = string(raw) == "true"
			return ok
		}
		_, ok := s.value(1, false)
		return ok
	})
	if !ok || !s.end() || !gotAlg || !gotSig || !gotData {
		return r, ErrMalformedPayload
	}
	return r, nil
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
