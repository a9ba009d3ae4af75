package risk

import (
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// baseInput is a quiet desktop Chrome solve: no signal except the browser-header evidence.
func baseInput() Input {
	return Input{
		Telemetry: &Telemetry{V: 1, Env: &Env{}, Beh: &Behaviour{}},
		IPClass:   IPResidential,
		IPCountry: "DE",
		Header:    chromeHeaders(),
	}
}

func TestRiskBaseInputIsQuiet(t *testing.T) {
	a := (&Scorer{}).Score(baseInput())
	require.Equal(t, []string{"human.BROWSER_HEADERS"}, a.Reasons)
	require.Equal(t, ActionPass, a.Action)
	require.Equal(t, 1, a.Band)
}

type signalCase struct {
	name string
	code string
	fire bool
	mut  func(in *Input)
}

func env(in *Input) *Env       { return in.Telemetry.Env }
func beh(in *Input) *Behaviour { return in.Telemetry.Beh }

func straightBot() []Point {
	return pathStraight(newRNG(1), 12, 10, 10, 0.3, 0.5, 50, 2, 0)
}

func fixedIntervalPath(dt float64) []Point {
	p := make([]Point, 14)
	for i := range p {
		p[i] = Point{float64(i*i%37) * 3, float64(i*7%11) * 5, 100 + float64(i)*dt}
	}
	return p
}

// widgetDoc makes in a redemption from our widget: probes, an activation, and a challenge
// binding with plausible times for a 7,500-call proof of work solved in 2.4 s.
func widgetDoc(in *Input) {
	in.WidgetRequired, in.ChallengeID, in.PoWWork, in.ServerElapsed = true, "ch1", 7500, 3*time.Second
	env(in).Languages, env(in).TimeZone = new(2), "Europe/Berlin"
	beh(in).Act = &Activation{N: 1, T: new(900.0)}
	in.Telemetry.Ch = &Binding{ID: "ch1", Rcv: new(1000.0), Sol: new(2400.0), Snd: new(2410.0)}
}

func centreClick() Click {
	return Click{DX: new(0.0), DY: new(0.2), Dwell: new(0.0), MDU: new(1.0), Detail: new(1), Trusted: new(true), Type: "mouse", T: new(2000.0)}
}

var signalCases = []signalCase{
	// Hard.
	{"E1 webdriver", "env.WEBDRIVER", true, func(in *Input) { env(in).WebDriver = true }},
	{"E2 automation globals", "env.AUTOMATION_GLOBALS", true, func(in *Input) { env(in).AutomationMarks = []string{"cdc"} }},
	{"E2 empty marks", "env.AUTOMATION_GLOBALS", false, func(in *Input) { env(in).AutomationMarks = []string{} }},
	{"E3 hlUA", "env.HEADLESS_UA", true, func(in *Input) { env(in).HeadlessUA = true }},
	{"E3 worker UA", "env.HEADLESS_UA", true, func(in *Input) { env(in).HeadlessWorkerUA = true }},
	{"E3 UA header", "env.HEADLESS_UA", true, func(in *Input) { in.Header.Set("User-Agent", uaHeadless) }},
	{"E4 runtime leak", "env.RUNTIME_LEAK", true, func(in *Input) { env(in).RuntimeLeak = true }},
	{"E5 proof failed", "env.PROOF_FAILED", true, func(in *Input) { in.EnvProofFailed = true }},
	{"E6 stack marks", "env.AUTOMATION_STACK", true, func(in *Input) { env(in).StackMarks = []string{"pptr"} }},
	{"E7 untrusted count", "env.UNTRUSTED_EVENTS", true, func(in *Input) { beh(in).Untrusted = 2 }},
	{"E7 untrusted click", "env.UNTRUSTED_EVENTS", true, func(in *Input) {
		beh(in).Clicks = []Click{{Detail: new(1), Trusted: new(false)}}
	}},
	{"E7 trusted unknown", "env.UNTRUSTED_EVENTS", false, func(in *Input) { beh(in).Clicks = []Click{{Detail: new(0)}} }},
	{"E8 honeypot", "form.HONEYPOT", true, func(in *Input) { in.HoneypotFilled = true }},
	{"H2 curl", "hdr.NON_BROWSER_UA", true, func(in *Input) { in.Header = http.Header{"User-Agent": {"curl/8.5.0"}} }},
	{"H2 python", "hdr.NON_BROWSER_UA", true, func(in *Input) { in.Header.Set("User-Agent", "python-requests/2.32.3") }},
	{"H2 Go", "hdr.NON_BROWSER_UA", true, func(in *Input) { in.Header.Set("User-Agent", "Go-http-client/2.0") }},
	{"H2 empty UA", "hdr.NON_BROWSER_UA", true, func(in *Input) { in.Header.Del("User-Agent") }},
	{"H2 no headers at all is neutral", "hdr.NON_BROWSER_UA", false, func(in *Input) { in.Header = nil }},
	// Environment.
	{"S1 lies", "env.API_LIES", true, func(in *Input) { env(in).Lies = 2 }},
	{"S2 worker mismatch", "env.WORKER_MISMATCH", true, func(in *Input) { env(in).WorkerMismatch = []string{"hc"} }},
	{"S3 notification", "env.NOTIFICATION_INCONSISTENT", true, func(in *Input) { env(in).NotifInconsistent = true }},
	{"S4 no window.chrome", "env.NO_CHROME_OBJECT", true, func(in *Input) { env(in).ChromeObject = new(false) }},
	{"S4 absent", "env.NO_CHROME_OBJECT", false, func(in *Input) { env(in).ChromeObject = nil }},
	{"S4 CriOS excluded", "env.NO_CHROME_OBJECT", false, func(in *Input) {
		in.Header = browserHeaders(uaCriOS)
		env(in).ChromeObject = new(false)
	}},
	{"S4 Firefox excluded", "env.NO_CHROME_OBJECT", false, func(in *Input) {
		in.Header = browserHeaders(uaFirefoxWin)
		env(in).ChromeObject = new(false)
	}},
	{"S5 no plugins", "env.NO_PLUGINS", true, func(in *Input) { env(in).Plugins = new(0) }},
	{"S5 Android excluded", "env.NO_PLUGINS", false, func(in *Input) { in.Header = browserHeaders(uaAndroid); env(in).Plugins = new(0) }},
	{"S5 pdf disabled by policy", "env.NO_PLUGINS", false, func(in *Input) {
		env(in).Plugins = new(0)
		env(in).PDFViewer = new(false)
	}},
	{"S6 no languages", "env.NO_LANGUAGES", true, func(in *Input) { env(in).Languages = new(0) }},
	{"S6 absent", "env.NO_LANGUAGES", false, func(in *Input) { env(in).Languages = nil }},
	{"S7 SwiftShader", "env.SOFTWARE_GL", true, func(in *Input) {
		env(in).GL = &GL{Renderer: "ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)), SwiftShader driver)"}
	}},
	{"S7 class sw", "env.SOFTWARE_GL", true, func(in *Input) { env(in).GL = &GL{Class: "sw"} }},
	{"S7 blocked is neutral", "env.SOFTWARE_GL", false, func(in *Input) { env(in).GL = &GL{Class: "sw", Blocked: true} }},
	{"S8 Apple GL on Windows", "env.GL_OS_MISMATCH", true, func(in *Input) {
		env(in).GL = &GL{Class: "hw", Renderer: "Intel Iris OpenGL Engine"}
	}},
	{"S8 D3D on Mac", "env.GL_OS_MISMATCH", true, func(in *Input) {
		in.Header.Set("User-Agent", uaChromeMac)
		in.Header.Set("Sec-Ch-Ua-Platform", `"macOS"`)
		env(in).GL = &GL{Class: "hw", Renderer: "ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0, D3D11)"}
	}},
	{"S8 D3D on Windows fine", "env.GL_OS_MISMATCH", false, func(in *Input) {
		env(in).GL = &GL{Class: "hw", Renderer: "ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0, D3D11)"}
	}},
	{"S9 UA vs uaData", "env.PLATFORM_MISMATCH", true, func(in *Input) { env(in).UAData = &UAData{Platform: "Linux"} }},
	{"S9 UA vs CH header", "env.PLATFORM_MISMATCH", true, func(in *Input) { in.Header.Set("Sec-Ch-Ua-Platform", `"Linux"`) }},
	{"S9 feature estimate", "env.PLATFORM_MISMATCH", true, func(in *Input) { env(in).PlatformEstimate = "mac" }},
	{"S9 iPadOS Mac UA fine", "env.PLATFORM_MISMATCH", false, func(in *Input) {
		in.Header = browserHeaders("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Safari/605.1.15")
		env(in).PlatformEstimate = "ios"
	}},
	{"S9 Android desktop mode fine", "env.PLATFORM_MISMATCH", false, func(in *Input) {
		in.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36")
		in.Header.Set("Sec-Ch-Ua-Platform", chUAPlatDroid)
		env(in).UAData = &UAData{Platform: "Android", Mobile: new(false)}
	}},
	{"S10 mobile without touch", "env.MOBILE_NO_TOUCH", true, func(in *Input) {
		in.Header = browserHeaders(uaIPhone)
		env(in).MaxTouchPoints, env(in).TouchEvent = new(0), new(false)
	}},
	{"S10 desktop with touch fine", "env.MOBILE_NO_TOUCH", false, func(in *Input) {
		env(in).MaxTouchPoints, env(in).TouchEvent = new(10), new(true)
	}},
	{"S11 zero window focused", "env.ZERO_WINDOW", true, func(in *Input) {
		env(in).Window, env(in).Focused = []float64{800, 600, 0, 0}, new(true)
	}},
	{"S11 zero window background tab", "env.ZERO_WINDOW", false, func(in *Input) {
		env(in).Window, env(in).Focused = []float64{800, 600, 0, 0}, new(false)
	}},
	{"S11 viewport is screen", "env.VIEWPORT_IS_SCREEN", true, func(in *Input) {
		env(in).Window, env(in).Screen = []float64{1920, 1080, 1920, 1080}, []float64{1920, 1080, 1920, 1080}
	}},
	{"invalid telemetry", "env.TELEMETRY_INVALID", true, func(in *Input) { in.Telemetry, in.TelemetryInvalid = nil, true }},
	{"P1 too fast", "pow.IMPLAUSIBLE", true, func(in *Input) { in.PoWWork, in.ServerElapsed = 7500, 100*time.Millisecond }},
	{"P1 plausible", "pow.IMPLAUSIBLE", false, func(in *Input) { in.PoWWork, in.ServerElapsed = 7500, 2400*time.Millisecond }},
	{"P1 mobile class is slower", "pow.IMPLAUSIBLE", true, func(in *Input) {
		in.Header = browserHeaders(uaAndroid)
		in.PoWWork, in.ServerElapsed = 7500, 900*time.Millisecond
	}},
	{"P1 client-only timing", "pow.IMPLAUSIBLE", true, func(in *Input) { in.PoWWork, in.SolveMillis = 7500, 50 }},
	{"P1 client claims more than server saw", "pow.IMPLAUSIBLE", true, func(in *Input) {
		in.SolveMillis, in.ServerElapsed = 9000, 3*time.Second
	}},
	{"P1 no work given", "pow.IMPLAUSIBLE", false, func(in *Input) { in.ServerElapsed = time.Millisecond }},
	// Network.
	{"N1 hosting", "net.HOSTING", true, func(in *Input) { in.IPClass = IPHosting }},
	{"N2 tor", "net.TOR", true, func(in *Input) { in.IPClass = IPTor }},
	{"N3 vpn", "net.VPN", true, func(in *Input) { in.IPClass = IPVPN }},
	{"N3 proxy", "net.PROXY", true, func(in *Input) { in.IPClass = IPProxy }},
	{"N4 relay", "net.RELAY", true, func(in *Input) { in.IPClass = IPRelay }},
	{"N5 mobile", "net.MOBILE", true, func(in *Input) { in.IPClass = IPMobile }},
	{"S12 tz mismatch", "net.TZ_MISMATCH", true, func(in *Input) { env(in).TimeZone = "America/New_York" }},
	{"S12 legacy zone name", "net.TZ_MISMATCH", true, func(in *Input) { env(in).TimeZone = "Asia/Calcutta" }},
	{"S12 tz match", "net.TZ_MISMATCH", false, func(in *Input) { env(in).TimeZone = "Europe/Berlin" }},
	{"S12 UTC neutral", "net.TZ_MISMATCH", false, func(in *Input) { env(in).TimeZone = "UTC" }},
	{"S12 VPN explains it", "net.TZ_MISMATCH", false, func(in *Input) { env(in).TimeZone = "America/New_York"; in.IPClass = IPVPN }},
	{"S12 unknown IP country", "net.TZ_MISMATCH", false, func(in *Input) { env(in).TimeZone = "America/New_York"; in.IPCountry = "" }},
	// Velocity.
	{"V1 traffic", "vel.TOO_MUCH_TRAFFIC", true, func(in *Input) { in.VelocityLevel = 2 }},
	{"V2 failures", "vel.REPEATED_FAILURES", true, func(in *Input) { in.RecentFailures = 1 }},
	// Behaviour.
	{"B1 straight constant speed", "beh.STRAIGHT_PATH", true, func(in *Input) { beh(in).Pointer = straightBot() }},
	{"B1 human curve", "beh.STRAIGHT_PATH", false, func(in *Input) { beh(in).Pointer = pathHuman(newRNG(2)) }},
	{"B1 constant speed", "beh.CONSTANT_SPEED", true, func(in *Input) { beh(in).Pointer = straightBot() }},
	{"B1 human speed profile", "beh.CONSTANT_SPEED", false, func(in *Input) { beh(in).Pointer = pathHuman(newRNG(2)) }},
	{"B1 no jitter", "beh.NO_JITTER", true, func(in *Input) { beh(in).Pointer = straightBot() }},
	{"B1 hand tremor", "beh.NO_JITTER", false, func(in *Input) { beh(in).Pointer = pathHuman(newRNG(2)) }},
	{"B2 fixed interval", "beh.FIXED_INTERVAL", true, func(in *Input) { beh(in).Pointer = fixedIntervalPath(100) }},
	{"B2 animation frames are not fixed", "beh.FIXED_INTERVAL", false, func(in *Input) {
		p := fixedIntervalPath(0)
		for i := range p { // two 60 Hz frames, ms-rounded: 33, 34, 33, 33, 34, …
			p[i][2] = math.Round(100 + float64(i)*33.333)
		}
		beh(in).Pointer = p
	}},
	{"B3 centre click", "beh.CENTER_CLICK", true, func(in *Input) { beh(in).Clicks = []Click{centreClick()} }},
	{"B3 keyboard activation excluded", "beh.CENTER_CLICK", false, func(in *Input) {
		c := centreClick()
		c.Detail = new(0)
		beh(in).Clicks = []Click{c}
	}},
	{"B3 zero dwell and press", "beh.ZERO_DWELL", true, func(in *Input) { beh(in).Clicks = []Click{centreClick()} }},
	{"B3 zero press without a pointer sample", "beh.ZERO_DWELL", true, func(in *Input) {
		beh(in).Clicks = []Click{{MDU: new(1.0), Detail: new(1), Trusted: new(true), Type: "mouse"}}
	}},
	{"B3 real dwell", "beh.ZERO_DWELL", false, func(in *Input) {
		c := centreClick()
		c.Dwell = new(120.0)
		beh(in).Clicks = []Click{c}
	}},
	{"B3 touch tap excluded", "beh.ZERO_DWELL", false, func(in *Input) {
		c := centreClick()
		c.Type = "touch"
		beh(in).Clicks = []Click{c}
	}},
	{"scripted motion: straight line", "beh.SCRIPTED_MOTION", true, func(in *Input) { beh(in).Pointer = straightBot() }},
	{"scripted motion: instant centre click", "beh.SCRIPTED_MOTION", true, func(in *Input) {
		beh(in).Clicks = []Click{centreClick()}
	}},
	{"scripted motion: not a human curve", "beh.SCRIPTED_MOTION", false, func(in *Input) { beh(in).Pointer = pathHuman(newRNG(2)) }},
	{"scripted motion: not an off-centre instant click", "beh.SCRIPTED_MOTION", false, func(in *Input) {
		c := centreClick()
		c.DX = new(3.5)
		beh(in).Clicks = []Click{c}
	}},
	{"B4 teleporting mouse click", "beh.NO_POINTER_MOVE", true, func(in *Input) {
		beh(in).Clicks = []Click{{Detail: new(1), Type: "mouse", Trusted: new(true)}}
	}},
	{"B4 moves after the click only", "beh.NO_POINTER_MOVE", true, func(in *Input) {
		beh(in).Pointer = []Point{{1, 1, 500}, {5, 5, 560}}
		beh(in).Clicks = []Click{{Detail: new(1), Type: "mouse", T: new(100.0)}}
	}},
	{"B4 keyboard activation", "beh.NO_POINTER_MOVE", false, func(in *Input) {
		beh(in).Clicks = []Click{{Detail: new(0), Type: "mouse", Trusted: new(true)}}
	}},
	{"B4 touch tap", "beh.NO_POINTER_MOVE", false, func(in *Input) {
		beh(in).Clicks = []Click{{Detail: new(1), Type: "touch", Trusted: new(true)}}
	}},
	{"B5 constant touch radius", "beh.TOUCH_CONSTANT", true, func(in *Input) {
		in.Header = browserHeaders(uaAndroid)
		beh(in).Touch = &Touch{N: 5, RadiusDistinct: 1}
	}},
	{"B6 too fast", "beh.TOO_FAST", true, func(in *Input) {
		beh(in).Fields = new(2)
		beh(in).Times = &Times{Ready: new(0.0), Submit: new(400.0)}
	}},
	{"B6 no fields", "beh.TOO_FAST", false, func(in *Input) { beh(in).Times = &Times{Ready: new(0.0), Submit: new(400.0)} }},
	{"B7 injected text", "beh.INJECTED_TEXT", true, func(in *Input) { beh(in).Fields = new(2); beh(in).Keys = &Keys{} }},
	{"B7 autofill", "beh.INJECTED_TEXT", false, func(in *Input) { beh(in).Fields = new(2); beh(in).Keys = &Keys{Ins: 2} }},
	{"B7 paste", "beh.INJECTED_TEXT", false, func(in *Input) { beh(in).Fields = new(2); beh(in).Keys = &Keys{Paste: 1} }},
	{"B8 fixed typing", "beh.FIXED_TYPING", true, func(in *Input) {
		beh(in).Keys = &Keys{N: 20, IKI: []float64{19, 100, 18 * 4, 97, 103}}
	}},
	{"B8 human typing", "beh.FIXED_TYPING", false, func(in *Input) {
		beh(in).Keys = &Keys{N: 20, IKI: []float64{19, 180, 18 * 3600, 60, 400}}
	}},
	{"B8 incoherent metric neutral", "beh.FIXED_TYPING", false, func(in *Input) {
		beh(in).Keys = &Keys{N: 20, IKI: []float64{19, 100, 0, 200, 300}}
	}},
	{"B9 no interaction", "beh.NO_INTERACTION", true, func(in *Input) {
		beh(in).Focus, beh(in).Keys = &Focus{}, &Keys{}
	}},
	{"B9 focus only (AT user)", "beh.NO_INTERACTION", false, func(in *Input) {
		beh(in).Focus, beh(in).Keys = &Focus{N: 1}, &Keys{}
	}},
	{"B10 replay", "beh.REPLAYED", true, func(in *Input) { in.ReplayedInteraction = true }},
	// Integrity of the widget's flow (only when the engine requires our widget).
	{"no telemetry", "tele.ABSENT", true, func(in *Input) { in.WidgetRequired, in.Telemetry = true, nil }},
	{"empty telemetry", "tele.ABSENT", true, func(in *Input) { in.WidgetRequired, in.Telemetry = true, &Telemetry{V: 1} }},
	{"invalid telemetry", "tele.ABSENT", true, func(in *Input) {
		in.WidgetRequired, in.Telemetry, in.TelemetryInvalid = true, nil, true
	}},
	{"no telemetry, official widget allowed", "tele.ABSENT", false, func(in *Input) { in.Telemetry = nil }},
	{"probes present", "tele.ABSENT", false, func(in *Input) { widgetDoc(in) }},
	{"no activation", "tele.NO_ACTIVATION", true, func(in *Input) { widgetDoc(in); beh(in).Act = nil }},
	{"keyboard activation", "tele.NO_ACTIVATION", false, func(in *Input) {
		widgetDoc(in)
		beh(in).Act, beh(in).Keys = nil, &Keys{N: 2}
	}},
	{"screen-reader click", "tele.NO_ACTIVATION", false, func(in *Input) {
		widgetDoc(in)
		beh(in).Act, beh(in).Clicks = nil, []Click{{Detail: new(0), Trusted: new(true)}}
	}},
	{"another challenge's document", "tele.CHALLENGE_MISMATCH", true, func(in *Input) { widgetDoc(in); in.ChallengeID = "other" }},
	{"unbound document", "tele.CHALLENGE_MISMATCH", true, func(in *Input) { widgetDoc(in); in.Telemetry.Ch = nil }},
	{"unbound document, official widget allowed", "tele.CHALLENGE_MISMATCH", false, func(in *Input) {
		widgetDoc(in)
		in.Telemetry.Ch, in.WidgetRequired = nil, false
	}},
	{"bound document", "tele.CHALLENGE_MISMATCH", false, func(in *Input) { widgetDoc(in) }},
	{"solved after sending", "tele.TIMING", true, func(in *Input) { widgetDoc(in); in.Telemetry.Ch.Sol = new(5000.0) }},
	{"held longer than it existed", "tele.TIMING", true, func(in *Input) {
		widgetDoc(in)
		in.ServerElapsed = 100 * time.Millisecond // 2.41 s held, beyond the 2 s clock slack
	}},
	{"faster than the work allows", "tele.TIMING", true, func(in *Input) {
		widgetDoc(in)
		in.Telemetry.Ch.Sol, in.Telemetry.Ch.Snd, in.PoWWork = new(20.0), new(25.0), 7500
	}},
	{"moves after sending", "tele.TIMING", true, func(in *Input) {
		widgetDoc(in)
		beh(in).Pointer = []Point{{1, 1, 100}, {5, 5, 9000}}
	}},
	{"times missing", "tele.TIMING", true, func(in *Input) { widgetDoc(in); in.Telemetry.Ch.Snd = nil }},
	{"plausible times", "tele.TIMING", false, func(in *Input) { widgetDoc(in) }},
	{"proof missing", "env.PROOF_MISSING", true, func(in *Input) { widgetDoc(in); in.EnvProofMissing = true }},
	{"proof missing, official widget allowed", "env.PROOF_MISSING", false, func(in *Input) { in.EnvProofMissing = true }},
	// Headers.
	{"H1 no Accept", "hdr.NO_ACCEPT", true, func(in *Input) { in.Header.Del("Accept") }},
	{"H1 no Accept-Language", "hdr.NO_ACCEPT_LANGUAGE", true, func(in *Input) { in.Header.Del("Accept-Language") }},
	{"H1 no Sec-Fetch", "hdr.NO_SEC_FETCH", true, func(in *Input) {
		for _, k := range []string{"Sec-Fetch-Site", "Sec-Fetch-Mode", "Sec-Fetch-Dest"} {
			in.Header.Del(k)
		}
	}},
	{"H1 no br", "hdr.NO_MODERN_ENCODING", true, func(in *Input) { in.Header.Set("Accept-Encoding", "gzip, deflate") }},
	{"H1 Chrome without client hints", "hdr.NO_CLIENT_HINTS", true, func(in *Input) { in.Header.Del("Sec-Ch-Ua") }},
	{"H1 Firefox has no client hints", "hdr.NO_CLIENT_HINTS", false, func(in *Input) { in.Header = browserHeaders(uaFirefoxWin) }},
	// Human evidence.
	{"G1 human pointer", "human.POINTER", true, func(in *Input) { beh(in).Pointer = pathHuman(newRNG(3)) }},
	{"G1 not for straight bot", "human.POINTER", false, func(in *Input) { beh(in).Pointer = straightBot() }},
	{"G1 not when untrusted", "human.POINTER", false, func(in *Input) {
		beh(in).Pointer = pathHuman(newRNG(3))
		beh(in).Untrusted = 1
	}},
	{"G1 touch", "human.TOUCH", true, func(in *Input) { beh(in).Touch = &Touch{N: 2, RadiusDistinct: 2} }},
	{"G2 keyboard", "human.KEYBOARD", true, func(in *Input) {
		beh(in).Focus, beh(in).Keys = &Focus{N: 3, ViaKey: 3}, &Keys{N: 3}
	}},
	{"G3 solved visual", "human.SOLVED_VISUAL", true, func(in *Input) { in.SolvedVisual = true }},
	{"G4 browser headers", "human.BROWSER_HEADERS", true, func(in *Input) {}},
	{"G4 missing Sec-Fetch-Dest", "human.BROWSER_HEADERS", false, func(in *Input) { in.Header.Del("Sec-Fetch-Dest") }},
}

func TestRiskSignals(t *testing.T) {
	var s Scorer
	for _, tc := range signalCases {
		t.Run(tc.name, func(t *testing.T) {
			in := baseInput()
			if tc.code != "human.BROWSER_HEADERS" {
				require.False(t, hasReason(s.Score(in), tc.code), "%s already present in the base input", tc.code)
			}
			tc.mut(&in)
			a := s.Score(in)
			require.Equal(t, tc.fire, hasReason(a, tc.code), "%s fired; reasons %v", tc.code, a.Reasons)
		})
	}
}

// Every reason code of the table is exercised by at least one firing case above.
func TestRiskEveryCodeCovered(t *testing.T) {
	fired := map[string]bool{}
	for _, tc := range signalCases {
		if tc.fire {
			fired[tc.code] = true
		}
	}
	for _, c := range ReasonCodes() {
		assert.True(t, fired[c], "no firing test for %s", c)
	}
}

func TestRiskHardSignalsDenyAlone(t *testing.T) {
	var s Scorer
	for _, tc := range signalCases {
		if !tc.fire || sigTable[codeIndex(t, tc.code)].cat != catHard {
			continue
		}
		in := baseInput()
		tc.mut(&in)
		a := s.Score(in)
		assert.True(t, a.Hard, tc.name)
		assert.Equal(t, ActionDeny, a.Action, tc.name)
		assert.Equal(t, 5, a.Band, tc.name)
	}
}

func codeIndex(t *testing.T, code string) int {
	t.Helper()
	for i, d := range sigTable {
		if d.code == code {
			return i
		}
	}
	require.FailNow(t, "unknown code "+code)
	return -1
}

func TestRiskCategoryCaps(t *testing.T) {
	var s Scorer
	quiet := func() Input { // nothing but the signals under test: no headers, no IP class
		return Input{Telemetry: &Telemetry{V: 1, Env: &Env{}, Beh: &Behaviour{}}}
	}
	check := func(name string, in Input, want float64, s *Scorer) {
		t.Helper()
		a := s.Score(in)
		assert.InDelta(t, want, a.Points, 1e-9, "%s: points (reasons %v)", name, a.Reasons)
	}

	in := quiet()
	env(&in).Lies, env(&in).WorkerMismatch, env(&in).NotifInconsistent, env(&in).Languages = 1, []string{"ua"}, true, new(0)
	check("environment 3+3+2+2 capped", in, 5, &s)

	in = quiet()
	in.IPClass, in.IPCountry, env(&in).TimeZone = IPHosting, "DE", "Asia/Tokyo"
	heavyNet := mustScorer(t, WithWeights(Weights{"net.HOSTING": 6}))
	check("network 6+1 capped", in, 4, heavyNet)

	in = quiet()
	in.VelocityLevel, in.RecentFailures = 9, 9
	check("velocity 4+3 capped", in, 4, &s)
	in.IPClass = IPMobile
	check("velocity halved on mobile, plus net.MOBILE", in, 4*0.5-0.5, &s)
	in = quiet()
	in.VelocityLevel = 2
	check("velocity below cap", in, 2, &s)

	in = quiet()
	c := centreClick()
	c.Dwell, c.MDU = new(120.0), new(90.0)
	beh(&in).Clicks, beh(&in).Keys = []Click{c}, &Keys{}
	beh(&in).Fields, beh(&in).Times = new(2), &Times{Ready: new(0.0), Submit: new(400.0)}
	check("behaviour 4.5+1+2+1.5 capped", in, 4, &s)

	in = quiet()
	in.ReplayedInteraction, in.WidgetRequired = true, true
	check("strong signals are not capped", in, 10, &s)

	in = quiet()
	in.Header = http.Header{"User-Agent": {uaChromeWin}}
	check("headers 1+1+1+1+1.5 capped", in, 3, &s)

	in = quiet()
	in.SolvedVisual = true
	in.Header = chromeHeaders()
	beh(&in).Focus, beh(&in).Keys = &Focus{N: 3, ViaKey: 3}, &Keys{N: 3}
	check("human evidence −2−1−1 floored", in, -3, &s)

	in = quiet()
	env(&in).WebDriver, env(&in).HeadlessUA, env(&in).AutomationMarks = true, true, []string{"cdc"}
	check("hard is uncapped", in, 18, &s)
}

func TestRiskHumanEvidenceDoesNotOffsetHard(t *testing.T) {
	var s Scorer
	in := baseInput()
	in.SolvedVisual = true
	beh(&in).Pointer = pathHuman(newRNG(4))
	env(&in).WebDriver = true
	a := s.Score(in)
	require.Equal(t, ActionDeny, a.Action)
	require.NotContains(t, a.Reasons, "human.SOLVED_VISUAL")
	require.NotContains(t, a.Reasons, "human.POINTER")
	require.Equal(t, 6.0, a.Points)
}

func TestRiskBandsAndLogistic(t *testing.T) {
	th := DefaultThresholds()
	th.CapVel, th.MaxVelLevels = 20, 20
	s := mustScorer(t, WithThresholds(th))
	want := map[int]struct {
		band   int
		action Action
	}{0: {1, ActionPass}, 1: {1, ActionPass}, 2: {2, ActionHarderPoW}, 4: {2, ActionHarderPoW}, 5: {3, ActionStepUp},
		7: {3, ActionStepUp}, 8: {4, ActionStepUp}, 12: {4, ActionStepUp}}
	for lvl, w := range want {
		a := s.Score(Input{VelocityLevel: lvl})
		assert.Equal(t, w.band, a.Band, "R=%d", lvl)
		assert.Equal(t, w.action, a.Action, "R=%d", lvl)
		assert.False(t, a.Hard, "R=%d", lvl)
	}
	// The logistic: R=0→0.07, 2→0.21, 4→0.50, 6→0.79, 8→0.93.
	for lvl, r := range map[int]float64{0: 0.07, 2: 0.21, 4: 0.50, 6: 0.79, 8: 0.93} {
		a := s.Score(Input{VelocityLevel: lvl})
		assert.InDelta(t, r, a.Risk, 0.006, "R=%d: risk", lvl)
		assert.InDelta(t, 1-a.Risk, a.Score, 1e-12, "R=%d: score", lvl)
	}
}

func TestRiskDenyRules(t *testing.T) {
	// A hard hit below HardDeny (weights lowered by the operator) does not deny on its own...
	s := mustScorer(t, WithWeights(Weights{"env.WEBDRIVER": 3}))
	in := Input{Telemetry: &Telemetry{V: 1, Env: &Env{WebDriver: true}}}
	a := s.Score(in)
	require.True(t, a.Hard, "webdriver at 3 points: %+v", a)
	require.Equal(t, ActionHarderPoW, a.Action, "webdriver at 3 points: %+v", a)
	// ...but does once R reaches 6.
	in.VelocityLevel = 3
	a = s.Score(in)
	require.Equal(t, ActionDeny, a.Action, "webdriver 3 + velocity 3: %+v", a)
	// Without a hard signal nothing denies, however high R climbs.
	var d Scorer
	in = baseInput()
	in.Header = http.Header{"User-Agent": {uaChromeWin}}
	in.IPClass, in.VelocityLevel, in.RecentFailures = IPHosting, 9, 9
	env(&in).Lies, env(&in).WorkerMismatch = 3, []string{"gl"}
	beh(&in).Pointer, beh(&in).Clicks = straightBot(), []Click{centreClick()}
	a = d.Score(in)
	require.False(t, a.Hard, "soft-only maximum: %+v", a)
	require.NotEqual(t, ActionDeny, a.Action, "soft-only maximum: %+v", a)
	require.Equal(t, 4, a.Band, "soft-only maximum: %+v", a)
	require.GreaterOrEqual(t, a.Points, 8.0, "soft-only maximum: %+v", a)
}

func TestNewRiskScorerValidates(t *testing.T) {
	bad := []Option{
		WithWeights(Weights{"env.NOPE": 1}),
		WithWeights(Weights{"env.WEBDRIVER": -1}),
		WithWeights(Weights{"human.POINTER": 1}),
		WithWeights(Weights{"net.MOBILE": 0.5}),
		WithWeights(Weights{"beh.STRAIGHT_PATH": math.NaN()}),
		WithWeights(Weights{"beh.STRAIGHT_PATH": math.Inf(1)}),
	}
	mod := func(f func(*Thresholds)) Option {
		th := DefaultThresholds()
		f(&th)
		return WithThresholds(th)
	}
	bad = append(bad,
		mod(func(th *Thresholds) { th.Scale = 0 }),
		mod(func(th *Thresholds) { th.StepUp = th.HarderPoW }),
		mod(func(th *Thresholds) { th.Block = th.StepUp - 1 }),
		mod(func(th *Thresholds) { th.CapBeh = th.StepUp }),
		mod(func(th *Thresholds) { th.FloorHuman = 1 }),
		mod(func(th *Thresholds) { th.Center = math.NaN() }),
		mod(func(th *Thresholds) { th.PoWRateFactor = 0.5 }),
		mod(func(th *Thresholds) { th.HardDeny = 0 }),
	)
	for i, o := range bad {
		_, err := NewScorer(o)
		assert.Error(t, err, "case %d accepted", i)
	}
	s := mustScorer(t, WithWeights(Weights{"env.WEBDRIVER": 0}))
	in := Input{Telemetry: &Telemetry{V: 1, Env: &Env{WebDriver: true}}}
	a := s.Score(in)
	require.False(t, a.Hard, "zero-weighted webdriver still counts: %+v", a)
	require.Empty(t, a.Reasons, "zero-weighted webdriver still counts: %+v", a)
	require.Equal(t, ActionPass, a.Action, "zero-weighted webdriver still counts: %+v", a)
	// Overrides merge over the defaults instead of replacing them.
	in = Input{IPClass: IPHosting}
	require.Equal(t, 3.0, s.Score(in).Points, "default hosting weight lost")
	// DefaultWeights hands out a copy.
	w := DefaultWeights()
	w["net.HOSTING"] = 0
	require.Equal(t, 3.0, DefaultWeights()["net.HOSTING"], "DefaultWeights shares state")
	require.Len(t, w, len(ReasonCodes()), "weights and codes disagree")
}

// Strong signals force the step-up band on their own, whatever speaks for the client (human
// evidence, a consistent privacy browser), and never deny.
func TestRiskStrongSignalsStepUpAlone(t *testing.T) {
	var s Scorer
	n := 0
	for _, tc := range signalCases {
		if !tc.fire || sigTable[codeIndex(t, tc.code)].cat != catStrong {
			continue
		}
		for _, base := range []func() Input{baseInput, personaKeyboardOnly, personaTor} {
			in := base()
			if in.Telemetry.Env == nil {
				in.Telemetry.Env = &Env{}
			}
			if in.Telemetry.Beh == nil {
				in.Telemetry.Beh = &Behaviour{}
			}
			tc.mut(&in)
			a := s.Score(in)
			if !hasReason(a, tc.code) {
				continue // the persona already explains it away (e.g. its own timing)
			}
			n++
			assert.False(t, a.Hard, tc.name)
			assert.Equal(t, ActionStepUp, a.Action, tc.name)
			assert.GreaterOrEqual(t, a.Band, 3, tc.name)
		}
	}
	require.GreaterOrEqual(t, n, 20, "strong cases exercised")
}

// The catalogue describes the scorer's own table: one entry per reason code, in table
// order, each with its default weight, a class and a description.
func TestSignalsMatchTheTable(t *testing.T) {
	sigs, codes, w := Signals(), ReasonCodes(), DefaultWeights()
	require.Len(t, sigs, len(codes), "signals and codes")
	require.Len(t, w, len(codes), "weights and codes")
	for i, s := range sigs {
		assert.Equal(t, codes[i], s.Code, "%d", i)
		assert.Equal(t, w[s.Code], s.Weight, s.Code)
		assert.NotEmpty(t, s.Class, s.Code)
		assert.NotEmpty(t, s.When, s.Code)
		assert.Equal(t, s.Graded == "feature", s.Fitted, "%s: only the kinematic features are fitted and graded by their value", s.Code)
	}
}
