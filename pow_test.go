package astracaph

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var testKey = []byte("test-hmac-key")

func quickOpts(alg Algorithm) ChallengeOptions {
	o := ChallengeOptions{Algorithm: alg, HMACKey: testKey, KeySignatureKey: []byte("ks"), CounterMin: 1, CounterMax: 40, ExpiresAt: time.Now().Add(time.Minute)}
	switch alg {
	case PBKDF2SHA256, PBKDF2SHA384, PBKDF2SHA512:
		o.Cost = 2
	case SHA256, SHA384, SHA512:
		o.Cost = 3
	case Scrypt:
		o.Cost, o.MemoryCost, o.Parallelism = 16, 1, 1
	case Argon2id:
		o.Cost, o.MemoryCost, o.Parallelism = 1, 64, 1
	}
	return o
}

var allV2 = []Algorithm{SHA256, SHA384, SHA512, PBKDF2SHA256, PBKDF2SHA384, PBKDF2SHA512, Scrypt, Argon2id}

func TestRoundTripAllAlgorithmsAndModes(t *testing.T) {
	for _, alg := range allV2 {
		for _, mode := range []Mode{Deterministic, Probabilistic} {
			o := quickOpts(alg)
			o.Mode = mode
			o.Data = map[string]any{"challengeId": "id-" + string(alg), "n": 1.5, "html": "<&>"}
			ch, err := CreateChallenge(o)
			require.NoError(t, err, alg)
			// The JSON the server sends parses back to the same challenge.
			js, err := json.Marshal(ch)
			require.NoError(t, err)
			var back Challenge
			require.NoError(t, json.Unmarshal(js, &back))
			sol, err := SolveChallenge(context.Background(), back, SolveOptions{})
			require.NoError(t, err, alg)
			payload := EncodePayload(back, sol)
			for _, ks := range [][]byte{nil, []byte("ks")} {
				res, err := VerifySolution(payload, VerifyOptions{HMACKey: testKey, KeySignatureKey: ks})
				require.NoError(t, err)
				require.True(t, res.Verified, "%s mode %d ks %v: %+v", alg, mode, ks != nil, res)
				require.Equal(t, "id-"+string(alg), res.ChallengeID)
				require.Equal(t, alg, res.Algorithm)
			}
			res, err := VerifySolution(payload, VerifyOptions{HMACKey: []byte("other")})
			require.NoError(t, err)
			require.True(t, res.InvalidSignature)
		}
	}
}

func TestV1RoundTrip(t *testing.T) {
	for _, alg := range []Algorithm{SHA256, SHA384, SHA512} {
		ch, err := CreateChallengeV1(ChallengeV1Options{Algorithm: alg, MaxNumber: 2000, HMACKey: testKey, ExpiresAt: time.Now().Add(time.Minute)})
		require.NoError(t, err)
		js, _ := json.Marshal(ch)
		require.Contains(t, string(js), `"maxnumber":2000`)
		sol, err := SolveChallengeV1(context.Background(), ch)
		require.NoError(t, err)
		res, err := VerifySolution(EncodePayloadV1(ch, sol), VerifyOptions{HMACKey: testKey})
		require.NoError(t, err)
		require.True(t, res.Verified)
		res, err = VerifySolution(EncodePayloadV1(ch, SolutionV1{Number: sol.Number + 1}), VerifyOptions{HMACKey: testKey})
		require.NoError(t, err)
		require.False(t, res.Verified)
	}
}

// Changing any single field of a payload makes it fail.
func TestTamperEveryField(t *testing.T) {
	o := quickOpts(PBKDF2SHA256)
	o.Data = map[string]any{"challengeId": "abc"}
	ch, err := CreateChallenge(o)
	require.NoError(t, err)
	sol, err := SolveChallenge(context.Background(), ch, SolveOptions{})
	require.NoError(t, err)
	good := mustDecode(t, EncodePayload(ch, sol))
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(good), &doc))
	params := doc["challenge"].(map[string]any)["parameters"].(map[string]any)
	mutations := map[string]func(){
		"algorithm":    func() { params["algorithm"] = "PBKDF2/SHA-512" },
		"nonce":        func() { params["nonce"] = flipHex(params["nonce"].(string)) },
		"salt":         func() { params["salt"] = flipHex(params["salt"].(string)) },
		"cost":         func() { params["cost"] = 3.0 },
		"keyLength":    func() { params["keyLength"] = 16.0 },
		"keyPrefix":    func() { params["keyPrefix"] = flipHex(params["keyPrefix"].(string)) },
		"keySignature": func() { params["keySignature"] = flipHex(params["keySignature"].(string)) },
		"expiresAt":    func() { params["expiresAt"] = params["expiresAt"].(float64) + 1 },
		"data":         func() { params["data"] = map[string]any{"challengeId": "abd"} },
		"extra field":  func() { params["z"] = 1.0 },
		"signature": func() {
			c := doc["challenge"].(map[string]any)
			c["signature"] = flipHex(c["signature"].(string))
		},
		"counter":    func() { doc["solution"].(map[string]any)["counter"] = float64(sol.Counter + 1) },
		"derivedKey": func() { doc["solution"].(map[string]any)["derivedKey"] = flipHex(sol.DerivedKey) },
	}
	for name, mutate := range mutations {
		var d map[string]any
		require.NoError(t, json.Unmarshal([]byte(good), &d))
		doc = d
		params = d["challenge"].(map[string]any)["parameters"].(map[string]any)
		mutate()
		b, _ := json.Marshal(d)
		for _, ks := range [][]byte{nil, []byte("ks")} {
			if name == "counter" && ks != nil {
				// The fast path proves the derived key by its keySignature and, like
				// altcha-lib, does not re-derive the counter (docs/protocol-notes.md, "PoW v2: verification order" step 6).
				continue
			}
			res, err := VerifySolution(base64.StdEncoding.EncodeToString(b), VerifyOptions{HMACKey: testKey, KeySignatureKey: ks})
			if err == nil {
				require.False(t, res.Verified, "mutating %s must fail (ks=%v)", name, ks != nil)
			}
		}
	}
}

func flipHex(s string) string {
	c := "0"
	if s[len(s)-1] == '0' {
		c = "1"
	}
	return s[:len(s)-1] + c
}

func TestCounterOutsideUint32(t *testing.T) {
	o := quickOpts(SHA256)
	o.Mode = Probabilistic
	o.KeyPrefix = "0"
	ch, err := CreateChallenge(o)
	require.NoError(t, err)
	sol, err := SolveChallenge(context.Background(), ch, SolveOptions{})
	require.NoError(t, err)
	for _, c := range []string{"4294967296", "-1", "1.5", "1e400"} {
		js := strings.Replace(mustDecode(t, EncodePayload(ch, sol)), `"counter":`+fmtInt(int(sol.Counter)), `"counter":`+c, 1)
		res, err := VerifySolution(base64.StdEncoding.EncodeToString([]byte(js)), VerifyOptions{HMACKey: testKey})
		require.NoError(t, err)
		require.True(t, res.InvalidSolution, c)
	}
	// Upper-case or odd-length derivedKey is refused before derivation.
	js := strings.Replace(mustDecode(t, EncodePayload(ch, sol)), sol.DerivedKey, strings.ToUpper(sol.DerivedKey), 1)
	res, err := VerifySolution(base64.StdEncoding.EncodeToString([]byte(js)), VerifyOptions{HMACKey: testKey})
	require.NoError(t, err)
	require.True(t, res.InvalidSolution)
}

func TestEmptyKeyIsAnError(t *testing.T) {
	_, err := VerifySolution(vDeterministicPayload, VerifyOptions{})
	require.ErrorIs(t, err, ErrEmptyKey)
	_, err = CreateChallenge(ChallengeOptions{})
	require.ErrorIs(t, err, ErrEmptyKey)
	_, err = VerifyServerSignature(vServerPayload, nil)
	require.ErrorIs(t, err, ErrEmptyKey)
	_, err = SignServerPayload(VerificationData{}, nil, "")
	require.ErrorIs(t, err, ErrEmptyKey)
}

func TestRefuseUnsolvableAndZeroWork(t *testing.T) {
	bad := []ChallengeOptions{
		{Algorithm: PBKDF2SHA256, KeyLength: 24},
		{Algorithm: SHA512, KeyLength: 32, Cost: 2},
		{Algorithm: Scrypt, Cost: 1024},
		{Algorithm: Argon2id, Cost: 1, MemoryCost: 1024},
	}
	for _, o := range bad {
		o.HMACKey = testKey
		_, err := CreateChallenge(o)
		require.ErrorIs(t, err, ErrUnsolvable, "%+v", o)
		o.AllowUnsolvable = true
		o.MemoryCost, o.Parallelism = max(o.MemoryCost, 8), 1
		if o.Algorithm == Scrypt {
			o.Cost = 16
		}
		if o.Algorithm == Argon2id {
			o.MemoryCost = 64
		}
		o.CounterMin, o.CounterMax = 1, 2
		_, err = CreateChallenge(o)
		require.NoError(t, err, "%+v", o)
	}
	for _, o := range []ChallengeOptions{
		{Algorithm: "Scrypt"}, {Algorithm: "sha-256"}, {Algorithm: SHA1},
	} {
		o.HMACKey = testKey
		_, err := CreateChallenge(o)
		require.ErrorIs(t, err, ErrUnknownAlgorithm)
	}
	// No zero-work challenge: an empty or full-length prefix is refused.
	_, err := CreateChallenge(ChallengeOptions{HMACKey: testKey, Mode: Probabilistic, KeyPrefix: "zz"})
	require.ErrorIs(t, err, ErrInvalidOptions)
	_, err = CreateChallenge(ChallengeOptions{HMACKey: testKey, KeyPrefixLength: 32, Cost: 1})
	require.ErrorIs(t, err, ErrInvalidOptions)
	ch, err := CreateChallenge(ChallengeOptions{HMACKey: testKey, Cost: 1, CounterMin: 1, CounterMax: 2})
	require.NoError(t, err)
	require.Len(t, ch.Parameters.KeyPrefix, 32)
}

func TestUnknownAlgorithmInPayloadRejected(t *testing.T) {
	js := strings.Replace(mustDecode(t, vDeterministicPayload), "PBKDF2/SHA-256", "PBKDF2/SHA-1", 1)
	_, err := VerifySolution(base64.StdEncoding.EncodeToString([]byte(js)), VerifyOptions{HMACKey: []byte("signature.secret")})
	require.ErrorIs(t, err, ErrUnknownAlgorithm)
	require.ErrorIs(t, err, ErrMalformedPayload)
}

func TestNonCanonicalParametersStillVerify(t *testing.T) {
	// Whitespace, reordered keys and escaped characters must canonicalise to the signed form.
	js := mustDecode(t, vDeterministicPayload)
	js = strings.Replace(js, `{"algorithm":"PBKDF2/SHA-256","cost":5000,`, `{ "cost" : 5000 , "algorithm":"PBKDF2\/SHA-256",`, 1)
	res, err := VerifySolution(base64.StdEncoding.EncodeToString([]byte(js)), VerifyOptions{HMACKey: []byte("signature.secret"), Now: time.Unix(1767225600, 0)})
	require.NoError(t, err)
	require.True(t, res.Verified, "%+v", res)
}

func TestMalformedPayloads(t *testing.T) {
	for _, p := range []string{"", "!!!", "e30=", base64.StdEncoding.EncodeToString([]byte(`{"challenge":{},"solution":{}}`)),
		base64.StdEncoding.EncodeToString([]byte(`[1,2]`)), strings.Repeat("A", maxPayloadLen+4),
		base64.StdEncoding.EncodeToString([]byte(`{"challenge":1,"challenge":2}`))} {
		res, err := VerifySolution(p, VerifyOptions{HMACKey: testKey})
		require.ErrorIs(t, err, ErrMalformedPayload, p)
		require.False(t, res.Verified)
	}
}

func TestSolveHonoursCancellation(t *testing.T) {
	o := ChallengeOptions{HMACKey: testKey, Mode: Probabilistic, KeyPrefix: "0000000000", Algorithm: PBKDF2SHA256, Cost: 100}
	ch, err := CreateChallenge(o)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = SolveChallenge(ctx, ch, SolveOptions{})
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func FuzzVerifySolution(f *testing.F) {
	f.Add(vDeterministicPayload)
	f.Add("eyJjaGFsbGVuZ2UiOm51bGwsInNvbHV0aW9uIjpudWxsLCJ0ZXN0Ijp0cnVlfQ==")
	f.Add("eyJhbGdvcml0aG0iOiJTSEEtMjU2IiwiY2hhbGxlbmdlIjoiYjY1MGI3ZDNkNTdkZDc3Mzk3ZmU2NTJkMjNkOTdhYWM4ZGM4NTViMmJmNzkxMjdkODBlYjY4YjNiYTQxNmE5ZCIsIm51bWJlciI6MTIzNDUsInNhbHQiOiJhYmNkZWYwMTIzNDU2Nzg5YWJjZGVmMDEmIiwic2lnbmF0dXJlIjoiNzUyZWRiYmNmODAyYmNiMjY2YTJlMjEzNzBmZGM2OWY0NGYxMzVlNDNjZTIyYzAxZWRmYWI4ZDk2MTFjNDc5MyIsInRvb2siOjQxMn0=")
	f.Add("eyJhIjoi6SJ9")
	f.Add(base64.StdEncoding.EncodeToString([]byte(`{"challenge":{"parameters":{"algorithm":"SHA-256","keyPrefix":"0","nonce":"00","salt":"00","data":{"x":[{"b":1,"a":2}]}},"signature":"00"},"solution":{"counter":0,"derivedKey":"00"}}`)))
	f.Fuzz(func(t *testing.T, payload string) {
		res, err := VerifySolution(payload, VerifyOptions{HMACKey: []byte("signature.secret"), KeySignatureKey: []byte("key.secret")})
		if err != nil {
			require.False(t, res.Verified, "verified with an error")
		}
		if res.Verified && payload != vDeterministicPayload {
			// Only payloads signed with the key can verify; the seed is the only one.
			b, _, _ := decodePayload(payload)
			require.True(t, strings.Contains(string(b), "e49766ea7e876429f73afe7f5802e5bb32ca0ce5952646e14e0337f59125f33c") ||
				strings.Contains(string(b), "752edbbcf8"), "unexpected verification of %q", b)
		}
	})
}

func FuzzVerifyServerSignature(f *testing.F) {
	f.Add(vServerPayload)
	f.Add("eyJhbGdvcml0aG0iOiJTSEEtMjU2Iiwic2lnbmF0dXJlIjoiIiwidmVyaWZpY2F0aW9uRGF0YSI6InZlcmlmaWVkPXRydWUiLCJ2ZXJpZmllZCI6dHJ1ZX0=")
	f.Add(base64.StdEncoding.EncodeToString([]byte(`{"algorithm":"SHA-1","signature":"00","verificationData":"a=%zz\u0026b","verified":true}`)))
	f.Fuzz(func(t *testing.T, payload string) {
		res, err := VerifyServerSignature(payload, []byte("sec_test"))
		if err != nil {
			require.False(t, res.Verified, "verified with an error")
		}
		if res.Verified {
			require.True(t, res.VerificationData.Verified, "verified without verified=true")
		}
	})
}
