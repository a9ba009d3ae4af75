package astracaph

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/astracat/astracaph/internal/jsjson"
	"github.com/stretchr/testify/require"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// TestDuplicateKeyPayloadRefused: a member named twice (in any object, also spelled with
// an escape) is refused, on the fast path and the strict one alike. JSON.parse keeps the
// last value, other parsers the first; a signature checked over one reading must never
// be applied to another.
func TestDuplicateKeyPayloadRefused(t *testing.T) {
	v2 := mustDecode(t, vDeterministicPayload)
	v1 := mustDecode(t, v1Vector)
	server := mustDecode(t, vServerPayload)
	cases := map[string]string{
		"top level":             strings.Replace(v2, `"solution":`, `"challenge":{},"solution":`, 1),
		"challenge":             strings.Replace(v2, `},"signature":"e4`, `},"parameters":{},"signature":"e4`, 1),
		"parameters":            strings.Replace(v2, `"cost":5000,`, `"cost":5000,"cost":1,`, 1),
		"parameters, reordered": strings.Replace(v2, `"algorithm":"PBKDF2/SHA-256",`, `"algorithm":"PBKDF2/SHA-256","nonce":"00",`, 1),
		"data":                  strings.Replace(v2, `"form":"contact"`, `"form":"contact","challengeId":"c-2"`, 1),
		"solution":              strings.Replace(v2, `"time":123.4`, `"time":123.4,"counter":8`, 1),
		"escaped spelling":      strings.Replace(v2, `"counter":7,`, `"counter":7,"\u0063ounter":8,`, 1),
		"v1":                    strings.Replace(v1, `"number":12345,`, `"number":12345,"number":1,`, 1),
		"v1 escaped spelling":   strings.Replace(v1, `"took":412`, `"took":412,"\u0073alt":"x"`, 1),
	}
	for name, js := range cases {
		require.NotEqual(t, v2, js, name)
		_, err := VerifySolution(b64(js), VerifyOptions{HMACKey: []byte("signature.secret"), KeySignatureKey: []byte("key.secret"), Now: time.Unix(1767225600, 0)})
		require.ErrorIs(t, err, ErrMalformedPayload, name)
	}
	for name, js := range map[string]string{
		"server":           strings.Replace(server, `"verified":true}`, `"verified":true,"signature":"00"}`, 1),
		"server, escaped":  strings.Replace(server, `"verified":true}`, `"verified":true,"verificationDat\u0061":"verified=true"}`, 1),
		"server, reversed": `{"verified":true,"verificationData":"verified=true","signature":"00","algorithm":"SHA-256","verified":false}`,
	} {
		_, err := VerifyServerSignature(b64(js), []byte("sec_test"))
		require.ErrorIs(t, err, ErrMalformedPayload, name)
	}
}

// TestHTMLEscapedSignatureRejected: altcha-lib-go signs json.Marshal output, which writes
// "<&>" as \u003c\u0026\u003e; altcha-lib (and the widget's servers) sign the characters.
// AstraCaph follows altcha-lib: only the JSON.stringify text is the signed text.
func TestHTMLEscapedSignatureRejected(t *testing.T) {
	key := []byte("k")
	canonical := `{"algorithm":"SHA-256","cost":1,"data":{"q":"<&>"},"keyLength":32,"keyPrefix":"0","nonce":"00","salt":"00"}`
	goEscaped := strings.Replace(canonical, `<&>`, `\u003c\u0026\u003e`, 1)
	payload := func(signed string) string {
		mac, n := hmacSum(SHA256, key, []byte(signed))
		return b64(`{"challenge":{"parameters":` + goEscaped + `,"signature":"` + hex.EncodeToString(mac[:n]) +
			`"},"solution":{"counter":0,"derivedKey":"00"}}`)
	}
	res, err := VerifySolution(payload(goEscaped), VerifyOptions{HMACKey: key})
	require.NoError(t, err)
	require.True(t, res.InvalidSignature, "signature over the HTML-escaped text")
	res, err = VerifySolution(payload(canonical), VerifyOptions{HMACKey: key})
	require.NoError(t, err)
	require.False(t, res.InvalidSignature, "signature over the JSON.stringify text, sent escaped")
}

// TestPayloadReadAsSigned: bytes that are UTF-8 and also Latin-1 text mean different
// strings; whichever was signed verifies (UTF-8 from a server-side encoder, Latin-1 from
// the browser's btoa), and the result reports that reading.
func TestPayloadReadAsSigned(t *testing.T) {
	key := []byte("k")
	for _, tc := range []struct{ name, id, wire string }{
		// "é" as UTF-8 is C3 A9, which as Latin-1 reads "Ã©".
		{"UTF-8", "é", "\xc3\xa9"},
		{"Latin-1 that is also valid UTF-8", "Ã©", "\xc3\xa9"},
		{"Latin-1", "é", "\xe9"},
	} {
		params := `{"algorithm":"SHA-256","cost":1,"data":{"challengeId":"` + tc.id + `"},"keyLength":32,"keyPrefix":"0","nonce":"00","salt":"00"}`
		mac, n := hmacSum(SHA256, key, []byte(params))
		js := `{"challenge":{"parameters":{"algorithm":"SHA-256","cost":1,"data":{"challengeId":"` + tc.wire +
			`"},"keyLength":32,"keyPrefix":"0","nonce":"00","salt":"00"},"signature":"` + hex.EncodeToString(mac[:n]) +
			`"},"solution":{"counter":0,"derivedKey":"00"}}`
		res, err := VerifySolution(base64.StdEncoding.EncodeToString([]byte(js)), VerifyOptions{HMACKey: key})
		require.NoError(t, err, tc.name)
		require.False(t, res.InvalidSignature, tc.name)
		require.Equal(t, tc.id, res.ChallengeID, tc.name)
	}
}

// TestLoneSurrogateHashedLikeJavaScript: a v1 salt carrying an escaped lone surrogate is
// hashed as TextEncoder writes it (U+FFFD), as altcha-lib computes the challenge.
func TestLoneSurrogateHashedLikeJavaScript(t *testing.T) {
	key := []byte("k")
	salt := "ab\ufffd&" // what JavaScript hashes for "ab\ud800&"
	sum := sha256.Sum256([]byte(salt + "5"))
	ch := hex.EncodeToString(sum[:])
	mac, n := hmacSum(SHA256, key, []byte(ch))
	js := `{"algorithm":"SHA-256","challenge":"` + ch + `","number":5,"salt":"ab\ud800\u0026","signature":"` + hex.EncodeToString(mac[:n]) + `"}`
	res, err := VerifySolution(b64(js), VerifyOptions{HMACKey: key})
	require.NoError(t, err)
	require.True(t, res.Verified, "%+v", res)
	require.Equal(t, salt, res.Salt)
}

// TestAlgorithmNamesAnyCase: names match without regard to ASCII case (altcha-lib-go's
// README spells "Scrypt", WebCrypto upper-cases); other names stay unknown.
func TestAlgorithmNamesAnyCase(t *testing.T) {
	for in, want := range map[string]Algorithm{"SCRYPT": Scrypt, "Scrypt": Scrypt, "argon2id": Argon2id, "pbkdf2/sha-256": PBKDF2SHA256,
		"sha-1": SHA1, "Sha-512": SHA512} {
		got, ok := internAlgorithm([]byte(in))
		require.True(t, ok, in)
		require.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "SHA256", "SHA-2560", "SCRYPT ", "PBKDF2/SHA-1", "ſcrypt", strings.Repeat("A", 40)} {
		_, ok := internAlgorithm([]byte(in))
		require.False(t, ok, in)
	}
}

// TestVerificationDataReadLikeAltchaLib pins the URLSearchParams semantics.
func TestVerificationDataReadLikeAltchaLib(t *testing.T) {
	d := parsedVD("verified=+true&id=a&id=b&email=%zz%4&note=x+y%2B%C3%A9%FF&expire=-5&time=0x10&score=1.50&fields=a,,b&&=v")
	require.False(t, d.Verified, `" true" is a string, not true`)
	require.Equal(t, "b", d.ID, "the last value wins")
	require.Equal(t, "%zz%4", d.Email, "a malformed escape stays as text")
	require.Equal(t, "x y+é\ufffd", d.Extra["note"])
	require.Equal(t, "v", d.Extra[""])
	require.True(t, d.Expire.Before(time.Unix(0, 0)), "a negative expire is in the past")
	require.Equal(t, int64(16), d.Time.Unix(), "Number('0x10') is 16")
	require.True(t, d.HasScore)
	require.Equal(t, 1.5, d.Score)
	require.Equal(t, []string{"a", "", "b"}, d.Fields)

	d = parsedVD("fields=a,b&reasons=c")
	f := append(d.Fields, "x")
	require.Equal(t, []string{"c"}, d.Reasons, "appending to Fields must not overwrite Reasons")
	require.Equal(t, []string{"a", "b", "x"}, f)
}

func TestJSONStrictParse(t *testing.T) {
	for _, s := range []string{`{"a":1,"a":2}`, `{"a":{"b":1,"b":1}}`, `[{"a":1,"\u0061":2}]`,
		`{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k3":10}`} {
		_, err := jsjson.ParseStrict([]byte(s))
		require.ErrorIs(t, err, jsjson.ErrDuplicateKey, s)
		_, err = jsjson.Parse([]byte(s))
		require.NoError(t, err, "JSON.parse accepts %s", s)
	}
	require.Equal(t, "a\ufffdb\ufffd", jsjson.WellFormed("a\xed\xa0\x80b\xed\xbf\xbf"))
	require.Equal(t, "é😀", jsjson.WellFormed("é😀"))
}

func TestSaltExpiryLikeAltchaLibV1(t *testing.T) {
	for salt, want := range map[string]string{
		"abc":                                 "",
		"abc?expires=5&":                      "5",
		"abc?expires=5":                       "5",
		"abc?expire=7&expires=5&":             "5",
		"abc?expires=&expire=7&":              "7",
		"abc?expires=1&expires=2&":            "2",
		"abc?expires=1?expires=2&":            "1",
		"abc?form=x&expir%65s=9&":             "9",
		"abc?q=a=b&expires=3":                 "3",
		"abc?expires==3&":                     "=3",
		"abc?e&expires":                       "",
		"abc?expires=5%":                      "5%",
		"abc?%65xpires=6":                     "6",
		"?expires=4102444800&":                "4102444800",
		"abcdef0123456789abcdef01?expires=4&": "4",
	} {
		require.Equal(t, want, saltExpiry(salt), salt)
	}
}
