package astracaph

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Each Floor benchmark bounds the verification benchmark declared right after it (so that
// with -count both run close together, under the same load), and BenchmarkOverheadRatios
// compares each pair in alternating short rounds: the same payload
// base64-decoded into a reused buffer plus exactly the same SHA-256/HMAC work, with HMAC
// states keyed once (as the verifier's state cache does), and nothing else — no JSON, no
// checks, no result. A verification's ns/op divided by its floor's, from the same run, is
// its overhead ratio (README, Benchmarks). The inputs are computed outside the loop.

// floorHMAC is crypto/hmac keyed once; Reset restores the padded-key state.
type floorHMAC struct {
	mac interface {
		Reset()
		Write([]byte) (int, error)
		Sum([]byte) []byte
	}
	out [sha256.Size]byte
}

func newFloorHMAC(key string) *floorHMAC {
	return &floorHMAC{mac: hmac.New(sha256.New, []byte(key))}
}

func (f *floorHMAC) sum(msg []byte) []byte {
	f.mac.Reset()
	f.mac.Write(msg)
	return f.mac.Sum(f.out[:0])
}

// floorDecode base64-decodes payload into buf, as every floor does first.
func floorDecode(tb testing.TB, buf, payload []byte) {
	if _, err := base64.StdEncoding.Decode(buf, payload); err != nil { // guarded: require costs a t.Helper call
		require.NoError(tb, err)
	}
}

func mustDecodeB(tb testing.TB, s string) string {
	js, err := base64.StdEncoding.DecodeString(s)
	require.NoError(tb, err)
	return string(js)
}

// v1BenchPayload is BenchmarkVerifyV1's payload (SHA-256, salt with an expiry), its
// challenge and number.
func v1BenchPayload() (string, ChallengeV1, string) {
	n := int64(12345)
	ch, _ := CreateChallengeV1(ChallengeV1Options{Salt: "abcdef0123456789abcdef01", Number: &n, HMACKey: []byte("test key"), ExpiresAt: time.Unix(4102444800, 0)})
	return EncodePayloadV1(ch, SolutionV1{Number: n, Took: 412}), ch, "12345"
}

// The operations the floor and verification benchmarks time, built once each.

// floorV1Op: decode, SHA-256(salt ‖ number), hex, and HMAC-SHA-256 over the challenge hex.
func floorV1Op(tb testing.TB) func() {
	p, ch, number := v1BenchPayload()
	src, buf := []byte(p), make([]byte, len(p))
	in := []byte(ch.Salt + number)
	mac := newFloorHMAC("test key")
	chHex := make([]byte, 2*sha256.Size)
	return func() {
		floorDecode(tb, buf, src)
		d := sha256.Sum256(in)
		hex.Encode(chHex, d[:])
		mac.sum(chHex)
	}
}

// verifyV1Op: like the other verification benchmarks, the clock is read by the caller (a
// read costs tens of nanoseconds on a VM, more than some of the work measured).
func verifyV1Op(tb testing.TB) func() {
	p, _, _ := v1BenchPayload()
	opts := VerifyOptions{HMACKey: []byte("test key"), Now: time.Unix(1767225600, 0)}
	return func() {
		if r, _ := VerifySolution(p, opts); !r.Verified {
			require.Fail(tb, "not verified")
		}
	}
}

// floorV2FastOp: decode, HMAC over the canonical parameters, HMAC over the derived key.
func floorV2FastOp(tb testing.TB) func() {
	src, buf := []byte(vDeterministicPayload), make([]byte, len(vDeterministicPayload))
	js := mustDecodeB(tb, vDeterministicPayload)
	params := []byte(js[strings.Index(js, `{"algorithm"`):strings.Index(js, `,"signature"`)])
	dk, _ := hex.DecodeString("6638880b259a63416066d7d075b63178c7e648eb1f2580f0939834006193568b")
	sig, keySig := newFloorHMAC("signature.secret"), newFloorHMAC("key.secret")
	return func() {
		floorDecode(tb, buf, src)
		sig.sum(params)
		keySig.sum(dk)
	}
}

func verifyV2FastOp(tb testing.TB) func() {
	opts := VerifyOptions{HMACKey: []byte("signature.secret"), KeySignatureKey: []byte("key.secret"), Now: time.Unix(1767225600, 0)}
	return func() {
		if r, _ := VerifySolution(vDeterministicPayload, opts); !r.Verified {
			require.Fail(tb, "not verified")
		}
	}
}

// floorServerOp: decode, SHA-256(verificationData), HMAC over the digest.
func floorServerOp(tb testing.TB) func() {
	src, buf := []byte(vServerPayload), make([]byte, len(vServerPayload))
	js := mustDecodeB(tb, vServerPayload)
	vd := js[strings.Index(js, `"verificationData":"`)+len(`"verificationData":"`):]
	data := []byte(vd[:strings.IndexByte(vd, '"')])
	mac := newFloorHMAC("sec_test")
	d := new([sha256.Size]byte)
	return func() {
		floorDecode(tb, buf, src)
		*d = sha256.Sum256(data)
		mac.sum(d[:])
	}
}

func verifyServerOp(tb testing.TB) func() {
	now := time.Unix(1767222100, 0)
	return func() {
		if r, _ := verifyServerSignatureAt(vServerPayload, []byte("sec_test"), now); !r.Verified {
			require.Fail(tb, "not verified")
		}
	}
}

func benchOp(b *testing.B, op func(testing.TB) func()) {
	b.ReportAllocs()
	f := op(b)
	for b.Loop() {
		f()
	}
}

func BenchmarkFloorV1(b *testing.B)               { benchOp(b, floorV1Op) }
func BenchmarkVerifyV1(b *testing.B)              { benchOp(b, verifyV1Op) }
func BenchmarkFloorV2Fast(b *testing.B)           { benchOp(b, floorV2FastOp) }
func BenchmarkVerifyV2Fast(b *testing.B)          { benchOp(b, verifyV2FastOp) }
func BenchmarkFloorServerSignature(b *testing.B)  { benchOp(b, floorServerOp) }
func BenchmarkVerifyServerSignature(b *testing.B) { benchOp(b, verifyServerOp) }

// BenchmarkOverheadRatios times each verification and its floor in alternating rounds of
// 300 operations, 300 rounds each, and reports the ratios of their fastest rounds (and of
// their lower quartiles). Other work on a shared machine, and the garbage collector (the
// floors allocate nothing, a verification returns a few strings), hit long runs unevenly;
// short alternating rounds show the cost of the code itself. Run it with -benchtime 1x.
func BenchmarkOverheadRatios(b *testing.B) {
	pairs := []struct {
		name          string
		floor, verify func(testing.TB) func()
	}{
		{"v1", floorV1Op, verifyV1Op},
		{"v2fast", floorV2FastOp, verifyV2FastOp},
		{"server", floorServerOp, verifyServerOp},
	}
	for b.Loop() {
		for _, p := range pairs {
			f, v := p.floor(b), p.verify(b)
			var fs, vs []float64
			for range 300 {
				fs = append(fs, timeRound(f, 300))
				vs = append(vs, timeRound(v, 300))
			}
			slices.Sort(fs)
			slices.Sort(vs)
			q := len(fs) / 4
			b.ReportMetric(fs[0], p.name+"-floor-ns")
			b.ReportMetric(vs[0], p.name+"-ns")
			b.ReportMetric(vs[0]/fs[0], p.name+"-x-floor")
			b.ReportMetric(vs[q]/fs[q], p.name+"-x-floor-q1")
		}
	}
}

// timeRound returns the ns per operation of n calls of op.
func timeRound(op func(), n int) float64 {
	start := time.Now()
	for range n {
		op()
	}
	return float64(time.Since(start).Nanoseconds()) / float64(n)
}

func BenchmarkCreateDeterministicPBKDF2(b *testing.B) {
	b.ReportAllocs()
	o := ChallengeOptions{HMACKey: testKey, KeySignatureKey: []byte("ks"), ExpiresAt: time.Now().Add(time.Hour), Data: map[string]any{"challengeId": "x"}}
	for b.Loop() {
		if _, err := CreateChallenge(o); err != nil { // guarded: require costs a t.Helper call
			require.NoError(b, err)
		}
	}
}

func BenchmarkCreateProbabilistic(b *testing.B) {
	b.ReportAllocs()
	o := ChallengeOptions{HMACKey: testKey, Mode: Probabilistic, ExpiresAt: time.Now().Add(time.Hour)}
	for b.Loop() {
		if _, err := CreateChallenge(o); err != nil {
			require.NoError(b, err)
		}
	}
}

func BenchmarkVerifyV2Slow(b *testing.B) {
	b.ReportAllocs()
	opts := VerifyOptions{HMACKey: []byte("signature.secret"), Now: time.Unix(1767225600, 0)}
	for b.Loop() {
		if r, _ := VerifySolution(vDeterministicPayload, opts); !r.Verified {
			require.Fail(b, "not verified")
		}
	}
}

func BenchmarkSignServerPayload(b *testing.B) {
	b.ReportAllocs()
	d := VerificationData{ID: "abc123", Origin: "https://example.com", Site: "pk_live_x", Score: 0.9, HasScore: true, Time: time.Now(), Expire: time.Now().Add(5 * time.Minute), Verified: true}
	for b.Loop() {
		if _, err := SignServerPayload(d, []byte("sec_test"), SHA256); err != nil {
			require.NoError(b, err)
		}
	}
}

func BenchmarkSolvePBKDF2Cost5000Counter50(b *testing.B) {
	c := uint32(50)
	ch, _ := CreateChallenge(ChallengeOptions{HMACKey: testKey, Counter: &c})
	for b.Loop() {
		_, err := SolveChallenge(context.Background(), ch, SolveOptions{})
		require.NoError(b, err)
	}
}
