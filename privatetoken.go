package astracaph

// Private Access Tokens (docs/privacypass.md): a client whose device an issuer vouches for
// through Privacy Pass (RFC 9577, publicly verifiable tokens; Safari on Apple devices) answers
// a proof-of-work challenge of this server with a token instead of the work.
//
// The Privacy Pass challenge's redemption context derives from the PoW challenge's
// signature, which is random and unique: the server keeps no state between its 401 and the
// client's retry, every challenge gets a fresh context, and the token is tied to one PoW
// challenge. That challenge is consumed like a solved one, so it earns one site token
// whichever way it is answered.

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/astracat/astracaph/internal/jsjson"
	"github.com/astracat/astracaph/internal/wire"
	"github.com/astracat/astracaph/privacypass"
)

// What a token earned with a Private Access Token carries.
const (
	// PrivateTokenScore is its score. An issuer vouched for a genuine device whose owner
	// passed the attester's checks; that says nothing about what drives the browser on it
	// (automation on real devices exists, rate-limited by the attester), so the score stays
	// below a clean proof of work's 1 while passing any sensible threshold.
	PrivateTokenScore = 0.9
	// ReasonPrivateToken is its reason code. The issuer is not named: every Apple device
	// shares the same ones.
	ReasonPrivateToken = "privacypass.TOKEN"
)

// WithPrivacyPass accepts Private Access Tokens signed by these issuers in place of the
// proof of work (PrivateTokenChallenge, RedeemPrivateToken). The caller keeps their keys
// fresh by running is.Run. Set the issuers' key grace (privacypass.WithKeyGrace) to at
// least the challenge lifetime.
func WithPrivacyPass(is *privacypass.Issuers) Option {
	return func(c *Captcha) error {
		if is == nil {
			return errors.New("astracaph: nil privacy pass issuers")
		}
		c.privacyPass = is
		return nil
	}
}

// PrivateTokenRequest asks to answer a proof-of-work challenge this server issued with a
// Private Access Token.
type PrivateTokenRequest struct {
	// Challenge is the PoW v2 challenge as issued: {"parameters":{…},"signature":"…"}.
	Challenge string
	SiteKey   string // optional: must be the challenge's site
	Origin    string // the page origin the token will be bound to
	// Host is this server's host as the client addressed it (the port is dropped): the
	// Privacy Pass challenge's origin_info, so a token obtained for another origin does
	// not verify here.
	Host     string
	Token    privacypass.Token // the token presented (RedeemPrivateToken)
	ClientIP netip.Addr
}

// privateTokenOffered is SitePolicy.PrivateToken.
func (c *Captcha) privateTokenOffered(siteKey string) bool {
	return c.privacyPass != nil && !isTestSiteKey(siteKey) && c.privacyPass.Ready()
}

// PrivateTokenChallenge returns the WWW-Authenticate value to answer a request for req's
// challenge that carries no token: one Privacy Pass challenge per issuer with a key, for
// as long as the PoW challenge lives. The PoW challenge is checked as its redemption will
// be (signature, expiry, site, origin), so a client is never sent to an issuer for a token
// that could not redeem.
func (c *Captcha) PrivateTokenChallenge(ctx context.Context, req PrivateTokenRequest) (string, error) {
	t, err := c.privateTokenTarget(ctx, req)
	if err != nil {
		return "", err
	}
	cs, err := c.privacyPass.Challenges(t.rc, max(t.sol.ExpiresAt.Sub(c.now()), time.Second), t.host)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrPrivateTokenUnavailable, err)
	}
	return privacypass.HeaderValue(cs), nil
}

// RedeemPrivateToken redeems req.Token for req's challenge: the token must answer the
// Privacy Pass challenge PrivateTokenChallenge issued for it (this host, this PoW
// challenge, a configured issuer's key and signature); it is consumed once, then the PoW
// challenge is consumed as a solution would consume it, and a site token bound to the
// site and origin is issued with PrivateTokenScore and ReasonPrivateToken. A refused token
// is ErrPrivateTokenInvalid; a store failure fails closed.
func (c *Captcha) RedeemPrivateToken(ctx context.Context, req PrivateTokenRequest) (Decision, error) {
	t, err := c.privateTokenTarget(ctx, req)
	if err != nil {
		return Decision{}, err
	}
	expected, err := c.privacyPass.TokenChallenges(t.rc, t.host)
	if err != nil {
		return Decision{}, fmt.Errorf("%w: %w", ErrPrivateTokenUnavailable, err)
	}
	r, err := c.privacyPass.Redeem(ctx, c.store, c.issuedAt(t.sol), c.replayTTL(t.sol), req.Token, expected...)
	switch {
	case errors.Is(err, ErrBeforeEpoch):
		return Decision{}, fmt.Errorf("%w: %w", ErrChallengeExpired, err)
	case errors.Is(err, privacypass.ErrReplayStore):
		return Decision{}, err
	case errors.Is(err, privacypass.ErrReplayed):
		return Decision{}, fmt.Errorf("%w: %w", ErrPrivateTokenInvalid, err)
	case err != nil:
		c.recordFailure(ctx, req.ClientIP) // forged, or obtained for another challenge
		return Decision{}, fmt.Errorf("%w: %w", ErrPrivateTokenInvalid, err)
	}
	// One challenge, one site token: a proof of work for it is refused from now on, and this
	// token is refused when the work was redeemed first.
	if err := c.consumeChallenge(ctx, t.sol); err != nil {
		return Decision{}, err
	}
	a := Assessment{Action: ActionPass, Score: PrivateTokenScore, Reasons: []string{ReasonPrivateToken}}
	d := Decision{Action: ActionPass, Score: a.Score, Reasons: a.Reasons}
	if d.Token, d.ExpiresAt, err = c.issueToken(ctx, t.b, a); err != nil {
		return Decision{}, err
	}
	c.log.DebugContext(ctx, "astracaph: private token redeemed", "issuer", r.Issuer, "site", t.b.site)
	return d, nil
}

// privateTokenTarget is what a Private Access Token answers: a verified PoW challenge, the
// binding of the site token to come, and the Privacy Pass challenge's redemption context
// and origin name.
type privateTokenTarget struct {
	sol  SolutionResult
	b    binding
	rc   []byte
	host string
}

func (c *Captcha) privateTokenTarget(ctx context.Context, req PrivateTokenRequest) (privateTokenTarget, error) {
	var t privateTokenTarget
	if c.privacyPass == nil {
		return t, ErrPrivateTokenUnavailable
	}
	if t.host = serverName(req.Host); t.host == "" {
		return t, fmt.Errorf("%w: host %q", ErrPrivateTokenUnavailable, req.Host)
	}
	sig, err := c.issuedChallenge(req.Challenge, &t.sol)
	if err != nil {
		return t, err
	}
	switch site := challengeSiteKey(t.sol); {
	case t.sol.ExpiresAt.IsZero():
		return t, ErrNoExpiry
	case t.sol.Expired:
		return t, ErrChallengeExpired
	case c.checkLifetime(t.sol) != nil:
		return t, ErrLifetimeTooLong
	case isTestSiteKey(site):
		return t, fmt.Errorf("%w: test site key", ErrPrivateTokenUnavailable)
	}
	if t.b, err = c.bindChallenge(ctx, t.sol, req.SiteKey, req.Origin); err != nil {
		return t, err
	}
	t.rc = privacypass.DeriveRedemptionContext(sig)
	return t, nil
}

// issuedChallenge checks that raw is a PoW v2 challenge this server signed and describes
// it in *sol as a verification would (its id, site data and expiry), without a solution.
// It returns the signature. A v1 challenge cannot be checked before it is solved: its
// signature covers the hash of salt and number, not the salt's parameters.
func (c *Captcha) issuedChallenge(raw string, sol *SolutionResult) ([]byte, error) {
	if len(raw) > maxPayloadLen {
		return nil, fmt.Errorf("%w: challenge too long", ErrMalformedPayload)
	}
	var ch Challenge
	if err := ch.UnmarshalJSON([]byte(raw)); err != nil {
		if errors.Is(err, ErrMalformedPayload) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", ErrMalformedPayload, err)
	}
	mac := hmac.New(sha256.New, c.powKey)
	mac.Write(ch.canonical)
	if !wire.HexEqual(mac.Sum(nil), []byte(ch.Signature)) {
		return nil, ErrInvalidSolution
	}
	p := ch.Parameters
	*sol = SolutionResult{Version: 2, Algorithm: p.Algorithm, Nonce: p.Nonce, Salt: p.Salt}
	if p.ExpiresAt > 0 {
		sol.ExpiresAt = time.Unix(p.ExpiresAt, 0)
		sol.Expired = sol.ExpiresAt.Before(c.now())
	}
	if p.Data != nil {
		sol.Data = jsjson.Canonical(p.Data)
		sol.ChallengeID, _ = p.Data["challengeId"].(string)
	}
	return []byte(ch.Signature), nil
}

// serverName is the origin name of a Host header for origin_info: the host without its
// port, lower-cased, in the server-name form RFC 9577 asks for (a DNS name, as TLS SNI
// carries it); "" for anything else (an IPv6 literal, junk).
func serverName(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "" || len(host) > 253 {
		return ""
	}
	for i := 0; i < len(host); i++ {
		if c := host[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' && c != '.' {
			return ""
		}
	}
	return host
}
