package astracaph

import (
	"crypto/subtle"
	"encoding/hex"
	"fmt"
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
	sc := getScratch()
	defer putScratch(sc)
	digest := alg.sum(sc.tmp[:0], vd) // in the scratch: hashing through an interface would move a stack array to the heap
	return hex.EncodeToString(sc.macs.sum(alg, key, digest))
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
	var res ServerSignatureResult
	var raw rawServerPayload
	if err := sc.decodeServerToken(payload, &raw, &res.VerificationData); err != nil {
		return ServerSignatureResult{}, err
	}
	sc.checkServerSignature(&raw, hmacKey, now, &res)
	return res, nil
}

// checkServerSignature fills res, whose VerificationData is already raw's.
func (sc *scratch) checkServerSignature(raw *rawServerPayload, hmacKey []byte, now time.Time, res *ServerSignatureResult) {
	res.Algorithm, res.RawData = raw.alg, raw.data
	signed := raw.span
	if signed == nil {
		sc.hash = append(sc.hash[:0], raw.data...) // H takes bytes; the scratch spares an allocation
		signed = sc.hash
	}
	res.InvalidSignature = !sc.serverSignatureOK(raw, signed, hmacKey)
	if res.InvalidSignature && raw.alt != "" {
		// The payload's other reading (UTF-8 or Latin-1) may be the one that was signed.
		sc.hash = append(sc.hash[:0], raw.alt...)
		if sc.serverSignatureOK(raw, sc.hash, hmacKey) {
			res.InvalidSignature, res.RawData = false, raw.alt
			res.VerificationData, _ = ParseVerificationData(raw.alt)
		}
	}
	vd := &res.VerificationData
	res.Expired = !vd.Expire.IsZero() && vd.Expire.Before(now)
	res.InvalidSolution = !vd.Verified || !raw.verified
	res.Verified = !res.Expired && !res.InvalidSignature && !res.InvalidSolution
}

// serverSignatureOK compares hex(HMAC(key, H(data))) with the payload's signature in
// constant time.
func (sc *scratch) serverSignatureOK(raw *rawServerPayload, data, key []byte) bool {
	digest := raw.alg.sum(sc.tmp[:0], data)
	return hexEqual(sc.macs.sum(raw.alg, key, digest), raw.signature())
}

// rawServerPayload is the envelope of a server-signature payload.
type rawServerPayload struct {
	alg      Algorithm
	sig      [128]byte // the hex signature as sent (longer ones cannot match: sigLen tells)
	sigLen   int
	data     string // verificationData as signed, after JSON unescaping
	span     []byte // data's bytes inside the decoding scratch, while that lives; or nil
	alt      string // verificationData of the payload's other text reading, if it differs
	verified bool
}

func (r *rawServerPayload) signature() []byte { return r.sig[:min(r.sigLen, len(r.sig))] }

func (r *rawServerPayload) setSignature(s []byte) {
	r.sigLen = len(s)
	copy(r.sig[:], s)
}

// decodeServerToken decodes a server-signature payload into *r and parses its
// verificationData into *vd (both zero on entry): r.data is the exact text that was
// signed, and vd's text values are cut from it. r.span stays valid while sc does.
func (sc *scratch) decodeServerToken(payload string, r *rawServerPayload, vd *VerificationData) error {
	if err := sc.parseServerEnvelope(payload, r); err != nil {
		return err
	}
	if r.span == nil {
		parseVerificationData(vd, r.data)
		return nil
	}
	var ok bool
	if r.data, ok = parseVerificationDataBytes(vd, r.span, &sc.arena); !ok {
		return ErrMalformedPayload // a raw control character in a JSON string
	}
	return nil
}

// parseServerPayload decodes into sc and *r like parseServerEnvelope, and also refuses
// control characters in a verificationData left as r.span.
func (sc *scratch) parseServerPayload(payload string, r *rawServerPayload) error {
	if err := sc.parseServerEnvelope(payload, r); err != nil {
		return err
	}
	if r.span != nil && hasControl(r.span) {
		return ErrMalformedPayload
	}
	return nil
}

// parseServerEnvelope decodes into sc and *r; on the fast path data is left as r.span, a
// view of sc's buffer, for the caller to copy and to check for control characters.
func (sc *scratch) parseServerEnvelope(payload string, r *rawServerPayload) error {
	b, high, err := sc.decode(payload)
	if err != nil {
		return err
	}
	if !high {
		return parseServerText(b, r)
	}
	first, second := readings(b)
	err = parseServerText(first, r)
	if err == nil && r.span != nil && second != nil {
		if hasControl(r.span) {
			err = ErrMalformedPayload
		}
		r.data, r.span = string(r.span), nil // the readings are compared as strings
	}
	if second != nil {
		var r2 rawServerPayload
		err2 := parseServerText(second, &r2)
		if err2 == nil && r2.span != nil {
			if hasControl(r2.span) {
				err2 = ErrMalformedPayload
			}
			r2.data, r2.span = string(r2.span), nil
		}
		switch {
		case err != nil:
			*r = r2
			return err2
		case err2 == nil && r2.data != r.data:
			r.alt = r2.data
		}
	}
	return err
}

// parseServerText reads one text reading of an envelope into *r, fast or strict.
func parseServerText(b []byte, r *rawServerPayload) error {
	err := r.parseFast(b)
	if err == errNeedStrict {
		*r = rawServerPayload{}
		err = r.parseStrict(b)
	}
	return err
}

func (r *rawServerPayload) parseFast(b []byte) error {
	s := scanner{b: b}
	var gotSig bool
	var algErr error
	ok := r.scan(&s, &gotSig, &algErr) && s.end()
	switch {
	case s.strict:
		return errNeedStrict
	case algErr != nil:
		return algErr
	case !ok || r.alg == "" || !gotSig || r.span == nil:
		return ErrMalformedPayload
	}
	return nil
}

// serverKeys are the envelope members a verifier reads, for scanner.keyIn.
var serverKeys = newKeyTable("algorithm", "signature", "verificationData", "verified")

func (r *rawServerPayload) scan(s *scanner, gotSig *bool, algErr *error) bool {
	more, ok := s.objectStart(0)
	var k []byte
	var id int
	for ok && more {
		if k, id, ok = s.keyIn(k, serverKeys); !ok {
			break
		}
		switch id {
		case 0: // algorithm
			var raw []byte
			if raw, ok = s.plainStr(); ok {
				r.alg, *algErr = serverAlgorithm(raw)
				ok = *algErr == nil
			}
		case 1: // signature
			var raw []byte
			raw, ok = s.plainStr()
			r.setSignature(raw)
			*gotSig = ok
		case 2: // verificationData: control characters are checked by the caller
			r.span, ok = s.longStr()
		case 3: // verified
			var raw []byte
			raw, ok = s.value(1, false)
			r.verified = string(raw) == "true"
		default:
			ok = s.skip(1)
		}
		more, ok = s.after(ok)
	}
	return ok
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
	sc := getScratch()
	defer putScratch(sc)
	var r rawServerPayload
	return sc.parseServerPayload(payload, &r) == nil
}

// DecodeServerPayload reads the signed verificationData of a server-signature payload
// WITHOUT checking its signature: only for a token that was already verified (for example
// by a remote AstraCaph server).
func DecodeServerPayload(payload string) (VerificationData, error) {
	sc := getScratch()
	defer putScratch(sc)
	var r rawServerPayload
	var vd VerificationData
	err := sc.decodeServerToken(payload, &r, &vd)
	return vd, err
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
