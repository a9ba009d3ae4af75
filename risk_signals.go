package astracaph

// Signal evaluation: turns a RiskInput into the activation vector x (0 = not fired, 1 = fired, or a
// count for graded signals) over the table in risk_weights.go. Environment, network, header,
// velocity and PoW signals live here; behaviour signals in risk_behaviour.go.

import (
	"net/http"
	"strings"
)

type riskEval struct {
	x       [riskNumSigs]float64
	privacy bool // privacy browser recognised and its claim consistent
	rfp     bool // timer precision reduced (Tor Browser / resistFingerprinting)
	hash    string
	ua      riskUA
	kin     RiskKinematics
}

func (ev *riskEval) fire(s riskSig) { ev.x[s] = 1 }

func (ev *riskEval) run(in *RiskInput, th *RiskThresholds, w *[riskNumSigs]float64) {
	ev.ua = riskParseUA(in.Header)
	var env *TelemetryEnv
	var beh *TelemetryBehaviour
	if t := in.Telemetry; t != nil {
		env, beh = t.Env, t.Beh
	}
	ev.privacy, ev.rfp = riskPrivacy(env, in, &ev.ua)

	ev.header(in)
	if env != nil {
		ev.env(env, in)
	}
	ev.network(env, in)
	ev.velocity(in, th)
	ev.pow(in, th)
	ev.behaviour(beh, in, w)
	ev.integrity(in, th)
	ev.hash = riskInteractionHash(in.Telemetry)

	if in.TelemetryInvalid {
		ev.fire(riskTeleInvalid)
	}
	if in.HoneypotFilled {
		ev.fire(riskE8)
	}
	if in.EnvProofFailed {
		ev.fire(riskE5)
	}
	if in.SolvedVisual {
		ev.fire(riskG3)
	}
}

// riskPrivacy recognises a privacy browser from env.privacy, honouring the claim only when it is
// consistent with what the server sees, so a bot cannot buy the band-2 cap by saying "tor" from a
// hosting IP with a Chrome UA.
func riskPrivacy(env *TelemetryEnv, in *RiskInput, ua *riskUA) (privacy, rfp bool) {
	if env == nil {
		return false, false
	}
	switch env.Privacy {
	case "tor":
		ipOK := in.IPClass == RiskIPTor || in.IPClass == "" || in.IPClass == RiskIPUnknown
		return ipOK && (!ua.known || ua.firefox), ipOK && (!ua.known || ua.firefox)
	case "rfp":
		ok := !ua.known || ua.firefox
		return ok, ok
	case "brave":
		ok := !ua.known || (ua.chromium && !ua.crios)
		if ok && in.Header != nil {
			if ch := in.Header.Get("Sec-Ch-Ua"); ch != "" && !strings.Contains(ch, "Brave") {
				ok = false
			}
		}
		return ok, false
	}
	return false, false
}

// riskUA is what the scorer needs from the User-Agent header.
type riskUA struct {
	known      bool // a header set was given
	raw        string
	empty      bool
	nonBrowser bool
	headless   bool
	browser    bool // claims Chromium, Firefox or Safari
	chromium   bool
	firefox    bool
	safari     bool
	crios      bool // Chrome/Firefox on iOS: WebKit underneath
	mobile     bool
	os         string
}

// Tokens of HTTP libraries and tools (H2). Checked case-insensitively on a lower-cased copy.
var riskNonBrowserTokens = [...]string{
	"curl/", "wget/", "python-requests", "python-urllib", "python-httpx", "aiohttp", "httpx/", "scrapy",
	"go-http-client", "okhttp", "java/", "apache-httpclient", "libwww-perl", "axios/", "node-fetch", "undici",
	"got (", "powershell", "http_request2", "guzzle", "restsharp", "postmanruntime", "insomnia", "httpie",
}

// Headless browser tokens (E3) in the UA header.
var riskHeadlessTokens = [...]string{"HeadlessChrome", "HeadlessChromium", "PhantomJS", "SlimerJS", "Lightpanda"}

func riskParseUA(h http.Header) riskUA {
	if h == nil {
		return riskUA{}
	}
	ua := h.Get("User-Agent")
	u := riskUA{known: true, raw: ua}
	if strings.TrimSpace(ua) == "" {
		u.empty, u.nonBrowser = true, true
		return u
	}
	for _, t := range riskHeadlessTokens {
		if strings.Contains(ua, t) {
			u.headless = true
			break
		}
	}
	if !strings.HasPrefix(ua, "Mozilla/") {
		low := strings.ToLower(ua)
		for _, t := range riskNonBrowserTokens {
			if strings.Contains(low, t) {
				u.nonBrowser = true
				break
			}
		}
	}
	switch {
	case strings.Contains(ua, "CriOS/") || strings.Contains(ua, "FxiOS/") || strings.Contains(ua, "EdgiOS/"):
		u.crios, u.safari = true, true
	case strings.Contains(ua, "Firefox/"):
		u.firefox = true
	case strings.Contains(ua, "Chrome/") || strings.Contains(ua, "Chromium/"):
		u.chromium = true
	case strings.Contains(ua, "Safari/"):
		u.safari = true
	}
	u.browser = strings.HasPrefix(ua, "Mozilla/") && (u.chromium || u.firefox || u.safari)
	u.mobile = strings.Contains(ua, "Mobile") || strings.Contains(ua, "Android") || strings.Contains(ua, "iPhone")
	u.os = riskOSFromUA(ua)
	return u
}

func riskOSFromUA(ua string) string {
	switch {
	case strings.Contains(ua, "iPhone") || strings.Contains(ua, "iPad") || strings.Contains(ua, "iPod"):
		return "ios"
	case strings.Contains(ua, "Android"):
		return "android"
	case strings.Contains(ua, "Windows"):
		return "windows"
	case strings.Contains(ua, "CrOS"):
		return "chromeos"
	case strings.Contains(ua, "Macintosh") || strings.Contains(ua, "Mac OS X"):
		return "mac"
	case strings.Contains(ua, "Linux") || strings.Contains(ua, "X11"):
		return "linux"
	}
	return ""
}

// riskNormOS maps uaData.platform, Sec-CH-UA-Platform and platformEst spellings to riskOSFromUA's.
func riskNormOS(s string) string {
	s = strings.Trim(s, `" `)
	if s == "" {
		return ""
	}
	l := strings.ToLower(s)
	switch {
	case strings.Contains(l, "win"):
		return "windows"
	case strings.Contains(l, "android"):
		return "android"
	case strings.Contains(l, "chrome os") || strings.Contains(l, "chromeos") || strings.Contains(l, "cros"):
		return "chromeos"
	case strings.Contains(l, "ios") || strings.Contains(l, "iphone") || strings.Contains(l, "ipad"):
		return "ios"
	case strings.Contains(l, "mac"):
		return "mac"
	case strings.Contains(l, "linux"):
		return "linux"
	}
	return ""
}

// riskOSCompatible says whether two OS claims can both be true of one real device.
func riskOSCompatible(a, b string) bool {
	if a == "" || b == "" || a == b {
		return true
	}
	pair := func(x, y string) bool { return (a == x && b == y) || (a == y && b == x) }
	// iPadOS sends a Mac UA; Android and ChromeOS are Linux underneath ("request desktop site").
	return pair("ios", "mac") || pair("android", "linux") || pair("chromeos", "linux") || pair("chromeos", "android")
}

func (ev *riskEval) header(in *RiskInput) {
	u := &ev.ua
	if !u.known {
		return
	}
	if u.nonBrowser {
		ev.fire(riskH2)
	}
	if u.headless {
		ev.fire(riskE3)
	}
	if !u.browser {
		return
	}
	h := in.Header
	accept := h.Get("Accept") != ""
	lang := h.Get("Accept-Language") != ""
	fetch := h.Get("Sec-Fetch-Mode") != "" || h.Get("Sec-Fetch-Site") != ""
	enc := h.Get("Accept-Encoding")
	modern := strings.Contains(enc, "br") || strings.Contains(enc, "zstd")
	if !accept {
		ev.fire(riskH1Accept)
	}
	if !lang {
		ev.fire(riskH1Lang)
	}
	if !fetch {
		ev.fire(riskH1Fetch)
	}
	if !modern {
		// Browsers advertise br only over HTTPS; plain-HTTP development hits this (capped, soft).
		ev.fire(riskH1Enc)
	}
	if u.chromium && !u.crios && h.Get("Sec-Ch-Ua") == "" {
		ev.fire(riskH1CH)
	}
	// G4, Anubis "acts like a browser": every header a real browser's fetch() sends.
	if accept && lang && modern && h.Get("Sec-Fetch-Dest") != "" && h.Get("Sec-Fetch-Mode") != "" &&
		h.Get("Sec-Fetch-Site") != "" {
		ev.fire(riskG4)
	}
}

func (ev *riskEval) env(e *TelemetryEnv, in *RiskInput) {
	u := &ev.ua
	if e.WebDriver {
		ev.fire(riskE1)
	}
	if len(e.AutomationMarks) > 0 {
		ev.fire(riskE2)
	}
	if e.HeadlessUA || e.HeadlessWorkerUA {
		ev.fire(riskE3)
	}
	if e.RuntimeLeak {
		ev.fire(riskE4)
	}
	if len(e.StackMarks) > 0 {
		ev.fire(riskE6)
	}
	if e.Lies > 0 && !ev.privacy {
		ev.fire(riskS1)
	}
	if len(e.WorkerMismatch) > 0 {
		ev.fire(riskS2)
	}
	if e.NotifInconsistent {
		ev.fire(riskS3)
	}

	uaMobile := u.mobile || (e.UAData != nil && e.UAData.Mobile != nil && *e.UAData.Mobile)
	desktopChromium := u.known && u.chromium && !u.crios && !u.mobile
	if !u.known && e.UAData != nil && e.UAData.Mobile != nil && !*e.UAData.Mobile {
		desktopChromium = true // userAgentData exists only in Chromium
	}
	if desktopChromium && e.ChromeObject != nil && !*e.ChromeObject {
		ev.fire(riskS4)
	}
	desktopBrowser := desktopChromium || (u.known && u.firefox && !u.mobile)
	if desktopBrowser && e.Plugins != nil && *e.Plugins == 0 && (e.PDFViewer == nil || *e.PDFViewer) && !ev.privacy {
		ev.fire(riskS5)
	}
	if e.Languages != nil && *e.Languages == 0 {
		ev.fire(riskS6)
	}

	claimed := u.os
	if claimed == "" && e.UAData != nil {
		claimed = riskNormOS(e.UAData.Platform)
	}
	if g := e.GL; g != nil && !g.Blocked {
		r := g.Renderer
		if !ev.privacy && (g.Class == "sw" || g.VendorClass == "swiftshader" || g.VendorClass == "llvmpipe" ||
			g.VendorClass == "mesa" || strings.Contains(r, "SwiftShader") || strings.Contains(r, "llvmpipe") ||
			strings.Contains(r, "Mesa OffScreen")) {
			ev.fire(riskS7)
		}
		appleGL := g.VendorClass == "apple" || strings.Contains(r, "Apple") || strings.Contains(r, "OpenGL Engine") ||
			strings.Contains(r, "Metal")
		d3d := strings.Contains(r, "Direct3D") || strings.Contains(r, "D3D11") || strings.Contains(r, "D3D9")
		if (claimed == "windows" && appleGL) || (claimed == "mac" && d3d) {
			ev.fire(riskS8)
		}
	}

	// S9: every OS claim we have must be compatible with every other.
	var claims [4]string
	claims[0] = u.os
	if e.UAData != nil {
		claims[1] = riskNormOS(e.UAData.Platform)
	}
	claims[2] = riskNormOS(e.PlatformEstimate)
	if u.known {
		claims[3] = riskNormOS(in.Header.Get("Sec-Ch-Ua-Platform"))
	}
outer:
	for i := 0; i < len(claims); i++ {
		for j := i + 1; j < len(claims); j++ {
			if !riskOSCompatible(claims[i], claims[j]) {
				ev.fire(riskS9)
				break outer
			}
		}
	}

	// S10: desktop + touch is normal (touch laptops, iPadOS); mobile without any touch is not.
	if uaMobile && e.MaxTouchPoints != nil && *e.MaxTouchPoints == 0 && e.TouchEvent != nil && !*e.TouchEvent {
		ev.fire(riskS10)
	}

	// S11: background tabs report 0×0 too, so only the focused case weighs.
	if len(e.Window) == 4 {
		if e.Window[2] == 0 && e.Window[3] == 0 && e.Focused != nil && *e.Focused {
			ev.fire(riskS11)
		}
		if len(e.Screen) == 4 && !uaMobile && !ev.privacy && e.Window[0] > 0 &&
			e.Window[0] == e.Screen[0] && e.Window[1] == e.Screen[1] {
			ev.fire(riskS11b)
		}
	}
}

func (ev *riskEval) network(e *TelemetryEnv, in *RiskInput) {
	masked := false
	switch in.IPClass {
	case RiskIPHosting:
		ev.fire(riskN1)
	case RiskIPTor:
		ev.fire(riskN2)
		masked = true
	case RiskIPVPN:
		ev.fire(riskN3)
		masked = true
	case RiskIPProxy:
		ev.fire(riskN3b)
		masked = true
	case RiskIPRelay:
		ev.fire(riskN4)
		masked = true
	case RiskIPMobile:
		ev.fire(riskN5)
	}
	// S12: VPN users, travellers and RFP (UTC) make this noisy; weigh it only when nothing explains it.
	if e == nil || masked || ev.privacy || in.IPCountry == "" || e.TimeZone == "" {
		return
	}
	tz := e.TimeZone
	if tz == "UTC" || strings.HasPrefix(tz, "Etc/") || tz == "GMT" {
		return
	}
	if c, ok := riskZoneCountry[tz]; ok && !strings.EqualFold(c, in.IPCountry) {
		ev.fire(riskS12)
	}
}

func (ev *riskEval) velocity(in *RiskInput, th *RiskThresholds) {
	if in.VelocityLevel > 0 {
		ev.x[riskV1] = min(float64(in.VelocityLevel), th.MaxVelLevels)
	}
	if in.RecentFailures > 0 {
		ev.x[riskV2] = min(float64(in.RecentFailures), th.MaxFailures)
	}
}

// pow evaluates P1: a solve faster than any browser of the claimed device class could manage, or
// a client claiming to have worked longer than the server saw the challenge outstanding.
func (ev *riskEval) pow(in *RiskInput, th *RiskThresholds) {
	client := in.SolveMillis
	if client <= 0 && in.Telemetry != nil && in.Telemetry.PoW != nil {
		client = in.Telemetry.PoW.Ms
	}
	server := in.ServerElapsed.Seconds() * 1000
	if server > 0 && client > 0 && client > server+float64(th.PoWClockSlack.Milliseconds()) {
		ev.fire(riskP1)
		return
	}
	if in.PoWWork <= 0 {
		return
	}
	ms := server // the server's clock cannot be lied to; fall back to the client's
	if ms <= 0 {
		ms = client
	}
	if ms <= 0 {
		return
	}
	maxRate := th.PoWMaxRateDesktop
	if ev.ua.mobile {
		maxRate = th.PoWMaxRateMobile
	}
	if in.PoWWork/(ms/1000) > th.PoWRateFactor*maxRate {
		ev.fire(riskP1)
	}
}
