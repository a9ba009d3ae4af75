package astracaph_test

// Payloads written by other encoders: the same JSON value spelled differently (string
// escapes, member order, whitespace, number notation, letter case of algorithm names) and
// base64-encoded from UTF-8 or from Latin-1. A valid payload must verify whatever its
// spelling, wherever the Node library accepts it (docs/protocol.md).

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/internal/jsjson"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// spelling is one way to write a JSON value.
type spelling struct {
	name     string
	escape   bool // every string character but [A-Za-z0-9] as a \u escape
	reverse  bool // object members in reverse order (except objects inside arrays, whose order is signed)
	spaces   bool // newlines and indentation between tokens
	exp      bool // numbers in exponent notation (12345 → 1.2345E+04)
	lowerAlg bool // the top-level "algorithm" value in lower case (v1, server payloads)
}

var spellings = []spelling{
	{name: "escaped", escape: true},
	{name: "reordered", reverse: true},
	{name: "spaced", spaces: true},
	{name: "exponents", exp: true},
	{name: "all at once", escape: true, reverse: true, spaces: true, exp: true},
}

// respell parses JSON text and writes it back in spelling sp.
func respell(t testing.TB, text string, sp spelling) string {
	t.Helper()
	v, err := jsjson.Parse([]byte(text))
	require.NoError(t, err, text)
	if o, ok := v.(*jsjson.Object); ok && sp.lowerAlg {
		if a, ok := o.Get("algorithm"); ok {
			o.Set("algorithm", strings.ToLower(a.(string)))
		}
	}
	var b strings.Builder
	writeSpelled(&b, v, sp, 0, false)
	return b.String()
}

func writeSpelled(b *strings.Builder, v any, sp spelling, depth int, inArray bool) {
	nl := func(d int) {
		if sp.spaces {
			b.WriteString("\n" + strings.Repeat("  ", d))
		}
	}
	switch x := v.(type) {
	case nil, bool, string:
		if s, ok := x.(string); ok && sp.escape {
			writeEscaped(b, s)
			return
		}
		b.Write(jsjson.AppendCanonical(nil, x, false))
	case float64:
		if sp.exp {
			b.WriteString(strconv.FormatFloat(x, 'E', -1, 64))
		} else {
			b.Write(jsjson.AppendNumber(nil, x))
		}
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			nl(depth + 1)
			writeSpelled(b, e, sp, depth+1, true)
		}
		nl(depth)
		b.WriteByte(']')
	case *jsjson.Object:
		b.WriteByte('{')
		for n := range x.Keys {
			i := n
			if sp.reverse && !inArray {
				i = len(x.Keys) - 1 - n
			}
			if n > 0 {
				b.WriteByte(',')
			}
			nl(depth + 1)
			writeSpelled(b, x.Keys[i], sp, depth+1, false)
			if sp.spaces {
				b.WriteString(" : ")
			} else {
				b.WriteByte(':')
			}
			writeSpelled(b, x.Values[i], sp, depth+1, inArray)
		}
		nl(depth)
		b.WriteByte('}')
	default:
		panic(fmt.Sprintf("unexpected JSON value %T", v))
	}
}

// writeEscaped writes s (WTF-8: lone surrogates allowed) as a JSON string with every
// character outside [A-Za-z0-9] as a \u escape of its UTF-16 code units.
func writeEscaped(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); {
		var units []uint16
		switch {
		case s[i] == 0xED && i+2 < len(s) && s[i+1] >= 0xA0: // a lone surrogate
			units = []uint16{uint16(0xD000 | rune(s[i+1]&0x3F)<<6 | rune(s[i+2]&0x3F))}
			i += 3
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			i += n
			if r < 0x80 && (r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				b.WriteRune(r)
				continue
			}
			units = append(units, utf16.Encode([]rune{r})...)
		}
		for _, u := range units {
			fmt.Fprintf(b, `\u%04x`, u)
		}
	}
	b.WriteByte('"')
}

// base64Of returns text base64-encoded from UTF-8, from Latin-1 when every character fits
// (as the browser's btoa does), and from UTF-8 with MIME line breaks and no padding.
func base64Of(text string) map[string]string {
	out := map[string]string{"utf8": base64.StdEncoding.EncodeToString([]byte(text))}
	latin, ok := []byte{}, true
	for _, r := range text {
		if r > 0xFF {
			ok = false
			break
		}
		latin = append(latin, byte(r))
	}
	if ok {
		out["latin1"] = base64.StdEncoding.EncodeToString(latin)
	}
	raw := base64.RawStdEncoding.EncodeToString([]byte(text))
	var mime strings.Builder
	for len(raw) > 76 {
		mime.WriteString(raw[:76] + "\r\n")
		raw = raw[76:]
	}
	mime.WriteString(raw)
	out["mime"] = mime.String()
	return out
}

// payloadText decodes a widget payload (btoa: Latin-1 bytes) to its JSON text.
func payloadText(t testing.TB, payload string) string {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(payload)
	require.NoError(t, err)
	var s strings.Builder
	for _, c := range b {
		s.WriteRune(rune(c))
	}
	return s.String()
}

// spelledVariants returns every spelling × encoding of a payload, keyed by a name.
func spelledVariants(t testing.TB, payload string, algCase bool) map[string]string {
	t.Helper()
	text := payloadText(t, payload)
	all := spellings
	if algCase {
		all = append(all[:len(all):len(all)], spelling{name: "algorithm in lower case", lowerAlg: true},
			spelling{name: "algorithm in lower case, all at once", lowerAlg: true, escape: true, reverse: true, spaces: true, exp: true})
	}
	out := map[string]string{}
	for _, sp := range all {
		for enc, p := range base64Of(respell(t, text, sp)) {
			out[sp.name+", "+enc] = p
		}
	}
	return out
}

// TestPayloadSpellings: the golden payloads verify, with the same result, however they
// are spelled and encoded (no Node needed; interopOtherSpellings checks Node agrees).
func TestPayloadSpellings(t *testing.T) {
	v1Key := []byte("test key")
	n := int64(12345)
	ch1, err := astracaph.CreateChallengeV1(astracaph.ChallengeV1Options{Salt: "abcdef0123456789abcdef01", Number: &n, HMACKey: v1Key,
		Params: map[string][]string{"q": {"a b&c=d é"}}})
	require.NoError(t, err)
	v1 := astracaph.EncodePayloadV1(ch1, astracaph.SolutionV1{Number: n, Took: 412.5})

	sig, ks := []byte("signature.secret"), []byte("key.secret")
	c := uint32(3)
	ch2, err := astracaph.CreateChallenge(astracaph.ChallengeOptions{Algorithm: astracaph.SHA256, Cost: 1, Counter: &c, HMACKey: sig,
		KeySignatureKey: ks, Data: map[string]any{"challengeId": "c-1", "name": "Zoë café", "html": "<&>", "n": 1.5,
			"nested": map[string]any{"b": true, "a": nil}}})
	require.NoError(t, err)
	sol, err := astracaph.SolveChallenge(t.Context(), ch2, astracaph.SolveOptions{Workers: 1})
	require.NoError(t, err)
	v2 := astracaph.EncodePayload(ch2, sol)

	for name, p := range spelledVariants(t, v1, true) {
		res, err := astracaph.VerifySolution(p, astracaph.VerifyOptions{HMACKey: v1Key})
		require.NoError(t, err, name)
		require.True(t, res.Verified, "v1 %s: %+v", name, res)
		require.Equal(t, ch1.Salt, res.Salt, name)
		require.Equal(t, uint64(n), res.Counter, name)
	}
	for name, p := range spelledVariants(t, v2, false) {
		for _, o := range []astracaph.VerifyOptions{{HMACKey: sig, KeySignatureKey: ks}, {HMACKey: sig}} {
			res, err := astracaph.VerifySolution(p, o)
			require.NoError(t, err, name)
			require.True(t, res.Verified, "v2 %s: %+v", name, res)
			require.Equal(t, "c-1", res.ChallengeID, name)
			require.Equal(t, ch2.Parameters.Nonce, res.Nonce, name)
		}
	}
	for name, p := range spelledVariants(t, serverVector, true) {
		res, err := astracaph.VerifyServerSignature(p, []byte("sec_test"))
		require.NoError(t, err, name)
		require.False(t, res.InvalidSignature || res.InvalidSolution, "server %s: %+v", name, res)
		require.Equal(t, "abc123", res.VerificationData.ID, name)
		require.Equal(t, []string{"name", "message"}, res.VerificationData.Fields, name)
	}
}

// serverVector is the golden server-signature payload (vectors_test.go), expired since
// 2026-01-01, so only its signature and data are checked.
const serverVector = "eyJhbGdvcml0aG0iOiJTSEEtMjU2Iiwic2lnbmF0dXJlIjoiNDZlYTY4YTY0YjRhZTY0YWRlZDAzMDc0NWRhMWRjY2VlNWMxNzhmMmViMWI0NzJiMTQ1NDU5YTlmZTA2YzJlYSIsInZlcmlmaWNhdGlvbkRhdGEiOiJjbGFzc2lmaWNhdGlvbj1HT09EJmVtYWlsPXVzZXIlNDBleGFtcGxlLmNvbSZleHBpcmU9MTc2NzIyNTYwMCZmaWVsZHM9bmFtZSUyQ21lc3NhZ2UmZmllbGRzSGFzaD02NzUzOTNkMWU3MTI1ZWFkZGM2OGYxY2U0Yzk1ZDgyYzZhMTAwZGE3ZWViODIyNTE4OTFmMGJkOTMzODQ1NDg0JmlkPWFiYzEyMyZyZWFzb25zPWElMkNiJnNjb3JlPTEuNSZ0aW1lPTE3NjcyMjIwMDAmdmVyaWZpZWQ9dHJ1ZSIsInZlcmlmaWVkIjp0cnVlfQ=="

// nodeVerdict is the driver's verify.any result.
type nodeVerdict struct {
	Verified, V1Verified, Fast, Slow bool
}

// interopAltchaLibGoFixtures re-computes the Node library's verdict on every altcha-lib-go
// fixture: it must still be the recorded one, which TestAltchaLibGoFixtures holds
// AstraCaph to.
func interopAltchaLibGoFixtures(t *testing.T, script string) {
	fixtures := loadAltchaLibGoFixtures(t)
	reqs := make([]map[string]any, len(fixtures))
	for i, f := range fixtures {
		reqs[i] = map[string]any{"op": "verify.any", "kind": f.Kind, "payload": f.Payload, "hmacKey": f.HMACKey,
			"keySigKey": f.KeySigKey, "hmacAlgorithm": f.HMACAlgorithm}
	}
	results := runAltcha(t, script, reqs)
	for i, f := range fixtures {
		t.Run(f.Name, func(t *testing.T) {
			var r nodeVerdict
			if !decodeResult(t, results[i], &r) {
				return
			}
			got := fixtureVerdict{Verified: r.Verified, Fast: r.Fast, Slow: r.Slow}
			assert.Equal(t, f.Node, got, "altcha-lib's verdict against the recorded one")
		})
	}
}

// interopOtherSpellings: payloads made by altcha-lib (v1, v2, server signatures, and v2
// with algorithm names in another case) are re-spelled and re-encoded; altcha-lib still
// accepts each, and so must AstraCaph.
func interopOtherSpellings(t *testing.T, script string) {
	sig, keySig := interopSigSecret, interopKeySecret
	utfData := json.RawMessage(`{"challengeId":"sp-utf8","name":"Zoë 日本 😀","html":"<b>&amp;</b>","sep":"a\u2028b","n":[1.5,{"z":1,"a":2}]}`)
	latinData := json.RawMessage(`{"challengeId":"sp-latin1","name":"Zoë café"}`)
	bases := []struct {
		name, kind string
		req        map[string]any
		algCase    bool
	}{
		{"v1", "v1", map[string]any{"op": "v1.create", "algorithm": "SHA-256", "hmacKey": sig, "maxnumber": 5000, "expiresIn": 600,
			"params": map[string]string{"form": "contact", "q": "a b&c=d é"}}, true},
		{"v2 UTF-8 data", "v2", map[string]any{"op": "v2.create", "hmacKey": sig, "keySigKey": keySig, "counterRange": []int{5, 30},
			"expiresIn": 600, "options": map[string]any{"algorithm": "PBKDF2/SHA-256", "cost": 10, "keyLength": 32, "data": utfData}}, false},
		{"v2 Latin-1 data", "v2", map[string]any{"op": "v2.create", "hmacKey": sig, "options": map[string]any{"algorithm": "SHA-256",
			"cost": 1, "keyLength": 32, "keyPrefix": "0", "data": latinData}}, false},
		{"v2 algorithm Scrypt", "v2", map[string]any{"op": "v2.createSpelled", "hmacKey": sig, "keySigKey": keySig, "counter": 7,
			"options": map[string]any{"algorithm": "Scrypt", "cost": 16, "memoryCost": 1, "parallelism": 1, "keyLength": 32}}, false},
		{"v2 algorithm pbkdf2/sha-256", "v2", map[string]any{"op": "v2.createSpelled", "hmacKey": sig, "keySigKey": keySig, "counter": 7,
			"options": map[string]any{"algorithm": "pbkdf2/sha-256", "cost": 10, "keyLength": 32}}, false},
		{"server", "server", map[string]any{"op": "server.sign", "algorithm": "SHA-256", "hmacKey": sig, "verified": true,
			"pairs": [][2]string{{"classification", "GOOD"}, {"email", "a+b@example.com"}, {"expire", strconv.FormatInt(time.Now().Unix()+3600, 10)},
				{"fields", "name,message"}, {"id", "tok-sp"}, {"verified", "true"}, {"note", "x y&z=é+% <&>"}}}, true},
	}
	reqs := make([]map[string]any, len(bases))
	for i, b := range bases {
		reqs[i] = b.req
	}
	created := runAltcha(t, script, reqs)

	type variant struct{ base, name, kind, payload string }
	var variants []variant
	for i, b := range bases {
		var r struct{ Payload string }
		if !decodeResult(t, created[i], &r) {
			continue
		}
		variants = append(variants, variant{b.name, "as altcha-lib wrote it", b.kind, r.Payload})
		for name, p := range spelledVariants(t, r.Payload, b.algCase) {
			variants = append(variants, variant{b.name, name, b.kind, p})
		}
	}
	reqs = make([]map[string]any, len(variants))
	for i, v := range variants {
		reqs[i] = map[string]any{"op": "verify.any", "kind": v.kind, "payload": v.payload, "hmacKey": sig, "keySigKey": keySig}
	}
	verdicts := runAltcha(t, script, reqs)
	for i, v := range variants {
		t.Run(v.base+"/"+v.name, func(t *testing.T) {
			var node nodeVerdict
			if !decodeResult(t, verdicts[i], &node) {
				return
			}
			switch v.kind {
			case "v1", "v2":
				o := astracaph.VerifyOptions{HMACKey: []byte(sig)}
				slow := verifyGo(t, v.payload, o)
				o.KeySignatureKey = []byte(keySig)
				fast := verifyGo(t, v.payload, o)
				nodeFast, nodeSlow := node.Fast, node.Slow
				if v.kind == "v1" {
					nodeFast, nodeSlow = node.Verified, node.Verified
				}
				require.True(t, nodeFast || nodeSlow, "altcha-lib rejects this spelling too: the test is wrong")
				assert.False(t, (nodeFast && !fast.Verified) || (nodeSlow && !slow.Verified),
					"altcha-lib accepts (key-signature path %t, re-derive path %t), AstraCaph %+v / %+v", nodeFast, nodeSlow, fast, slow)
				assert.True(t, slow.Verified && fast.Verified, "AstraCaph rejects a valid payload: %+v / %+v", fast, slow)
			case "server":
				require.True(t, node.Verified || node.V1Verified, "altcha-lib rejects this spelling too: the test is wrong")
				res, err := astracaph.VerifyServerSignature(v.payload, []byte(sig))
				require.NoError(t, err)
				msg := fmt.Sprintf("AstraCaph %+v; altcha-lib v2 %t, v1 %t", res, node.Verified, node.V1Verified)
				assert.True(t, res.Verified, msg)
				assert.Equal(t, "tok-sp", res.VerificationData.ID, msg)
				assert.Equal(t, "x y&z=é+% <&>", res.VerificationData.Extra["note"], msg)
			}
		})
	}
}
