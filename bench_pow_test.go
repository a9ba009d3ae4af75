package astracaph

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
	"time"
)

// Each Floor benchmark bounds the verification benchmark declared right after it (so that
// with -count both run close together, under the same load): the same payload
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
func floorDecode(b *testing.B, buf, payload []byte) {
	if _, err := base64.StdEncoding.Decode(buf, payload); err != nil {
		b.Fatal(err)
	}
}

func mustDecodeB(b *testing.B, s string) string {
	js, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		b.Fatal(err)
	}
	return string(js)
}

// v1BenchPayload is BenchmarkVerifyV1's payload (SHA-256, salt with an expiry), its
// challenge and number.
func v1BenchPayload() (string, ChallengeV1, string) {
	n := int64(12345)
	ch, _ := CreateChallengeV1(ChallengeV1Options{Salt: "abcdef0123456789abcdef01", Number: &n, HMACKey: []byte("test key"), ExpiresAt: time.Unix(4102444800, 0)})
	return EncodePayloadV1(ch, SolutionV1{Number: n, Took: 412}), ch, "12345"
}

func BenchmarkCreateDeterministicPBKDF2(b *testing.B) {
	b.ReportAllocs()
	o := ChallengeOptions{HMACKey: testKey, KeySignatureKey: []byte("ks"), ExpiresAt: time.Now().Add(time.Hour), Data: map[string]any{"challengeId": "x"}}
	for b.Loop() {
		if _, err := CreateChallenge(o); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCreateProbabilistic(b *testing.B) {
	b.ReportAllocs()
	o := ChallengeOptions{HMACKey: testKey, Mode: Probabilistic, ExpiresAt: time.Now().Add(time.Hour)}
	for b.Loop() {
		if _, err := CreateChallenge(o); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFloorV1 bounds BenchmarkVerifyV1: decode, SHA-256(salt ‖ number), hex, and
// HMAC-SHA-256 over the challenge hex.
func BenchmarkFloorV1(b *testing.B) {
	b.ReportAllocs()
	p, ch, number := v1BenchPayload()
	src, buf := []byte(p), make([]byte, len(p))
	in := []byte(ch.Salt + number)
	mac := newFloorHMAC("test key")
	var chHex [2 * sha256.Size]byte
	for b.Loop() {
		floorDecode(b, buf, src)
		d := sha256.Sum256(in)
		hex.Encode(chHex[:], d[:])
		mac.sum(chHex[:])
	}
}

func BenchmarkVerifyV1(b *testing.B) {
	b.ReportAllocs()
	p, _, _ := v1BenchPayload()
	// Like the other verification benchmarks, the clock is read by the caller (a read
	// costs tens of nanoseconds on a VM, more than some of the work measured).
	opts := VerifyOptions{HMACKey: []byte("test key"), Now: time.Unix(1767225600, 0)}
	for b.Loop() {
		if r, _ := VerifySolution(p, opts); !r.Verified {
			b.Fatal("not verified")
		}
	}
}

// BenchmarkFloorV2Fast bounds BenchmarkVerifyV2Fast: decode, HMAC over the canonical
// parameters, HMAC over the derived key.
func BenchmarkFloorV2Fast(b *testing.B) {
	b.ReportAllocs()
	src, buf := []byte(vDeterministicPayload), make([]byte, len(vDeterministicPayload))
	js := mustDecodeB(b, vDeterministicPayload)
	params := []byte(js[strings.Index(js, `{"algorithm"`):strings.Index(js, `,"signature"`)])
	dk, _ := hex.DecodeString("6638880b259a63416066d7d075b63178c7e648eb1f2580f0939834006193568b")
	sig, keySig := newFloorHMAC("signature.secret"), newFloorHMAC("key.secret")
	for b.Loop() {
		floorDecode(b, buf, src)
		sig.sum(params)
		keySig.sum(dk)
	}
}

func BenchmarkVerifyV2Fast(b *testing.B) {
	b.ReportAllocs()
	opts := VerifyOptions{HMACKey: []byte("signature.secret"), KeySignatureKey: []byte("key.secret"), Now: time.Unix(1767225600, 0)}
	for b.Loop() {
		if r, _ := VerifySolution(vDeterministicPayload, opts); !r.Verified {
			b.Fatal("not verified")
		}
	}
}

// BenchmarkFloorServerSignature bounds BenchmarkVerifyServerSignature: decode,
// SHA-256(verificationData), HMAC over the digest.
func BenchmarkFloorServerSignature(b *testing.B) {
	b.ReportAllocs()
	src, buf := []byte(vServerPayload), make([]byte, len(vServerPayload))
	js := mustDecodeB(b, vServerPayload)
	vd := js[strings.Index(js, `"verificationData":"`)+len(`"verificationData":"`):]
	data := []byte(vd[:strings.IndexByte(vd, '"')])
	mac := newFloorHMAC("sec_test")
	var d [sha256.Size]byte
	for b.Loop() {
		floorDecode(b, buf, src)
		d = sha256.Sum256(data)
		mac.sum(d[:])
	}
}

func BenchmarkVerifyServerSignature(b *testing.B) {
	b.ReportAllocs()
	now := time.Unix(1767222100, 0)
	for b.Loop() {
		if r, _ := verifyServerSignatureAt(vServerPayload, []byte("sec_test"), now); !r.Verified {
			b.Fatal("not verified")
		}
	}
}

func BenchmarkVerifyV2Slow(b *testing.B) {
	b.ReportAllocs()
	opts := VerifyOptions{HMACKey: []byte("signature.secret"), Now: time.Unix(1767225600, 0)}
	for b.Loop() {
		if r, _ := VerifySolution(vDeterministicPayload, opts); !r.Verified {
			b.Fatal("not verified")
		}
	}
}

func BenchmarkSignServerPayload(b *testing.B) {
	b.ReportAllocs()
	d := VerificationData{ID: "abc123", Origin: "https://example.com", Site: "pk_live_x", Score: 0.9, HasScore: true, Time: time.Now(), Expire: time.Now().Add(5 * time.Minute), Verified: true}
	for b.Loop() {
		if _, err := SignServerPayload(d, []byte("sec_test"), SHA256); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSolvePBKDF2Cost5000Counter50(b *testing.B) {
	c := uint32(50)
	ch, _ := CreateChallenge(ChallengeOptions{HMACKey: testKey, Counter: &c})
	for b.Loop() {
		if _, err := SolveChallenge(context.Background(), ch, SolveOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
