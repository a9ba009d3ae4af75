package risk

// Signal evaluation: turns a Input into the activation vector x (0 = not fired, 1 = fired, or a
// count for graded signals) over the table in weights.go. Environment, network, header,
// velocity and PoW signals live here; behaviour signals in behaviour.go.

import (
	"net/http"
	"strings"
)

type evaluation struct {
	x       [numSigs]float64
	privacy bool // privacy browser recognised and its claim consistent
	rfp     bool // timer precision reduced (Tor Browser / resistFingerprinting)
	hash    string
	ua      userAgent
	kin     Kinematics
}

func (ev *evaluation) fire(s sig) { ev.x[s] = 1 }

func (ev *evaluation) run(in *Input, th *Thresholds, w *[numSigs]float64) {
	ev.ua = parseUA(in.Header)
	var env *Env
	var beh *Behaviour
	if t := in.Telemetry; t != nil {
		env, beh = t.Env, t.Beh
	}
	ev.privacy, ev.rfp = privacyClaim(env, in, &ev.ua)

	ev.header(in)
	if env != nil {
		ev.env(env, in)
	}
	ev.network(env, in)
	ev.velocity(in, th)
	ev.pow(in, th)
	ev.behaviour(beh, in, w)
	ev.integrity(in, th)
	ev.hash = interactionHash(in.Telemetry)

	if in.TelemetryInvalid {
		ev.fire(sigTeleInvalid)
	}
	if in.HoneypotFilled {
		ev.fire(sigE8)
	}
	if in.EnvProofFailed {
		ev.fire(sigE5)
	}
	if in.SolvedVisual {
		ev.fire(sigG3)
	}
}

// privacyClaim recognises a privacy browser from env.privacy, honouring the claim only when it is
// consistent with what the server sees, so a bot cannot buy the band-2 cap by saying "tor" from a
// hosting IP with a Chrome UA.
func privacyClaim(env *Env, in *Input, ua *userAgent) (privacy, rfp bool) {
	if env == nil {
		return false, false
	}
	switch env.Privacy {
	case "tor":
		ipOK := in.IPClass == IPTor || in.IPClass == "" || in.IPClass == IPUnknown
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

// userAgent is what the scorer needs from the User-Agent header.
type userAgent struct {
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
var nonBrowserTokens = [...]string{
	"curl/", "wget/", "python-requests", "python-urllib", "python-httpx", "aiohttp", "httpx/", "scrapy",
	"go-http-client", "okhttp", "java/", "apache-httpclient", "libwww-perl", "axios/", "node-fetch", "undici",
	"got (", "powershell", "http_request2", "guzzle", "restsharp", "postmanruntime", "insomnia", "httpie",
}

// Headless browser tokens (E3) in the UA header.
var headlessTokens = [...]string{"HeadlessChrome", "HeadlessChromium", "PhantomJS", "SlimerJS", "Lightpanda"}

func parseUA(h http.Header) userAgent {
	if h == nil {
		return userAgent{}
	}
	ua := h.Get("User-Agent")
	u := userAgent{known: true, raw: ua}
	if strings.TrimSpace(ua) == "" {
		u.empty, u.nonBrowser = true, true
		return u
	}
	for _, t := range headlessTokens {
		if strings.Contains(ua, t) {
			u.headless = true
			break
		}
	}
	if !strings.HasPrefix(ua, "Mozilla/") {
		low := strings.ToLower(ua)
		for _, t := range nonBrowserTokens {
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
	u.os = osFromUA(ua)
	return u
}

func osFromUA(ua string) string {
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

// normOS maps uaData.platform, Sec-CH-UA-Platform and platformEst spellings to osFromUA's.
func normOS(s string) string {
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

// osCompatible says whether two OS claims can both be true of one real device.
func osCompatible(a, b string) bool {
	if a == "" || b == "" || a == b {
		return true
	}
	pair := func(x, y string) bool { return (a == x && b == y) || (a == y && b == x) }
	// iPadOS sends a Mac UA; Android and ChromeOS are Linux underneath ("request desktop site").
	return pair("ios", "mac") || pair("android", "linux") || pair("chromeos", "linux") || pair("chromeos", "android")
}

func (ev *evaluation) header(in *Input) {
	u := &ev.ua
	if !u.known {
		return
	}
	if u.nonBrowser {
		ev.fire(sigH2)
	}
	if u.headless {
		ev.fire(sigE3)
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
		ev.fire(sigH1Accept)
	}
	if !lang {
		ev.fire(sigH1Lang)
	}
	if !fetch {
		ev.fire(sigH1Fetch)
	}
	if !modern {
		// Browsers advertise br only over HTTPS; plain-HTTP development hits this (capped, soft).
		ev.fire(sigH1Enc)
	}
	if u.chromium && !u.crios && h.Get("Sec-Ch-Ua") == "" {
		ev.fire(sigH1CH)
	}
	// G4, Anubis "acts like a browser": every header a real browser's fetch() sends.
	if accept && lang && modern && h.Get("Sec-Fetch-Dest") != "" && h.Get("Sec-Fetch-Mode") != "" &&
		h.Get("Sec-Fetch-Site") != "" {
		ev.fire(sigG4)
	}
}

func (ev *evaluation) env(e *Env, in *Input) {
	u := &ev.ua
	if e.WebDriver {
		ev.fire(sigE1)
	}
	if len(e.AutomationMarks) > 0 {
		ev.fire(sigE2)
	}
	if e.HeadlessUA || e.HeadlessWorkerUA {
		ev.fire(sigE3)
	}
	if e.RuntimeLeak {
		ev.fire(sigE4)
	}
	if len(e.StackMarks) > 0 {
		ev.fire(sigE6)
	}
	if e.Lies > 0 && !ev.privacy {
		ev.fire(sigS1)
	}
	if len(e.WorkerMismatch) > 0 {
		ev.fire(sigS2)
	}
	if e.NotifInconsistent {
		ev.fire(sigS3)
	}

	uaMobile := u.mobile || (e.UAData != nil && e.UAData.Mobile != nil && *e.UAData.Mobile)
	desktopChromium := u.known && u.chromium && !u.crios && !u.mobile
	if !u.known && e.UAData != nil && e.UAData.Mobile != nil && !*e.UAData.Mobile {
		desktopChromium = true // userAgentData exists only in Chromium
	}
	if desktopChromium && e.ChromeObject != nil && !*e.ChromeObject {
		ev.fire(sigS4)
	}
	desktopBrowser := desktopChromium || (u.known && u.firefox && !u.mobile)
	if desktopBrowser && e.Plugins != nil && *e.Plugins == 0 && (e.PDFViewer == nil || *e.PDFViewer) && !ev.privacy {
		ev.fire(sigS5)
	}
	if e.Languages != nil && *e.Languages == 0 {
		ev.fire(sigS6)
	}

	claimed := u.os
	if claimed == "" && e.UAData != nil {
		claimed = normOS(e.UAData.Platform)
	}
	if g := e.GL; g != nil && !g.Blocked {
		r := g.Renderer
		if !ev.privacy && (g.Class == "sw" || g.VendorClass == "swiftshader" || g.VendorClass == "llvmpipe" ||
			g.VendorClass == "mesa" || strings.Contains(r, "SwiftShader") || strings.Contains(r, "llvmpipe") ||
			strings.Contains(r, "Mesa OffScreen")) {
			ev.fire(sigS7)
		}
		appleGL := g.VendorClass == "apple" || strings.Contains(r, "Apple") || strings.Contains(r, "OpenGL Engine") ||
			strings.Contains(r, "Metal")
		d3d := strings.Contains(r, "Direct3D") || strings.Contains(r, "D3D11") || strings.Contains(r, "D3D9")
		if (claimed == "windows" && appleGL) || (claimed == "mac" && d3d) {
			ev.fire(sigS8)
		}
	}

	// S9: every OS claim we have must be compatible with every other.
	var claims [4]string
	claims[0] = u.os
	if e.UAData != nil {
		claims[1] = normOS(e.UAData.Platform)
	}
	claims[2] = normOS(e.PlatformEstimate)
	if u.known {
		claims[3] = normOS(in.Header.Get("Sec-Ch-Ua-Platform"))
	}
outer:
	for i := 0; i < len(claims); i++ {
		for j := i + 1; j < len(claims); j++ {
			if !osCompatible(claims[i], claims[j]) {
				ev.fire(sigS9)
				break outer
			}
		}
	}

	// S10: desktop + touch is normal (touch laptops, iPadOS); mobile without any touch is not.
	if uaMobile && e.MaxTouchPoints != nil && *e.MaxTouchPoints == 0 && e.TouchEvent != nil && !*e.TouchEvent {
		ev.fire(sigS10)
	}

	// S11: background tabs report 0×0 too, so only the focused case weighs.
	if len(e.Window) == 4 {
		if e.Window[2] == 0 && e.Window[3] == 0 && e.Focused != nil && *e.Focused {
			ev.fire(sigS11)
		}
		if len(e.Screen) == 4 && !uaMobile && !ev.privacy && e.Window[0] > 0 &&
			e.Window[0] == e.Screen[0] && e.Window[1] == e.Screen[1] {
			ev.fire(sigS11b)
		}
	}
}

func (ev *evaluation) network(e *Env, in *Input) {
	masked := false
	switch in.IPClass {
	case IPHosting:
		ev.fire(sigN1)
	case IPTor:
		ev.fire(sigN2)
		masked = true
	case IPVPN:
		ev.fire(sigN3)
		masked = true
	case IPProxy:
		ev.fire(sigN3b)
		masked = true
	case IPRelay:
		ev.fire(sigN4)
		masked = true
	case IPMobile:
		ev.fire(sigN5)
	}
	// S12: VPN users, travellers and RFP (UTC) make this noisy; weigh it only when nothing explains it.
	if e == nil || masked || ev.privacy || in.IPCountry == "" || e.TimeZone == "" {
		return
	}
	tz := e.TimeZone
	if tz == "UTC" || strings.HasPrefix(tz, "Etc/") || tz == "GMT" {
		return
	}
	if c, ok := zoneCountry[tz]; ok && !strings.EqualFold(c, in.IPCountry) {
		ev.fire(sigS12)
	}
}

func (ev *evaluation) velocity(in *Input, th *Thresholds) {
	if in.VelocityLevel > 0 {
		ev.x[sigV1] = min(float64(in.VelocityLevel), th.MaxVelLevels)
	}
	if in.RecentFailures > 0 {
		ev.x[sigV2] = min(float64(in.RecentFailures), th.MaxFailures)
	}
}

// pow evaluates P1: a solve faster than any browser of the claimed device class could manage, or
// a client claiming to have worked longer than the server saw the challenge outstanding.
func (ev *evaluation) pow(in *Input, th *Thresholds) {
	client := in.SolveMillis
	if client <= 0 && in.Telemetry != nil && in.Telemetry.PoW != nil {
		client = in.Telemetry.PoW.Ms
	}
	server := in.ServerElapsed.Seconds() * 1000
	if server > 0 && client > 0 && client > server+float64(th.PoWClockSlack.Milliseconds()) {
		ev.fire(sigP1)
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
		ev.fire(sigP1)
	}
}
