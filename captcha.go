// Package astracaph is a self-hosted CAPTCHA that speaks ALTCHA's wire formats.
//
// # Lifecycle
//
// One *Captcha, built by New, runs the whole flow in-process:
//
//  1. Challenge: the widget (ours, or the official ALTCHA widget) fetches a proof-of-work
//     challenge. It is an ALTCHA PoW v2 challenge (PBKDF2/SHA-256 by default, or a legacy
//     PoW v1 challenge for widgets 0.x–2.x) signed with a key derived from the master
//     secret, carrying a random challengeId and the site key in its signed data. How much
//     work it asks for is chosen per client (IP class and request rate) by a DifficultyFunc.
//  2. Redeem: the browser solves it in Web Workers and posts the payload with telemetry.
//     The server verifies the proof (VerifySolution), consumes the challengeId atomically
//     so a solution is used once, scores the risk (RiskFunc) and answers with a decision:
//     a token, a visual follow-up step, or a denial with reason codes.
//  3. Token: a token is an ALTCHA server-signature payload whose signed verificationData
//     carries id, time, expire, origin, site, score, classification and reasons. It is
//     signed with the site's secret for registered sites — so the site's backend can verify
//     it offline with any ALTCHA library — and with the open-mode secret otherwise.
//  4. Verify: the site's backend (or middleware.Protect in-process, or POST /api/v1/verify)
//     checks the signature, expiry and binding (the origin, a domain equal to the origin's
//     host, or the site secret) and consumes the token id atomically: a token verifies
//     exactly once, on any number of servers sharing a Store (memory or Redis). A second
//     verify fails with "timeout-or-duplicate".
//
// Verification fails closed: when the store cannot record a consumption, Verify returns
// an error and the token is not accepted; it can be verified once the store is back.
//
// The package also exposes the protocol building blocks directly: CreateChallenge,
// SolveChallenge and VerifySolution (PoW v2 and v1), SignServerPayload and
// VerifyServerSignature, VerifyFieldsHash.
package astracaph

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/astracat/astracaph/internal/jsjson"
	"github.com/astracat/astracaph/privacypass"
)

// Captcha is the engine. It is safe for concurrent use.
type Captcha struct {
	store        Store
	log          *slog.Logger
	logSet       bool // WithLogger was given
	now          func() time.Time
	rand         io.Reader
	sites        siteCrypto
	powKey       []byte // signs challenges (ASTRACAPH_ALTCHA_HMAC_KEY, or derived)
	keySigKey    []byte // deterministic keySignature (fast verification path)
	openKey      []byte // signs open-mode tokens
	envKey       []byte // derives the per-challenge environment checks (risk.go)
	mintKey      []byte // the mint proof inside every token id (mint.go)
	pow          PoWConfig
	challengeTTL time.Duration
	tokenTTL     time.Duration
	openMode     bool
	difficulty   DifficultyFunc
	risk         RiskFunc
	waitFactor   float64 // "verify by waiting" work, in multiples of the base PoW
	powV1        bool    // legacy PoW v1 for every client (else only for v1 sites)
	noExpiryOK   bool    // accept (foreign) challenges without an expiry
	kdfLimit     KDFLimit
	epochReady   atomic.Bool // the store's epoch exists (EpochStarter)
	domains      DomainVerifier
	visualLimit  visualLimit
	privacyPass  *privacypass.Issuers // Private Access Tokens (privatetoken.go); nil: off

	// countFailures records failed redemptions and visual answers per client prefix
	// (risk.go); widgetOnly: the risk engine requires our widget (risk.go).
	countFailures, widgetOnly bool
}

// PoWConfig is the base proof of work of every challenge before difficulty scaling.
type PoWConfig struct {
	Algorithm              Algorithm
	Cost                   int
	CounterMin, CounterMax uint32 // deterministic counter range
	MemoryCost             int    // SCRYPT/ARGON2ID only
	Parallelism            int    // SCRYPT/ARGON2ID only
	V1MaxNumber            int64  // legacy PoW v1 maxnumber
}

// DefaultPoW is PBKDF2/SHA-256, cost 5000, deterministic counter in [5000, 10000] — the
// ALTCHA ecosystem's recommendation (about 1–2 s in a desktop browser).
var DefaultPoW = PoWConfig{Algorithm: PBKDF2SHA256, Cost: 5000, CounterMin: 5000, CounterMax: 10000, V1MaxNumber: 100_000}

// Option configures New.
type Option func(*Captcha) error

// WithStore sets the store (default: a bounded MemoryStore).
func WithStore(s Store) Option {
	return func(c *Captcha) error {
		if s == nil {
			return errors.New("astracaph: nil store")
		}
		c.store = s
		return nil
	}
}

// WithSecret sets the master secret (ASTRACAPH_TOKEN_SECRET), at least 16 bytes. Every
// server sharing a store must use the same one. Without it New generates a random secret
// and logs a warning: tokens and sites then do not survive a restart.
func WithSecret(secret []byte) Option {
	return func(c *Captcha) error {
		if len(secret) < 16 {
			return errors.New("astracaph: master secret shorter than 16 bytes")
		}
		c.setMaster(secret)
		return nil
	}
}

// WithOpenSecret sets the key that signs open-mode tokens (ASTRACAPH_OPEN_SECRET), so a
// backend holding it can verify them offline. Default: derived from the master secret.
func WithOpenSecret(secret []byte) Option {
	return func(c *Captcha) error {
		if len(secret) == 0 {
			return ErrEmptyKey
		}
		c.openKey = append([]byte(nil), secret...)
		return nil
	}
}

// WithALTCHAKey signs and verifies challenges with an existing ALTCHA deployment's HMAC
// key (ASTRACAPH_ALTCHA_HMAC_KEY), so challenges from either side stay valid.
func WithALTCHAKey(key []byte) Option {
	return func(c *Captcha) error {
		if len(key) == 0 {
			return ErrEmptyKey
		}
		c.powKey = append([]byte(nil), key...)
		return nil
	}
}

// WithLogger sets the logger (default: discard, except the development-secret warning of New,
// which then goes to slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(c *Captcha) error {
		if l != nil {
			c.log, c.logSet = l, true
		}
		return nil
	}
}

// WithClock sets the time source (tests).
func WithClock(now func() time.Time) Option {
	return func(c *Captcha) error { c.now = now; return nil }
}

// WithPoW sets the base proof of work.
func WithPoW(p PoWConfig) Option {
	return func(c *Captcha) error {
		c.pow = p
		// Validate the parameters now, with a throwaway key: the real one may come later.
		o := c.challengeOptions(1, nil)
		o.HMACKey, o.Counter = []byte("validate"), new(uint32)
		_, err := CreateChallenge(o)
		return err
	}
}

// WithExpiry sets how long challenges (default 10 min) and tokens (default 5 min) live.
func WithExpiry(challenge, token time.Duration) Option {
	return func(c *Captcha) error {
		if challenge < time.Second || token < time.Second {
			return errors.New("astracaph: expiries must be at least one second")
		}
		c.challengeTTL, c.tokenTTL = challenge, token
		return nil
	}
}

// WithVisualWait sets the work of the visual step's "verify by waiting" alternative, in
// multiples of the base proof of work (default 4).
func WithVisualWait(multiplier float64) Option {
	return func(c *Captcha) error {
		if multiplier < 1 {
			return errors.New("astracaph: visual wait multiplier below 1")
		}
		c.waitFactor = multiplier
		return nil
	}
}

// WithPoWV1 serves and accepts legacy PoW v1 challenges for any client
// (ASTRACAPH_POW_V1). Off by default: v1 is far weaker per second of the user's time than
// v2 — a native solver does its SHA-256 calls thousands of times faster than the JavaScript
// widget, and its work cannot be made memory-hard — so a client that may pick v1 would
// downgrade every site. Sites registered with PoWVersion 1 get v1 either way.
func WithPoWV1(enabled bool) Option {
	return func(c *Captcha) error { c.powV1 = enabled; return nil }
}

// WithUnexpiringChallenges accepts challenges that carry no expiry (only challenges signed
// by another ALTCHA deployment's key can lack one: this server always sets it). Off by
// default, because such a challenge can be redeemed again once its replay record is
// gone; when on, its replay record is kept for 30 days.
func WithUnexpiringChallenges(allow bool) Option {
	return func(c *Captcha) error { c.noExpiryOK = allow; return nil }
}

// WithOpenMode allows (default) or refuses flows without a registered site key.
func WithOpenMode(allow bool) Option {
	return func(c *Captcha) error { c.openMode = allow; return nil }
}

// WithDifficulty sets the function choosing each challenge's work (see DifficultyFunc).
func WithDifficulty(f DifficultyFunc) Option {
	return func(c *Captcha) error { c.difficulty = f; return nil }
}

// WithRisk sets the risk assessment run at redemption (see RiskFunc).
func WithRisk(f RiskFunc) Option {
	return func(c *Captcha) error { c.risk = f; return nil }
}

// New builds a Captcha. With no options it is ready to use: memory store, a random
// master secret (with a logged warning), PoW v2 PBKDF2/SHA-256 cost 5000 deterministic
// with a counter in 5000–10000, 10-minute challenges and 5-minute tokens.
func New(opts ...Option) (*Captcha, error) {
	c := &Captcha{
		log: slog.New(slog.DiscardHandler), now: time.Now, rand: rand.Reader, pow: DefaultPoW,
		challengeTTL: 10 * time.Minute, tokenTTL: 5 * time.Minute, openMode: true, waitFactor: defaultWaitFactor,
		kdfLimit: DefaultKDFLimit(),
	}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	if c.sites.aead == nil {
		secret := make([]byte, 32)
		_, _ = rand.Read(secret)
		c.setMaster(secret)
		warn := c.log
		if !c.logSet {
			warn = slog.Default() // a program that configured no logger must still see this
		}
		warn.Warn("astracaph: no master secret configured; using a random development secret: tokens and sites will not survive a restart and servers cannot share work (set ASTRACAPH_TOKEN_SECRET, e.g. to the output of: openssl rand -hex 32)")
	}
	if c.store == nil {
		ms := NewMemoryStore(0)
		ms.epoch = time.UnixMilli(c.now().UnixMilli()) // the engine's clock: a test clock's ids are not "before" it
		c.store = ms
	}
	return c, nil
}

func (c *Captcha) setMaster(secret []byte) {
	c.sites = newSiteCrypto(secret)
	if c.powKey == nil {
		c.powKey = deriveSubkey(secret, "astracaph/challenge-signature/v1")
	}
	c.keySigKey = deriveSubkey(secret, "astracaph/key-signature/v1")
	c.envKey = deriveSubkey(secret, "astracaph/env-proof/v1")
	if c.openKey == nil {
		c.openKey = deriveSubkey(secret, "astracaph/open-token/v1")
	}
	c.mintKey = deriveSubkey(secret, "astracaph/token-mint/v1")
}

// Store returns the engine's store (health checks, rate limits).
func (c *Captcha) Store() Store { return c.store }

// Logger returns the engine's logger.
func (c *Captcha) Logger() *slog.Logger { return c.log }

// Errors of the flow, for callers (and the HTTP layer) to branch on.
var (
	ErrInvalidSolution  = errors.New("astracaph: invalid solution")
	ErrChallengeExpired = errors.New("astracaph: challenge expired")
	ErrChallengeUsed    = errors.New("astracaph: challenge already used")
	ErrSiteMismatch     = errors.New("astracaph: challenge was issued for another site")
	ErrOriginNotAllowed = errors.New("astracaph: origin not allowed for this site")
	ErrOriginRequired   = errors.New("astracaph: origin required")
	ErrOpenModeDisabled = errors.New("astracaph: a site key is required")
	ErrPoWV1Disabled    = errors.New("astracaph: legacy PoW v1 is not enabled on this server")
	ErrNoExpiry         = errors.New("astracaph: challenge has no expiry")
)

// ChallengeRequest describes who asks for a challenge.
type ChallengeRequest struct {
	ClientIP netip.Addr
	SiteKey  string
	Origin   string // Origin header, when the browser sent one
	Header   http.Header
}

// Challenge issues a PoW v2 challenge for req.
func (c *Captcha) Challenge(ctx context.Context, req ChallengeRequest) (Challenge, error) {
	site, err := c.challengeSite(ctx, req)
	if err != nil {
		return Challenge{}, err
	}
	d, err := c.chooseDifficulty(ctx, req)
	if err != nil {
		return Challenge{}, err
	}
	data := map[string]any{"challengeId": newID(c.rand, c.now())}
	if site != "" {
		data["site"] = site
	}
	return CreateChallenge(c.challengeOptions(d.Multiplier, data))
}

// ChallengeV1 issues a legacy PoW v1 challenge for widgets 0.x–2.x; the site key and a
// challenge id travel in the signed salt parameters. It returns ErrPoWV1Disabled unless
// WithPoWV1 is on or the site is configured for v1.
func (c *Captcha) ChallengeV1(ctx context.Context, req ChallengeRequest) (ChallengeV1, error) {
	if !c.PoWV1Allowed(ctx, req.SiteKey) {
		return ChallengeV1{}, ErrPoWV1Disabled
	}
	site, err := c.challengeSite(ctx, req)
	if err != nil {
		return ChallengeV1{}, err
	}
	d, err := c.chooseDifficulty(ctx, req)
	if err != nil {
		return ChallengeV1{}, err
	}
	params := map[string][]string{"challengeId": {newID(c.rand, c.now())}}
	if site != "" {
		params["site"] = []string{site}
	}
	maxN := c.pow.V1MaxNumber
	if maxN == 0 {
		maxN = DefaultPoW.V1MaxNumber
	}
	return CreateChallengeV1(ChallengeV1Options{
		MaxNumber: int64(float64(maxN) * max(d.Multiplier, 1)), HMACKey: c.powKey, Rand: c.rand,
		ExpiresAt: c.now().Add(c.challengeTTL), Params: params,
	})
}

// PoWV1Allowed reports whether legacy PoW v1 may be used for siteKey: WithPoWV1, or a
// site configured for v1.
func (c *Captcha) PoWV1Allowed(ctx context.Context, siteKey string) bool {
	return c.powV1 || c.SitePoWVersion(ctx, siteKey) == 1
}

// SitePoWVersion returns 1 when the site is configured for legacy PoW v1 challenges.
func (c *Captcha) SitePoWVersion(ctx context.Context, siteKey string) int {
	if siteKey == "" {
		return 2
	}
	if r, err := c.store.GetSite(ctx, siteKey); err == nil && r.PoWVersion == 1 {
		return 1
	}
	return 2
}

// ensureEpoch starts the store's epoch before the first challenge (see EpochStarter).
func (c *Captcha) ensureEpoch(ctx context.Context) error {
	if c.epochReady.Load() {
		return nil
	}
	if es, ok := c.store.(EpochStarter); ok {
		if _, err := es.InitEpoch(ctx); err != nil {
			return err
		}
	}
	c.epochReady.Store(true)
	return nil
}

func (c *Captcha) challengeSite(ctx context.Context, req ChallengeRequest) (string, error) {
	if err := c.ensureEpoch(ctx); err != nil {
		return "", err
	}
	if req.SiteKey == "" {
		if !c.openMode {
			return "", ErrOpenModeDisabled
		}
		return "", nil
	}
	if isTestSiteKey(req.SiteKey) {
		return req.SiteKey, nil
	}
	r, err := c.store.GetSite(ctx, req.SiteKey)
	if errors.Is(err, ErrNotFound) {
		return "", ErrSiteNotFound
	}
	if err != nil {
		return "", err
	}
	if req.Origin != "" {
		o, err := NormalizeOrigin(req.Origin)
		if err != nil || !originAllowed(r, o) {
			return "", ErrOriginNotAllowed
		}
	}
	return r.SiteKey, nil
}

func (c *Captcha) chooseDifficulty(ctx context.Context, req ChallengeRequest) (Difficulty, error) {
	if c.difficulty == nil {
		return Difficulty{Multiplier: 1}, nil
	}
	d, err := c.difficulty(ctx, req)
	if err != nil {
		return Difficulty{}, err
	}
	if d.Multiplier < 1 {
		d.Multiplier = 1
	}
	return d, nil
}

// challengeOptions scales the base work: the deterministic counter range grows with the
// multiplier (expected work is linear in the counter).
func (c *Captcha) challengeOptions(mult float64, data map[string]any) ChallengeOptions {
	p := c.pow
	cmin, cmax := float64(p.CounterMin), float64(p.CounterMax)
	cmin, cmax = min(cmin*mult, 1<<31), min(cmax*mult, 1<<31)
	if data != nil && c.pow.CounterMax > 0 {
		// The range is no secret (it follows from the configuration, which is public in
		// practice): signing its lower bound lets our widget skip the counters a bot would
		// skip too, instead of doing up to 3× the bot's work; the upper bound lets it show
		// how much of the work is done (docs/widget.md, "What the visitor sees").
		data["counterMin"] = uint32(cmin)
		data["counterMax"] = uint32(cmax)
	}
	return ChallengeOptions{
		Algorithm: p.Algorithm, Cost: p.Cost, MemoryCost: p.MemoryCost, Parallelism: p.Parallelism,
		CounterMin: uint32(cmin), CounterMax: uint32(cmax), ExpiresAt: c.now().Add(c.challengeTTL),
		Data: data, HMACKey: c.powKey, KeySignatureKey: c.keySigKey, Rand: c.rand,
	}
}

// HeavyChallenge issues a challenge with mult times the base work, bound to id: the
// "verify by waiting" alternative of the visual step.
func (c *Captcha) heavyChallenge(mult float64, id, site string) (Challenge, error) {
	data := map[string]any{"challengeId": "w_" + id, "wait": id}
	if site != "" {
		data["site"] = site
	}
	return CreateChallenge(c.challengeOptions(mult, data))
}

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
	if sol.Version == 1 && !c.PoWV1Allowed(ctx, site) {
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

// issuedAt is when a challenge was issued, for the store's epoch check: the time inside
// its challenge id when this server made it, else its expiry minus the challenge
// lifetime; zero (no check) for a foreign challenge without expiry.
func (c *Captcha) issuedAt(sol SolutionResult) time.Time {
	id := sol.ChallengeID
	if sol.Version == 1 {
		id = sol.SaltParams().Get("challengeId")
	}
	if t, ok := idIssued(id); ok {
		return t
	}
	if !sol.ExpiresAt.IsZero() {
		return sol.ExpiresAt.Add(-c.challengeTTL)
	}
	return time.Time{}
}

// challengeSiteKey reads the site key a challenge was issued for (signed data.site for
// v2, the site salt parameter for v1).
func challengeSiteKey(sol SolutionResult) string {
	if sol.Version == 1 {
		return sol.SaltParams().Get("site")
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
		return b, ErrSiteNotFound
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

// issueToken signs a one-time token bound to b's site and origin (fetching the site
// record only when b does not carry it).
func (c *Captcha) issueToken(ctx context.Context, b binding, a Assessment) (string, time.Time, error) {
	site, origin := b.site, b.origin
	key := c.openKey
	if site != "" && !isTestSiteKey(site) {
		r := b.rec
		if r == nil {
			rec, err := c.store.GetSite(ctx, site)
			if err != nil {
				if errors.Is(err, ErrNotFound) {
					return "", time.Time{}, ErrSiteNotFound
				}
				return "", time.Time{}, err
			}
			r = &rec
		}
		keys, err := c.siteKeys(*r)
		if err != nil {
			return "", time.Time{}, err
		}
		key = keys[0]
	}
	now := c.now()
	exp := now.Add(c.tokenTTL)
	vd := VerificationData{
		ID: newID(c.rand, now), Time: now, Expire: exp, Origin: origin, Site: site, Score: a.Score, HasScore: true,
		Classification: a.Classification, Reasons: a.Reasons, Verified: true,
	}
	vd.Fields, vd.FieldsHash, vd.Email = a.Signed.Fields, a.Signed.FieldsHash, a.Signed.Email
	vd.ID += "." + c.mintTag([]byte(vd.Encode()))
	tok, err := SignServerPayload(vd, key, SHA256)
	return tok, exp, err
}

func isTestSiteKey(k string) bool {
	return k == TestSiteKeyPass || k == TestSiteKeyBlock || k == TestSiteKeyStepUp
}

// VerifyTokenOptions says how a token must be bound. At least one of Secret, Origin or
// Domain is required.
type VerifyTokenOptions struct {
	Secret         string // the site secret (sk_live_…), a test secret, or the open secret
	Origin         string // the token must carry this origin
	Domain         string // the token's origin host must equal this domain
	SiteKey        string // optional: the token must belong to this site (hCaptcha sitekey)
	IdempotencyKey string // optional: a retry with the same key re-validates the token
}

// Result is the outcome of Verify.
type Result struct {
	Success        bool
	Expired        bool     // the failure was an expired token (hCaptcha reports it apart)
	ErrorCodes     []string // Turnstile vocabulary: invalid-input-response, timeout-or-duplicate, …
	Hostname       string
	Origin         string
	SiteKey        string
	Score          float64
	Reasons        []string
	Classification string
	ChallengeTS    time.Time
	Data           VerificationData
}

// Verification error codes (Turnstile's vocabulary, plus hCaptcha's sitekey mismatch).
const (
	CodeMissingSecret    = "missing-input-secret"
	CodeInvalidSecret    = "invalid-input-secret"
	CodeMissingResponse  = "missing-input-response"
	CodeInvalidResponse  = "invalid-input-response"
	CodeTimeoutDuplicate = "timeout-or-duplicate"
	CodeSiteKeyMismatch  = "sitekey-secret-mismatch"
	CodeOriginMismatch   = "origin-mismatch"
	CodeInternalError    = "internal-error"
)

func failed(code string) Result { return Result{ErrorCodes: []string{code}} }

// Verify checks a token's signature, expiry and binding, then consumes it: it succeeds
// once. A store failure returns an error (and the token stays unspent).
func (c *Captcha) Verify(ctx context.Context, token string, o VerifyTokenOptions) (Result, error) {
	switch o.Secret {
	case TestSecretPass:
		return Result{Success: true, Hostname: "example.com", ChallengeTS: c.now(), Score: 1}, nil
	case TestSecretFail:
		return failed(CodeInvalidResponse), nil
	case TestSecretSpent:
		return failed(CodeTimeoutDuplicate), nil
	}
	if token == "" {
		return failed(CodeMissingResponse), nil
	}
	if token == TestToken || len(token) > maxPayloadLen {
		return failed(CodeInvalidResponse), nil
	}
	// One scratch for the whole check: raw.span (the signed text inside its buffer) stays
	// valid for the signature; raw.data and claimed are cut from its arena (arena.go).
	sc := getScratch()
	defer putScratch(sc)
	var (
		raw     rawServerPayload
		claimed VerificationData
	)
	if err := sc.decodeServerToken(token, &raw, &claimed); err != nil || claimed.ID == "" || !c.minted(sc, raw.data, claimed.ID) {
		// No mint proof: not a token this server (or one sharing its master secret) issued,
		// whatever key signed it.
		return failed(CodeInvalidResponse), nil
	}
	keys, code, err := c.bindingKeys(ctx, claimed, o)
	if err != nil || code != "" {
		return failed(code), err
	}
	var res ServerSignatureResult
	now := c.now()
	for _, k := range keys {
		res = ServerSignatureResult{VerificationData: claimed}
		if sc.checkServerSignature(&raw, k, now, &res); !res.InvalidSignature {
			break
		}
	}
	switch {
	case res.InvalidSignature || res.InvalidSolution || res.RawData != raw.data:
		// (RawData differs when the signature matched the payload's other text reading:
		// the mint proof was checked on this one, so only this one may be trusted.)
		return failed(CodeInvalidResponse), nil
	case res.Expired:
		r := failed(CodeTimeoutDuplicate)
		r.Expired = true
		return r, nil
	}
	d := res.VerificationData
	// Without an idempotency key the stored value is "", which no retry can present.
	idem := o.IdempotencyKey
	ttl := d.Expire.Sub(c.now()) + time.Minute
	if d.Expire.IsZero() {
		ttl = c.tokenTTL + time.Minute
	}
	base, _, _ := strings.Cut(d.ID, ".")
	issued, _ := idIssued(base)
	first, stored, err := c.store.ConsumeOnce(ctx, "tk:"+d.ID, idem, issued, ttl)
	if errors.Is(err, ErrBeforeEpoch) {
		// Issued before the store's memory starts: it may have been spent already.
		r := failed(CodeTimeoutDuplicate)
		r.Expired = true
		return r, nil
	}
	if err != nil {
		return failed(CodeInternalError), fmt.Errorf("astracaph: recording token use: %w", err)
	}
	if !first && (o.IdempotencyKey == "" || subtle.ConstantTimeCompare([]byte(stored), []byte(o.IdempotencyKey)) != 1) {
		return failed(CodeTimeoutDuplicate), nil
	}
	return Result{
		Success: true, Hostname: originHost(d.Origin), Origin: d.Origin, SiteKey: d.Site, Score: d.Score,
		Reasons: d.Reasons, Classification: d.Classification, ChallengeTS: d.Time, Data: d,
	}, nil
}

// bindingKeys checks how the caller binds the token and returns the keys it may be
// signed with, or an error code. Every binding the caller names must hold: a secret and an
// origin (or domain) are both checked. A token that names a site verifies by origin or
// domain only for an origin of that site, so a token of one site can never pass as
// another site's.
func (c *Captcha) bindingKeys(ctx context.Context, d VerificationData, o VerifyTokenOptions) ([][]byte, string, error) {
	if o.Secret == "" && o.Origin == "" && o.Domain == "" {
		return nil, CodeMissingSecret, nil
	}
	if o.SiteKey != "" && o.SiteKey != d.Site {
		return nil, CodeSiteKeyMismatch, nil
	}
	originOK := func() bool {
		switch {
		case o.Origin != "" && o.Origin != d.Origin: // equal: already canonical, skip parsing
			n, err := NormalizeOrigin(o.Origin)
			if err != nil || n != d.Origin {
				return false
			}
		case o.Domain != "":
			n, err := NormalizeDomain(o.Domain)
			if err != nil || n != originHost(d.Origin) {
				return false
			}
		}
		return true
	}
	if d.Site == "" {
		if o.Secret != "" && subtle.ConstantTimeCompare([]byte(o.Secret), c.openKey) != 1 {
			return nil, CodeInvalidSecret, nil
		}
		if !originOK() {
			return nil, CodeOriginMismatch, nil
		}
		return [][]byte{c.openKey}, "", nil
	}
	r, err := c.store.GetSite(ctx, d.Site)
	if errors.Is(err, ErrNotFound) {
		if o.Secret != "" {
			return nil, CodeInvalidSecret, nil
		}
		return nil, CodeInvalidResponse, nil
	}
	if err != nil {
		return nil, CodeInternalError, err
	}
	if o.Secret != "" && !c.secretMatches(r, o.Secret) {
		return nil, CodeInvalidSecret, nil
	}
	if !originOK() || (o.Secret == "" && !originAllowed(r, d.Origin)) {
		return nil, CodeOriginMismatch, nil
	}
	keys, err := c.siteKeys(r)
	if err != nil {
		return nil, CodeInternalError, err
	}
	return keys, "", nil
}
