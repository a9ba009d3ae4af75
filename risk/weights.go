package risk

// The one table of risk weights and thresholds (docs/risk.md lists them with their sources;
// docs/risk-notes.md, "Signal catalogue" and "Scoring model", the research behind them), and
// their validation. Operators override individual entries with WithWeights; NewScorer merges
// the overrides over the defaults and compiles them into an array for the hot path.

import (
	"fmt"
	"math"
	"time"
)

// category groups signals for the category caps.
type category uint8

const (
	catHard   category = iota // uncapped; any hit sets Hard
	catEnv                    // S1–S11, P1, invalid telemetry: cap +5
	catNet                    // N1–N5, S12: cap +4
	catVel                    // V1, V2: cap +4, halved for mobile-carrier IPs
	catBeh                    // B1–B9: cap +4
	catHdr                    // H1: cap +3
	catHuman                  // G1–G4: floor −3
	catStrong                 // integrity of our widget's flow: any hit forces at least the step-up band
	numCats
)

// catNames are the class names of Signal.Class, indexed by category.
var catNames = [numCats]string{
	catHard: "hard", catEnv: "env", catNet: "net", catVel: "vel", catBeh: "beh", catHdr: "hdr",
	catHuman: "human", catStrong: "strong",
}

// sig indexes the signal table.
type sig uint8

// Signals, in the order of sigTable. Their reason codes are stable: operators key weight
// overrides and dashboards on them. sigTable says when each fires; docs/risk.md renders it
// (go generate).
const (
	sigE1 sig = iota
	sigE2
	sigE3
	sigE4
	sigE5
	sigE6
	sigE7
	sigE8
	sigH2
	sigS1
	sigS2
	sigS3
	sigS4
	sigS5
	sigS6
	sigS7
	sigS8
	sigS9
	sigS10
	sigS11
	sigS11b
	sigTeleInvalid
	sigP1
	sigN1
	sigN2
	sigN3
	sigN3b
	sigN4
	sigN5
	sigS12
	sigV1
	sigV2
	sigB1
	sigB2
	sigB3
	sigB4
	sigB5
	sigB6
	sigB7
	sigB8
	sigB9
	sigB10
	sigBConst
	sigBSmooth
	sigBZeroPress
	sigBScripted
	sigTeleAbsent
	sigTeleNoAct
	sigTeleMismatch
	sigTeleTiming
	sigProofMissing
	sigH1Accept
	sigH1Lang
	sigH1Fetch
	sigH1Enc
	sigH1CH
	sigG1
	sigG1Touch
	sigG2
	sigG3
	sigG4
	numSigs
)

type sigDef struct {
	code   string
	id     string // the catalogue id of docs/risk-notes.md, "" when none
	cat    category
	weight float64
	graded string // "" (fires once), or what the weight is multiplied by: "level", "failure", "feature"
	fitted bool   // the weight is the fitted kinematic model's
	when   string // when it fires
}

// kinPoints is the weight of a fitted kinematic feature: its log-odds in scorer points.
func kinPoints(f int) float64 { return kinPointsPerLogOdds * kinLogOdds[f] }

// sigTable is the immutable default table, indexed by sig.
var sigTable = [numSigs]sigDef{
	sigE1:           {"env.WEBDRIVER", "E1", catHard, 6, "", false, "env.wd === true"},
	sigE2:           {"env.AUTOMATION_GLOBALS", "E2", catHard, 6, "", false, "env.autoMarks non-empty (`cdc_`, `__playwright__binding__`, `callPhantom`, …)"},
	sigE3:           {"env.HEADLESS_UA", "E3", catHard, 6, "", false, "HeadlessChrome/PhantomJS/SlimerJS in the User-Agent header, env.hlUA or env.hlWorkerUA"},
	sigE4:           {"env.RUNTIME_LEAK", "E4", catHard, 6, "", false, "env.runtimeLeak (process/require/Bun/Deno, node:internal stacks)"},
	sigE5:           {"env.PROOF_FAILED", "E5", catStrong, 5, "", false, "Input.EnvProofFailed: the environment check's answer is wrong (layout quirks of zoomed pages or extensions cannot be told from emulation, so it steps up)"},
	sigE6:           {"env.AUTOMATION_STACK", "E6", catHard, 6, "", false, "env.stackMarks non-empty (pptr:, UtilityScript., …)"},
	sigE7:           {"env.UNTRUSTED_EVENTS", "E7", catHard, 6, "", false, "beh.untrusted > 0 or a click with trusted === false"},
	sigE8:           {"form.HONEYPOT", "E8", catHard, 6, "", false, "Input.HoneypotFilled"},
	sigH2:           {"hdr.NON_BROWSER_UA", "H2", catHard, 6, "", false, "headers present, User-Agent empty or curl/, python-requests, Go-http-client, …"},
	sigS1:           {"env.API_LIES", "S1", catEnv, 3, "", false, "env.lies > 0 (not on the privacy path)"},
	sigS2:           {"env.WORKER_MISMATCH", "S2", catEnv, 3, "", false, "env.workerMismatch non-empty"},
	sigS3:           {"env.NOTIFICATION_INCONSISTENT", "S3", catEnv, 2, "", false, "env.notifIncons"},
	sigS4:           {"env.NO_CHROME_OBJECT", "S4", catEnv, 2, "", false, "desktop Chromium UA (not CriOS) and env.chromeObj === false"},
	sigS5:           {"env.NO_PLUGINS", "S5", catEnv, 1.5, "", false, "desktop Chromium/Firefox UA, env.plugins === 0, PDF viewer not disabled (not on the privacy path)"},
	sigS6:           {"env.NO_LANGUAGES", "S6", catEnv, 2, "", false, "env.langs === 0"},
	sigS7:           {"env.SOFTWARE_GL", "S7", catEnv, 1.5, "", false, "GL class \"sw\" or SwiftShader/llvmpipe/Mesa OffScreen, not blocked (not on the privacy path)"},
	sigS8:           {"env.GL_OS_MISMATCH", "S8", catEnv, 2, "", false, "Apple/\"OpenGL Engine\" renderer with a Windows UA, Direct3D with a Mac UA"},
	sigS9:           {"env.PLATFORM_MISMATCH", "S9", catEnv, 2, "", false, "the OS of the UA, Sec-CH-UA-Platform, uaData.platform and platformEst disagree"},
	sigS10:          {"env.MOBILE_NO_TOUCH", "S10", catEnv, 2, "", false, "mobile UA, env.mtp === 0 and env.touchEv === false"},
	sigS11:          {"env.ZERO_WINDOW", "S11", catEnv, 2, "", false, "outer window 0×0 while focused"},
	sigS11b:         {"env.VIEWPORT_IS_SCREEN", "S11", catEnv, 0.5, "", false, "desktop, the inner viewport equals the screen (not on the privacy path)"},
	sigTeleInvalid:  {"env.TELEMETRY_INVALID", "", catEnv, 1, "", false, "Input.TelemetryInvalid (ParseTelemetry rejected the document)"},
	sigP1:           {"pow.IMPLAUSIBLE", "P1", catEnv, 3, "", false, "solve rate above PoWRateFactor × the plausible maximum of the device class, or client ms > server elapsed"},
	sigN1:           {"net.HOSTING", "N1", catNet, 3, "", false, "IPClass \"hosting\""},
	sigN2:           {"net.TOR", "N2", catNet, 2, "", false, "IPClass \"tor\""},
	sigN3:           {"net.VPN", "N3", catNet, 1.5, "", false, "IPClass \"vpn\""},
	sigN3b:          {"net.PROXY", "N3", catNet, 1.5, "", false, "IPClass \"proxy\""},
	sigN4:           {"net.RELAY", "N4", catNet, 0.5, "", false, "IPClass \"relay\" (iCloud Private Relay)"},
	sigN5:           {"net.MOBILE", "N5", catNet, -0.5, "", false, "IPClass \"mobile\"; also halves the velocity category"},
	sigS12:          {"net.TZ_MISMATCH", "S12", catNet, 1, "", false, "the time zone's country ≠ IPCountry (not for VPN/Tor/relay/proxy, UTC, or on the privacy path)"},
	sigV1:           {"vel.TOO_MUCH_TRAFFIC", "V1", catVel, 1, "level", false, "Input.VelocityLevel, at most MaxVelLevels (4) levels"},
	sigV2:           {"vel.REPEATED_FAILURES", "V2", catVel, 1, "failure", false, "Input.RecentFailures, at most MaxFailures (3)"},
	sigB1:           {"beh.STRAIGHT_PATH", "B1", catBeh, kinPoints(kinLine), "feature", true, "kinematic feature \"line\" ≥ 0.5 (kinematics.go)"},
	sigB2:           {"beh.FIXED_INTERVAL", "B2", catBeh, kinPoints(kinRegular), "feature", true, "kinematic feature \"regular\" ≥ 0.5"},
	sigB3:           {"beh.CENTER_CLICK", "B3", catBeh, kinPoints(kinCentre), "", false, "mouse click within ±0.5 px of the centre (a likelihood ratio, not fitted)"},
	sigB4:           {"beh.NO_POINTER_MOVE", "B4", catBeh, 1, "", false, "mouse click with detail > 0 and no pointer sample before it"},
	sigB5:           {"beh.TOUCH_CONSTANT", "B5", catBeh, 1, "", false, "mobile UA, ≥ 3 touches, ≤ 1 distinct radius"},
	sigB6:           {"beh.TOO_FAST", "B6", catBeh, 2, "", false, "ready→submit < 800 ms with fields filled"},
	sigB7:           {"beh.INJECTED_TEXT", "B7", catBeh, 1.5, "", false, "fields filled with no trusted keys, paste, autofill, drop or IME input"},
	sigB8:           {"beh.FIXED_TYPING", "B8", catBeh, 1, "", false, "≥ 10 keys with an inter-key interval CV < 0.05"},
	sigB9:           {"beh.NO_INTERACTION", "B9", catBeh, 1, "", false, "beh reported with zero focus, key, pointer, click and touch events"},
	sigB10:          {"beh.REPLAYED", "B10", catStrong, 5, "", false, "Input.ReplayedInteraction (the InteractionHash was seen before)"},
	sigBConst:       {"beh.CONSTANT_SPEED", "B1", catBeh, kinPoints(kinConstSpeed), "feature", true, "kinematic feature \"constSpeed\" ≥ 0.5"},
	sigBSmooth:      {"beh.NO_JITTER", "B1", catBeh, kinPoints(kinSmooth), "feature", true, "kinematic feature \"smooth\" ≥ 0.5"},
	sigBZeroPress:   {"beh.ZERO_DWELL", "B3", catBeh, kinPoints(kinZeroPress), "feature", true, "mouse click with dwell < 5 ms and press < 10 ms"},
	sigBScripted:    {"beh.SCRIPTED_MOTION", "", catStrong, 5, "", false, "the fitted kinematic model's log-odds ≥ KinematicsThreshold"},
	sigTeleAbsent:   {"tele.ABSENT", "", catStrong, 5, "", false, "WidgetRequired: no (valid) telemetry, or no environment probes in it"},
	sigTeleNoAct:    {"tele.NO_ACTIVATION", "", catStrong, 5, "", false, "WidgetRequired: no trusted click, key, touch or activation"},
	sigTeleMismatch: {"tele.CHALLENGE_MISMATCH", "", catStrong, 5, "", false, "ch.id ≠ the solved challenge, or (WidgetRequired) no ch.id"},
	sigTeleTiming:   {"tele.TIMING", "", catStrong, 5, "", false, "ch times impossible against the server's clock or the proof of work"},
	sigProofMissing: {"env.PROOF_MISSING", "E5", catStrong, 5, "", false, "WidgetRequired and Input.EnvProofMissing (the environment check was not answered)"},
	sigH1Accept:     {"hdr.NO_ACCEPT", "H1", catHdr, 1, "", false, "browser UA without Accept"},
	sigH1Lang:       {"hdr.NO_ACCEPT_LANGUAGE", "H1", catHdr, 1, "", false, "browser UA without Accept-Language"},
	sigH1Fetch:      {"hdr.NO_SEC_FETCH", "H1", catHdr, 1, "", false, "browser UA without Sec-Fetch-Mode/Site"},
	sigH1Enc:        {"hdr.NO_MODERN_ENCODING", "H1", catHdr, 1, "", false, "browser UA without br or zstd in Accept-Encoding"},
	sigH1CH:         {"hdr.NO_CLIENT_HINTS", "H1", catHdr, 1.5, "", false, "Chromium UA without Sec-CH-UA"},
	sigG1:           {"human.POINTER", "G1", catHuman, -1.5, "", false, "a trusted stroke with an accelerate/decelerate profile and curvature in the human range"},
	sigG1Touch:      {"human.TOUCH", "G1", catHuman, -1, "", false, "trusted touches with ≥ 2 distinct radii"},
	sigG2:           {"human.KEYBOARD", "G2", catHuman, -1, "", false, "≥ 2 focus moves via the keyboard with trusted keydowns"},
	sigG3:           {"human.SOLVED_VISUAL", "G3", catHuman, -2, "", false, "Input.SolvedVisual"},
	sigG4:           {"human.BROWSER_HEADERS", "G4", catHuman, -1, "", false, "the header set of a browser's fetch() (Anubis's \"acts like a browser\")"},
}

// Signal describes one entry of the signal catalogue (docs/risk.md renders them all).
type Signal struct {
	Code   string  // reason code, e.g. "env.WEBDRIVER"
	ID     string  // catalogue id of docs/risk-notes.md (E1, S12, …); "" when none
	Class  string  // hard, env, net, vel, beh, hdr, human or strong
	Weight float64 // default points; for graded signals, per unit of Graded
	// Graded is what the weight is multiplied by: "" (the signal fires once), "level",
	// "failure", or "feature" (a kinematic feature value in [0.5, 1]).
	Graded string
	Fitted bool   // the weight is the fitted kinematic model's (kinematics_model.go)
	When   string // when it fires
}

// Signals returns the signal catalogue with the default weights, in table order.
func Signals() []Signal {
	out := make([]Signal, numSigs)
	for i, d := range sigTable {
		out[i] = Signal{Code: d.code, ID: d.id, Class: catNames[d.cat], Weight: d.weight, Graded: d.graded, Fitted: d.fitted, When: d.when}
	}
	return out
}

// Weights maps reason codes to points. Bot signals must be ≥ 0; human evidence (human.*) and
// net.MOBILE must be ≤ 0. For the graded velocity codes the weight is per level / per failure.
type Weights map[string]float64

// DefaultWeights returns a fresh copy of the default weights (docs/risk-notes.md, "Signal catalogue"), keyed by reason code.
func DefaultWeights() Weights {
	w := make(Weights, numSigs)
	for _, d := range sigTable {
		w[d.code] = d.weight
	}
	return w
}

// ReasonCodes lists every reason code the scorer can emit, in table order.
func ReasonCodes() []string {
	out := make([]string, numSigs)
	for i, d := range sigTable {
		out[i] = d.code
	}
	return out
}

// Thresholds are the model's shape parameters: logistic centre and scale, action
// boundaries on the points R, category caps, and the PoW plausibility limits of P1.
type Thresholds struct {
	Center float64 // logistic centre: risk = 1/(1+exp(-(R−Center)/Scale)); default 4
	Scale  float64 // default 1.5

	HarderPoW float64 // R ≥ this → ActionHarderPoW (band 2); default 2
	StepUp    float64 // R ≥ this → ActionStepUp (band 3); default 5
	Block     float64 // R ≥ this → band 4 (deny if hard, else heavy step-up); default 8
	HardDeny  float64 // a hard hit with R ≥ this denies at once; default 6

	CapEnv       float64 // default 5
	CapNet       float64 // default 4
	CapVel       float64 // default 4 (halved for mobile-carrier IPs)
	CapBeh       float64 // default 4
	CapHdr       float64 // default 3
	FloorHuman   float64 // default −3 (a negative number)
	MaxVelLevels float64 // V1 counts at most this many levels; default 4
	MaxFailures  float64 // V2 counts at most this many failures; default 3

	// P1: plausible maximum solve rates in work units per second (the unit of Input.PoWWork:
	// KDF calls for PoW v2). Defaults are for PBKDF2/SHA-256 cost 5000 (docs/protocol-notes.md, "Performance": ~3 k/s on a
	// desktop Chrome with 8 workers, ~0.5 k/s on a low-end Android). A rate above PoWRateFactor ×
	// the class maximum is implausible for a browser.
	PoWMaxRateDesktop float64       // default 10000
	PoWMaxRateMobile  float64       // default 2500
	PoWRateFactor     float64       // default 3
	PoWClockSlack     time.Duration // client ms may exceed server elapsed by this much; default 2 s
}

// DefaultThresholds returns the defaults.
func DefaultThresholds() Thresholds {
	return Thresholds{
		Center: 4, Scale: 1.5,
		HarderPoW: 2, StepUp: 5, Block: 8, HardDeny: 6,
		CapEnv: 5, CapNet: 4, CapVel: 4, CapBeh: 4, CapHdr: 3, FloorHuman: -3,
		MaxVelLevels: 4, MaxFailures: 3,
		PoWMaxRateDesktop: 10000, PoWMaxRateMobile: 2500, PoWRateFactor: 3,
		PoWClockSlack: 2 * time.Second,
	}
}

func notFinite(f float64) bool { return math.IsNaN(f) || math.IsInf(f, 0) }

func (t *Thresholds) validate() error {
	for _, f := range []float64{t.Center, t.Scale, t.HarderPoW, t.StepUp, t.Block, t.HardDeny, t.CapEnv, t.CapNet,
		t.CapVel, t.CapBeh, t.CapHdr, t.FloorHuman, t.MaxVelLevels, t.MaxFailures, t.PoWMaxRateDesktop,
		t.PoWMaxRateMobile, t.PoWRateFactor} {
		if notFinite(f) {
			return fmt.Errorf("%w: non-finite threshold", ErrConfig)
		}
	}
	switch {
	case t.Scale <= 0:
		return fmt.Errorf("%w: Scale must be > 0", ErrConfig)
	case !(t.HarderPoW < t.StepUp && t.StepUp < t.Block):
		return fmt.Errorf("%w: need HarderPoW < StepUp < Block", ErrConfig)
	case t.HardDeny <= 0:
		return fmt.Errorf("%w: HardDeny must be > 0", ErrConfig)
	case t.CapEnv < 0 || t.CapNet < 0 || t.CapVel < 0 || t.CapBeh < 0 || t.CapHdr < 0 || t.FloorHuman > 0:
		return fmt.Errorf("%w: caps must be ≥ 0 and FloorHuman ≤ 0", ErrConfig)
	case t.CapBeh >= t.StepUp:
		// Soft behaviour alone must never leave the harder-PoW band (unusual pointers); only
		// the fitted model's strong verdict steps up.
		return fmt.Errorf("%w: CapBeh must stay below StepUp", ErrConfig)
	case t.MaxVelLevels < 0 || t.MaxFailures < 0:
		return fmt.Errorf("%w: MaxVelLevels and MaxFailures must be ≥ 0", ErrConfig)
	case t.PoWMaxRateDesktop <= 0 || t.PoWMaxRateMobile <= 0 || t.PoWRateFactor < 1 || t.PoWClockSlack < 0:
		return fmt.Errorf("%w: PoW plausibility limits", ErrConfig)
	}
	return nil
}

// compileWeights merges overrides over the defaults into the array used by Score.
func compileWeights(over Weights) ([numSigs]float64, error) {
	var w [numSigs]float64
	for i, d := range sigTable {
		w[i] = d.weight
	}
	if len(over) == 0 {
		return w, nil
	}
	idx := make(map[string]int, numSigs)
	for i, d := range sigTable {
		idx[d.code] = i
	}
	for code, v := range over {
		i, ok := idx[code]
		if !ok {
			return w, fmt.Errorf("%w: unknown reason code %q", ErrConfig, code)
		}
		if notFinite(v) {
			return w, fmt.Errorf("%w: weight of %s is not finite", ErrConfig, code)
		}
		cat := sigTable[i].cat
		if cat == catHuman || sig(i) == sigN5 {
			if v > 0 {
				return w, fmt.Errorf("%w: %s is evidence of a human and must be ≤ 0", ErrConfig, code)
			}
		} else if v < 0 {
			return w, fmt.Errorf("%w: %s is a bot signal and must be ≥ 0", ErrConfig, code)
		}
		w[i] = v
	}
	return w, nil
}
