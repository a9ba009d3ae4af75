package astracaph

// The one table of risk weights and thresholds (docs/risk.md lists them with their sources;
// docs/risk-notes.md, "Signal catalogue" and "Scoring model", the research behind them), and
// their validation. Operators override individual entries through RiskOptions; NewRiskScorer merges
// the overrides over the defaults and compiles them into an array for the hot path.

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// riskCategory groups signals for the category caps.
type riskCategory uint8

const (
	riskCatHard   riskCategory = iota // uncapped; any hit sets Hard
	riskCatEnv                        // S1–S11, P1, invalid telemetry: cap +5
	riskCatNet                        // N1–N5, S12: cap +4
	riskCatVel                        // V1, V2: cap +4, halved for mobile-carrier IPs
	riskCatBeh                        // B1–B9: cap +4
	riskCatHdr                        // H1: cap +3
	riskCatHuman                      // G1–G4: floor −3
	riskCatStrong                     // integrity of our widget's flow: any hit forces at least the step-up band
	riskNumCats
)

// riskSig indexes the signal table.
type riskSig uint8

// Reason codes. Stable: operators key weight overrides and dashboards on them.
//
//	code                          #    category  weight  fires when
//	env.WEBDRIVER                 E1   hard      +6      env.wd === true
//	env.AUTOMATION_GLOBALS        E2   hard      +6      env.autoMarks non-empty (cdc_, __playwright__binding__, callPhantom, ...)
//	env.HEADLESS_UA               E3   hard      +6      HeadlessChrome/PhantomJS/SlimerJS in UA header, env.hlUA or env.hlWorkerUA
//	env.RUNTIME_LEAK              E4   hard      +6      env.runtimeLeak (process/require/Bun/Deno, node:internal stacks)
//	env.AUTOMATION_STACK          E6   hard      +6      env.stackMarks non-empty (pptr:, UtilityScript., ...)
//	env.UNTRUSTED_EVENTS          E7   hard      +6      beh.untrusted > 0 or a click with trusted === false
//	form.HONEYPOT                 E8   hard      +6      RiskInput.HoneypotFilled
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
//	env.TELEMETRY_INVALID         –    env       +1      RiskInput.TelemetryInvalid (ParseTelemetry failed)
//	pow.IMPLAUSIBLE               P1   env       +3      solve rate > factor × plausible max for the device class, or client ms > server elapsed
//	net.HOSTING                   N1   net       +3      IPClass "hosting"
//	net.TOR                       N2   net       +2      IPClass "tor"
//	net.VPN                       N3   net       +1.5    IPClass "vpn"
//	net.PROXY                     N3   net       +1.5    IPClass "proxy"
//	net.RELAY                     N4   net       +0.5    IPClass "relay" (iCloud Private Relay)
//	net.MOBILE                    N5   net       −0.5    IPClass "mobile"; also halves the velocity category
//	net.TZ_MISMATCH               S12  net       +1      tz country ≠ IPCountry (0 if VPN/Tor/relay/proxy, UTC, or privacy path)
//	vel.TOO_MUCH_TRAFFIC          V1   vel       +1/lvl  RiskInput.VelocityLevel, at most +4
//	vel.REPEATED_FAILURES         V2   vel       +1 each RiskInput.RecentFailures, at most +3
//	beh.STRAIGHT_PATH             B1   beh       fitted  kinematic feature "line" ≥ 0.5 (risk_kinematics.go); points = 1.5 × log-odds × feature
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
//	beh.REPLAYED                  B10  strong    +5      RiskInput.ReplayedInteraction (InteractionHash seen before)
//	beh.SCRIPTED_MOTION           –    strong    +5      the fitted kinematic model's log-odds ≥ RiskKinematicsThreshold
//	tele.ABSENT                   –    strong    +5      WidgetRequired: no (valid) telemetry, or no environment probes in it
//	tele.NO_ACTIVATION            –    strong    +5      WidgetRequired: no trusted click, key, touch or activation
//	tele.CHALLENGE_MISMATCH       –    strong    +5      ch.id ≠ the solved challenge, or (WidgetRequired) no ch.id
//	tele.TIMING                   –    strong    +5      ch times impossible against the server's clock or the PoW work
//	env.PROOF_MISSING             E5   strong    +5      WidgetRequired and RiskInput.EnvProofMissing (the environment check was not answered)
//	env.PROOF_FAILED              E5   strong    +5      RiskInput.EnvProofFailed (the environment check's answer is wrong; layout quirks
//	                                                     of zoomed pages or extensions cannot be told from emulation, so it steps up)
//	hdr.NO_ACCEPT                 H1   hdr       +1      browser UA without Accept
//	hdr.NO_ACCEPT_LANGUAGE        H1   hdr       +1      browser UA without Accept-Language
//	hdr.NO_SEC_FETCH              H1   hdr       +1      browser UA without Sec-Fetch-Mode/Site
//	hdr.NO_MODERN_ENCODING        H1   hdr       +1      browser UA without br or zstd in Accept-Encoding
//	hdr.NO_CLIENT_HINTS           H1   hdr       +1.5    Chromium UA without Sec-CH-UA
//	human.POINTER                 G1   human     −1.5    trusted stroke with accelerate/decelerate profile and curvature in human range
//	human.TOUCH                   G1   human     −1      trusted touches with ≥2 distinct radii
//	human.KEYBOARD                G2   human     −1      ≥2 focus moves via keyboard with trusted keydowns
//	human.SOLVED_VISUAL           G3   human     −2      RiskInput.SolvedVisual
//	human.BROWSER_HEADERS         G4   human     −1      Anubis "acts like a browser" header set
const (
	riskE1 riskSig = iota
	riskE2
	riskE3
	riskE4
	riskE5
	riskE6
	riskE7
	riskE8
	riskH2
	riskS1
	riskS2
	riskS3
	riskS4
	riskS5
	riskS6
	riskS7
	riskS8
	riskS9
	riskS10
	riskS11
	riskS11b
	riskTeleInvalid
	riskP1
	riskN1
	riskN2
	riskN3
	riskN3b
	riskN4
	riskN5
	riskS12
	riskV1
	riskV2
	riskB1
	riskB2
	riskB3
	riskB4
	riskB5
	riskB6
	riskB7
	riskB8
	riskB9
	riskB10
	riskBConst
	riskBSmooth
	riskBZeroPress
	riskBScripted
	riskTeleAbsent
	riskTeleNoAct
	riskTeleMismatch
	riskTeleTiming
	riskProofMissing
	riskH1Accept
	riskH1Lang
	riskH1Fetch
	riskH1Enc
	riskH1CH
	riskG1
	riskG1Touch
	riskG2
	riskG3
	riskG4
	riskNumSigs
)

type riskSigDef struct {
	code   string
	cat    riskCategory
	weight float64
}

// riskSigTable is the immutable default table, indexed by riskSig.
var riskSigTable = [riskNumSigs]riskSigDef{
	riskE1:           {"env.WEBDRIVER", riskCatHard, 6},
	riskE2:           {"env.AUTOMATION_GLOBALS", riskCatHard, 6},
	riskE3:           {"env.HEADLESS_UA", riskCatHard, 6},
	riskE4:           {"env.RUNTIME_LEAK", riskCatHard, 6},
	riskE5:           {"env.PROOF_FAILED", riskCatStrong, 5},
	riskE6:           {"env.AUTOMATION_STACK", riskCatHard, 6},
	riskE7:           {"env.UNTRUSTED_EVENTS", riskCatHard, 6},
	riskE8:           {"form.HONEYPOT", riskCatHard, 6},
	riskH2:           {"hdr.NON_BROWSER_UA", riskCatHard, 6},
	riskS1:           {"env.API_LIES", riskCatEnv, 3},
	riskS2:           {"env.WORKER_MISMATCH", riskCatEnv, 3},
	riskS3:           {"env.NOTIFICATION_INCONSISTENT", riskCatEnv, 2},
	riskS4:           {"env.NO_CHROME_OBJECT", riskCatEnv, 2},
	riskS5:           {"env.NO_PLUGINS", riskCatEnv, 1.5},
	riskS6:           {"env.NO_LANGUAGES", riskCatEnv, 2},
	riskS7:           {"env.SOFTWARE_GL", riskCatEnv, 1.5},
	riskS8:           {"env.GL_OS_MISMATCH", riskCatEnv, 2},
	riskS9:           {"env.PLATFORM_MISMATCH", riskCatEnv, 2},
	riskS10:          {"env.MOBILE_NO_TOUCH", riskCatEnv, 2},
	riskS11:          {"env.ZERO_WINDOW", riskCatEnv, 2},
	riskS11b:         {"env.VIEWPORT_IS_SCREEN", riskCatEnv, 0.5},
	riskTeleInvalid:  {"env.TELEMETRY_INVALID", riskCatEnv, 1},
	riskP1:           {"pow.IMPLAUSIBLE", riskCatEnv, 3},
	riskN1:           {"net.HOSTING", riskCatNet, 3},
	riskN2:           {"net.TOR", riskCatNet, 2},
	riskN3:           {"net.VPN", riskCatNet, 1.5},
	riskN3b:          {"net.PROXY", riskCatNet, 1.5},
	riskN4:           {"net.RELAY", riskCatNet, 0.5},
	riskN5:           {"net.MOBILE", riskCatNet, -0.5},
	riskS12:          {"net.TZ_MISMATCH", riskCatNet, 1},
	riskV1:           {"vel.TOO_MUCH_TRAFFIC", riskCatVel, 1},
	riskV2:           {"vel.REPEATED_FAILURES", riskCatVel, 1},
	riskB1:           {"beh.STRAIGHT_PATH", riskCatBeh, riskKinPointsPerLogOdds * riskKinLogOdds[riskKinLine]},
	riskB2:           {"beh.FIXED_INTERVAL", riskCatBeh, riskKinPointsPerLogOdds * riskKinLogOdds[riskKinRegular]},
	riskB3:           {"beh.CENTER_CLICK", riskCatBeh, riskKinPointsPerLogOdds * riskKinLogOdds[riskKinCentre]},
	riskB4:           {"beh.NO_POINTER_MOVE", riskCatBeh, 1},
	riskB5:           {"beh.TOUCH_CONSTANT", riskCatBeh, 1},
	riskB6:           {"beh.TOO_FAST", riskCatBeh, 2},
	riskB7:           {"beh.INJECTED_TEXT", riskCatBeh, 1.5},
	riskB8:           {"beh.FIXED_TYPING", riskCatBeh, 1},
	riskB9:           {"beh.NO_INTERACTION", riskCatBeh, 1},
	riskB10:          {"beh.REPLAYED", riskCatStrong, 5},
	riskBConst:       {"beh.CONSTANT_SPEED", riskCatBeh, riskKinPointsPerLogOdds * riskKinLogOdds[riskKinConstSpeed]},
	riskBSmooth:      {"beh.NO_JITTER", riskCatBeh, riskKinPointsPerLogOdds * riskKinLogOdds[riskKinSmooth]},
	riskBZeroPress:   {"beh.ZERO_DWELL", riskCatBeh, riskKinPointsPerLogOdds * riskKinLogOdds[riskKinZeroPress]},
	riskBScripted:    {"beh.SCRIPTED_MOTION", riskCatStrong, 5},
	riskTeleAbsent:   {"tele.ABSENT", riskCatStrong, 5},
	riskTeleNoAct:    {"tele.NO_ACTIVATION", riskCatStrong, 5},
	riskTeleMismatch: {"tele.CHALLENGE_MISMATCH", riskCatStrong, 5},
	riskTeleTiming:   {"tele.TIMING", riskCatStrong, 5},
	riskProofMissing: {"env.PROOF_MISSING", riskCatStrong, 5},
	riskH1Accept:     {"hdr.NO_ACCEPT", riskCatHdr, 1},
	riskH1Lang:       {"hdr.NO_ACCEPT_LANGUAGE", riskCatHdr, 1},
	riskH1Fetch:      {"hdr.NO_SEC_FETCH", riskCatHdr, 1},
	riskH1Enc:        {"hdr.NO_MODERN_ENCODING", riskCatHdr, 1},
	riskH1CH:         {"hdr.NO_CLIENT_HINTS", riskCatHdr, 1.5},
	riskG1:           {"human.POINTER", riskCatHuman, -1.5},
	riskG1Touch:      {"human.TOUCH", riskCatHuman, -1},
	riskG2:           {"human.KEYBOARD", riskCatHuman, -1},
	riskG3:           {"human.SOLVED_VISUAL", riskCatHuman, -2},
	riskG4:           {"human.BROWSER_HEADERS", riskCatHuman, -1},
}

// RiskWeights maps reason codes to points. Bot signals must be ≥ 0; human evidence (human.*) and
// net.MOBILE must be ≤ 0. For the graded velocity codes the weight is per level / per failure.
type RiskWeights map[string]float64

// DefaultRiskWeights returns a fresh copy of the default weights (docs/risk-notes.md, "Signal catalogue"), keyed by reason code.
func DefaultRiskWeights() RiskWeights {
	w := make(RiskWeights, riskNumSigs)
	for _, d := range riskSigTable {
		w[d.code] = d.weight
	}
	return w
}

// RiskReasonCodes lists every reason code the scorer can emit, in table order.
func RiskReasonCodes() []string {
	out := make([]string, riskNumSigs)
	for i, d := range riskSigTable {
		out[i] = d.code
	}
	return out
}

// RiskThresholds are the model's shape parameters: logistic centre and scale, action
// boundaries on the points R, category caps, and the PoW plausibility limits of P1.
type RiskThresholds struct {
	Center float64 // logistic centre: risk = 1/(1+exp(-(R−Center)/Scale)); default 4
	Scale  float64 // default 1.5

	HarderPoW float64 // R ≥ this → RiskHarderPoW (band 2); default 2
	StepUp    float64 // R ≥ this → RiskStepUp (band 3); default 5
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

	// P1: plausible maximum solve rates in work units per second (the unit of RiskInput.PoWWork:
	// KDF calls for PoW v2). Defaults are for PBKDF2/SHA-256 cost 5000 (docs/protocol-notes.md, "Performance": ~3 k/s on a
	// desktop Chrome with 8 workers, ~0.5 k/s on a low-end Android). A rate above PoWRateFactor ×
	// the class maximum is implausible for a browser.
	PoWMaxRateDesktop float64       // default 10000
	PoWMaxRateMobile  float64       // default 2500
	PoWRateFactor     float64       // default 3
	PoWClockSlack     time.Duration // client ms may exceed server elapsed by this much; default 2 s
}

// DefaultRiskThresholds returns the defaults.
func DefaultRiskThresholds() RiskThresholds {
	return RiskThresholds{
		Center: 4, Scale: 1.5,
		HarderPoW: 2, StepUp: 5, Block: 8, HardDeny: 6,
		CapEnv: 5, CapNet: 4, CapVel: 4, CapBeh: 4, CapHdr: 3, FloorHuman: -3,
		MaxVelLevels: 4, MaxFailures: 3,
		PoWMaxRateDesktop: 10000, PoWMaxRateMobile: 2500, PoWRateFactor: 3,
		PoWClockSlack: 2 * time.Second,
	}
}

// ErrRiskConfig reports invalid weights or thresholds given to NewRiskScorer.
var ErrRiskConfig = errors.New("astracaph: invalid risk configuration")

func riskBad(f float64) bool { return math.IsNaN(f) || math.IsInf(f, 0) }

func (t *RiskThresholds) validate() error {
	for _, f := range []float64{t.Center, t.Scale, t.HarderPoW, t.StepUp, t.Block, t.HardDeny, t.CapEnv, t.CapNet,
		t.CapVel, t.CapBeh, t.CapHdr, t.FloorHuman, t.MaxVelLevels, t.MaxFailures, t.PoWMaxRateDesktop,
		t.PoWMaxRateMobile, t.PoWRateFactor} {
		if riskBad(f) {
			return fmt.Errorf("%w: non-finite threshold", ErrRiskConfig)
		}
	}
	switch {
	case t.Scale <= 0:
		return fmt.Errorf("%w: Scale must be > 0", ErrRiskConfig)
	case !(t.HarderPoW < t.StepUp && t.StepUp < t.Block):
		return fmt.Errorf("%w: need HarderPoW < StepUp < Block", ErrRiskConfig)
	case t.HardDeny <= 0:
		return fmt.Errorf("%w: HardDeny must be > 0", ErrRiskConfig)
	case t.CapEnv < 0 || t.CapNet < 0 || t.CapVel < 0 || t.CapBeh < 0 || t.CapHdr < 0 || t.FloorHuman > 0:
		return fmt.Errorf("%w: caps must be ≥ 0 and FloorHuman ≤ 0", ErrRiskConfig)
	case t.CapBeh >= t.StepUp:
		// Soft behaviour alone must never leave the harder-PoW band (unusual pointers); only
		// the fitted model's strong verdict steps up.
		return fmt.Errorf("%w: CapBeh must stay below StepUp", ErrRiskConfig)
	case t.MaxVelLevels < 0 || t.MaxFailures < 0:
		return fmt.Errorf("%w: MaxVelLevels and MaxFailures must be ≥ 0", ErrRiskConfig)
	case t.PoWMaxRateDesktop <= 0 || t.PoWMaxRateMobile <= 0 || t.PoWRateFactor < 1 || t.PoWClockSlack < 0:
		return fmt.Errorf("%w: PoW plausibility limits", ErrRiskConfig)
	}
	return nil
}

// riskCompileWeights merges overrides over the defaults into the array used by Score.
func riskCompileWeights(over RiskWeights) ([riskNumSigs]float64, error) {
	var w [riskNumSigs]float64
	for i, d := range riskSigTable {
		w[i] = d.weight
	}
	if len(over) == 0 {
		return w, nil
	}
	idx := make(map[string]int, riskNumSigs)
	for i, d := range riskSigTable {
		idx[d.code] = i
	}
	for code, v := range over {
		i, ok := idx[code]
		if !ok {
			return w, fmt.Errorf("%w: unknown reason code %q", ErrRiskConfig, code)
		}
		if riskBad(v) {
			return w, fmt.Errorf("%w: weight of %s is not finite", ErrRiskConfig, code)
		}
		cat := riskSigTable[i].cat
		if cat == riskCatHuman || riskSig(i) == riskN5 {
			if v > 0 {
				return w, fmt.Errorf("%w: %s is evidence of a human and must be ≤ 0", ErrRiskConfig, code)
			}
		} else if v < 0 {
			return w, fmt.Errorf("%w: %s is a bot signal and must be ≥ 0", ErrRiskConfig, code)
		}
		w[i] = v
	}
	return w, nil
}
