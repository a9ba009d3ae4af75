package astracaph

import (
	"context"
	"testing"
	"time"
)

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

func BenchmarkVerifyV2Fast(b *testing.B) {
	b.ReportAllocs()
	opts := VerifyOptions{HMACKey: []byte("signature.secret"), KeySignatureKey: []byte("key.secret"), Now: time.Unix(1767225600, 0)}
	for b.Loop() {
		if r, _ := VerifySolution(vDeterministicPayload, opts); !r.Verified {
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

func BenchmarkVerifyV1(b *testing.B) {
	b.ReportAllocs()
	n := int64(12345)
	ch, _ := CreateChallengeV1(ChallengeV1Options{Salt: "abcdef0123456789abcdef01", Number: &n, HMACKey: []byte("test key"), ExpiresAt: time.Now().Add(time.Hour)})
	p := EncodePayloadV1(ch, SolutionV1{Number: n, Took: 412})
	opts := VerifyOptions{HMACKey: []byte("test key")}
	for b.Loop() {
		if r, _ := VerifySolution(p, opts); !r.Verified {
			b.Fatal("not verified")
		}
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
