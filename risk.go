package astracaph

// The engine's side of risk: the decisions a redemption can get, the two seams that decide
// them (a DifficultyFunc at challenge time, a RiskFunc at redemption), and WithRiskEngine,
// which fills both from package risk's scorer, IP intelligence, velocity buckets, recent
// failures, the environment check and package spam's filter. Form fields are classified and
// signed into the token. docs/risk.md describes the model.

import (
	"context"
	"errors"
	"math"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/astracat/astracaph/internal/clientip"
	"github.com/astracat/astracaph/risk"
	"github.com/astracat/astracaph/spam"
)

// The decisions of the engine: the risk scorer's actions, one vocabulary from the scorer to
// the token, the HTTP API and the metrics. The scorer's harder-PoW band (risk.ActionHarderPoW)
// is a pass here: its work was asked for when the challenge was issued.
const (
	ActionPass   = risk.ActionPass   // token issued
	ActionStepUp = risk.ActionStepUp // a visual step (or a heavy PoW) must be passed first
	ActionDeny   = risk.ActionDeny   // refused; Reasons say why
)

// Decision is the outcome of Redeem.
type Decision struct {
	Action         risk.Action // ActionPass, ActionStepUp or ActionDeny
	Token          string
	ExpiresAt      time.Time
	Score          float64 // human score: 1 = very likely human, 0 = very likely a bot
	Reasons        []string
	Classification string
	Visual         *VisualStep
}

// Assessment is the risk engine's verdict on one redemption.
type Assessment struct {
	Action         risk.Action // ActionPass, ActionStepUp or ActionDeny
	Score          float64     // human score 0..1
	Reasons        []string
	Classification string       // spam classification of submitted fields, if any
	Signed         SignedFields // what the token signs of the submitted form, if anything
}

// SignedFields is what a token signs of the form submitted with a redemption, so the site's
// backend can trust that the text it receives is the text that was classified: the field
// names, their hash and the e-mail address (verificationData fields, fieldsHash, email).
type SignedFields struct {
	Fields     []string `json:"fields,omitempty"`     // the submitted field names, sorted
	FieldsHash string   `json:"fieldsHash,omitempty"` // FieldsHash of those fields with SHA-256
	Email      string   `json:"email,omitempty"`      // the submitted e-mail address, if any
}

// RiskContext is what the risk engine sees at redemption.
type RiskContext struct {
	Request  RedeemRequest
	Solution SolutionResult
	SiteKey  string
	Elapsed  time.Duration // challenge issue → redemption, when known
	// ChallengeID is the solved challenge's binding id (v2 data.challengeId, else the v1
	// salt); the widget puts it into its telemetry.
	ChallengeID string
	IssuedAt    time.Time   // when the challenge was issued, when known
	Site        *SiteRecord // the registered site, when the challenge names one
}

// RiskFunc scores a redemption. The default passes everything with score 1.
type RiskFunc func(ctx context.Context, rc RiskContext) (Assessment, error)

// Difficulty scales the base proof of work of one challenge.
type Difficulty struct {
	// Multiplier scales the expected work (counter range for PoW v2, maxnumber for v1);
	// values below 1 are treated as 1.
	Multiplier float64
	Level      int      // informational (logs, metrics)
	Reasons    []string // informational
}

// DifficultyFunc chooses the work of a challenge (the risk engine fills it from the IP
// class and the request rate of the client's prefix).
type DifficultyFunc func(ctx context.Context, req ChallengeRequest) (Difficulty, error)

// RiskEngineOptions configures WithRiskEngine. Zero values select the defaults.
type RiskEngineOptions struct {
	Scorer *risk.Scorer // default scorer when nil
	// IPClass returns the network class of an address (risk.IP* values); nil treats every
	// address as unknown. ipintel.Classifier provides it.
	IPClass func(netip.Addr) string
	// Spam classifies submitted form fields; nil disables classification.
	Spam *spam.Filter
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
func WithRiskEngine(cfg RiskEngineOptions) Option {
	return func(c *Captcha) error {
		if cfg.Scorer == nil {
			s, err := risk.NewScorer()
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

type riskEngine struct {
	c   *Captcha
	cfg RiskEngineOptions
}

func (e *riskEngine) ipClass(a netip.Addr) string {
	if e.cfg.IPClass == nil || !a.IsValid() {
		return risk.IPUnknown
	}
	return e.cfg.IPClass(a)
}

// velocity adds add requests to the client's bucket and returns its level.
func (e *riskEngine) velocity(ctx context.Context, a netip.Addr, add float64) (int, error) {
	per := e.cfg.VelocityPerMinute
	lvl, err := e.c.store.Leak(ctx, "vel:"+clientip.Prefix(a), add, per/60, 10*time.Minute)
	if err != nil {
		return 0, err
	}
	return int(math.Max(0, math.Floor((lvl-per)/per)+1)), nil
}

// difficulty: velocity doubles the work per level; a network pre-score (class and
// headers, no telemetry yet) in the harder bands doubles it once more.
//
// Expected solve times with the default PoW (PBKDF2/SHA-256 cost 5000, counter
// 5000–10000, ≈7,500 derivations; docs/protocol-notes.md "Performance" and risk/pow.go): ×1 ≈ 2.4 s on a desktop
// browser with 8 workers and ≈14 s on a low-end Android; ×2 ≈ 5 s / 28 s; ×4 ≈ 10 s /
// 56 s; ×16 (a flooding prefix) ≈ 40 s / 4 min. Sites with many mobile users should lower
// the base counter range rather than the cap.
func (e *riskEngine) difficulty(ctx context.Context, req ChallengeRequest) (Difficulty, error) {
	class := e.ipClass(req.ClientIP)
	level, err := e.velocity(ctx, req.ClientIP, 1)
	if err != nil {
		return Difficulty{}, err
	}
	pre := e.cfg.Scorer.Score(risk.Input{IPClass: class, Header: req.Header, VelocityLevel: level})
	mult := float64(risk.VelocityMultiplier(level, class))
	if pre.Band >= 2 {
		mult *= 2
	}
	return Difficulty{Multiplier: min(mult, e.cfg.MaxMultiplier), Level: level, Reasons: pre.Reasons}, nil
}

func (e *riskEngine) assess(ctx context.Context, rc RiskContext) (Assessment, error) {
	req := rc.Request
	in := risk.Input{
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
		t, err := risk.ParseTelemetry(req.Telemetry)
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
		case !risk.EnvProofValid(e.c.envKey, rc.ChallengeID, t.Proof):
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
	case risk.ActionDeny:
		a.Action = ActionDeny
	case risk.ActionStepUp:
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
	res := e.cfg.Spam.Classify(ctx, spam.Input{Fields: req.Fields, Email: email, IP: req.ClientIP})
	a.Classification = string(res.Class)
	a.Reasons = append(a.Reasons, res.Reasons...)
	a.Signed = SignedFields{Fields: names, FieldsHash: FieldsHash(form, names, SHA256), Email: email}
}

// normalizeNewlines turns bare \n into \r\n, as browsers submit textarea values.
func normalizeNewlines(s string) string {
	if !strings.Contains(s, "\n") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}

// Recent failures per client prefix (signal V2): redemptions that failed verification or were
// denied, and wrong answers to visual steps. They drain from a leaky bucket, one every
// failureDrain, so a person who mistyped a code twice is forgiven within minutes while a
// script retrying in a loop keeps a full bucket. Counting is on only with the risk engine.

const (
	failureDrain = 5 * time.Minute
	failureTTL   = time.Hour
)

func failureKey(a netip.Addr) string { return "fail:" + clientip.Prefix(a) }

// recordFailure counts one failure for the client's prefix. Store errors are logged and
// otherwise ignored: a failure count is advice, and the request has already failed.
func (c *Captcha) recordFailure(ctx context.Context, ip netip.Addr) {
	if !c.countFailures || !ip.IsValid() {
		return
	}
	if _, err := c.store.Leak(ctx, failureKey(ip), 1, 1/failureDrain.Seconds(), failureTTL); err != nil {
		c.log.WarnContext(ctx, "astracaph: recording a failure", "err", err)
	}
}

// recentFailures returns how many failures of the client's prefix have not drained yet.
func (c *Captcha) recentFailures(ctx context.Context, ip netip.Addr) (int, error) {
	if !ip.IsValid() {
		return 0, nil
	}
	lvl, err := c.store.Leak(ctx, failureKey(ip), 0, 1/failureDrain.Seconds(), failureTTL)
	if err != nil {
		return 0, err
	}
	return int(math.Ceil(lvl - 1e-9)), nil
}

// redeemFailed counts a redemption that the client got wrong (not an infrastructure error).
func (c *Captcha) redeemFailed(ctx context.Context, ip netip.Addr, err error) {
	for _, e := range []error{ErrInvalidSolution, ErrChallengeExpired, ErrChallengeUsed, ErrMalformedPayload,
		ErrSiteMismatch, ErrOriginNotAllowed, ErrUnknownAlgorithm, ErrTestPayload} {
		if errors.Is(err, e) {
			c.recordFailure(ctx, ip)
			return
		}
	}
}

// The environment check (risk.EnvProof): per challenge, a small generated layout program
// served from the captcha origin (GET /api/v1/challenge/proof.js?id=…), whose answer the
// widget sends as telemetry "proof". Nothing is stored: program and answer derive from the
// challenge's binding id with a key derived from the master secret, so any server sharing
// the secret checks any answer.

// envProofMaxID bounds the binding id (v2 challengeId, or a v1 salt with its parameters).
const envProofMaxID = risk.TelemetryMaxString

// EnvProof returns the environment-check script for a challenge's binding id (v2
// parameters.data.challengeId, or the v1 salt) and the answer a browser computes from it
// (for server-side integrations and tests: it derives from the master secret, never send
// it to a client). Any id gets a script: the answer depends on the id, and only an answer
// for the solved challenge counts at redemption.
func (c *Captcha) EnvProof(id string) (script []byte, answer string, err error) {
	if id == "" || len(id) > envProofMaxID {
		return nil, "", ErrBadProofID
	}
	script, answer = risk.EnvProof(c.envKey, id)
	return script, answer, nil
}

// bindingID is the id the widget binds its telemetry to: v2 data.challengeId, else the v1
// salt (which carries the challenge's random part and parameters).
func bindingID(sol SolutionResult) string {
	if sol.ChallengeID != "" {
		return sol.ChallengeID
	}
	if sol.Version == 1 {
		return sol.Salt
	}
	return ""
}
