package astracaph

import (
	"context"
	"math"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Wiring of the risk scorer, IP intelligence, velocity buckets and the spam filter into
// the flow. WithRiskEngine installs both seams: a DifficultyFunc (challenge time: network
// class and request rate choose the work) and a RiskFunc (redemption: telemetry, network,
// headers, velocity and PoW timing choose pass, step-up or deny; form fields are
// classified and signed into the token).

// RiskEngineConfig configures WithRiskEngine. Zero values select the defaults.
type RiskEngineConfig struct {
	Scorer *RiskScorer // default scorer when nil
	// IPClass returns the network class of an address (RiskIP* values); nil treats every
	// address as unknown. ipintel.Classifier provides it.
	IPClass func(netip.Addr) string
	// Spam classifies submitted form fields; nil disables classification.
	Spam *SpamFilter
	// Velocity: requests per client prefix (/32, /64) drain from a leaky bucket at
	// VelocityPerMinute; every VelocityPerMinute requests above it add one level, and each
	// level doubles the work (up to ×16). Defaults 12/min (Private Captcha's figure for a
	// shared office or campus address).
	VelocityPerMinute float64
	// MaxMultiplier caps the challenge-time work multiplier (default 16).
	MaxMultiplier float64
	// Country returns the ISO 3166 alpha-2 country of an address ("" when unknown), for the
	// time-zone/country signal; nil disables it. ipintel.Countries provides it.
	Country func(netip.Addr) string
	// AllowALTCHAWidget accepts redemptions from the official ALTCHA widget, which sends no
	// telemetry, for every site (ASTRACAPH_ALLOW_ALTCHA_WIDGET=1): missing telemetry is then
	// neutral again and the proof of work carries the weight. Otherwise a redemption must
	// carry the AstraCaph widget's telemetry, its challenge binding and the answer of the
	// environment check, or it gets the visual step. SiteRecord.AllowALTCHAWidget allows it
	// per site.
	AllowALTCHAWidget bool
	// ReplayWindow is how long a behaviour stream is remembered against replay (default:
	// the challenge plus the token lifetime, at least an hour).
	ReplayWindow time.Duration
}

// WithRiskEngine enables risk scoring and adaptive difficulty.
func WithRiskEngine(cfg RiskEngineConfig) Option {
	return func(c *Captcha) error {
		if cfg.Scorer == nil {
			s, err := NewRiskScorer(RiskOptions{})
			if err != nil {
				return err
			}
			cfg.Scorer = s
		}
		if cfg.VelocityPerMinute <= 0 {
			cfg.VelocityPerMinute = 12
		}
		if cfg.MaxMultiplier < 1 {
			cfg.MaxMultiplier = 16
		}
		if cfg.ReplayWindow <= 0 {
			cfg.ReplayWindow = max(time.Hour, c.challengeTTL+c.tokenTTL)
		}
		e := &riskEngine{c: c, cfg: cfg}
		c.difficulty = e.difficulty
		c.risk = e.assess
		c.countFailures = true
		c.widgetOnly = !cfg.AllowALTCHAWidget
		return nil
	}
}

// WidgetRequired reports whether redemptions for siteKey must come from the AstraCaph widget
// (the risk engine is on and neither the engine nor the site allows the official ALTCHA
// widget). The hosted API tells the widget so with X-Astracaph-Interaction: required on the
// challenge, and the widget then redeems only after a trusted activation.
func (c *Captcha) WidgetRequired(ctx context.Context, siteKey string) bool {
	if !c.widgetOnly {
		return false
	}
	if siteKey == "" || isTestSiteKey(siteKey) {
		return true
	}
	r, err := c.store.GetSite(ctx, siteKey)
	return err != nil || !r.AllowALTCHAWidget
}

type riskEngine struct {
	c   *Captcha
	cfg RiskEngineConfig
}

func (e *riskEngine) ipClass(a netip.Addr) string {
	if e.cfg.IPClass == nil || !a.IsValid() {
		return RiskIPUnknown
	}
	return e.cfg.IPClass(a)
}

// ClientPrefix is the bucket a client address counts in for rate and velocity limits:
// the address for IPv4, its /64 for IPv6 (one subscriber usually holds a whole /64).
func ClientPrefix(a netip.Addr) string {
	if !a.IsValid() {
		return "unknown"
	}
	if a.Is4() || a.Is4In6() {
		return a.Unmap().String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// velocity adds add requests to the client's bucket and returns its level.
func (e *riskEngine) velocity(ctx context.Context, a netip.Addr, add float64) (int, error) {
	per := e.cfg.VelocityPerMinute
	lvl, err := e.c.store.Leak(ctx, "vel:"+ClientPrefix(a), add, per/60, 10*time.Minute)
	if err != nil {
		return 0, err
	}
	return int(math.Max(0, math.Floor((lvl-per)/per)+1)), nil
}

// difficulty: velocity doubles the work per level; a network pre-score (class and
// headers, no telemetry yet) in the harder bands doubles it once more.
//
// Expected solve times with the default PoW (PBKDF2/SHA-256 cost 5000, counter
// 5000–10000, ≈7,500 derivations; docs/protocol-notes.md "Performance" and risk_pow.go): ×1 ≈ 2.4 s on a desktop
// browser with 8 workers and ≈14 s on a low-end Android; ×2 ≈ 5 s / 28 s; ×4 ≈ 10 s /
// 56 s; ×16 (a flooding prefix) ≈ 40 s / 4 min. Sites with many mobile users should lower
// the base counter range rather than the cap.
func (e *riskEngine) difficulty(ctx context.Context, req ChallengeRequest) (Difficulty, error) {
	class := e.ipClass(req.ClientIP)
	level, err := e.velocity(ctx, req.ClientIP, 1)
	if err != nil {
		return Difficulty{}, err
	}
	pre := e.cfg.Scorer.Score(RiskInput{IPClass: class, Header: req.Header, VelocityLevel: level})
	mult := float64(RiskVelocityMultiplier(level, class))
	if pre.Band >= 2 {
		mult *= 2
	}
	return Difficulty{Multiplier: min(mult, e.cfg.MaxMultiplier), Level: level, Reasons: pre.Reasons}, nil
}

func (e *riskEngine) assess(ctx context.Context, rc RiskContext) (Assessment, error) {
	req := rc.Request
	in := RiskInput{
		IPClass: e.ipClass(req.ClientIP), Header: req.Header, SolveMillis: rc.Solution.Took, ServerElapsed: rc.Elapsed,
		ChallengeID: rc.ChallengeID, WidgetRequired: !e.cfg.AllowALTCHAWidget && (rc.Site == nil || !rc.Site.AllowALTCHAWidget),
	}
	if e.cfg.Country != nil && req.ClientIP.IsValid() {
		in.IPCountry = e.cfg.Country(req.ClientIP)
	}
	if rc.Solution.Version == 2 {
		in.PoWWork = float64(rc.Solution.Counter + 1)
	}
	if len(req.Telemetry) > 0 && string(req.Telemetry) != "null" {
		t, err := ParseTelemetry(req.Telemetry)
		if err != nil {
			in.TelemetryInvalid = true
		} else {
			in.Telemetry = t
		}
	}
	if t := in.Telemetry; t != nil && rc.ChallengeID != "" {
		// The environment check is bound to the solved challenge, whatever id the document claims.
		switch {
		case t.Proof == "":
			in.EnvProofMissing = true
		case !e.c.envProofOK(rc.ChallengeID, t.Proof):
			in.EnvProofFailed = true
		}
	} else if in.Telemetry == nil {
		in.EnvProofMissing = true
	}
	level, err := e.velocity(ctx, req.ClientIP, 0)
	if err != nil {
		return Assessment{}, err
	}
	in.VelocityLevel = level
	if in.RecentFailures, err = e.c.recentFailures(ctx, req.ClientIP); err != nil {
		return Assessment{}, err
	}
	ra := e.cfg.Scorer.Score(in)
	if ra.InteractionHash != "" {
		// B10: one behaviour stream earns at most one direct token; its reuse within the
		// replay window is a replay.
		first, _, err := e.c.store.ConsumeOnce(ctx, "ih:"+ra.InteractionHash, "", time.Time{}, e.cfg.ReplayWindow)
		if err != nil {
			return Assessment{}, err
		}
		if !first {
			in.ReplayedInteraction = true
			ra = e.cfg.Scorer.Score(in)
		}
	}
	a := Assessment{Score: math.Round(ra.Score*1000) / 1000, Reasons: ra.Reasons}
	switch ra.Action {
	case RiskDeny:
		a.Action = ActionDeny
	case RiskStepUp:
		a.Action = ActionStepUp
	default:
		// Pass and harder-PoW bands pass: the harder work was already asked for when the
		// challenge was issued (difficulty), so the solved proof stands.
		a.Action = ActionPass
	}
	if e.cfg.Spam != nil && len(req.Fields) > 0 && a.Action != ActionDeny {
		e.classifyFields(ctx, req, &a)
	}
	return a, nil
}

// classifyFields runs the spam filter and signs classification, fields, fieldsHash and
// email into the token, so the backend can trust both the verdict and that the text was
// not changed after it was classified.
func (e *riskEngine) classifyFields(ctx context.Context, req RedeemRequest, a *Assessment) {
	names := make([]string, 0, len(req.Fields))
	for k := range req.Fields {
		names = append(names, k)
	}
	slices.Sort(names)
	form := make(map[string][]string, len(names))
	email := ""
	for _, k := range names {
		v := normalizeNewlines(req.Fields[k])
		form[k] = []string{v}
		if email == "" && (strings.EqualFold(k, "email") || strings.Contains(v, "@") && strings.Contains(strings.ToLower(k), "mail")) {
			email = strings.TrimSpace(v)
		}
	}
	res := e.cfg.Spam.Classify(ctx, SpamInput{Fields: req.Fields, Email: email, IP: req.ClientIP})
	a.Classification = string(res.Class)
	a.Reasons = append(a.Reasons, res.Reasons...)
	a.Signed = map[string]string{
		"fields":     strings.Join(names, ","),
		"fieldsHash": FieldsHash(form, names, SHA256),
	}
	if email != "" {
		a.Signed["email"] = email
	}
}

// normalizeNewlines turns bare \n into \r\n, as browsers submit textarea values.
func normalizeNewlines(s string) string {
	if !strings.Contains(s, "\n") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}
