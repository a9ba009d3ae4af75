package astracaph_test

// Interoperability with the official npm altcha-lib 2.8.0 run by Node (issue 2): every
// format AstraCaph emits is verified by altcha-lib, and everything altcha-lib emits is
// verified by AstraCaph. One Node process per test runs a batch of requests through the
// driver script testdata/interop/altcha-lib-driver.mjs (JSON on stdin, JSON on stdout).

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	altchaLib    = "altcha-lib@2.8.0"
	altchaDriver = "testdata/interop/altcha-lib-driver.mjs"
	nodeTimeout  = 60 * time.Second
	// Non-ASCII secrets check that both sides use the UTF-8 bytes of the secret string.
	interopSigSecret = "sig-sécret"
	interopKeySecret = "key-sécret"
)

// TestInteropAltchaLib installs altcha-lib once (cached across runs under os.TempDir)
// and runs each interop area as a subtest, e.g. -run 'TestInteropAltchaLib/CanonicalJSON'.
func TestInteropAltchaLib(t *testing.T) {
	driver, err := os.ReadFile(altchaDriver)
	require.NoError(t, err)
	dir := testenv.NPMInstall(t, altchaLib)
	script := testenv.NodeScript(t, dir, string(driver))
	for _, area := range []struct {
		name string
		fn   func(*testing.T, string)
	}{
		{"GoChallengeSolvedByAltchaLib", interopGoChallengeSolvedByAltchaLib},
		{"AltchaLibChallengeVerifiedByGo", interopAltchaLibChallengeVerifiedByGo},
		{"PoWv1", interopPoWv1},
		{"ServerSignature", interopServerSignature},
		{"CanonicalJSON", interopCanonicalJSON},
		{"StringCounterMode", interopStringCounterMode},
		{"AltchaLibGoFixtures", interopAltchaLibGoFixtures},
		{"OtherSpellings", interopOtherSpellings},
	} {
		t.Run(area.name, func(t *testing.T) { area.fn(t, script) })
	}
}

// runAltcha runs reqs through the driver and returns one raw result per request.
func runAltcha(t *testing.T, script string, reqs []map[string]any) []json.RawMessage {
	t.Helper()
	var out []json.RawMessage
	testenv.RunNode(t, nodeTimeout, script, map[string]any{"requests": reqs}, &out)
	require.Len(t, out, len(reqs), "one driver result per request")
	return out
}

// decodeResult decodes one driver result into v. It reports false (after failing the
// test) when the request errored on the Node side, and skips the test when the driver
// skipped the request (ARGON2ID on a Node without crypto.argon2).
func decodeResult(t *testing.T, raw json.RawMessage, v any) bool {
	t.Helper()
	var status struct{ Error, Skipped string }
	if !assert.NoError(t, json.Unmarshal(raw, &status), "driver result: %s", raw) {
		return false
	}
	if !assert.Empty(t, status.Error, "altcha-lib failed") {
		return false
	}
	if status.Skipped != "" {
		t.Skipf("skipped on the Node side: %s", status.Skipped)
	}
	return assert.NoError(t, json.Unmarshal(raw, v), "driver result: %s", raw)
}

// jsVerdict is the shape of altcha-lib's verification results.
type jsVerdict struct {
	Verified         bool  `json:"verified"`
	Expired          bool  `json:"expired"`
	InvalidSignature *bool `json:"invalidSignature"`
	InvalidSolution  *bool `json:"invalidSolution"`
}

func (v jsVerdict) String() string {
	b := func(p *bool) string {
		if p == nil {
			return "null"
		}
		return strconv.FormatBool(*p)
	}
	return fmt.Sprintf("{verified:%t expired:%t invalidSignature:%s invalidSolution:%s}",
		v.Verified, v.Expired, b(v.InvalidSignature), b(v.InvalidSolution))
}

type jsSolution struct {
	Counter    uint32  `json:"counter"`
	DerivedKey string  `json:"derivedKey"`
	Time       float64 `json:"time"`
}

// canonicalOf returns the "parameters" member of ch's JSON byte for byte. It calls
// MarshalJSON directly: json.Marshal would re-escape <, >, &, U+2028 and U+2029 (same
// value, different text).
func canonicalOf(t *testing.T, ch astracaph.Challenge) string {
	t.Helper()
	challengeJSON, err := ch.MarshalJSON()
	require.NoError(t, err)
	var env struct {
		Parameters json.RawMessage `json:"parameters"`
	}
	require.NoError(t, json.Unmarshal(challengeJSON, &env))
	return string(env.Parameters)
}

// firstDiff describes where two strings start to differ, for readable failures.
func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	clip := func(s string) string {
		lo, hi := max(0, i-20), min(len(s), i+40)
		return strconv.Quote(s[lo:hi])
	}
	return fmt.Sprintf("first difference at byte %d: Go …%s… vs altcha-lib …%s…", i, clip(a), clip(b))
}

func verifyGo(t *testing.T, payload string, opts astracaph.VerifyOptions) astracaph.SolutionResult {
	t.Helper()
	res, err := astracaph.VerifySolution(payload, opts)
	assert.NoError(t, err, "Go VerifySolution")
	return res
}

// awkwardData exercises canonical JSON: characters encoding/json would escape, Latin-1 and
// non-Latin-1 text (btoa), a nested object and a fractional number.
func awkwardData(id string) map[string]any {
	return map[string]any{
		"challengeId": id,
		"html":        "<&>",
		"accent":      "é",
		"sep":         "a\u2028b\u2029c",
		"nested":      map[string]any{"z": 1.5, "a": "x", "n": nil, "t": true},
		"num":         1.5,
	}
}

// interopGoChallengeSolvedByAltchaLib: challenges created by Go are solved by
// altcha-lib's solveChallenge; the solution verifies in altcha-lib (both paths) and in Go
// (both paths); Go's own payload verifies in altcha-lib; both solvers find the same
// counter and key, and both sides agree on the canonical parameters.
func interopGoChallengeSolvedByAltchaLib(t *testing.T, script string) {
	sig, keySig := []byte(interopSigSecret), []byte(interopKeySecret)
	exp := time.Now().Add(10 * time.Minute)
	cases := []struct {
		name string
		opts astracaph.ChallengeOptions
	}{
		{"PBKDF2/SHA-256 deterministic", astracaph.ChallengeOptions{Algorithm: astracaph.PBKDF2SHA256, Cost: 10,
			CounterMin: 5, CounterMax: 30, KeySignatureKey: keySig, ExpiresAt: exp, Data: awkwardData("go-pbkdf2")}},
		{"PBKDF2/SHA-512 k16 probabilistic", astracaph.ChallengeOptions{Algorithm: astracaph.PBKDF2SHA512, Cost: 10,
			KeyLength: 16, Mode: astracaph.Probabilistic, KeyPrefix: "0"}},
		{"SHA-256 probabilistic", astracaph.ChallengeOptions{Algorithm: astracaph.SHA256, Cost: 1, KeyLength: 32,
			Mode: astracaph.Probabilistic, KeyPrefix: "0", ExpiresAt: exp, Data: awkwardData("go-sha256")}},
		{"SHA-512 deterministic, HMAC SHA-384", astracaph.ChallengeOptions{Algorithm: astracaph.SHA512, Cost: 1,
			KeyLength: 64, CounterMin: 5, CounterMax: 30, KeySignatureKey: keySig, HMACAlgorithm: astracaph.SHA384,
			Data: awkwardData("go-sha512")}},
		{"SCRYPT deterministic", astracaph.ChallengeOptions{Algorithm: astracaph.Scrypt, Cost: 16, MemoryCost: 1,
			Parallelism: 1, CounterMin: 5, CounterMax: 30, KeySignatureKey: keySig, ExpiresAt: exp, Data: awkwardData("go-scrypt")}},
		{"ARGON2ID deterministic", astracaph.ChallengeOptions{Algorithm: astracaph.Argon2id, Cost: 1, MemoryCost: 64,
			Parallelism: 1, CounterMin: 5, CounterMax: 30, KeySignatureKey: keySig, Data: awkwardData("go-argon2")}},
	}
	type goSide struct {
		ch        astracaph.Challenge
		sol       astracaph.Solution
		payload   string
		canonical string
	}
	gos := make([]goSide, len(cases))
	reqs := make([]map[string]any, len(cases))
	for i, c := range cases {
		c.opts.HMACKey = sig
		ch, err := astracaph.CreateChallenge(c.opts)
		require.NoError(t, err, c.name)
		// One worker walks the counters in order, like altcha-lib, so both must agree.
		sol, err := astracaph.SolveChallenge(t.Context(), ch, astracaph.SolveOptions{Workers: 1})
		require.NoError(t, err, c.name)
		chJSON, err := json.Marshal(ch)
		require.NoError(t, err)
		gos[i] = goSide{ch, sol, astracaph.EncodePayload(ch, sol), canonicalOf(t, ch)}
		reqs[i] = map[string]any{"op": "v2.solve", "challenge": json.RawMessage(chJSON), "hmacKey": interopSigSecret,
			"keySigKey": interopKeySecret, "hmacAlgorithm": string(c.opts.HMACAlgorithm), "goPayload": gos[i].payload}
	}
	results := runAltcha(t, script, reqs)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := gos[i]
			var r struct {
				Solution                   jsSolution
				Canonical, Payload         string
				Fast, Slow, GoFast, GoSlow jsVerdict
			}
			if !decodeResult(t, results[i], &r) {
				return
			}
			assert.Equal(t, g.canonical, r.Canonical, "canonical parameters differ: %s", firstDiff(g.canonical, r.Canonical))
			assert.Equal(t, g.sol.Counter, r.Solution.Counter, "altcha-lib's and Go's counter")
			assert.Equal(t, g.sol.DerivedKey, r.Solution.DerivedKey, "altcha-lib's and Go's derived key")
			for name, v := range map[string]jsVerdict{"altcha-lib solution, key-signature path": r.Fast,
				"altcha-lib solution, re-derive path": r.Slow, "Go payload, key-signature path": r.GoFast,
				"Go payload, re-derive path": r.GoSlow} {
				assert.True(t, v.Verified, "altcha-lib verifySolution (%s) = %v, want verified", name, v)
			}
			hmacAlg := c.opts.HMACAlgorithm
			fast := astracaph.VerifyOptions{HMACKey: sig, KeySignatureKey: keySig, HMACAlgorithm: hmacAlg}
			slow := astracaph.VerifyOptions{HMACKey: sig, HMACAlgorithm: hmacAlg}
			for name, o := range map[string]astracaph.VerifyOptions{"key-signature path": fast, "re-derive path": slow} {
				res := verifyGo(t, r.Payload, o)
				assert.True(t, res.Verified, "Go VerifySolution of the altcha-lib payload (%s) = %+v", name, res)
				assert.Equal(t, uint64(r.Solution.Counter), res.Counter, "the counter Go read")
				id, _ := c.opts.Data["challengeId"].(string)
				assert.Equal(t, id, res.ChallengeID, "the challengeId Go read")
			}
			wrong := verifyGo(t, r.Payload, astracaph.VerifyOptions{HMACKey: []byte("other"), HMACAlgorithm: hmacAlg})
			assert.False(t, wrong.Verified, "Go VerifySolution with a wrong secret = %+v", wrong)
			assert.True(t, wrong.InvalidSignature, "Go VerifySolution with a wrong secret = %+v, want invalid signature", wrong)
		})
	}
}

// interopAltchaLibChallengeVerifiedByGo: challenges created and solved by altcha-lib
// verify in Go; tampered payloads are judged as altcha-lib judges them, and a changed
// counter always fails Go's re-derive path.
func interopAltchaLibChallengeVerifiedByGo(t *testing.T, script string) {
	sig, keySig := []byte(interopSigSecret), []byte(interopKeySecret)
	data := json.RawMessage(`{"challengeId":"js-1","form":"contact","html":"<&>","accent":"é","sep":"a\u2028b","n":1.5}`)
	cases := []struct {
		name          string
		options       map[string]any
		counterRange  []int
		keySig        bool
		hmacAlgorithm astracaph.Algorithm
		expiresIn     int
	}{
		{"PBKDF2/SHA-256 deterministic", map[string]any{"algorithm": "PBKDF2/SHA-256", "cost": 10, "keyLength": 32, "data": data},
			[]int{5, 30}, true, "", 600},
		{"SHA-256 probabilistic, odd upper-case prefix", map[string]any{"algorithm": "SHA-256", "cost": 1, "keyLength": 32,
			"keyPrefix": "00F", "data": data}, nil, false, "", 600},
		{"SHA-512 deterministic, HMAC SHA-512", map[string]any{"algorithm": "SHA-512", "cost": 2, "keyLength": 64},
			[]int{5, 30}, true, astracaph.SHA512, 0},
		{"PBKDF2/SHA-384 probabilistic k16", map[string]any{"algorithm": "PBKDF2/SHA-384", "cost": 10, "keyLength": 16,
			"keyPrefix": "0"}, nil, false, "", 0},
		{"SCRYPT deterministic", map[string]any{"algorithm": "SCRYPT", "cost": 16, "memoryCost": 1, "parallelism": 1,
			"keyLength": 32, "data": data}, []int{5, 30}, true, "", 600},
		{"ARGON2ID deterministic", map[string]any{"algorithm": "ARGON2ID", "cost": 1, "memoryCost": 64, "parallelism": 1,
			"keyLength": 32}, []int{5, 30}, true, "", 600},
		{"PBKDF2/SHA-256 deterministic, expired", map[string]any{"algorithm": "PBKDF2/SHA-256", "cost": 10, "keyLength": 32},
			[]int{5, 30}, true, "", -60},
	}
	reqs := make([]map[string]any, len(cases))
	for i, c := range cases {
		reqs[i] = map[string]any{"op": "v2.create", "options": c.options, "hmacKey": interopSigSecret,
			"hmacAlgorithm": string(c.hmacAlgorithm), "expiresIn": c.expiresIn}
		if c.counterRange != nil {
			reqs[i]["counterRange"] = c.counterRange
		}
		if c.keySig {
			reqs[i]["keySigKey"] = interopKeySecret
		}
	}
	results := runAltcha(t, script, reqs)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var r struct {
				Challenge                                 json.RawMessage
				Canonical                                 string
				Solution                                  jsSolution
				Payload, PayloadBadCounter, PayloadBadKey string
				Fast, Slow                                jsVerdict
				BadCounterFast, BadCounterSlow            jsVerdict
				BadKeyFast, BadKeySlow                    jsVerdict
			}
			if !decodeResult(t, results[i], &r) {
				return
			}
			expired := c.expiresIn < 0
			fast := astracaph.VerifyOptions{HMACKey: sig, KeySignatureKey: keySig, HMACAlgorithm: c.hmacAlgorithm}
			slow := astracaph.VerifyOptions{HMACKey: sig, HMACAlgorithm: c.hmacAlgorithm}

			// Go reads the altcha-lib challenge and re-emits the same canonical parameters.
			var ch astracaph.Challenge
			require.NoError(t, json.Unmarshal(r.Challenge, &ch))
			got := canonicalOf(t, ch)
			assert.Equal(t, r.Canonical, got, "canonical parameters differ: %s", firstDiff(got, r.Canonical))
			if c.keySig {
				assert.NotEmpty(t, ch.Parameters.KeySignature, "altcha-lib challenge has no keySignature: %s", r.Challenge)
			}

			check := func(what, payload string, o astracaph.VerifyOptions, js jsVerdict) astracaph.SolutionResult {
				t.Helper()
				res := verifyGo(t, payload, o)
				assert.Equal(t, js.Verified, res.Verified, "%s: verified, altcha-lib %v", what, js)
				assert.Equal(t, js.Expired, res.Expired, "%s: expired, altcha-lib %v", what, js)
				return res
			}
			for _, p := range []struct {
				what string
				o    astracaph.VerifyOptions
				js   jsVerdict
			}{{"key-signature path", fast, r.Fast}, {"re-derive path", slow, r.Slow}} {
				res := check(p.what, r.Payload, p.o, p.js)
				assert.Equal(t, !expired, res.Verified, "%s: Go verified", p.what)
				assert.Equal(t, expired, res.Expired, "%s: Go expired", p.what)
				if expired {
					continue
				}
				assert.Equal(t, uint64(r.Solution.Counter), res.Counter, "the counter Go read")
				if assert.Equal(t, c.expiresIn == 0, res.ExpiresAt.IsZero(), "Go read expiresAt %v", res.ExpiresAt) && !res.ExpiresAt.IsZero() {
					assert.Equal(t, ch.Parameters.ExpiresAt, res.ExpiresAt.Unix(), "the expiresAt Go read")
				}
				if _, hasData := c.options["data"]; hasData {
					assert.Equal(t, "js-1", res.ChallengeID, "the challengeId Go read")
				}
			}
			if expired {
				return
			}
			// The key-signature path does not re-check the counter (by design, in both
			// libraries); the re-derive path must refuse it.
			check("counter changed, key-signature path", r.PayloadBadCounter, fast, r.BadCounterFast)
			res := check("counter changed, re-derive path", r.PayloadBadCounter, slow, r.BadCounterSlow)
			assert.False(t, res.Verified, "counter changed, re-derive path: Go %+v", res)
			assert.True(t, res.InvalidSolution, "counter changed, re-derive path: Go %+v, want invalid solution", res)
			for _, p := range []struct {
				what string
				o    astracaph.VerifyOptions
				js   jsVerdict
			}{{"derived key changed, key-signature path", fast, r.BadKeyFast}, {"derived key changed, re-derive path", slow, r.BadKeySlow}} {
				assert.False(t, check(p.what, r.PayloadBadKey, p.o, p.js).Verified, "%s: Go verified a wrong derived key", p.what)
			}
		})
	}
}

// interopPoWv1 checks legacy PoW v1 both ways with altcha-lib/v1.
func interopPoWv1(t *testing.T, script string) {
	key := []byte(interopSigSecret)
	now := time.Now()

	// Go challenge → altcha-lib solve and verify.
	goCases := []struct {
		name string
		opts astracaph.ChallengeV1Options
	}{
		{"SHA-256 with params and expiry", astracaph.ChallengeV1Options{MaxNumber: 5000, ExpiresAt: now.Add(10 * time.Minute),
			Params: url.Values{"form": {"contact"}, "q": {"a b&c=d é"}}}},
		{"SHA-512 plain", astracaph.ChallengeV1Options{Algorithm: astracaph.SHA512, MaxNumber: 5000}},
		{"SHA-256 expired", astracaph.ChallengeV1Options{MaxNumber: 5000, ExpiresAt: now.Add(-time.Minute)}},
	}
	// altcha-lib challenge → Go verify.
	jsCases := []struct {
		name      string
		alg       astracaph.Algorithm
		expiresIn int
		params    map[string]string
	}{
		{"SHA-256 with params and expiry", astracaph.SHA256, 600, map[string]string{"form": "contact", "q": "a b&c=d é"}},
		{"SHA-512 plain", astracaph.SHA512, 0, nil},
		{"SHA-1 with expiry", astracaph.SHA1, 600, nil},
		{"SHA-256 expired", astracaph.SHA256, -60, nil},
	}
	type goSide struct {
		ch      astracaph.ChallengeV1
		sol     astracaph.SolutionV1
		payload string
	}
	gos := make([]goSide, len(goCases))
	var reqs []map[string]any
	for i, c := range goCases {
		c.opts.HMACKey = key
		ch, err := astracaph.CreateChallengeV1(c.opts)
		require.NoError(t, err, c.name)
		sol, err := astracaph.SolveChallengeV1(t.Context(), ch)
		require.NoError(t, err, c.name)
		chJSON, err := json.Marshal(ch)
		require.NoError(t, err)
		require.Contains(t, string(chJSON), `"maxnumber":`, "altcha-lib/v1 emits maxnumber in lower case")
		gos[i] = goSide{ch, sol, astracaph.EncodePayloadV1(ch, sol)}
		reqs = append(reqs, map[string]any{"op": "v1.solve", "challenge": json.RawMessage(chJSON), "hmacKey": interopSigSecret,
			"goPayload": gos[i].payload})
	}
	for _, c := range jsCases {
		q := map[string]any{"op": "v1.create", "algorithm": string(c.alg), "hmacKey": interopSigSecret,
			"maxnumber": 5000, "expiresIn": c.expiresIn}
		if c.params != nil { // new URLSearchParams(null) would add a "null" parameter
			q["params"] = c.params
		}
		reqs = append(reqs, q)
	}
	results := runAltcha(t, script, reqs)

	for i, c := range goCases {
		t.Run("Go→altcha-lib/"+c.name, func(t *testing.T) {
			g := gos[i]
			var r struct {
				Number                                   int64
				Payload                                  string
				Params                                   map[string]string
				Verified, GoVerified, GoVerifiedNoExpiry bool
			}
			if !decodeResult(t, results[i], &r) {
				return
			}
			expired := c.opts.ExpiresAt.Before(now) && !c.opts.ExpiresAt.IsZero()
			assert.Equal(t, g.sol.Number, r.Number, "altcha-lib/v1's and Go's number")
			assert.Equal(t, !expired, r.Verified, "altcha-lib/v1 verifySolution of its own payload")
			assert.Equal(t, !expired, r.GoVerified, "altcha-lib/v1 verifySolution of the Go payload")
			assert.True(t, r.GoVerifiedNoExpiry, "altcha-lib/v1 verifySolution of the Go payload without expiry check")
			for k := range c.opts.Params {
				assert.Equal(t, c.opts.Params.Get(k), r.Params[k], "altcha-lib/v1 extractParams %q", k)
			}
			res := verifyGo(t, r.Payload, astracaph.VerifyOptions{HMACKey: key})
			assert.Equal(t, !expired, res.Verified, "Go VerifySolution of the altcha-lib/v1 payload = %+v", res)
			assert.Equal(t, expired, res.Expired, "Go VerifySolution of the altcha-lib/v1 payload = %+v", res)
			assert.Equal(t, 1, res.Version, "Go VerifySolution of the altcha-lib/v1 payload = %+v", res)
			res = verifyGo(t, r.Payload, astracaph.VerifyOptions{HMACKey: key, IgnoreExpiry: true})
			assert.True(t, res.Verified, "Go VerifySolution ignoring expiry = %+v", res)
		})
	}
	for j, c := range jsCases {
		t.Run("altcha-lib→Go/"+c.name, func(t *testing.T) {
			var r struct {
				Challenge                               json.RawMessage
				Payload, PayloadBadNumber               string
				Verified, VerifiedNoExpiry, BadVerified bool
			}
			if !decodeResult(t, results[len(goCases)+j], &r) {
				return
			}
			expired := c.expiresIn < 0
			var ch astracaph.ChallengeV1
			require.NoError(t, json.Unmarshal(r.Challenge, &ch))
			assert.EqualValues(t, 5000, ch.MaxNumber, "Go read the altcha-lib/v1 challenge as %+v from %s", ch, r.Challenge)
			assert.Equal(t, c.alg, ch.Algorithm, "Go read the altcha-lib/v1 challenge as %+v from %s", ch, r.Challenge)
			assert.Equal(t, !expired, r.Verified, "altcha-lib/v1 verifySolution sanity")
			assert.True(t, r.VerifiedNoExpiry, "altcha-lib/v1 verifySolution sanity")
			assert.False(t, r.BadVerified, "altcha-lib/v1 verifySolution sanity")
			res := verifyGo(t, r.Payload, astracaph.VerifyOptions{HMACKey: key})
			assert.Equal(t, r.Verified, res.Verified, "Go VerifySolution = %+v, altcha-lib/v1 verified=%t", res, r.Verified)
			assert.Equal(t, expired, res.Expired, "Go VerifySolution = %+v", res)
			for k, v := range c.params {
				assert.Equal(t, v, astracaph.SaltParamsForTest(&res).Get(k), "Go read salt parameter %q", k)
			}
			res = verifyGo(t, r.Payload, astracaph.VerifyOptions{HMACKey: key, IgnoreExpiry: true})
			assert.Equal(t, r.VerifiedNoExpiry, res.Verified, "Go VerifySolution ignoring expiry = %+v", res)
			res = verifyGo(t, r.PayloadBadNumber, astracaph.VerifyOptions{HMACKey: key, IgnoreExpiry: true})
			assert.False(t, res.Verified, "Go verified a payload with the number changed")
			res = verifyGo(t, r.Payload, astracaph.VerifyOptions{HMACKey: []byte("other"), IgnoreExpiry: true})
			assert.False(t, res.Verified, "Go VerifySolution with a wrong secret = %+v", res)
			assert.True(t, res.InvalidSignature, "Go VerifySolution with a wrong secret = %+v, want invalid signature", res)
			// Go solves the altcha-lib challenge to the same number, and that payload verifies too.
			sol, err := astracaph.SolveChallengeV1(t.Context(), ch)
			require.NoError(t, err)
			res = verifyGo(t, astracaph.EncodePayloadV1(ch, sol), astracaph.VerifyOptions{HMACKey: key, IgnoreExpiry: true})
			assert.True(t, res.Verified, "Go solution of the altcha-lib/v1 challenge did not verify: %+v", res)
		})
	}
}

// interopServerSignature checks server-signature payloads both ways: Go-signed payloads
// verify with altcha-lib's verifyServerSignature (v2 and legacy v1) and verifyFieldsHash;
// payloads built in Node per docs/protocol-notes.md, "Server-signature payloads (tokens)", verify in Go; both sides
// agree on every flag.
func interopServerSignature(t *testing.T, script string) {
	key := []byte(interopSigSecret)
	now := time.Now()
	form := url.Values{"name": {"Jane Doe"}, "message": {"Hello\r\nWorld\r\n"}, "other": {"x"}}
	formJS := map[string]string{"name": "Jane Doe", "message": "Hello\r\nWorld\r\n", "other": "x"}
	fields := []string{"name", "message", "missing"}
	base := func(alg astracaph.Algorithm) astracaph.VerificationData {
		return astracaph.VerificationData{
			Classification: "GOOD", Email: "a+b@example.com", Expire: now.Add(time.Hour), Fields: fields,
			FieldsHash: astracaph.FieldsHash(form, fields, alg), ID: "tok-1", IPAddress: "203.0.113.7",
			Origin: "https://example.com:8443", Site: "site_1", Reasons: []string{"a", "b"}, Score: 1.5, HasScore: true,
			Time: now, Verified: true, Extra: map[string]string{"note": "x y&z=é+%"},
		}
	}
	goCases := []struct {
		name string
		alg  astracaph.Algorithm
		edit func(*astracaph.VerificationData)
		key  string // the secret altcha-lib verifies with
	}{
		{"SHA-256", astracaph.SHA256, nil, interopSigSecret},
		{"SHA-384", astracaph.SHA384, nil, interopSigSecret},
		{"SHA-512", astracaph.SHA512, nil, interopSigSecret},
		{"wrong secret", astracaph.SHA256, nil, "other"},
		{"expired", astracaph.SHA256, func(d *astracaph.VerificationData) { d.Expire = now.Add(-time.Minute) }, interopSigSecret},
		{"not verified", astracaph.SHA256, func(d *astracaph.VerificationData) { d.Verified = false }, interopSigSecret},
	}
	var reqs []map[string]any
	payloads := make([]string, len(goCases))
	datas := make([]astracaph.VerificationData, len(goCases))
	for i, c := range goCases {
		d := base(c.alg)
		if c.edit != nil {
			c.edit(&d)
		}
		p, err := astracaph.SignServerPayload(d, key, c.alg)
		require.NoError(t, err)
		payloads[i], datas[i] = p, d
		reqs = append(reqs, map[string]any{"op": "server.verify", "payload": p, "hmacKey": c.key, "form": formJS,
			"fields": fields, "fieldsHash": d.FieldsHash, "fieldsAlgorithm": string(c.alg)})
	}

	unix := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).Unix(), 10) }
	pairs := func(expire, verified string) [][2]string {
		return [][2]string{{"classification", "GOOD"}, {"email", "a+b@example.com"}, {"expire", expire},
			{"id", "tok-js"}, {"ipAddress", "203.0.113.7"}, {"reasons", "a,b"}, {"score", "1.5"},
			{"time", unix(0)}, {"verified", verified}, {"note", "x y&z=é+%"}}
	}
	jsCases := []struct {
		name     string
		alg      astracaph.Algorithm
		pairs    [][2]string
		verified bool
	}{
		{"SHA-256", astracaph.SHA256, pairs(unix(time.Hour), "true"), true},
		{"SHA-1 (legacy Sentinel)", astracaph.SHA1, pairs(unix(time.Hour), "true"), true},
		{"SHA-512", astracaph.SHA512, pairs(unix(time.Hour), "true"), true},
		{"expired", astracaph.SHA256, pairs(unix(-time.Minute), "true"), true},
		{"verificationData not verified", astracaph.SHA256, pairs(unix(time.Hour), "false"), true},
		{"payload not verified", astracaph.SHA256, pairs(unix(time.Hour), "true"), false},
	}
	for _, c := range jsCases {
		reqs = append(reqs, map[string]any{"op": "server.sign", "algorithm": string(c.alg), "hmacKey": interopSigSecret,
			"pairs": c.pairs, "verified": c.verified, "form": formJS, "fields": fields})
	}
	results := runAltcha(t, script, reqs)

	agree := func(t *testing.T, what string, g astracaph.ServerSignatureResult, js jsVerdict) {
		t.Helper()
		require.NotNil(t, js.InvalidSignature, "%s: altcha-lib returned null flags: %v", what, js)
		require.NotNil(t, js.InvalidSolution, "%s: altcha-lib returned null flags: %v", what, js)
		assert.Equal(t, js.Verified, g.Verified, "%s: Go %+v, altcha-lib %v", what, g, js)
		assert.Equal(t, js.Expired, g.Expired, "%s: Go %+v, altcha-lib %v", what, g, js)
		assert.Equal(t, *js.InvalidSignature, g.InvalidSignature, "%s: Go %+v, altcha-lib %v", what, g, js)
		assert.Equal(t, *js.InvalidSolution, g.InvalidSolution, "%s: Go %+v, altcha-lib %v", what, g, js)
	}
	for i, c := range goCases {
		t.Run("Go→altcha-lib/"+c.name, func(t *testing.T) {
			var r struct {
				jsVerdict
				VerificationData map[string]any
				FieldsOK         bool
				V1               struct{ Verified bool }
			}
			if !decodeResult(t, results[i], &r) {
				return
			}
			g, err := astracaph.VerifyServerSignature(payloads[i], []byte(c.key))
			require.NoError(t, err)
			agree(t, "verifyServerSignature", g, r.jsVerdict)
			// altcha-lib/v1 additionally requires an expire in the future; every payload here has one.
			assert.Equal(t, g.Verified, r.V1.Verified, "altcha-lib/v1 verifyServerSignature")
			assert.True(t, r.FieldsOK, "altcha-lib verifyFieldsHash rejected Go's fieldsHash %s", datas[i].FieldsHash)
			d := datas[i]
			vd := r.VerificationData
			want := map[string]any{"id": d.ID, "email": d.Email, "origin": d.Origin, "site": d.Site, "ipAddress": d.IPAddress,
				"classification": d.Classification, "score": d.Score, "expire": float64(d.Expire.Unix()),
				"time": float64(d.Time.Unix()), "verified": d.Verified, "note": d.Extra["note"], "fieldsHash": d.FieldsHash}
			for k, w := range want {
				assert.Equal(t, fmt.Sprint(w), fmt.Sprint(vd[k]), "altcha-lib parsed %s = %#v, Go signed %#v", k, vd[k], w)
			}
			assert.Equal(t, fmt.Sprint(d.Fields), fmt.Sprint(vd["fields"]), "the fields altcha-lib parsed")
			assert.Equal(t, fmt.Sprint(d.Reasons), fmt.Sprint(vd["reasons"]), "the reasons altcha-lib parsed")
		})
	}
	for j, c := range jsCases {
		t.Run("altcha-lib→Go/"+c.name, func(t *testing.T) {
			var r struct {
				Payload, VerificationData, FieldsHash string
				Lib                                   jsVerdict
			}
			if !decodeResult(t, results[len(goCases)+j], &r) {
				return
			}
			g, err := astracaph.VerifyServerSignature(r.Payload, key)
			require.NoError(t, err)
			agree(t, "VerifyServerSignature", g, r.Lib)
			assert.Equal(t, r.VerificationData, g.RawData, "Go's RawData")
			vd := g.VerificationData
			msg := fmt.Sprintf("Go parsed verificationData %+v from %q", vd, r.VerificationData)
			assert.Equal(t, "tok-js", vd.ID, msg)
			assert.Equal(t, "a+b@example.com", vd.Email, msg)
			assert.Equal(t, 1.5, vd.Score, msg)
			assert.True(t, vd.HasScore, msg)
			assert.Equal(t, "a,b", strings.Join(vd.Reasons, ","), msg)
			assert.Equal(t, "x y&z=é+%", vd.Extra["note"], msg)
			assert.Equal(t, "203.0.113.7", vd.IPAddress, msg)
			ok, err := astracaph.VerifyFieldsHash(form, vd.Fields, vd.FieldsHash, c.alg)
			assert.NoError(t, err)
			assert.True(t, ok, "Go VerifyFieldsHash(%v, %s, %s)", vd.Fields, vd.FieldsHash, c.alg)
			wrong, err := astracaph.VerifyServerSignature(r.Payload, []byte("other"))
			assert.NoError(t, err)
			assert.False(t, wrong.Verified, "Go VerifyServerSignature with a wrong secret = %+v", wrong)
			assert.True(t, wrong.InvalidSignature, "Go VerifyServerSignature with a wrong secret = %+v", wrong)
		})
	}
}

// canonicalGoCases are data objects whose canonical JSON is easy to get wrong: array-index
// keys (enumerated first, numerically, by JavaScript), UTF-16 key order around U+FFFF and
// astral characters, ECMAScript number formatting, JSON.stringify escaping and lone
// surrogates (held in Go strings as WTF-8), nested objects and arrays.
func canonicalGoCases() []struct {
	name string
	data map[string]any
} {
	negZero := math.Copysign(0, -1)
	tenth := 0.1
	return []struct {
		name string
		data map[string]any
	}{
		{"integer-like keys", map[string]any{"10": "ten", "2": "two", "a": "x", "01": "lead", "-1": "neg",
			"4294967294": "max index", "4294967295": "not an index", "1.5": "f", "0": "zero"}},
		{"U+FFFF, private use and astral keys", map[string]any{"\uffff": 1, "😀": 2, "\ue000": 3, "a": 4, "é": 5, "Z": 6, "𝄞": 7}},
		{"numbers", map[string]any{"negzero": negZero, "e21": 1e21, "e-7": 1e-7, "half": 1.5, "e20": 1e20,
			"tiny": 5e-324, "max": math.MaxFloat64, "sum": tenth + 0.2, "neg": -1e-7, "micro": 1e-6,
			"big": 123456789012345680000.0, "int": 42, "i64": int64(1) << 53, "third": 1.0 / 3}},
		{"strings", map[string]any{"html": "<&>", "seps": "\u2028\u2029", "ctl": "\x00\x01\x1f\x7f\b\f\n\r\t",
			"quote": "\"\\/", "accent": "é", "emoji": "😀", "bom": "\ufeff", "nonchar": "\uffff"}},
		{"lone surrogates", map[string]any{"hi": "\xed\xa0\x80", "lo": "x\xed\xb0\x80y", "lohi": "\xed\xb0\x80\xed\xa0\x80",
			"key\xed\xa0\x80": "v"}},
		{"nested", map[string]any{"obj": map[string]any{"z": 1, "a": map[string]any{"y": nil, "b": true, "10": 1, "9": 2}},
			"arr": []any{map[string]any{"b": 1, "a": 2}, "x", 1.5, nil, []any{}}, "empty": map[string]any{},
			"": "empty key", "__proto__": map[string]any{"x": 1}, "constructor": "c"}},
	}
}

// canonicalJSCases are the same kinds of data written as JSON text for altcha-lib, so
// lone surrogates and key order reach JavaScript exactly as written.
var canonicalJSCases = []struct{ name, data string }{
	{"integer-like keys", `{"a":"x","10":"ten","2":"two","01":"lead","-1":"neg","4294967294":"max index","4294967295":"not an index","1.5":"f","0":"zero"}`},
	{"U+FFFF, private use and astral keys", `{"\uffff":1,"😀":2,"\ue000":3,"a":4,"é":5,"Z":6,"\ud834\udd1e":7}`},
	{"numbers", `{"negzero":-0,"e21":1e21,"e-7":1e-7,"half":1.50,"e20":1e20,"tiny":5e-324,"max":1.7976931348623157e308,"sum":0.30000000000000004,"neg":-1E-7,"micro":0.000001,"big":123456789012345680000,"int":42,"exp":2E+3,"third":0.3333333333333333}`},
	{"strings", `{"html":"<&>","seps":"\u2028\u2029","ctl":"\u0000\u0001\u001f\u007f\b\f\n\r\t","quote":"\"\\\/","accent":"\u00e9","emoji":"😀","bom":"\ufeff","nonchar":"\uffff"}`},
	{"lone surrogates", `{"hi":"\ud800","lo":"x\udc00y","lohi":"\udc00\ud800","pair":"\ud83d\ude00","key\ud800":"v"}`},
	{"nested", `{"obj":{"z":1,"a":{"y":null,"b":true,"10":1,"9":2}},"arr":[{"b":1,"a":2,"10":3,"2":4},"x",1.5,null,[]],"empty":{},"":"empty key","__proto__":{"x":1},"constructor":"c"}`},
}

// interopCanonicalJSON: the HMAC signature over canonical parameters must agree
// between Go and altcha-lib for tricky data, in both directions. A disagreement is
// reported with the two canonical texts.
func interopCanonicalJSON(t *testing.T, script string) {
	sig := []byte(interopSigSecret)
	goCases := canonicalGoCases()
	var reqs []map[string]any
	canon := make([]string, len(goCases))
	for i, c := range goCases {
		ch, err := astracaph.CreateChallenge(astracaph.ChallengeOptions{Algorithm: astracaph.SHA256, Cost: 1, KeyLength: 32,
			Mode: astracaph.Probabilistic, KeyPrefix: "0", Data: c.data, HMACKey: sig})
		require.NoError(t, err, c.name)
		sol, err := astracaph.SolveChallenge(t.Context(), ch, astracaph.SolveOptions{Workers: 1})
		require.NoError(t, err, c.name)
		canon[i] = canonicalOf(t, ch)
		reqs = append(reqs, map[string]any{"op": "v2.verify", "payload": astracaph.EncodePayload(ch, sol), "hmacKey": interopSigSecret})
	}
	for _, c := range canonicalJSCases {
		reqs = append(reqs, map[string]any{"op": "v2.create", "hmacKey": interopSigSecret,
			"options": map[string]any{"algorithm": "SHA-256", "cost": 1, "keyLength": 32, "keyPrefix": "0", "data": json.RawMessage(c.data)}})
	}
	results := runAltcha(t, script, reqs)
	for i, c := range goCases {
		t.Run("Go→altcha-lib/"+c.name, func(t *testing.T) {
			var r struct {
				Canonical string
				Result    jsVerdict
			}
			if !decodeResult(t, results[i], &r) {
				return
			}
			assert.True(t, r.Canonical == canon[i] && r.Result.Verified,
				"altcha-lib rejects the Go challenge (%v): canonical JSON differs for data %q\nGo:         %s\naltcha-lib: %s\n%s",
				r.Result, c.name, canon[i], r.Canonical, firstDiff(canon[i], r.Canonical))
		})
	}
	for j, c := range canonicalJSCases {
		t.Run("altcha-lib→Go/"+c.name, func(t *testing.T) {
			var r struct {
				Challenge json.RawMessage
				Canonical string
				Payload   string
				Slow      jsVerdict
			}
			if !decodeResult(t, results[len(goCases)+j], &r) {
				return
			}
			require.True(t, r.Slow.Verified, "altcha-lib does not verify its own challenge: %v", r.Slow)
			var ch astracaph.Challenge
			require.NoError(t, json.Unmarshal(r.Challenge, &ch))
			goCanon := canonicalOf(t, ch)
			res := verifyGo(t, r.Payload, astracaph.VerifyOptions{HMACKey: sig})
			assert.True(t, goCanon == r.Canonical && res.Verified,
				"Go rejects the altcha-lib challenge (%+v): canonical JSON differs for data %s\nGo:         %s\naltcha-lib: %s\n%s",
				res, c.data, goCanon, r.Canonical, firstDiff(goCanon, r.Canonical))
		})
	}
}

// interopStringCounterMode pins down what altcha-lib's "string" counter mode (used by
// widget 3 to emulate PoW v1) feeds the SHA key derivation: password = nonce ‖
// utf8(decimal counter), hashed as H(salt ‖ password), the same layout as "uint32" mode.
// It also shows where the upstream vector affc403e… (docs/protocol-notes.md, "Test vectors") comes from: the
// upstream test passes password.buffer, which string mode never writes, so the
// password is nonce ‖ 00000000 (counter 0 in uint32 form), not nonce ‖ "123".
func interopStringCounterMode(t *testing.T, script string) {
	const nonceHex, saltHex = "39baf91a19d671f8231217f9e28342a6", "5e00d5d152e1a5db7d44fb6404a40a5e"
	nonce, _ := hex.DecodeString(nonceHex)
	salt, _ := hex.DecodeString(saltHex)
	sha := func(parts ...[]byte) string {
		h := sha256.New()
		for _, p := range parts {
			h.Write(p)
		}
		return hex.EncodeToString(h.Sum(nil))
	}
	reqs := []map[string]any{
		{"op": "derive", "algorithm": "SHA-256", "cost": 1, "keyLength": 32, "nonce": nonceHex, "salt": saltHex, "counter": 123, "counterMode": "string"},
		{"op": "derive", "algorithm": "SHA-256", "cost": 1, "keyLength": 32, "nonce": nonceHex, "salt": saltHex, "counter": 123, "counterMode": "uint32"},
	}
	results := runAltcha(t, script, reqs)
	type derived struct{ Password, Key, BufferPassword, BufferKey string }
	var str, u32 derived
	if !decodeResult(t, results[0], &str) || !decodeResult(t, results[1], &u32) {
		return
	}
	assert.Equal(t, nonceHex+hex.EncodeToString([]byte("123")), str.Password, `string mode password, want nonce ‖ utf8("123")`)
	assert.Equal(t, sha(salt, nonce, []byte("123")), str.Key, `string mode key, want SHA-256(salt ‖ nonce ‖ "123")`)
	var be [4]byte
	binary.BigEndian.PutUint32(be[:], 123)
	assert.Equal(t, sha(salt, nonce, be[:]), u32.Key, "uint32 mode key, want SHA-256(salt ‖ nonce ‖ uint32be(123))")
	assert.Equal(t, sha(salt, nonce, make([]byte, 4)), str.BufferKey, "string mode password.buffer key, want SHA-256(salt ‖ nonce ‖ 00000000)")
	t.Logf("string mode: password %s → %s; password.buffer %s → %s", str.Password, str.Key, str.BufferPassword, str.BufferKey)
}
