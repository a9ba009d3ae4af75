package astracaph

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/astracat/astracaph/internal/jsjson"
	"github.com/astracat/astracaph/internal/wire"
)

// Tokens. An AstraCaph token is an ALTCHA server-signature payload (docs/protocol-notes.md,
// "Server-signature payloads (tokens)"): base64(JSON{algorithm, signature,
// verificationData, verified}) where verificationData (verificationdata.go) is URL-encoded
// and signature = hex(HMAC(key, H(verificationData))) over the raw digest bytes, so any
// ALTCHA library verifies a token offline with the site secret. This file issues tokens
// (with the mint proof only this server can add), signs and reads the envelope, and checks
// the form fields a token signs.

// # Issuing

// issueToken signs a one-time token bound to b's site and origin (fetching the site
// record only when b does not carry it).
func (c *Captcha) issueToken(ctx context.Context, b binding, a Assessment) (string, time.Time, error) {
	site, origin := b.site, b.origin
	key := c.openKey
	if site != "" && !isTestSiteKey(site) {
		r := b.rec
		if r == nil {
			rec, err := c.store.GetSite(ctx, site)
			if err != nil {
				if errors.Is(err, ErrNotFound) {
					return "", time.Time{}, errSiteNotFound
				}
				return "", time.Time{}, err
			}
			r = &rec
		}
		keys, err := c.siteKeys(*r)
		if err != nil {
			return "", time.Time{}, err
		}
		key = keys[0]
	}
	now := c.now()
	exp := now.Add(c.tokenTTL)
	vd := VerificationData{
		ID: wire.NewID(c.rand, now), Time: now, Expire: exp, Origin: origin, Site: site, Score: a.Score, HasScore: true,
		Classification: a.Classification, Reasons: a.Reasons, Verified: true,
	}
	vd.Fields, vd.FieldsHash, vd.Email = a.Signed.Fields, a.Signed.FieldsHash, a.Signed.Email
	vd.ID += "." + c.mintTag([]byte(vd.encode()))
	tok, err := SignServerPayload(vd, key, SHA256)
	return tok, exp, err
}

// Mint proof. A site secret is handed to whoever registers the site, so a signature under
// it proves nothing to anyone else: with it, anybody can sign a verificationData offline
// (any origin, score 1, no proof of work). Every token this server issues therefore also
// carries a MAC under a key derived from the master secret, which no site secret can
// produce, inside its id:
//
//	id  = <issue id> "." <tag>
//	tag = base64url(HMAC-SHA256(mintKey, verificationData without "." <tag>)[:16])
//
// The tag covers the whole signed text (origin, site, score, classification, expiry…), so
// a token cannot be re-signed with changed claims either. Verify checks it on every
// token. The wire format stays ALTCHA's server-signature payload: backends still verify
// tokens offline with the site secret and any ALTCHA library, for whom the id is opaque.

const mintTagLen = 22 // base64url of 16 bytes

// mintTag computes the tag of a verificationData text that does not contain one.
func (c *Captcha) mintTag(vd []byte) string {
	mac, _ := hmacSum(SHA256, c.mintKey, vd)
	return base64.RawURLEncoding.EncodeToString(mac[:16])
}

// minted reports whether raw (a signed verificationData text) carries a valid mint tag in
// its id, and that id is the one the parsed data holds (no duplicate id parameter). sc
// lends its keyed HMAC states and a buffer.
func (c *Captcha) minted(sc *scratch, raw, id string) bool {
	start, end := idValueSpan(raw)
	if start < 0 || raw[start:end] != id {
		return false
	}
	dot := strings.LastIndexByte(raw[start:end], '.')
	if dot < 0 || end-(start+dot+1) != mintTagLen {
		return false
	}
	dot += start
	msg := sc.tmp[:0]
	if len(raw) > len(sc.tmp) {
		msg = make([]byte, 0, len(raw))
	}
	msg = append(append(msg, raw[:dot]...), raw[end:]...)
	mac := sc.macs.sum(SHA256, c.mintKey, msg)
	var want [mintTagLen]byte
	base64.RawURLEncoding.Encode(want[:], mac[:16])
	return subtle.ConstantTimeCompare(want[:], []byte(raw[dot+1:end])) == 1
}

// idParam starts the id parameter of a verificationData text.
var idParam = vdFields[vdID].key + "="

// idValueSpan finds the value of the first id parameter of a URL-encoded text.
func idValueSpan(raw string) (int, int) {
	for i := 0; i < len(raw); {
		if strings.HasPrefix(raw[i:], idParam) {
			start := i + len(idParam)
			end := strings.IndexByte(raw[start:], '&')
			if end < 0 {
				return start, len(raw)
			}
			return start, start + end
		}
		next := strings.IndexByte(raw[i:], '&')
		if next < 0 {
			break
		}
		i += next + 1
	}
	return -1, -1
}

// # Server-signature payloads

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
	vd := d.encode()
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
	return wire.EncodeLatin1Base64(append(out, '}')), nil
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
			res.VerificationData = VerificationData{}
			parseVerificationData(&res.VerificationData, raw.alt)
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
	return wire.HexEqual(sc.macs.sum(raw.alg, key, digest), raw.signature())
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
	if r.span != nil && wire.HasControl(r.span) {
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
	first, second := wire.Readings(b)
	err = parseServerText(first, r)
	if err == nil && r.span != nil && second != nil {
		if wire.HasControl(r.span) {
			err = ErrMalformedPayload
		}
		r.data, r.span = string(r.span), nil // the readings are compared as strings
	}
	if second != nil {
		var r2 rawServerPayload
		err2 := parseServerText(second, &r2)
		if err2 == nil && r2.span != nil {
			if wire.HasControl(r2.span) {
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
	s := wire.Scanner{B: b}
	var gotSig bool
	var algErr error
	ok := r.scan(&s, &gotSig, &algErr) && s.End()
	switch {
	case s.Strict:
		return errNeedStrict
	case algErr != nil:
		return algErr
	case !ok || r.alg == "" || !gotSig || r.span == nil:
		return ErrMalformedPayload
	}
	return nil
}

// parseStrict fills r like parseFast does.
func (r *rawServerPayload) parseStrict(b []byte) error {
	top, err := strictObject(b)
	if err != nil {
		return err
	}
	var gotAlg, gotSig, gotData bool
	for i, k := range top.Keys {
		v := top.Values[i]
		switch k {
		case "algorithm":
			s, ok := stringBytes(v)
			if !ok {
				return ErrMalformedPayload
			}
			if r.alg, err = serverAlgorithm(s); err != nil {
				return err
			}
			gotAlg = true
		case "signature":
			s, ok := stringBytes(v)
			if !ok {
				return ErrMalformedPayload
			}
			r.setSignature(s)
			gotSig = true
		case "verificationData":
			s, ok := v.(string)
			if !ok {
				return ErrMalformedPayload
			}
			r.data, gotData = jsjson.WellFormed(s), true
		case "verified":
			r.verified = v == true
		}
	}
	if !gotAlg || !gotSig || !gotData {
		return ErrMalformedPayload
	}
	return nil
}

// serverKeys are the envelope members a verifier reads, for scanner.keyIn.
var serverKeys = wire.NewKeyTable("algorithm", "signature", "verificationData", "verified")

func (r *rawServerPayload) scan(s *wire.Scanner, gotSig *bool, algErr *error) bool {
	more, ok := s.ObjectStart(0)
	var k []byte
	var id int
	for ok && more {
		if k, id, ok = s.KeyIn(k, serverKeys); !ok {
			break
		}
		switch id {
		case 0: // algorithm
			var raw []byte
			if raw, ok = s.PlainStr(); ok {
				r.alg, *algErr = serverAlgorithm(raw)
				ok = *algErr == nil
			}
		case 1: // signature
			var raw []byte
			raw, ok = s.PlainStr()
			r.setSignature(raw)
			*gotSig = ok
		case 2: // verificationData: control characters are checked by the caller
			r.span, ok = s.LongStr()
		case 3: // verified
			var raw []byte
			raw, ok = s.Value(1, false)
			r.verified = string(raw) == "true"
		default:
			ok = s.Skip(1)
		}
		more, ok = s.After(ok)
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
