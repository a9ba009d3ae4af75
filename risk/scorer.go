package risk

import (
	"math"
	"net/http"
	"time"
)

// Action is a decision on a redemption, in one vocabulary with the engine: the scorer's
// verdict (Assessment.Action) and the engine's decision (astracaph.Decision.Action) are
// both an Action, spelled the same in JSON, logs and metrics.
type Action string

const (
	// ActionPass issues the token (band 1).
	ActionPass Action = "pass"
	// ActionHarderPoW asks for a harder proof of work first (band 2); nothing cognitive. The
	// engine asks for it when it issues the challenge and passes the solve.
	ActionHarderPoW Action = "harder-pow"
	// ActionStepUp asks for the visual challenge (image + audio) with base PoW, or the "verify by
	// waiting" heavy PoW as the no-cognitive-test alternative (band 3). In band 4 (R ≥ Block, no
	// hard signal) heavy PoW and the visual challenge are both required.
	ActionStepUp Action = "step-up"
	// ActionDeny refuses (band 5). Only ever chosen with a hard automation signal.
	ActionDeny Action = "deny"
)

// IP classes understood by the scorer (Input.IPClass). Anything else is neutral.
const (
	IPHosting     = "hosting"
	IPVPN         = "vpn"
	IPProxy       = "proxy"
	IPTor         = "tor"
	IPRelay       = "relay" // iCloud Private Relay
	IPMobile      = "mobile"
	IPResidential = "residential"
	IPUnknown     = "unknown"
)

// Input is everything the scorer looks at. Plain data; every field is optional and its zero
// value is neutral.
type Input struct {
	Telemetry        *Telemetry // parsed widget telemetry; nil for the official ALTCHA widget
	TelemetryInvalid bool       // the widget sent telemetry but ParseTelemetry rejected it

	IPClass   string      // IP* constants
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
	ReplayedInteraction bool // B10: Assessment.InteractionHash was seen before (checked by the caller)

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

// Assessment is the outcome of Score.
type Assessment struct {
	Points  float64  `json:"points"`  // R after category caps
	Risk    float64  `json:"risk"`    // 1/(1+exp(-(R−Center)/Scale)), 0..1
	Score   float64  `json:"score"`   // human score, 1 − Risk (reCAPTCHA-style: 1 = very likely human)
	Band    int      `json:"band"`    // 1..5 (1 pass, 2 harder PoW, 3 step-up, 4 heavy step-up, 5 deny)
	Action  Action   `json:"action"`  // "pass", "harder-pow", "step-up" or "deny"
	Hard    bool     `json:"hard"`    // a hard automation artefact fired
	Privacy bool     `json:"privacy"` // a privacy browser was recognised
	Reasons []string `json:"reasons"` // reason codes of the signals that contributed, in table order

	// InteractionHash identifies the behaviour stream: the quantised pointer trajectory, the
	// clicks and the key aggregates, plus the widget's own timings when the behaviour alone is
	// not distinctive (hex; empty when nothing distinctive was sent). The caller checks it
	// against a store and sets Input.ReplayedInteraction on a later Score call (or scores
	// twice) to apply B10.
	InteractionHash string `json:"interactionHash,omitempty"`

	// Kinematics is the fitted kinematic model's view of the pointer (kinematics.go).
	Kinematics Kinematics `json:"-"`
}

// Option configures NewScorer.
type Option func(*config)

// config is what the options set; NewScorer validates and compiles it.
type config struct {
	weights Weights
	th      Thresholds
}

// WithWeights overrides individual entries of DefaultWeights, keyed by reason code. NewScorer
// fails with ErrConfig on an unknown code, a non-finite weight, or a weight of the wrong
// sign.
func WithWeights(w Weights) Option {
	return func(c *config) { c.weights = w }
}

// WithThresholds replaces DefaultThresholds (all fields are used as given). NewScorer fails
// with ErrConfig unless they are consistent.
func WithThresholds(th Thresholds) Option {
	return func(c *config) { c.th = th }
}

// Scorer scores solves. The zero value scores with the defaults; NewScorer validates
// custom weights and thresholds. Immutable and safe for concurrent use.
type Scorer struct {
	weights [numSigs]float64
	th      Thresholds
	ready   bool
}

// NewScorer validates and compiles the options. Without options it scores with the defaults.
func NewScorer(opts ...Option) (*Scorer, error) {
	c := config{th: DefaultThresholds()}
	for _, o := range opts {
		o(&c)
	}
	w, err := compileWeights(c.weights)
	if err != nil {
		return nil, err
	}
	if err := c.th.validate(); err != nil {
		return nil, err
	}
	return &Scorer{weights: w, th: c.th, ready: true}, nil
}

// Thresholds returns the thresholds in use.
func (s *Scorer) Thresholds() Thresholds {
	if s == nil || !s.ready {
		return DefaultThresholds()
	}
	return s.th
}

// Score evaluates the signals of in and maps the points to a band and an action.
func (s *Scorer) Score(in Input) Assessment {
	var w *[numSigs]float64
	var th Thresholds
	if s != nil && s.ready {
		w, th = &s.weights, s.th
	} else {
		def := defaultWeightVector()
		w, th = &def, DefaultThresholds()
	}

	var ev evaluation
	ev.run(&in, &th, w)

	var cat [numCats]float64
	hard, strong := false, false
	nReasons := 0
	for i := range ev.x {
		if ev.x[i] == 0 {
			continue
		}
		d := &sigTable[i]
		if p := w[i] * ev.x[i]; p != 0 {
			switch d.cat {
			case catHard:
				hard = hard || p > 0
			case catStrong:
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
		d := &sigTable[i]
		p := w[i] * ev.x[i]
		if p == 0 || (hard && d.cat == catHuman) {
			// Evidence of a human never offsets an automation artefact: a Selenium-driven browser
			// with scripted human-like movement is still automation.
			continue
		}
		cat[d.cat] += p
		reasons = append(reasons, d.code)
	}

	R := cat[catHard] +
		math.Min(cat[catEnv], th.CapEnv) +
		math.Min(cat[catNet], th.CapNet) +
		math.Min(cat[catBeh], th.CapBeh) +
		math.Min(cat[catHdr], th.CapHdr) +
		math.Max(cat[catHuman], th.FloorHuman) +
		cat[catStrong]
	vel := math.Min(cat[catVel], th.CapVel)
	if in.IPClass == IPMobile {
		vel *= 0.5 // CGNAT: many humans share one carrier IP
	}
	R += vel

	a := Assessment{
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
	a.Action = bandAction(a.Band)
	return a
}

func bandAction(band int) Action {
	switch band {
	case 1:
		return ActionPass
	case 2:
		return ActionHarderPoW
	case 3, 4:
		return ActionStepUp
	}
	return ActionDeny
}

func defaultWeightVector() [numSigs]float64 {
	var w [numSigs]float64
	for i, d := range sigTable {
		w[i] = d.weight
	}
	return w
}
