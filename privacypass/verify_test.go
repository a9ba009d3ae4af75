package privacypass

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A valid token redeems once; its replay key is the same however often it is verified.
func TestRedeemValidTokenOnce(t *testing.T) {
	f := newFixture(t, []string{issuerA}, []int{0})
	c := f.challenge(t, issuerA, originA)
	tok := mint(t, c.Header, newTestKey(t, 0).sk)

	// The token goes through the wire format, as from Safari.
	got, err := ParseAuthorization(tok.Authorization())
	require.NoError(t, err)

	r1, err := f.is.Verify(got, c.TokenChallenge)
	require.NoError(t, err)
	r2, err := f.is.Verify(got, c.TokenChallenge)
	require.NoError(t, err)
	assert.Equal(t, r1.ReplayKey(), r2.ReplayKey())
	assert.Equal(t, r1.ReplayValue(), r2.ReplayValue())
	assert.Equal(t, issuerA, r1.Issuer)
	assert.Equal(t, TokenKeyID(newTestKey(t, 0).raw), r1.TokenKeyID)
	assert.Equal(t, tok.Nonce, r1.Nonce)

	store := &mapStore{}
	r, err := f.is.Redeem(context.Background(), store, time.Time{}, 5*time.Minute, got, c.TokenChallenge)
	require.NoError(t, err)
	assert.Equal(t, r1, r)
}

func TestRedeemReplayedTokenIsRefused(t *testing.T) {
	f := newFixture(t, []string{issuerA}, []int{0})
	c := f.challenge(t, issuerA, originA)
	tok := mint(t, c.Header, newTestKey(t, 0).sk)
	store := &mapStore{}
	_, err := f.is.Redeem(context.Background(), store, time.Time{}, time.Minute, tok, c.TokenChallenge)
	require.NoError(t, err)
	_, err = f.is.Redeem(context.Background(), store, time.Time{}, time.Minute, tok, c.TokenChallenge)
	assert.ErrorIs(t, err, ErrReplayed)
}

// A client with two tokens for one challenge (two nonces) still redeems it once.
func TestRedeemSecondTokenForSameChallengeIsRefused(t *testing.T) {
	f := newFixture(t, []string{issuerA}, []int{0})
	c := f.challenge(t, issuerA, originA)
	store := &mapStore{}
	_, err := f.is.Redeem(context.Background(), store, time.Time{}, time.Minute, mint(t, c.Header, newTestKey(t, 0).sk), c.TokenChallenge)
	require.NoError(t, err)
	_, err = f.is.Redeem(context.Background(), store, time.Time{}, time.Minute, mint(t, c.Header, newTestKey(t, 0).sk), c.TokenChallenge)
	assert.ErrorIs(t, err, ErrReplayed)
}

// Attack: a token signed by a key the attacker controls, labelled with the real issuer's
// key ID; and a real token with a flipped authenticator bit.
func TestVerifyWronglySignedTokenIsRefused(t *testing.T) {
	f := newFixture(t, []string{issuerA}, []int{0})
	c := f.challenge(t, issuerA, originA)

	forged := c.Header
	forged.TokenKey = newTestKey(t, 3).raw
	tok := mint(t, forged, newTestKey(t, 3).sk)
	tok.TokenKeyID = TokenKeyID(c.Header.TokenKey)
	_, err := f.is.Verify(tok, c.TokenChallenge)
	assert.ErrorIs(t, err, ErrBadSignature)

	tok = mint(t, c.Header, newTestKey(t, 0).sk)
	tok.Authenticator[0] ^= 0x80
	_, err = f.is.Verify(tok, c.TokenChallenge)
	assert.ErrorIs(t, err, ErrBadSignature)

	tok = mint(t, c.Header, newTestKey(t, 0).sk)
	tok.Nonce[5] ^= 1
	_, err = f.is.Verify(tok, c.TokenChallenge)
	assert.ErrorIs(t, err, ErrBadSignature, "the signature covers the nonce")
}

// Attack: a token obtained for another origin's challenge (or another challenge of the
// same origin) is presented here.
func TestVerifyOtherOriginTokenIsRefused(t *testing.T) {
	f := newFixture(t, []string{issuerA}, []int{0})
	here := f.challenge(t, issuerA, originA)
	there := f.challenge(t, issuerA, originB)
	tok := mint(t, there.Header, newTestKey(t, 0).sk)
	_, err := f.is.Verify(tok, here.TokenChallenge)
	assert.ErrorIs(t, err, ErrChallengeMismatch)

	sameOriginOtherChallenge := f.challenge(t, issuerA, originA)
	tok = mint(t, sameOriginOtherChallenge.Header, newTestKey(t, 0).sk)
	_, err = f.is.Verify(tok, here.TokenChallenge)
	assert.ErrorIs(t, err, ErrChallengeMismatch, "a fresh redemption context per challenge")

	_, err = f.is.Verify(tok)
	assert.ErrorIs(t, err, ErrChallengeMismatch, "nothing expected, nothing accepted")
}

// Attack: a token from an issuer that is not configured, for our challenge; and a
// challenge naming an unconfigured issuer.
func TestVerifyUnknownIssuerIsRefused(t *testing.T) {
	f := newFixture(t, []string{issuerA}, []int{0})
	c := f.challenge(t, issuerA, originA)
	foreign := c.Header
	foreign.TokenKey = newTestKey(t, 2).raw
	_, err := f.is.Verify(mint(t, foreign, newTestKey(t, 2).sk), c.TokenChallenge)
	assert.ErrorIs(t, err, ErrUnknownIssuer)

	tc, err := NewTokenChallenge("rogue-issuer.example.com", originA)
	require.NoError(t, err)
	enc, err := tc.MarshalBinary()
	require.NoError(t, err)
	rogue := WWWAuthenticate{Challenge: enc, TokenKey: newTestKey(t, 2).raw}
	_, err = f.is.Verify(mint(t, rogue, newTestKey(t, 2).sk), tc)
	assert.ErrorIs(t, err, ErrUnknownIssuer)
}

// A forged token must not consume the challenge: the legitimate client redeems after it.
func TestRedeemForgedTokenDoesNotBurnChallenge(t *testing.T) {
	f := newFixture(t, []string{issuerA}, []int{0})
	c := f.challenge(t, issuerA, originA)
	store := &mapStore{}
	bad := mint(t, c.Header, newTestKey(t, 0).sk)
	bad.Authenticator[10] ^= 1
	_, err := f.is.Redeem(context.Background(), store, time.Time{}, time.Minute, bad, c.TokenChallenge)
	require.ErrorIs(t, err, ErrBadSignature)
	_, err = f.is.Redeem(context.Background(), store, time.Time{}, time.Minute, mint(t, c.Header, newTestKey(t, 0).sk), c.TokenChallenge)
	assert.NoError(t, err)
}

func TestRedeemStoreFailureFailsClosed(t *testing.T) {
	f := newFixture(t, []string{issuerA}, []int{0})
	c := f.challenge(t, issuerA, originA)
	tok := mint(t, c.Header, newTestKey(t, 0).sk)
	store := &mapStore{fail: true}
	_, err := f.is.Redeem(context.Background(), store, time.Time{}, time.Minute, tok, c.TokenChallenge)
	require.ErrorIs(t, err, ErrReplayStore)
	require.ErrorIs(t, err, errStoreDown, "the store's own error stays visible (an epoch refusal is not an outage)")
	store.fail = false
	_, err = f.is.Redeem(context.Background(), store, time.Time{}, time.Minute, tok, c.TokenChallenge)
	assert.NoError(t, err, "the token was not consumed, so it redeems once the store is back")
}

// A stateless server derives the redemption context from data the client returns (here,
// a stand-in for a signed PoW challenge) and rebuilds every issuer's TokenChallenge: the
// token of whichever issuer the client used verifies.
func TestVerifyStatelessRebuildAcrossIssuers(t *testing.T) {
	f := newFixture(t, []string{issuerA, issuerB}, []int{0, 1})
	rc := DeriveRedemptionContext([]byte("signed-challenge-42"))
	cs, err := f.is.Challenges(rc, time.Minute, originA)
	require.NoError(t, err)
	require.Len(t, cs, 2)
	tok := mint(t, cs[1].Header, newTestKey(t, 1).sk)

	rebuilt, err := f.is.TokenChallenges(DeriveRedemptionContext([]byte("signed-challenge-42")), originA)
	require.NoError(t, err)
	r, err := f.is.Verify(tok, rebuilt...)
	require.NoError(t, err)
	assert.Equal(t, issuerB, r.Issuer)

	other, err := f.is.TokenChallenges(DeriveRedemptionContext([]byte("signed-challenge-43")), originA)
	require.NoError(t, err)
	_, err = f.is.Verify(tok, other...)
	assert.ErrorIs(t, err, ErrChallengeMismatch)
}

// A token under issuer B's key answering issuer A's challenge is refused: keys are looked
// up under the challenge's issuer only.
func TestVerifyKeyOfAnotherConfiguredIssuerIsRefused(t *testing.T) {
	f := newFixture(t, []string{issuerA, issuerB}, []int{0, 1})
	a := f.challenge(t, issuerA, originA)
	cross := a.Header
	cross.TokenKey = newTestKey(t, 1).raw
	_, err := f.is.Verify(mint(t, cross, newTestKey(t, 1).sk), a.TokenChallenge)
	assert.ErrorIs(t, err, ErrUnknownIssuer)
}
