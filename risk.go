package astracaph

// Risk scoring of one solve: docs/risk.md describes the model and the telemetry, docs/risk-notes.md
// the research behind it.
//
// Lifecycle: the server parses the widget's telemetry with ParseTelemetry, gathers what it knows
// itself (IP class and country, request headers, velocity level, recent failures, PoW timing,
// whether a visual challenge was already solved, whether the interaction hash was seen before) into
// a RiskInput, and calls (*RiskScorer).Score. The RiskAssessment carries the points R, a logistic
// risk, the human score 1−risk, a 1–5 band, the action, and the reason codes (see the table in
// risk_weights.go). RiskPoWMultiplier turns an assessment into a PoW work multiplier when issuing
// the next challenge. Nothing here keeps state: the scorer is immutable after NewRiskScorer and safe
// for concurrent use.
//
// Model: additive points over the signal catalogue, category caps applied before summing so that
// no family of soft signals reaches the block band, then risk = 1/(1+exp(-(R−4)/1.5)). Denial
// needs a hard automation artefact; soft signals only raise PoW cost or trigger the step-up.
// Strong signals (the integrity of our widget's flow: absent telemetry, a replayed or foreign
// document, impossible timing, scripted motion) force the step-up band but never deny.

import (
	"math"
	"net/http"
	"time"
)

// RiskAction is what the server should do with a solve.
type RiskAction int

const (
	// RiskPass issues the token (band 1).
	RiskPass RiskAction = iota
	// RiskHarderPoW asks for a harder proof of work first (band 2); nothing cognitive.
	RiskHarderPoW
	// RiskStepUp asks for the visual challenge (image + audio) with base PoW, or the "verify by
	// waiting" heavy PoW as the no-cognitive-test alternative (band 3). In band 4 (R ≥ Block, no
	// hard signal) heavy PoW and the visual challenge are both required.
	RiskStepUp
	// RiskDeny refuses (band 5). Only ever chosen with a hard automation signal.
	RiskDeny
)

// String returns a stable lower-case name for logs and JSON.
func (a RiskAction) String() string {
	switch a {
	case RiskPass:
		return "pass"
	case RiskHarderPoW:
		return "harder_pow"
	case RiskStepUp:
		return "step_up"
	case RiskDeny:
		return "deny"
	}
	return "unknown"
}

// IP classes understood by the scorer (RiskInput.IPClass). Anything else is neutral.
const (
	RiskIPHosting     = "hosting"
	RiskIPVPN         = "vpn"
	RiskIPProxy       = "proxy"
	RiskIPTor         = "tor"
	RiskIPRelay       = "relay" // iCloud Private Relay
	RiskIPMobile      = "mobile"
	RiskIPResidential = "residential"
	RiskIPUnknown     = "unknown"
)

// RiskInput is everything the scorer looks at. Plain data; every field is optional and its zero
// value is neutral.
type RiskInput struct {
	Telemetry        *Telemetry // parsed widget telemetry; nil for the official ALTCHA widget
	TelemetryInvalid bool       // the widget sent telemetry but ParseTelemetry rejected it

	IPClass   string      // RiskIP* constants
	IPCountry string      // ISO 3166 alpha-2 of the client IP, for S12; "" = unknown
	Header    http.Header // request headers of the redeem request; nil = not available (neutral)

	VelocityLevel  int // leaky-bucket level of the client's IP prefix (V1)
	RecentFailures int // recent failed attempts from the same bucket (V2)

	SolveMillis   float64       // client-reported solve time (ALTCHA payload "took"); 0 = unknown
	ServerElapsed time.Duration // challenge issue → redeem, measured by the server; 0 = unknown
	PoWWork       float64       // work of the solved challenge, in the unit of the PoW rate thresholds

	SolvedVisual        bool // G3: a visual challenge was solved earlier in this session/token
	HoneypotFilled      bool // E8
	EnvProofFailed      bool // E5: the answer to the challenge's environment check is wrong
	ReplayedInteraction bool // B10: RiskAssessment.InteractionHash was seen before (checked by the caller)

	// Integrity of our widget's flow, set by the engine. A plain Score call leaves them zero
	// and judges the telemetry alone.
	//
	// WidgetRequired says the redemption must come from the AstraCaph widget (the official
	// ALTCHA widget is not allowed for the site): then a missing or invalid telemetry
	// document, one without environment probes, without a trusted activation or without the
	// challenge binding forces the step-up band (tele.* reasons).
	WidgetRequired bool
	// ChallengeID is the binding id of the solved challenge (v2 data.challengeId, v1 salt);
	// telemetry naming another challenge forces the step-up band.
	ChallengeID string
	// EnvProofMissing: the challenge's environment check was not answered.
	EnvProofMissing bool
}

// RiskAssessment is the outcome of Score.
type RiskAssessment struct {
	Points  float64    `json:"points"`  // R after category caps
	Risk    float64    `json:"risk"`    // 1/(1+exp(-(R−Center)/Scale)), 0..1
	Score   float64    `json:"score"`   // human score, 1 − Risk (reCAPTCHA-style: 1 = very likely human)
	Band    int        `json:"band"`    // 1..5 (1 pass, 2 harder PoW, 3 step-up, 4 heavy step-up, 5 deny)
	Action  RiskAction `json:"action"`  // encoded as "pass", "harder_pow", "step_up", "deny"
	Hard    bool       `json:"hard"`    // a hard automation artefact fired
	Privacy bool       `json:"privacy"` // a privacy browser was recognised
	Reasons []string   `json:"reasons"` // reason codes of the signals that contributed, in table order

	// InteractionHash identifies the behaviour stream: the quantised pointer trajectory, the
	// clicks and the key aggregates, plus the widget's own timings when the behaviour alone is
	// not distinctive (hex; empty when nothing distinctive was sent). The caller checks it
	// against a store and sets RiskInput.ReplayedInteraction on a later Score call (or scores
	// twice) to apply B10.
	InteractionHash string `json:"interactionHash,omitempty"`

	// Kinematics is the fitted kinematic model's view of the pointer (risk_kinematics.go).
	Kinematics RiskKinematics `json:"-"`
}

// RiskOptions configure NewRiskScorer. Zero values select the defaults.
type RiskOptions struct {
	// Weights override individual entries of DefaultRiskWeights, keyed by reason code.
	Weights RiskWeights
	// Thresholds replace DefaultRiskThresholds when non-nil (all fields are used as given).
	Thresholds *RiskThresholds
}

// RiskScorer scores solves. The zero value scores with the defaults; NewRiskScorer validates
// custom weights and thresholds. Immutable and safe for concurrent use.
type RiskScorer struct {
	weights [riskNumSigs]float64
	th      RiskThresholds
	ready   bool
}

// NewRiskScorer validates and compiles the options.
func NewRiskScorer(opts RiskOptions) (*RiskScorer, error) {
	w, err := riskCompileWeights(opts.Weights)
	if err != nil {
		return nil, err
	}
	th := DefaultRiskThresholds()
	if opts.Thresholds != nil {
		th = *opts.Thresholds
	}
	if err := th.validate(); err != nil {
		return nil, err
	}
	return &RiskScorer{weights: w, th: th, ready: true}, nil
}

// Thresholds returns the thresholds in use.
func (s *RiskScorer) Thresholds() RiskThresholds {
	if s == nil || !s.ready {
		return DefaultRiskThresholds()
	}
	return s.th
}

// Score evaluates the signals of in and maps the points to a band and an action.
func (s *RiskScorer) Score(in RiskInput) RiskAssessment {
	var w *[riskNumSigs]float64
	var th RiskThresholds
	if s != nil && s.ready {
		w, th = &s.weights, s.th
	} else {
		def := riskDefaultWeights()
		w, th = &def, DefaultRiskThresholds()
	}

	var ev riskEval
	ev.run(&in, &th, w)

	var cat [riskNumCats]float64
	hard, strong := false, false
	nReasons := 0
	for i := range ev.x {
		if ev.x[i] == 0 {
			continue
		}
		d := &riskSigTable[i]
		if p := w[i] * ev.x[i]; p != 0 {
			switch d.cat {
			case riskCatHard:
				hard = hard || p > 0
			case riskCatStrong:
				strong = strong || p > 0
			}
			nReasons++
		}
	}
	reasons := make([]string, 0, nReasons)
	for i := range ev.x {
		if ev.x[i] == 0 {
			continue
		}
		d := &riskSigTable[i]
		p := w[i] * ev.x[i]
		if p == 0 || (hard && d.cat == riskCatHuman) {
			// Evidence of a human never offsets an automation artefact: a Selenium-driven browser
			// with scripted human-like movement is still automation.
			continue
		}
		cat[d.cat] += p
		reasons = append(reasons, d.code)
	}

	R := cat[riskCatHard] +
		math.Min(cat[riskCatEnv], th.CapEnv) +
		math.Min(cat[riskCatNet], th.CapNet) +
		math.Min(cat[riskCatBeh], th.CapBeh) +
		math.Min(cat[riskCatHdr], th.CapHdr) +
		math.Max(cat[riskCatHuman], th.FloorHuman) +
		cat[riskCatStrong]
	vel := math.Min(cat[riskCatVel], th.CapVel)
	if in.IPClass == RiskIPMobile {
		vel *= 0.5 // CGNAT: many humans share one carrier IP
	}
	R += vel

	a := RiskAssessment{
		Points:          R,
		Hard:            hard,
		Privacy:         ev.privacy,
		Reasons:         reasons,
		InteractionHash: ev.hash,
		Kinematics:      ev.kin,
	}
	a.Risk = 1 / (1 + math.Exp(-(R-th.Center)/th.Scale))
	a.Score = 1 - a.Risk
	switch {
	case hard && (R >= th.HardDeny || R >= th.Block):
		a.Band = 5
	case R >= th.Block:
		a.Band = 4
	case R >= th.StepUp:
		a.Band = 3
	case R >= th.HarderPoW:
		a.Band = 2
	default:
		a.Band = 1
	}
	if ev.privacy && !hard && a.Band > 2 {
		a.Band = 2 // privacy browsers lie by design: harder PoW, never the visual step
	}
	if strong && a.Band < 3 {
		// A broken flow (no widget, a replay, a foreign challenge, scripted motion) never earns
		// a direct token, whatever else speaks for the client; it is not proof of automation
		// either, so it asks for the visual step (or the wait), never a denial.
		a.Band = 3
	}
	a.Action = riskBandAction(a.Band)
	return a
}

// MarshalText makes RiskAction encode as its String form in JSON and logs.
func (a RiskAction) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

func riskBandAction(band int) RiskAction {
	switch band {
	case 1:
		return RiskPass
	case 2:
		return RiskHarderPoW
	case 3, 4:
		return RiskStepUp
	}
	return RiskDeny
}

func riskDefaultWeights() [riskNumSigs]float64 {
	var w [riskNumSigs]float64
	for i, d := range riskSigTable {
		w[i] = d.weight
	}
	return w
}
