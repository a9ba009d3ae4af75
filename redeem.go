package astracaph

// Redemption: a solved challenge is verified, bound to a site and an origin, consumed once,
// scored, and answered with a token, a visual step or a denial.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"time"

	"github.com/astracat/astracaph/internal/jsjson"
	"github.com/astracat/astracaph/internal/wire"
)

// RedeemRequest is a solved challenge submitted for a token.
type RedeemRequest struct {
	Payload   string            // base64 ALTCHA payload (v1 or v2)
	Telemetry []byte            // raw telemetry JSON from the widget, optional
	SiteKey   string            //
	Origin    string            // the page origin the token will be bound to
	ClientIP  netip.Addr        //
	Header    http.Header       //
	Fields    map[string]string // form fields for the spam filter, optional
}

// Redeem verifies a solved challenge, consumes it, assesses risk and returns a decision.
func (c *Captcha) Redeem(ctx context.Context, req RedeemRequest) (Decision, error) {
	sol, b, err := c.verifyAndConsume(ctx, req)
	if err != nil {
		c.redeemFailed(ctx, req.ClientIP, err)
		return Decision{}, err
	}
	site := b.site
	switch site {
	case TestSiteKeyPass:
		return Decision{Action: ActionPass, Token: TestToken, Score: 1, ExpiresAt: c.now().Add(c.tokenTTL)}, nil
	case TestSiteKeyBlock:
		return Decision{Action: ActionDeny, Score: 0, Reasons: []string{"test.BLOCK"}}, nil
	}
	rc := RiskContext{Request: req, Solution: sol, SiteKey: site, ChallengeID: bindingID(sol), Site: b.rec}
	if !sol.ExpiresAt.IsZero() {
		rc.IssuedAt = sol.ExpiresAt.Add(-c.challengeTTL)
		rc.Elapsed = c.now().Sub(rc.IssuedAt)
	}
	a := Assessment{Action: ActionPass, Score: 1}
	if c.risk != nil {
		if a, err = c.risk(ctx, rc); err != nil {
			return Decision{}, err
		}
	}
	if site == TestSiteKeyStepUp {
		a.Action = ActionStepUp
	}
	d := Decision{Action: a.Action, Score: a.Score, Reasons: a.Reasons, Classification: a.Classification}
	switch a.Action {
	case ActionPass:
		d.Token, d.ExpiresAt, err = c.issueToken(ctx, b, a)
		return d, err
	case ActionStepUp:
		d.Visual, err = c.newVisualStep(ctx, site, b.origin, a, req.ClientIP)
		return d, err
	}
	c.recordFailure(ctx, req.ClientIP)
	return d, nil
}

// binding is what a token will be bound to; rec is the registered site, when known.
type binding struct {
	site, origin string
	rec          *SiteRecord
}

// verifyAndConsume checks the proof of work and its site binding, then consumes it.
func (c *Captcha) verifyAndConsume(ctx context.Context, req RedeemRequest) (SolutionResult, binding, error) {
	sol, err := VerifySolution(req.Payload, VerifyOptions{HMACKey: c.powKey, KeySignatureKey: c.keySigKey, Now: c.now(), KDFLimit: &c.kdfLimit})
	if err != nil {
		return sol, binding{}, err
	}
	switch {
	case sol.Expired:
		return sol, binding{}, ErrChallengeExpired
	case !sol.Verified:
		if sol.SlowPath && !sol.InvalidSignature {
			// A wrong answer to a challenge without keySignature cost a full key derivation:
			// burn the challenge so the same one cannot be replayed with junk to burn CPU.
			_, _, _ = c.store.ConsumeOnce(ctx, "ch:"+sol.ReplayKey(), "", c.issuedAt(sol), c.replayTTL(sol))
		}
		return sol, binding{}, ErrInvalidSolution
	case sol.ExpiresAt.IsZero() && !c.noExpiryOK:
		return sol, binding{}, ErrNoExpiry
	}
	if err := c.checkLifetime(sol); err != nil {
		return sol, binding{}, err
	}
	b, err := c.bindChallenge(ctx, sol, req.SiteKey, req.Origin)
	if err != nil {
		return sol, binding{}, err
	}
	if err := c.consumeChallenge(ctx, sol); err != nil {
		return sol, binding{}, err
	}
	return sol, b, nil
}

// bindChallenge checks a verified challenge's site against the one the request names and
// binds the token to come to that site and origin.
func (c *Captcha) bindChallenge(ctx context.Context, sol SolutionResult, siteKey, origin string) (binding, error) {
	site := challengeSiteKey(sol)
	if sol.Version == 1 && !c.powV1Allowed(ctx, site) {
		return binding{}, ErrPoWV1Disabled
	}
	if siteKey != "" && siteKey != site {
		return binding{}, ErrSiteMismatch
	}
	if site == "" && !c.openMode {
		return binding{}, ErrOpenModeDisabled
	}
	return c.bindOrigin(ctx, site, origin)
}

// consumeChallenge spends a challenge once, whichever way it is answered (a proof of work
// or a private token: privatetoken.go), so it earns one token.
func (c *Captcha) consumeChallenge(ctx context.Context, sol SolutionResult) error {
	first, _, err := c.store.ConsumeOnce(ctx, "ch:"+sol.ReplayKey(), "", c.issuedAt(sol), c.replayTTL(sol))
	if errors.Is(err, ErrBeforeEpoch) {
		// The store forgot what was spent before its epoch: this challenge may have been
		// redeemed already. The widget fetches a new one.
		return fmt.Errorf("%w: %w", ErrChallengeExpired, err)
	}
	if err != nil {
		return err
	}
	if !first {
		return ErrChallengeUsed
	}
	return nil
}

// replayTTL is how long a redeemed challenge must stay recorded: until it expires, or 30
// days for a challenge without expiry (accepted only with WithUnexpiringChallenges).
func (c *Captcha) replayTTL(sol SolutionResult) time.Duration {
	if sol.ExpiresAt.IsZero() {
		return 30 * 24 * time.Hour
	}
	return max(sol.ExpiresAt.Sub(c.now()), 0) + time.Minute
}

// foreignSkew is how far a foreign challenge's expiry may lie beyond this server's
// challenge lifetime: the clocks of the server that made it and of this one differ.
const foreignSkew = time.Minute

// issuedAt is when a challenge was issued, for the store's epoch check: the time inside
// its challenge id when this server made it; for a foreign challenge, which carries no
// issue time, the earliest moment it can have been redeemed here (checkLifetime);
// zero (no check) for a foreign challenge without expiry.
func (c *Captcha) issuedAt(sol SolutionResult) time.Time {
	if t, ok := ownIssued(sol); ok {
		return t
	}
	if !sol.ExpiresAt.IsZero() {
		return sol.ExpiresAt.Add(-c.challengeTTL - foreignSkew)
	}
	return time.Time{}
}

// ownIssued reads the issue time from the challenge id this server puts in its challenges.
func ownIssued(sol SolutionResult) (time.Time, bool) {
	id := sol.ChallengeID
	if sol.Version == 1 {
		id = sol.saltParams().Get("challengeId")
	}
	return wire.IDIssued(id)
}

// checkLifetime refuses a foreign challenge whose expiry lies further ahead than this
// server's challenges live (plus foreignSkew). That bound is what dates it for the
// store's epoch check: any redemption of it, here or before a restart, happened at or
// after its expiry minus the lifetime and skew, so a store that starts after that date
// cannot have forgotten one (docs/security.md, attack 5b).
func (c *Captcha) checkLifetime(sol SolutionResult) error {
	if _, own := ownIssued(sol); own || sol.ExpiresAt.IsZero() {
		return nil
	}
	if sol.ExpiresAt.After(c.now().Add(c.challengeTTL + foreignSkew)) {
		return ErrLifetimeTooLong
	}
	return nil
}

// challengeSiteKey reads the site key a challenge was issued for (signed data.site for
// v2, the site salt parameter for v1).
func challengeSiteKey(sol SolutionResult) string {
	if sol.Version == 1 {
		return sol.saltParams().Get("site")
	}
	if len(sol.Data) == 0 {
		return ""
	}
	v, err := jsjson.Parse(sol.Data)
	if err != nil {
		return ""
	}
	if o, ok := v.(*jsjson.Object); ok {
		s, _ := o.Get("site")
		str, _ := s.(string)
		return str
	}
	return ""
}

// bindOrigin normalises the origin a token will carry and checks it against the site,
// keeping the site record for signing.
func (c *Captcha) bindOrigin(ctx context.Context, site, origin string) (binding, error) {
	b := binding{site: site}
	if origin != "" {
		o, err := NormalizeOrigin(origin)
		if err != nil {
			return b, fmt.Errorf("%w: %w", ErrOriginNotAllowed, err)
		}
		b.origin = o
	}
	if site == "" || isTestSiteKey(site) {
		if b.origin == "" && site == "" {
			return b, ErrOriginRequired
		}
		return b, nil
	}
	r, err := c.store.GetSite(ctx, site)
	if errors.Is(err, ErrNotFound) {
		return b, errSiteNotFound
	}
	if err != nil {
		return b, err
	}
	b.rec = &r
	if b.origin == "" {
		b.origin = "https://" + r.Domain
	} else if !originAllowed(r, b.origin) {
		return b, ErrOriginNotAllowed
	}
	return b, nil
}
