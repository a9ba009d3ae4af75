package risk

// The one table of risk weights and thresholds (docs/risk.md lists them with their sources;
// docs/risk-notes.md, "Signal catalogue" and "Scoring model", the research behind them), and
// their validation. Operators override individual entries through Options; NewScorer merges
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

// sig indexes the signal table.
type sig uint8

// Reason codes. Stable: operators key weight overrides and dashboards on them.
//
//	code                          #    category  weight  fires when
//	env.WEBDRIVER                 E1   hard      +6      env.wd === true
//	env.AUTOMATION_GLOBALS        E2   hard      +6      env.autoMarks non-empty (cdc_, __playwright__binding__, callPhantom, ...)
//	env.HEADLESS_UA               E3   hard      +6      HeadlessChrome/PhantomJS/SlimerJS in UA header, env.hlUA or env.hlWorkerUA
//	env.RUNTIME_LEAK              E4   hard      +6      env.runtimeLeak (process/require/Bun/Deno, node:internal stacks)
//	env.AUTOMATION_STACK          E6   hard      +6      env.stackMarks non-empty (pptr:, UtilityScript., ...)
//	env.UNTRUSTED_EVENTS          E7   hard      +6      beh.untrusted > 0 or a click with trusted === false
//	form.HONEYPOT                 E8   hard      +6      Input.HoneypotFilled
//	hdr.NON_BROWSER_UA            H2   hard      +6      header present, UA empty or curl/, python-requests, Go-http-client, ...
//	env.API_LIES                  S1   env       +3      env.lies > 0 (0 on the privacy path)
//	env.WORKER_MISMATCH           S2   env       +3      env.workerMismatch non-empty
//	env.NOTIFICATION_INCONSISTENT S3   env       +2      env.notifIncons
//	env.NO_CHROME_OBJECT          S4   env       +2      desktop Chromium UA (not CriOS) and env.chromeObj === false
//	env.NO_PLUGINS                S5   env       +1.5    desktop Chromium/Firefox UA, env.plugins === 0, pdf not disabled (0 on privacy path)
//	env.NO_LANGUAGES              S6   env       +2      env.langs === 0
//	env.SOFTWARE_GL               S7   env       +1.5    gl class "sw" or SwiftShader/llvmpipe/Mesa OffScreen, not blocked (0 on privacy path)
//	env.GL_OS_MISMATCH            S8   env       +2      Apple/"OpenGL Engine" renderer with a Windows UA, Direct3D with a Mac UA
//	env.PLATFORM_MISMATCH         S9   env       +2      OS of UA / Sec-CH-UA-Platform / uaData.platform / platformEst disagree
//	env.MOBILE_NO_TOUCH           S10  env       +2      mobile UA, env.mtp === 0 and env.touchEv === false
//	env.ZERO_WINDOW               S11  env       +2      outer window 0×0 while focused
//	env.VIEWPORT_IS_SCREEN        S11  env       +0.5    desktop, inner viewport equals the screen (0 on privacy path)
//	env.TELEMETRY_INVALID         –    env       +1      Input.TelemetryInvalid (ParseTelemetry failed)
//	pow.IMPLAUSIBLE               P1   env       +3      solve rate > factor × plausible max for the device class, or client ms > server elapsed
//	net.HOSTING                   N1   net       +3      IPClass "hosting"
//	net.TOR                       N2   net       +2      IPClass "tor"
//	net.VPN                       N3   net       +1.5    IPClass "vpn"
//	net.PROXY                     N3   net       +1.5    IPClass "proxy"
//	net.RELAY                     N4   net       +0.5    IPClass "relay" (iCloud Private Relay)
//	net.MOBILE                    N5   net       −0.5    IPClass "mobile"; also halves the velocity category
//	net.TZ_MISMATCH               S12  net       +1      tz country ≠ IPCountry (0 if VPN/Tor/relay/proxy, UTC, or privacy path)
//	vel.TOO_MUCH_TRAFFIC          V1   vel       +1/lvl  Input.VelocityLevel, at most +4
//	vel.REPEATED_FAILURES         V2   vel       +1 each Input.RecentFailures, at most +3
//	beh.STRAIGHT_PATH             B1   beh       fitted  kinematic feature "line" ≥ 0.5 (kinematics.go); points = 1.5 × log-odds × feature
//	beh.CONSTANT_SPEED            B1   beh       fitted  kinematic feature "constSpeed" ≥ 0.5
//	beh.NO_JITTER                 B1   beh       fitted  kinematic feature "smooth" ≥ 0.5
//	beh.FIXED_INTERVAL            B2   beh       fitted  kinematic feature "regular" ≥ 0.5
//	beh.ZERO_DWELL                B3   beh       fitted  mouse click with dwell < 5 ms and press < 10 ms
//	beh.CENTER_CLICK              B3   beh       +4.5    mouse click within ±0.5 px of the centre (likelihood ratio, not fitted)
//	beh.NO_POINTER_MOVE           B4   beh       +1      mouse click with detail > 0 and no pointer sample before it
//	beh.TOUCH_CONSTANT            B5   beh       +1      mobile UA, ≥3 touches, ≤1 distinct radius
//	beh.TOO_FAST                  B6   beh       +2      ready→submit < 800 ms with fields filled
//	beh.INJECTED_TEXT             B7   beh       +1.5    fields filled with no trusted keys, paste, autofill, drop or IME input
//	beh.FIXED_TYPING              B8   beh       +1      ≥10 keys with inter-key interval CV < 0.05
//	beh.NO_INTERACTION            B9   beh       +1      beh reported, zero focus, key, pointer, click and touch events
//	beh.REPLAYED                  B10  strong    +5      Input.ReplayedInteraction (InteractionHash seen before)
//	beh.SCRIPTED_MOTION           –    strong    +5      the fitted kinematic model's log-odds ≥ KinematicsThreshold
//	tele.ABSENT                   –    strong    +5      WidgetRequired: no (valid) telemetry, or no environment probes in it
//	tele.NO_ACTIVATION            –    strong    +5      WidgetRequired: no trusted click, key, touch or activation
//	tele.CHALLENGE_MISMATCH       –    strong    +5      ch.id ≠ the solved challenge, or (WidgetRequired) no ch.id
//	tele.TIMING                   –    strong    +5      ch times impossible against the server's clock or the PoW work
//	env.PROOF_MISSING             E5   strong    +5      WidgetRequired and Input.EnvProofMissing (the environment check was not answered)
//	env.PROOF_FAILED              E5   strong    +5      Input.EnvProofFailed (the environment check's answer is wrong; layout quirks
//	                                                     of zoomed pages or extensions cannot be told from emulation, so it steps up)
//	hdr.NO_ACCEPT                 H1   hdr       +1      browser UA without Accept
//	hdr.NO_ACCEPT_LANGUAGE        H1   hdr       +1      browser UA without Accept-Language
//	hdr.NO_SEC_FETCH              H1   hdr       +1      browser UA without Sec-Fetch-Mode/Site
//	hdr.NO_MODERN_ENCODING        H1   hdr       +1      browser UA without br or zstd in Accept-Encoding
//	hdr.NO_CLIENT_HINTS           H1   hdr       +1.5    Chromium UA without Sec-CH-UA
//	human.POINTER                 G1   human     −1.5    trusted stroke with accelerate/decelerate profile and curvature in human range
//	human.TOUCH                   G1   human     −1      trusted touches with ≥2 distinct radii
//	human.KEYBOARD                G2   human     −1      ≥2 focus moves via keyboard with trusted keydowns
//	human.SOLVED_VISUAL           G3   human     −2      Input.SolvedVisual
//	human.BROWSER_HEADERS         G4   human     −1      Anubis "acts like a browser" header set
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
	cat    category
	weight float64
}

// sigTable is the immutable default table, indexed by sig.
var sigTable = [numSigs]sigDef{
	sigE1:           {"env.WEBDRIVER", catHard, 6},
	sigE2:           {"env.AUTOMATION_GLOBALS", catHard, 6},
	sigE3:           {"env.HEADLESS_UA", catHard, 6},
	sigE4:           {"env.RUNTIME_LEAK", catHard, 6},
	sigE5:           {"env.PROOF_FAILED", catStrong, 5},
	sigE6:           {"env.AUTOMATION_STACK", catHard, 6},
	sigE7:           {"env.UNTRUSTED_EVENTS", catHard, 6},
	sigE8:           {"form.HONEYPOT", catHard, 6},
	sigH2:           {"hdr.NON_BROWSER_UA", catHard, 6},
	sigS1:           {"env.API_LIES", catEnv, 3},
	sigS2:           {"env.WORKER_MISMATCH", catEnv, 3},
	sigS3:           {"env.NOTIFICATION_INCONSISTENT", catEnv, 2},
	sigS4:           {"env.NO_CHROME_OBJECT", catEnv, 2},
	sigS5:           {"env.NO_PLUGINS", catEnv, 1.5},
	sigS6:           {"env.NO_LANGUAGES", catEnv, 2},
	sigS7:           {"env.SOFTWARE_GL", catEnv, 1.5},
	sigS8:           {"env.GL_OS_MISMATCH", catEnv, 2},
	sigS9:           {"env.PLATFORM_MISMATCH", catEnv, 2},
	sigS10:          {"env.MOBILE_NO_TOUCH", catEnv, 2},
	sigS11:          {"env.ZERO_WINDOW", catEnv, 2},
	sigS11b:         {"env.VIEWPORT_IS_SCREEN", catEnv, 0.5},
	sigTeleInvalid:  {"env.TELEMETRY_INVALID", catEnv, 1},
	sigP1:           {"pow.IMPLAUSIBLE", catEnv, 3},
	sigN1:           {"net.HOSTING", catNet, 3},
	sigN2:           {"net.TOR", catNet, 2},
	sigN3:           {"net.VPN", catNet, 1.5},
	sigN3b:          {"net.PROXY", catNet, 1.5},
	sigN4:           {"net.RELAY", catNet, 0.5},
	sigN5:           {"net.MOBILE", catNet, -0.5},
	sigS12:          {"net.TZ_MISMATCH", catNet, 1},
	sigV1:           {"vel.TOO_MUCH_TRAFFIC", catVel, 1},
	sigV2:           {"vel.REPEATED_FAILURES", catVel, 1},
	sigB1:           {"beh.STRAIGHT_PATH", catBeh, kinPointsPerLogOdds * kinLogOdds[kinLine]},
	sigB2:           {"beh.FIXED_INTERVAL", catBeh, kinPointsPerLogOdds * kinLogOdds[kinRegular]},
	sigB3:           {"beh.CENTER_CLICK", catBeh, kinPointsPerLogOdds * kinLogOdds[kinCentre]},
	sigB4:           {"beh.NO_POINTER_MOVE", catBeh, 1},
	sigB5:           {"beh.TOUCH_CONSTANT", catBeh, 1},
	sigB6:           {"beh.TOO_FAST", catBeh, 2},
	sigB7:           {"beh.INJECTED_TEXT", catBeh, 1.5},
	sigB8:           {"beh.FIXED_TYPING", catBeh, 1},
	sigB9:           {"beh.NO_INTERACTION", catBeh, 1},
	sigB10:          {"beh.REPLAYED", catStrong, 5},
	sigBConst:       {"beh.CONSTANT_SPEED", catBeh, kinPointsPerLogOdds * kinLogOdds[kinConstSpeed]},
	sigBSmooth:      {"beh.NO_JITTER", catBeh, kinPointsPerLogOdds * kinLogOdds[kinSmooth]},
	sigBZeroPress:   {"beh.ZERO_DWELL", catBeh, kinPointsPerLogOdds * kinLogOdds[kinZeroPress]},
	sigBScripted:    {"beh.SCRIPTED_MOTION", catStrong, 5},
	sigTeleAbsent:   {"tele.ABSENT", catStrong, 5},
	sigTeleNoAct:    {"tele.NO_ACTIVATION", catStrong, 5},
	sigTeleMismatch: {"tele.CHALLENGE_MISMATCH", catStrong, 5},
	sigTeleTiming:   {"tele.TIMING", catStrong, 5},
	sigProofMissing: {"env.PROOF_MISSING", catStrong, 5},
	sigH1Accept:     {"hdr.NO_ACCEPT", catHdr, 1},
	sigH1Lang:       {"hdr.NO_ACCEPT_LANGUAGE", catHdr, 1},
	sigH1Fetch:      {"hdr.NO_SEC_FETCH", catHdr, 1},
	sigH1Enc:        {"hdr.NO_MODERN_ENCODING", catHdr, 1},
	sigH1CH:         {"hdr.NO_CLIENT_HINTS", catHdr, 1.5},
	sigG1:           {"human.POINTER", catHuman, -1.5},
	sigG1Touch:      {"human.TOUCH", catHuman, -1},
	sigG2:           {"human.KEYBOARD", catHuman, -1},
	sigG3:           {"human.SOLVED_VISUAL", catHuman, -2},
	sigG4:           {"human.BROWSER_HEADERS", catHuman, -1},
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
