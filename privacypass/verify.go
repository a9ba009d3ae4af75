package privacypass

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

// Challenge is one challenge to send: the TokenChallenge (whose digest a token will
// carry) and its WWW-Authenticate value, which advertises the issuer's current key.
type Challenge struct {
	TokenChallenge TokenChallenge
	Header         WWWAuthenticate
}

// Challenges builds one challenge per configured issuer that has a current key, all with
// the same redemption context (fresh random bytes when nil) and origins. The challenges
// differ in issuer_name, so each has its own digest. ErrNoIssuerKey when no issuer has a
// key yet (the caller then offers the proof of work only).
func (is *Issuers) Challenges(redemptionContext []byte, maxAge time.Duration, origins ...string) ([]Challenge, error) {
	if redemptionContext == nil {
		var err error
		if redemptionContext, err = NewRedemptionContext(nil); err != nil {
			return nil, err
		}
	}
	now := is.cfg.now()
	snap := is.snap.Load()
	var out []Challenge
	for _, c := range is.names {
		key := snap.issuers[c.Name].currentKey(now)
		if key == nil {
			continue
		}
		tc, err := newTokenChallenge(c.Name, redemptionContext, origins)
		if err != nil {
			return nil, err
		}
		enc, err := tc.MarshalBinary()
		if err != nil {
			return nil, err
		}
		out = append(out, Challenge{TokenChallenge: tc, Header: WWWAuthenticate{Challenge: enc, TokenKey: key.raw, MaxAge: maxAge}})
	}
	if len(out) == 0 {
		return nil, ErrNoIssuerKey
	}
	return out, nil
}

// TokenChallenges rebuilds, without any key, the TokenChallenges that Challenges issued
// for redemptionContext and origins, for every configured issuer: what a stateless
// server passes to Verify when it derives the redemption context (DeriveRedemptionContext)
// from data the client returns.
func (is *Issuers) TokenChallenges(redemptionContext []byte, origins ...string) ([]TokenChallenge, error) {
	out := make([]TokenChallenge, 0, len(is.names))
	for _, c := range is.names {
		tc, err := newTokenChallenge(c.Name, redemptionContext, origins)
		if err != nil {
			return nil, err
		}
		out = append(out, tc)
	}
	return out, nil
}

// HeaderValue joins challenges into one WWW-Authenticate field value.
func HeaderValue(cs []Challenge) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.Header.String()
	}
	return strings.Join(parts, ", ")
}

// Redemption is what a verified token proves: a configured issuer vouched (through its
// attester) for the client, for exactly this challenge.
type Redemption struct {
	Issuer          string
	TokenKeyID      [KeyIDSize]byte
	Nonce           [NonceSize]byte
	ChallengeDigest [32]byte
}

// ReplayKey is the key to consume once in a replay store: one redemption per challenge.
// A replayed token carries the same challenge digest, and so does any second token for
// the same challenge; since every challenge has a fresh redemption context, this is at
// least as strict as RFC 9577's one redemption per token nonce.
func (r Redemption) ReplayKey() string {
	return "pp:" + base64.RawURLEncoding.EncodeToString(r.ChallengeDigest[:])
}

// ReplayValue is the value to store with ReplayKey: the token nonce, so that a store that
// reports the first value can tell a retried request with the very same token from a
// second token.
func (r Redemption) ReplayValue() string {
	return base64.RawURLEncoding.EncodeToString(r.Nonce[:])
}

// Verify checks tok against the challenges this server issued (or rebuilt) for the
// request: the token type, that its challenge digest is the digest of one of expected
// (ErrChallengeMismatch otherwise: another origin, another redemption context), that its
// key is published by that challenge's issuer (ErrUnknownIssuer, ErrKeyExpired,
// ErrKeyNotYetValid) and that the authenticator is a valid RSA-PSS signature by it
// (ErrBadSignature). Verify keeps no state: consuming the redemption once is the caller's
// (see Redeem).
func (is *Issuers) Verify(tok Token, expected ...TokenChallenge) (Redemption, error) {
	if tok.TokenType != TokenTypeBlindRSA {
		return Redemption{}, fmt.Errorf("%w: 0x%04x", ErrTokenType, tok.TokenType)
	}
	var match *TokenChallenge
	for i := range expected {
		if expected[i].TokenType != TokenTypeBlindRSA {
			continue
		}
		d, err := expected[i].Digest()
		if err != nil {
			return Redemption{}, err
		}
		if subtle.ConstantTimeCompare(d[:], tok.ChallengeDigest[:]) == 1 {
			match = &expected[i]
			break
		}
	}
	if match == nil {
		return Redemption{}, ErrChallengeMismatch
	}
	st, ok := is.snap.Load().issuers[match.IssuerName]
	if !ok {
		return Redemption{}, fmt.Errorf("%w: %s is not configured", ErrUnknownIssuer, match.IssuerName)
	}
	var key *issuerKey
	for _, k := range st.keys {
		if k.id == tok.TokenKeyID {
			key = k
			break
		}
	}
	now := is.cfg.now()
	switch {
	case key == nil:
		return Redemption{}, fmt.Errorf("%w: key not published by %s", ErrUnknownIssuer, st.name)
	case !key.retiredAt.IsZero() && now.Sub(key.retiredAt) > is.cfg.grace:
		return Redemption{}, fmt.Errorf("%w: withdrawn by %s at %s", ErrKeyExpired, st.name, key.retiredAt.UTC().Format(time.RFC3339))
	case now.Before(key.notBefore):
		return Redemption{}, fmt.Errorf("%w: %s until %s", ErrKeyNotYetValid, st.name, key.notBefore.UTC().Format(time.RFC3339))
	}
	var input [tokenInputSize]byte
	if err := key.verifier.Verify(tok.appendInput(input[:0]), tok.Authenticator[:]); err != nil {
		return Redemption{}, ErrBadSignature
	}
	return Redemption{Issuer: st.name, TokenKeyID: tok.TokenKeyID, Nonce: tok.Nonce, ChallengeDigest: tok.ChallengeDigest}, nil
}

// ReplayStore is the single-use store Redeem consumes redemptions in; the engine's
// astracaph.ReplayStore (memory or Redis) satisfies it. issued is when the challenge the
// token answers was issued: a store refuses items issued before its epoch (data loss).
type ReplayStore interface {
	ConsumeOnce(ctx context.Context, key, value string, issued time.Time, ttl time.Duration) (first bool, stored string, err error)
}

// Redeem verifies tok (see Verify) and then consumes its redemption once in store for
// ttl (at least the challenge's max-age); issued is when its challenge was issued (zero:
// not known, no epoch check). A second redemption of the challenge fails with
// ErrReplayed, even when it is the very same token; a store failure fails closed with
// ErrReplayStore. A token that does not verify never consumes the challenge, so a forged
// token cannot burn a legitimate client's challenge.
func (is *Issuers) Redeem(ctx context.Context, store ReplayStore, issued time.Time, ttl time.Duration, tok Token, expected ...TokenChallenge) (Redemption, error) {
	r, err := is.Verify(tok, expected...)
	if err != nil {
		return Redemption{}, err
	}
	first, _, err := store.ConsumeOnce(ctx, r.ReplayKey(), r.ReplayValue(), issued, ttl)
	if err != nil {
		// Both wrapped: a caller tells an epoch refusal of its store from an outage.
		return Redemption{}, fmt.Errorf("%w: %w", ErrReplayStore, err)
	}
	if !first {
		return Redemption{}, ErrReplayed
	}
	return r, nil
}
