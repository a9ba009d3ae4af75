package risk

// Accessibility and privacy personas (docs/risk-notes.md, "Testing the scorer") and the headless-browser acceptance cases.

import (
	"math"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func personaKeyboardOnly() Input {
	return Input{
		Telemetry: &Telemetry{V: 1,
			Env: &Env{ChromeObject: new(true), Plugins: new(5), Languages: new(2), TimeZone: "Europe/Berlin",
				UAData: &UAData{Platform: "Windows", Mobile: new(false)}},
			Beh: &Behaviour{
				Clicks: []Click{{DX: new(0.0), DY: new(0.0), Dwell: new(0.0), MDU: new(0.0), Detail: new(0), Trusted: new(true)}},
				Keys:   &Keys{N: 14, IKI: []float64{13, 420, 12 * 90000, 120, 1400}, Special: []int{0, 0, 9, 0, 0, 2}},
				Focus:  &Focus{N: 6, ViaKey: 6},
				Times:  &Times{Ready: new(0.0), Submit: new(6400.0)},
				Fields: new(2),
			}},
		IPClass: IPResidential, IPCountry: "DE", Header: chromeHeaders(),
	}
}

func personaScreenReader() Input {
	// NVDA + Firefox: activation via the virtual cursor, click with detail 0, no pointer, no keys
	// reaching the page, a single programmatic focus.
	return Input{
		Telemetry: &Telemetry{V: 1,
			Env: &Env{Plugins: new(5), Languages: new(1), TimeZone: "Europe/Paris"},
			Beh: &Behaviour{
				Clicks: []Click{{Detail: new(0), Trusted: new(true), Type: ""}},
				Keys:   &Keys{N: 0},
				Focus:  &Focus{N: 1},
			}},
		IPClass: IPResidential, IPCountry: "FR", Header: browserHeaders(uaFirefoxWin),
	}
}

func personaTouchPhone() Input {
	h := browserHeaders(uaAndroid)
	h.Set("Sec-Ch-Ua", chUAChrome)
	h.Set("Sec-Ch-Ua-Mobile", "?1")
	h.Set("Sec-Ch-Ua-Platform", chUAPlatDroid)
	return Input{
		Telemetry: &Telemetry{V: 1,
			Env: &Env{ChromeObject: new(true), Plugins: new(0), Languages: new(2), TimeZone: "Europe/Berlin",
				UAData: &UAData{Platform: "Android", Mobile: new(true)}, PlatformEstimate: "android",
				MaxTouchPoints: new(5), TouchEvent: new(true), Window: []float64{412, 780, 412, 915},
				Screen: []float64{412, 915, 412, 915}, Focused: new(true),
				GL: &GL{Class: "hw", VendorClass: "qualcomm", Renderer: "Adreno (TM) 610"}},
			Beh: &Behaviour{
				Clicks: []Click{{DX: new(-6.0), DY: new(4.0), Detail: new(1), Trusted: new(true), Type: "touch"}},
				Touch:  &Touch{N: 3, RadiusDistinct: 3},
				Focus:  &Focus{N: 1, ViaPtr: 1},
				Keys:   &Keys{N: 0},
			}},
		IPClass: IPMobile, IPCountry: "DE", VelocityLevel: 3, Header: h, // CGNAT: shared IP, busy bucket
	}
}

func personaEyeGaze() Input {
	// Eye-gaze / head pointer: straight, constant-speed jumps at a fixed tracker rate, dwell clicks.
	ptr := pathStraight(newRNG(11), 16, 40, 300, -0.4, 0.6, 100, 0, 0) // 10 Hz tracker, perfectly regular
	in := baseInput()
	in.Telemetry.Env = &Env{ChromeObject: new(true), Plugins: new(5), Languages: new(2), TimeZone: "Europe/Berlin"}
	in.Telemetry.Beh = &Behaviour{
		Pointer: ptr,
		Clicks: []Click{{DX: new(0.0), DY: new(0.0), Dwell: new(0.0), MDU: new(0.0), Detail: new(1), Trusted: new(true),
			Type: "mouse", T: new(ptr[len(ptr)-1][2] + 1)}}, // dwell-click software: centre snap, instant click
		Focus: &Focus{N: 1, ViaPtr: 1},
		Keys:  &Keys{N: 0},
	}
	return in
}

func personaTor() Input {
	h := browserHeaders(uaTorBrowser)
	h.Set("Accept-Language", "en-US,en;q=0.5")
	ptr := pathHuman(newRNG(12))
	for i := range ptr { // RFP: 100 ms timer precision
		ptr[i][2] = math.Round(ptr[i][2]/100) * 100
	}
	return Input{
		Telemetry: &Telemetry{V: 1,
			Env: &Env{Privacy: "tor", TimeZone: "UTC", TZOffset: new(0), Hardware: new(2), Plugins: new(5),
				Languages: new(2), Language: "en-US", GL: &GL{Blocked: true}, Lies: 4,
				Window: []float64{1000, 900, 1000, 900}, Screen: []float64{1000, 900, 1000, 900}, Focused: new(true)},
			Beh: &Behaviour{
				Pointer: ptr,
				Clicks: []Click{{DX: new(0.0), DY: new(0.0), Dwell: new(0.0), MDU: new(0.0), Detail: new(1), Trusted: new(true),
					Type: "mouse", T: new(ptr[len(ptr)-1][2] + 100)}},
				Keys:  &Keys{N: 12, IKI: []float64{11, 100, 0, 100, 100}},
				Focus: &Focus{N: 2, ViaPtr: 2},
			}},
		IPClass: IPTor, IPCountry: "NL", Header: h, VelocityLevel: 1, // exits are shared
	}
}

func personaRFP() Input {
	in := personaTor()
	in.Telemetry.Env.Privacy = "rfp"
	in.IPClass, in.IPCountry, in.VelocityLevel = IPResidential, "FR", 0
	in.Header = browserHeaders(uaFirefoxWin)
	return in
}

func personaBrave() Input {
	h := chromeHeaders()
	h.Set("Sec-Ch-Ua", chUABrave)
	return Input{
		Telemetry: &Telemetry{V: 1,
			Env: &Env{Privacy: "brave", Lies: 3, ChromeObject: new(true), Plugins: new(5), Languages: new(1),
				Hardware: new(3), TimeZone: "America/Chicago", UAData: &UAData{Platform: "Windows", Mobile: new(false)},
				GL: &GL{Class: "hw", Renderer: "ANGLE (AMD, AMD Radeon RX 6600 Direct3D11 vs_5_0 ps_5_0, D3D11)"}},
			Beh: &Behaviour{
				Pointer: pathHuman(newRNG(13)),
				Clicks:  []Click{{DX: new(2.0), DY: new(5.0), Dwell: new(90.0), MDU: new(70.0), Detail: new(1), Trusted: new(true), Type: "mouse"}},
			}},
		IPClass: IPVPN, IPCountry: "SE", Header: h, // Brave's built-in VPN
	}
}

func TestRiskPersonas(t *testing.T) {
	var s Scorer
	personas := map[string]Input{
		"keyboard only":  personaKeyboardOnly(),
		"screen reader":  personaScreenReader(),
		"touch phone":    personaTouchPhone(),
		"Tor Browser":    personaTor(),
		"Firefox RFP":    personaRFP(),
		"Brave":          personaBrave(),
		"ALTCHA no tele": {IPClass: IPTor, Header: browserHeaders(uaTorBrowser)},
	}
	for name, in := range personas {
		a := s.Score(in)
		t.Logf("%-14s R=%5.2f band=%d %-10v %v", name, a.Points, a.Band, a.Action, a.Reasons)
		assert.LessOrEqual(t, a.Band, 2, name)
		assert.Contains(t, []Action{ActionPass, ActionHarderPoW}, a.Action, name)
		assert.False(t, a.Hard, name)
	}
	// Persona-specific expectations, so the personas test what they claim to.
	a := s.Score(personaKeyboardOnly())
	assert.Equal(t, ActionPass, a.Action, "keyboard user should pass: %+v", a)
	assert.Contains(t, a.Reasons, "human.KEYBOARD", "keyboard user should have keyboard evidence")
	a = s.Score(personaScreenReader())
	assert.LessOrEqual(t, a.Points, 0.0, "screen-reader activation must be neutral: %+v", a)
	// An eye-gaze or head pointer with dwell-click software moves in straight, constant-speed
	// jumps at a fixed tracker rate and clicks element centres instantly: exactly what a script
	// does. It gets the visual step with its verify-by-waiting alternative (no reading, no
	// pointer precision needed), never a denial.
	a = s.Score(personaEyeGaze())
	assert.Contains(t, a.Reasons, "beh.SCRIPTED_MOTION", "eye-gaze persona")
	assert.Equal(t, ActionStepUp, a.Action, "eye-gaze persona should step up: %+v", a)
	assert.False(t, a.Hard, "eye-gaze persona should never be denied: %+v", a)
	for _, in := range []Input{personaTor(), personaRFP(), personaBrave()} {
		a := s.Score(in)
		assert.True(t, a.Privacy, "privacy browser not recognised: %+v", a)
		assert.NotContains(t, a.Reasons, "env.API_LIES", "privacy browser penalised for lying")
		assert.NotContains(t, a.Reasons, "net.TZ_MISMATCH", "privacy browser penalised for lying")
	}
}

// Absence of a signal is neutral when the scorer is not told our widget was required.
func TestRiskAbsenceIsNeutral(t *testing.T) {
	var s Scorer
	zero := s.Score(Input{})
	require.Zero(t, zero.Points, "empty input: %+v", zero)
	require.Equal(t, ActionPass, zero.Action, "empty input: %+v", zero)
	require.Empty(t, zero.Reasons, "empty input: %+v", zero)
	require.Empty(t, zero.InteractionHash, "empty input: %+v", zero)
	for _, tel := range []*Telemetry{
		{V: 1},
		{V: 1, Env: &Env{}, Beh: &Behaviour{}, PoW: &PoWReport{}},
		{V: 1, Beh: &Behaviour{Clicks: []Click{{}}}},
		{V: 1, Beh: &Behaviour{Keys: &Keys{N: 5}, Focus: &Focus{N: 2}}},
	} {
		a := s.Score(Input{Telemetry: tel})
		assert.LessOrEqual(t, a.Points, 0.0, "telemetry %+v scored (reasons %v)", tel, a.Reasons)
	}
	// No pointer data for a keyboard user adds nothing compared to the same user without telemetry.
	in := personaKeyboardOnly()
	withBeh := s.Score(in)
	in.Telemetry.Beh = nil
	require.LessOrEqual(t, withBeh.Points, s.Score(in).Points, "keyboard interaction scored worse than none")
}

// A click with detail 0 (keyboard or AT activation) is never evidence of a bot.
func TestRiskKeyboardActivationNeverCounts(t *testing.T) {
	var s Scorer
	for _, c := range []Click{
		{Detail: new(0)},
		{Detail: new(0), Type: "mouse", Trusted: new(true)},
		{Detail: new(0), DX: new(0.0), DY: new(0.0), Dwell: new(0.0), MDU: new(0.0), Type: "mouse"},
	} {
		in := baseInput()
		before := s.Score(in).Points
		beh(&in).Clicks = []Click{c}
		a := s.Score(in)
		assert.Equal(t, before, a.Points, "click %+v changed points (%v)", c, a.Reasons)
	}
}

// Behaviour alone never denies: scripted motion and replays step up, the soft signals are capped.
func TestRiskBehaviourAloneNeverDenies(t *testing.T) {
	var s Scorer
	in := baseInput()
	b := beh(&in)
	b.Pointer = fixedIntervalPath(120)
	b.Clicks = []Click{centreClick(), {Detail: new(1), Type: "mouse", T: new(0.0)}}
	b.Fields, b.Keys, b.Times = new(3), &Keys{N: 0, IKI: []float64{12, 100, 0, 100, 100}},
		&Times{Ready: new(0.0), Submit: new(100.0)}
	in.ReplayedInteraction = true
	a := s.Score(in)
	require.False(t, a.Hard, "all behaviour signals: %+v", a)
	require.Equal(t, ActionStepUp, a.Action, "all behaviour signals: %+v", a)
	in.ReplayedInteraction = false
	b.Pointer, b.Clicks = nil, nil
	a = s.Score(in)
	require.LessOrEqual(t, a.Band, 2, "soft behaviour signals alone stay below the step-up: %+v", a)
	require.Equal(t, ActionHarderPoW, a.Action, "soft behaviour signals alone stay below the step-up: %+v", a)
}

// The privacy path zeroes S1, S12 and raw-value checks and caps at band 2
// unless hard; the claim must be consistent with what the server sees.
func TestRiskPrivacyPath(t *testing.T) {
	var s Scorer
	in := personaTor()
	in.IPClass, in.VelocityLevel, in.RecentFailures = IPTor, 4, 3 // busy shared exit
	env(&in).WorkerMismatch = []string{"hc"}
	a := s.Score(in)
	require.GreaterOrEqual(t, a.Points, 5.0, "privacy path must cap at harder PoW: %+v", a)
	require.Equal(t, 2, a.Band, "privacy path must cap at harder PoW: %+v", a)
	require.Equal(t, ActionHarderPoW, a.Action, "privacy path must cap at harder PoW: %+v", a)
	env(&in).WebDriver = true
	require.Equal(t, ActionDeny, s.Score(in).Action, "privacy path does not excuse a hard signal")

	// The same raw values without a privacy claim are penalised.
	in = personaRFP()
	env(&in).Privacy = ""
	env(&in).TimeZone = "Asia/Tokyo"
	a = s.Score(in)
	for _, code := range []string{"env.API_LIES", "net.TZ_MISMATCH", "beh.FIXED_TYPING"} {
		require.Contains(t, a.Reasons, code, "without privacy the lies and mismatches count")
	}

	// Inconsistent claims are not honoured.
	bad := map[string]func(*Input){
		"tor from a hosting IP": func(in *Input) { env(in).Privacy = "tor"; in.IPClass = IPHosting },
		"rfp with a Chrome UA":  func(in *Input) { env(in).Privacy = "rfp"; in.Header = chromeHeaders() },
		"brave with Firefox UA": func(in *Input) { env(in).Privacy = "brave"; in.Header = browserHeaders(uaFirefoxWin) },
		"brave without brand":   func(in *Input) { env(in).Privacy = "brave"; in.Header = chromeHeaders() },
		"unknown privacy value": func(in *Input) { env(in).Privacy = "stealth" },
	}
	for name, mut := range bad {
		in := baseInput()
		mut(&in)
		assert.False(t, s.Score(in).Privacy, "%s: privacy honoured", name)
	}
}

func headlessDefault() Input {
	h := browserHeaders(uaHeadless)
	h.Set("Sec-Ch-Ua", `"Chromium";v="138", "HeadlessChrome";v="138"`)
	return Input{
		Telemetry: &Telemetry{V: 1,
			Env: &Env{WebDriver: true, HeadlessUA: true, HeadlessWorkerUA: true, ChromeObject: new(true),
				Plugins: new(5), Languages: new(1), GL: &GL{Class: "sw", VendorClass: "swiftshader"},
				Window: []float64{800, 600, 800, 600}, Screen: []float64{800, 600, 800, 600}, Focused: new(true),
				TimeZone: "UTC"},
			Beh: &Behaviour{
				Clicks: []Click{{DX: new(0.0), DY: new(0.0), Dwell: new(0.0), MDU: new(0.0), Detail: new(1), Trusted: new(true), Type: "mouse"}},
			}},
		IPClass: IPHosting, IPCountry: "US", Header: h,
	}
}

func TestRiskHeadlessDefaultDenied(t *testing.T) {
	var s Scorer
	a := s.Score(headlessDefault())
	require.Equal(t, ActionDeny, a.Action)
	require.True(t, a.Hard)
	require.Contains(t, a.Reasons, "env.WEBDRIVER")
	require.Contains(t, a.Reasons, "env.HEADLESS_UA")
}

// Webdriver and the UA hidden, a human-like pointer path: soft signals only, so never a deny.
func TestRiskHeadlessHiddenNeverDenied(t *testing.T) {
	var s Scorer
	r := newRNG(21)
	for i := range 300 {
		in := headlessDefault()
		e := env(&in)
		e.WebDriver, e.HeadlessUA, e.HeadlessWorkerUA = false, false, false
		in.Header = chromeHeaders()
		in.Header.Set("Sec-Ch-Ua-Platform", `"Linux"`) // stealth rewrote the UA to Windows, CH says Linux
		ptr := pathHuman(r)
		b := beh(&in)
		b.Pointer = ptr
		b.Clicks = []Click{{DX: new(r.Float64()*10 - 5), DY: new(r.Float64()*6 - 3), Dwell: new(80 + r.Float64()*200),
			MDU: new(60 + r.Float64()*60), Detail: new(1), Trusted: new(true), Type: "mouse", T: new(ptr[len(ptr)-1][2] + 120)}}
		a := s.Score(in)
		require.False(t, a.Hard, "case %d: %+v", i, a)
		require.NotEqual(t, ActionDeny, a.Action, "case %d denied without a hard signal: %+v", i, a)
		require.Contains(t, []Action{ActionPass, ActionHarderPoW, ActionStepUp}, a.Action, "case %d", i)
		if i == 0 {
			t.Logf("hidden headless: R=%.2f band=%d %v %v", a.Points, a.Band, a.Action, a.Reasons)
		}
	}
}

// Property: random inputs without hard signals never deny.
func TestRiskSoftOnlyNeverDenies(t *testing.T) {
	var s Scorer
	r := newRNG(31)
	classes := []string{"", IPHosting, IPVPN, IPProxy, IPTor, IPRelay, IPMobile, IPResidential}
	for i := range 2000 {
		in := baseInput()
		if r.IntN(2) == 0 {
			in.Header = http.Header{"User-Agent": {uaChromeWin}}
		}
		in.IPClass = classes[r.IntN(len(classes))]
		in.VelocityLevel, in.RecentFailures = r.IntN(10), r.IntN(10)
		e, b := env(&in), beh(&in)
		e.Lies, e.NotifInconsistent = r.IntN(3), r.IntN(2) == 0
		if r.IntN(2) == 0 {
			e.WorkerMismatch = []string{"ua"}
		}
		e.Plugins, e.Languages, e.ChromeObject = new(r.IntN(2)), new(r.IntN(2)), new(r.IntN(2) == 0)
		e.GL = &GL{Class: []string{"hw", "sw"}[r.IntN(2)]}
		e.TimeZone = []string{"Asia/Tokyo", "UTC", "Europe/Berlin"}[r.IntN(3)]
		if r.IntN(2) == 0 {
			b.Pointer = straightBot()
			b.Clicks = []Click{centreClick()}
		}
		in.ReplayedInteraction = r.IntN(2) == 0
		in.PoWWork, in.SolveMillis = 7500, float64(r.IntN(3000))
		a := s.Score(in)
		require.False(t, a.Hard, "case %d: %+v", i, a)
		require.NotEqual(t, ActionDeny, a.Action, "case %d: %+v", i, a)
	}
}
