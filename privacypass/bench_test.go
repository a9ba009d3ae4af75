package privacypass

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkVerify is the redemption hot path after parsing: challenge digest, key lookup
// in the snapshot, RSA-PSS verification.
func BenchmarkVerify(b *testing.B) {
	f := newFixture(b, []string{issuerA}, []int{0})
	c := f.challenge(b, issuerA, originA)
	tok := mint(b, c.Header, newTestKey(b, 0).sk)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.is.Verify(tok, c.TokenChallenge); err != nil { // guarded: require costs a t.Helper call
			require.NoError(b, err)
		}
	}
}

// BenchmarkVerifyParallel verifies from every core at once (the snapshot is lock-free).
func BenchmarkVerifyParallel(b *testing.B) {
	f := newFixture(b, []string{issuerA}, []int{0})
	c := f.challenge(b, issuerA, originA)
	tok := mint(b, c.Header, newTestKey(b, 0).sk)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := f.is.Verify(tok, c.TokenChallenge); err != nil {
				require.NoError(b, err)
			}
		}
	})
}

// BenchmarkRedeem is the whole redemption as a server runs it: parse the Authorization
// value, verify, consume. The store accepts every key, so the figure is this package's
// cost, not a store's.
func BenchmarkRedeem(b *testing.B) {
	f := newFixture(b, []string{issuerA}, []int{0})
	c := f.challenge(b, issuerA, originA)
	header := mint(b, c.Header, newTestKey(b, 0).sk).Authorization()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		tok, err := ParseAuthorization(header)
		if err != nil { // guarded: require costs a t.Helper call
			require.NoError(b, err)
		}
		if _, err := f.is.Redeem(ctx, acceptStore{}, time.Time{}, time.Minute, tok, c.TokenChallenge); err != nil {
			require.NoError(b, err)
		}
	}
}

type acceptStore struct{}

func (acceptStore) ConsumeOnce(_ context.Context, _, value string, _ time.Time, _ time.Duration) (bool, string, error) {
	return true, value, nil
}

func BenchmarkParseAuthorization(b *testing.B) {
	v := loadRFCVector(b)
	tok, err := ParseToken(v.Token)
	require.NoError(b, err)
	header := `Basic dXNlcjpwYXNz, ` + tok.Authorization()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseAuthorization(header); err != nil { // guarded: require costs a t.Helper call
			require.NoError(b, err)
		}
	}
}

// BenchmarkChallenges issues the challenges of one request (two issuers).
func BenchmarkChallenges(b *testing.B) {
	f := newFixture(b, []string{issuerA, issuerB}, []int{0, 1})
	b.ReportAllocs()
	for b.Loop() {
		cs, err := f.is.Challenges(nil, time.Minute, originA)
		if err != nil { // guarded: require costs a t.Helper call
			require.NoError(b, err)
		}
		_ = HeaderValue(cs)
	}
}
