package astracaph

// Challenge time: the first step of the flow. A challenge is signed with the engine's key
// and carries, in its signed data, a fresh challenge id (the replay key) and the site key;
// its work is the base proof of work scaled by the DifficultyFunc.

import (
	"context"
	"errors"
	"net/http"
	"net/netip"

	"github.com/astracat/astracaph/internal/wire"
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
	data := map[string]any{"challengeId": wire.NewID(c.rand, c.now())}
	if site != "" {
		data["site"] = site
	}
	return CreateChallenge(c.challengeOptions(d.Multiplier, data))
}

// ChallengeV1 issues a legacy PoW v1 challenge for widgets 0.x–2.x; the site key and a
// challenge id travel in the signed salt parameters. It returns ErrPoWV1Disabled unless
// WithPoWV1 is on or the site is configured for v1.
func (c *Captcha) ChallengeV1(ctx context.Context, req ChallengeRequest) (ChallengeV1, error) {
	if !c.powV1Allowed(ctx, req.SiteKey) {
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
	params := map[string][]string{"challengeId": {wire.NewID(c.rand, c.now())}}
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

// SitePolicy is what a site's configuration asks of its challenges; the HTTP layer picks
// and describes challenges with it.
type SitePolicy struct {
	// PoWVersion is 1 when the site is configured for legacy PoW v1 challenges, else 2.
	PoWVersion int
	// WidgetRequired: redemptions must come from the AstraCaph widget (the risk engine is
	// on and neither the engine nor the site allows the official ALTCHA widget). The hosted
	// API tells the widget so with X-Astracaph-Interaction: required on the challenge, and
	// the widget then redeems only after a trusted activation.
	WidgetRequired bool
	// PrivateToken: challenges may be answered with a Private Access Token (Privacy Pass
	// is on, some issuer has a current key, and the site key is not a test key, whose
	// outcomes the proof of work gives).
	PrivateToken bool
}

// Policy returns siteKey's SitePolicy ("" is open mode), reading the site once. An unknown
// site gets the strictest answers (v2, widget required); its challenge is refused anyway.
func (c *Captcha) Policy(ctx context.Context, siteKey string) SitePolicy {
	p := SitePolicy{PoWVersion: 2, WidgetRequired: c.widgetOnly, PrivateToken: c.privateTokenOffered(siteKey)}
	if siteKey == "" || isTestSiteKey(siteKey) {
		return p
	}
	r, err := c.store.GetSite(ctx, siteKey)
	if err != nil {
		return p
	}
	if r.PoWVersion == 1 {
		p.PoWVersion = 1
	}
	p.WidgetRequired = c.widgetOnly && !r.AllowALTCHAWidget
	return p
}

// powV1Allowed reports whether legacy PoW v1 may be used for siteKey: WithPoWV1, or a site
// configured for v1.
func (c *Captcha) powV1Allowed(ctx context.Context, siteKey string) bool {
	return c.powV1 || c.Policy(ctx, siteKey).PoWVersion == 1
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
		return "", errSiteNotFound
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
