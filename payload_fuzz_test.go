package astracaph

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/astracat/astracaph/internal/wire"
	"github.com/stretchr/testify/require"
)

// The fast scanner and the strict decoder must agree wherever the fast one decides (it
// hands everything else to the strict one): same error or not, same fields.

func FuzzStrictMatchesFast(f *testing.F) {
	for _, p := range []string{vDeterministicPayload, vServerPayload, v1Vector} {
		b, _, _ := decodePayload(p)
		f.Add(string(b))
	}
	for _, s := range []string{
		`{"challenge":{"parameters":{"algorithm":"SHA-256","cost":1,"keyLength":32,"keyPrefix":"0","nonce":"00","salt":"00"},"signature":"00"},"solution":{"counter":0,"derivedKey":"00","time":"x"}}`,
		`{"challenge":{"parameters":{"algorithm":"SHA-256","data":{"challengeId":"a\"b","x":[{"b":1,"a":2}]},"keyPrefix":"0","nonce":"00","salt":"00"},"signature":"00"},"solution":{"counter":1e0,"derivedKey":"00"}}`,
		`{"algorithm":"sha-256","challenge":"ab","number":1.0,"salt":"x\u0026","signature":"00","took":null}`,
		`{"algorithm":"SHA-256","algorithm":"SHA-1","challenge":"ab","number":1,"salt":"x","signature":"00"}`,
		`{"salt":"x","algorithm":"SHA-256","challenge":"ab","number":1,"signature":"00"}`,
		`{"challenge":null,"solution":null,"test":true}`,
		`{"algorithm":"SHA-256","signature":"00","verificationData":"a=1\u0026verified=true","verified":true}`,
		`{"verificationData":"a=1","verified":true,"signature":"00","algorithm":"Sha-512"}`,
		` { "a" : [ 1 , { } , [ ] ] , "b" : -0.5e-3 } `,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if !utf8.ValidString(text) {
			return // wire.Readings() only ever passes UTF-8 on
		}
		b := []byte(text)

		var fast, strict rawPayload
		if err := fast.parseFast(b); err != errNeedStrict {
			serr := strict.parseStrict(b)
			require.Equal(t, err == nil, serr == nil, "fast error %v, strict error %v for %q", err, serr, text)
			if err == nil {
				samePayload(t, text, &fast, &strict)
			}
		}

		var fs, ss rawServerPayload
		err := fs.parseFast(b)
		if err == nil && wire.HasControl(fs.span) {
			err = ErrMalformedPayload // what every caller checks
		}
		if err != errNeedStrict {
			serr := ss.parseStrict(b)
			require.Equal(t, err == nil, serr == nil, "server: fast error %v, strict error %v for %q", err, serr, text)
			if err == nil {
				require.Equal(t, ss.alg, fs.alg, "server: fast %+v, strict %+v for %q", fs, ss, text)
				require.Equal(t, ss.data, string(fs.span), "server: fast %+v, strict %+v for %q", fs, ss, text)
				require.Equal(t, string(ss.signature()), string(fs.signature()), "server: fast %+v, strict %+v for %q", fs, ss, text)
				require.Equal(t, ss.verified, fs.verified, "server: fast %+v, strict %+v for %q", fs, ss, text)
			}
		}
	})
}

func samePayload(t *testing.T, text string, a, b *rawPayload) {
	t.Helper()
	same := func(what string, x, y []byte) {
		require.True(t, (x == nil) == (y == nil) && bytes.Equal(x, y), "%s: fast %q, strict %q for %q", what, x, y, text)
	}
	sameNum := func(what string, x, y []byte) {
		fx, okx := wire.ParseFloat(x)
		fy, oky := wire.ParseFloat(y)
		require.Equal(t, oky, okx, "%s: fast %q, strict %q for %q", what, x, y, text)
		if okx {
			require.True(t, fx == fy, "%s: fast %q, strict %q for %q", what, x, y, text)
		}
	}
	require.True(t, a.test == b.test && a.challengeObj == b.challengeObj && a.solutionObj == b.solutionObj,
		"shape: fast %+v, strict %+v for %q", a, b, text)
	same("params", a.params, b.params)
	same("signature", a.signature, b.signature)
	same("derivedKey", a.derivedKey, b.derivedKey)
	same("algorithm", a.algorithm, b.algorithm)
	same("challenge", a.challenge, b.challenge)
	same("salt", a.salt, b.salt)
	same("v1 signature", a.sigV1, b.sigV1)
	sameNum("counter", a.counter, b.counter)
	sameNum("number", a.number, b.number)
	sameNum("time", a.time, b.time)
	sameNum("took", a.took, b.took)
	if a.params != nil {
		same("nonce", a.pr.nonce, b.pr.nonce)
		same("keyPrefix", a.pr.keyPrefix, b.pr.keyPrefix)
		same("data", a.pr.data, b.pr.data)
		require.True(t, a.pr.alg == b.pr.alg && a.pr.cost == b.pr.cost && a.pr.bad == b.pr.bad && a.pr.expires == b.pr.expires,
			"parameters: fast %+v, strict %+v for %q", a.pr, b.pr, text)
	}
}

// v1Vector is the golden PoW v1 payload (altcha-lib 2.8.0).
const v1Vector = "eyJhbGdvcml0aG0iOiJTSEEtMjU2IiwiY2hhbGxlbmdlIjoiYjY1MGI3ZDNkNTdkZDc3Mzk3ZmU2NTJkMjNkOTdhYWM4ZGM4NTViMmJmNzkxMjdkODBlYjY4YjNiYTQxNmE5ZCIsIm51bWJlciI6MTIzNDUsInNhbHQiOiJhYmNkZWYwMTIzNDU2Nzg5YWJjZGVmMDEmIiwic2lnbmF0dXJlIjoiNzUyZWRiYmNmODAyYmNiMjY2YTJlMjEzNzBmZGM2OWY0NGYxMzVlNDNjZTIyYzAxZWRmYWI4ZDk2MTFjNDc5MyIsInRvb2siOjQxMn0="

// FuzzDecodePayload compares the decoder with atob's rules built from the standard
// library: ASCII whitespace removed, padding optional but only at the end.
func FuzzDecodePayload(f *testing.F) {
	for _, s := range []string{vDeterministicPayload, "eyJhIjoi6SJ9", "e30", "e30=", "e3\n0=", "e30==", "=e30", "a", "ab==", "ab=c", "//+/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, high, err := decodePayload(s)
		want, werr := atobReference(s)
		require.Equal(t, werr == nil, err == nil, "%q: decodePayload error %v, atob error %v", s, err, werr)
		if err != nil {
			return
		}
		require.True(t, bytes.Equal(got, want), "%q: decoded %x, want %x", s, got, want)
		h := false
		for _, c := range want {
			h = h || c >= 0x80
		}
		require.Equal(t, h, high, "%q: high for %x", s, want)
	})
}

func atobReference(s string) ([]byte, error) {
	if s == "" || len(s) > maxPayloadLen {
		return nil, ErrMalformedPayload
	}
	t := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' {
			return -1
		}
		return r
	}, s)
	if len(t)%4 == 0 {
		t = strings.TrimSuffix(t, "=")
		t = strings.TrimSuffix(t, "=")
	}
	if len(t)%4 == 1 || strings.ContainsRune(t, '=') {
		return nil, ErrMalformedPayload
	}
	// RawStdEncoding is strict about the unused low bits; atob is not.
	if n := len(t) % 4; n != 0 {
		last := strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", t[len(t)-1])
		if last < 0 {
			return nil, ErrMalformedPayload
		}
		mask := map[int]int{2: 0x0F, 3: 0x03}[n]
		t = t[:len(t)-1] + string("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[last&^mask])
	}
	return base64.RawStdEncoding.DecodeString(t)
}

// FuzzParseVerificationData compares the one-pass parser with a plain reading of
// URLSearchParams rules, and the []byte entry point with the string one.
func FuzzParseVerificationData(f *testing.F) {
	f.Add("classification=GOOD&email=user%40example.com&expire=1767225600&fields=name%2Cmessage&fieldsHash=ab&id=abc123&reasons=a%2Cb&score=1.5&time=1767222000&verified=true")
	f.Add("id=1&id=2&verified=+true&%69d=3&&=x&score=-1&expire=0x10&note=%zz%4&email=%FF%C3%A9 &fields=,a,,")
	f.Fuzz(func(t *testing.T, s string) {
		d := parsedVD(s)
		var db VerificationData
		var a wire.Arena
		raw, ok := parseVerificationDataBytes(&db, []byte(s), &a)
		require.True(t, raw == s && sameVD(d, db) && ok != wire.HasControl([]byte(s)), "[]byte entry point differs for %q:\n%+v\n%+v", s, d, db)
		ref := map[string]string{}
		for _, pair := range strings.Split(s, "&") {
			if pair == "" {
				continue
			}
			k, v, _ := strings.Cut(pair, "=")
			ref[wire.FormDecode(k)] = wire.FormDecode(v)
		}
		check := func(name, got string) {
			require.Equal(t, strings.TrimSpace(ref[name]), got, "%s (from %q)", name, s)
		}
		check("classification", d.Classification)
		check("email", d.Email)
		check("fieldsHash", d.FieldsHash)
		check("id", d.ID)
		check("ipAddress", d.IPAddress)
		check("origin", d.Origin)
		check("site", d.Site)
		check("fields", strings.Join(d.Fields, ","))
		check("reasons", strings.Join(d.Reasons, ","))
		require.Equal(t, ref["verified"] == "true", d.Verified, "verified from %q", s)
		if len(d.Fields) > 0 {
			require.Equal(t, len(d.Fields), cap(d.Fields), "fields capacity above length: an append would overwrite reasons")
		}
	})
}

// decodePayload decodes base64 as every verifier does (scratch.decode), outside the pool.
func decodePayload(s string) ([]byte, bool, error) {
	var sc scratch
	return sc.decode(s)
}

// parsedVD parses a verificationData text.
func parsedVD(s string) VerificationData {
	var d VerificationData
	parseVerificationData(&d, s)
	return d
}

func sameVD(a, b VerificationData) bool {
	return a.Classification == b.Classification && a.Email == b.Email && a.FieldsHash == b.FieldsHash && a.ID == b.ID &&
		a.IPAddress == b.IPAddress && a.Origin == b.Origin && a.Site == b.Site && a.Expire.Equal(b.Expire) &&
		a.Time.Equal(b.Time) && a.Verified == b.Verified && a.HasScore == b.HasScore && a.Score == b.Score &&
		strings.Join(a.Fields, "\x00") == strings.Join(b.Fields, "\x00") && strings.Join(a.Reasons, "\x00") == strings.Join(b.Reasons, "\x00") &&
		len(a.Extra) == len(b.Extra)
}
