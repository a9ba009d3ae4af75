package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/internal/testenv"
)

// riskJS records how the widget's redeem ended: "verified", "visual" (step-up) or the
// error code of astracaph:error ("denied", …).
const riskJS = `window.outcome = '';
document.addEventListener('astracaph:verified', function () { window.outcome = 'verified'; });
document.addEventListener('astracaph:error', function (e) { window.outcome = 'error:' + e.detail.error; });
setInterval(function () {
  var r = document.querySelector('.astracaph');
  if (!window.outcome && r && r.getAttribute('data-state') === 'visual') window.outcome = 'visual';
}, 50);`

// hideWebdriver is what stealth tooling injects: navigator.webdriver reads false through a
// Proxy of the native getter, so the getter still stringifies as native code.
const hideWebdriver = `(function () {
  var d = Object.getOwnPropertyDescriptor(Navigator.prototype, 'webdriver');
  if (!d || !d.get) return;
  Object.defineProperty(Navigator.prototype, 'webdriver', {
    configurable: true, enumerable: d.enumerable,
    get: new Proxy(d.get, { apply: function () { return false; } })
  });
})();`

// riskRun is one redemption seen from both sides.
type riskRun struct {
	outcome   string // page: verified | visual | error:<code>
	decision  string // server event: pass | step-up | deny
	status    int
	reasons   []string
	telemetry map[string]any
}

// runRisk serves our widget with the risk engine on, lets prepare set the tab up, lets act
// solve the widget, and returns what happened.
func runRisk(t *testing.T, prepare func(ctx context.Context), act func(ctx context.Context)) riskRun {
	t.Helper()
	c := newEngine(t, astracaph.WithRiskEngine(astracaph.RiskEngineOptions{}))
	s := newSite(t, c)
	var (
		mu   sync.Mutex
		tele []byte
	)
	// Keep a copy of the telemetry the widget sends, for the log.
	s.mux.HandleFunc("/api/v1/challenge", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			b, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
			var body struct {
				Telemetry json.RawMessage `json:"telemetry"`
			}
			_ = json.Unmarshal(b, &body)
			mu.Lock()
			tele = body.Telemetry
			mu.Unlock()
			r.Body = io.NopCloser(bytes.NewReader(b))
		}
		s.api.ServeHTTP(w, r)
	})
	s.script("/risk.js", riskJS)
	s.page("/form", strictCSP, strings.Replace(formPage(""), "<title>form</title>", `<title>form</title><script src="/risk.js"></script>`, 1))
	ctx := newBrowser(t)
	if prepare != nil {
		prepare(ctx)
	}
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+"/form"), chromedp.WaitVisible(chromedp.CSS(".astracaph__check"))))
	act(ctx)
	waitJS(t, ctx, `window.outcome`, widgetDiag, 30*time.Second)
	run := riskRun{outcome: eval[string](t, ctx, `window.outcome`)}
	ev := s.eventsOf("redeem")
	require.NotEmpty(t, ev, "no redeem reached the server")
	last := ev[len(ev)-1]
	run.decision, run.status, run.reasons = last.Decision, last.Status, last.Reasons
	mu.Lock()
	_ = json.Unmarshal(tele, &run.telemetry)
	mu.Unlock()
	return run
}

func (r riskRun) log(t *testing.T, name string) {
	t.Helper()
	env, _ := r.telemetry["env"].(map[string]any)
	pick := map[string]any{}
	for _, k := range []string{"wd", "hlUA", "hlWorkerUA", "autoMarks", "stackMarks", "lies", "workerMismatch", "plugins", "gl", "win", "scr"} {
		pick[k] = env[k]
	}
	b, _ := json.Marshal(pick)
	t.Logf("%s: page outcome %q, server decision %q (HTTP %d), reasons %v; env %s", name, r.outcome, r.decision, r.status, r.reasons, b)
}

// TestRiskHeadlessChromium: with the risk engine on and its defaults (our widget required),
// default headless Chromium (webdriver flag, HeadlessChrome UA) is denied or stepped up; the
// same browser with webdriver hidden, an ordinary UA and a human-like pointer path gets its
// token through the widget's own flow (activation, challenge binding, environment check).
func TestRiskHeadlessChromium(t *testing.T) {
	t.Run("default-headless", func(t *testing.T) {
		r := runRisk(t, nil, func(ctx context.Context) {
			require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".astracaph__check"))))
		})
		r.log(t, "default headless")
		require.Contains(t, []string{"error:denied", "visual"}, r.outcome)
		require.Contains(t, []string{"deny", "step-up"}, r.decision)
		if r.outcome == "error:denied" {
			require.Equal(t, http.StatusForbidden, r.status)
		}
		require.True(t, hasAny(r.reasons, "env.WEBDRIVER", "env.HEADLESS_UA"), "the automation tells must be among the reasons: %v", r.reasons)
	})

	t.Run("stealth-human-pointer", func(t *testing.T) {
		r := runRisk(t, stealth(t), func(ctx context.Context) {
			require.False(t, eval[bool](t, ctx, `navigator.webdriver`), "webdriver must read false")
			require.NotContains(t, eval[string](t, ctx, `navigator.userAgent`), "Headless")
			box := eval[[]float64](t, ctx, `(function(){var r=document.querySelector('.astracaph__box').getBoundingClientRect();return [r.left,r.top,r.width,r.height]})()`)
			humanClick(t, ctx, box)
		})
		r.log(t, "stealth + human pointer")
		require.Equal(t, "verified", r.outcome, "%v", r.reasons)
		require.Equal(t, "pass", r.decision)
		require.False(t, hasAny(r.reasons, "env.WEBDRIVER", "env.HEADLESS_UA", "env.UNTRUSTED_EVENTS", "beh.STRAIGHT_PATH", "beh.CENTER_CLICK", "beh.NO_POINTER_MOVE",
			"beh.SCRIPTED_MOTION", "tele.ABSENT", "tele.NO_ACTIVATION", "tele.CHALLENGE_MISMATCH", "tele.TIMING", "env.PROOF_MISSING", "env.PROOF_FAILED"),
			"hidden tells, robotic pointer or a broken widget flow reported: %v", r.reasons)
		ch, _ := r.telemetry["ch"].(map[string]any)
		require.NotEmpty(t, ch["id"], "the widget binds its telemetry to the challenge")
		require.NotEmpty(t, r.telemetry["proof"], "the widget answers the environment check")
		recordTrace(t, "human-like-7", r.telemetry)
	})

	// The same stealth browser driven by a script: a straight line at constant speed, or a
	// click at the element's centre with no approach. No direct token.
	t.Run("stealth-straight-line", func(t *testing.T) {
		r := runRisk(t, stealth(t), func(ctx context.Context) {
			box := eval[[]float64](t, ctx, `(function(){var r=document.querySelector('.astracaph__box').getBoundingClientRect();return [r.left,r.top,r.width,r.height]})()`)
			lineClick(t, ctx, box, 1)
		})
		r.log(t, "stealth + straight line")
		require.Equal(t, "visual", r.outcome, "%v", r.reasons)
		require.True(t, hasAny(r.reasons, "beh.SCRIPTED_MOTION", "beh.STRAIGHT_PATH"), "%v", r.reasons)
		recordTrace(t, "bot-line-1", r.telemetry)
	})
	t.Run("stealth-teleport-click", func(t *testing.T) {
		r := runRisk(t, stealth(t), func(ctx context.Context) {
			// What chromedp.Click (and Puppeteer's element.click) does: no path, a press at the
			// element's centre, released at once. The events carry their creation times, so
			// the 2 ms press holds however busy the machine is.
			box := eval[[]float64](t, ctx, `(function(){var r=document.querySelector('.astracaph__check').getBoundingClientRect();return [r.left,r.top,r.width,r.height]})()`)
			x, y := box[0]+box[2]/2, box[1]+box[3]/2
			at := float64(time.Now().UnixNano()) / 1e9
			for i, typ := range []input.DispatchMouseEventType{input.DispatchMouseEventTypeMousePressed, input.DispatchMouseEventTypeMouseReleased} {
				ts := input.TimeSinceEpoch(at + 0.002*float64(i))
				_, err := chromedp.Call(ctx, input.DispatchMouseEvent, input.DispatchMouseEventParams{
					Type: typ, X: x, Y: y, Button: input.MouseButtonLeft, Buttons: 1, ClickCount: 1, Timestamp: ts,
				})
				require.NoError(t, err)
			}
		})
		r.log(t, "stealth + element click")
		require.Equal(t, "visual", r.outcome, "%v", r.reasons)
		recordTrace(t, "bot-teleport-1", r.telemetry)
	})
}

// stealth returns the preparation of a stealth-patched tab: an ordinary Chrome UA with
// matching client hints, and navigator.webdriver reading false.
func stealth(t *testing.T) func(ctx context.Context) {
	return func(ctx context.Context) {
		v, err := chromedp.CallBrowser(ctx, browser.GetVersion, cdp.Empty{})
		require.NoError(t, err)
		ua := strings.ReplaceAll(v.UserAgent, "HeadlessChrome", "Chrome")
		major := regexp.MustCompile(`Chrome/(\d+)`).FindStringSubmatch(ua)
		require.Len(t, major, 2, ua)
		_, err = chromedp.Call(ctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
			UserAgent: ua, AcceptLanguage: "en-US,en;q=0.9", Platform: "Linux x86_64",
			UserAgentMetadata: &emulation.UserAgentMetadata{
				Brands: []*emulation.UserAgentBrandVersion{
					{Brand: "Chromium", Version: major[1]}, {Brand: "Not-A.Brand", Version: "24"},
				},
				Platform: "Linux", Architecture: "x86", Bitness: "64",
			},
		})
		require.NoError(t, err)
		_, err = chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: hideWebdriver})
		require.NoError(t, err)
	}
}

// TestRecordChromiumTraces records the telemetry the widget sends in Chromium for the
// kinematic model's training set (risk/testdata/kinematics/chromium): human-like approaches from
// the stealth persona's driver, and scripted ones. Run with ASTRACAPH_RECORD_TRACES=1.
func TestRecordChromiumTraces(t *testing.T) {
	if os.Getenv("ASTRACAPH_RECORD_TRACES") != "1" {
		t.Skip("set ASTRACAPH_RECORD_TRACES=1 to record Chromium traces into risk/testdata/kinematics/chromium")
	}
	box := `(function(){var r=document.querySelector('.astracaph__box').getBoundingClientRect();return [r.left,r.top,r.width,r.height]})()`
	for i := range 8 {
		seed := uint64(100 + i)
		r := runRisk(t, stealth(t), func(ctx context.Context) { humanClickSeed(t, ctx, eval[[]float64](t, ctx, box), seed) })
		recordTrace(t, fmt.Sprintf("human-like-%d", seed), r.telemetry)
		r = runRisk(t, stealth(t), func(ctx context.Context) { lineClick(t, ctx, eval[[]float64](t, ctx, box), seed) })
		recordTrace(t, fmt.Sprintf("bot-line-%d", seed), r.telemetry)
	}
}

// recordTrace writes a telemetry document into risk/testdata/kinematics/chromium when
// ASTRACAPH_RECORD_TRACES=1.
func recordTrace(t *testing.T, name string, tel map[string]any) {
	t.Helper()
	if os.Getenv("ASTRACAPH_RECORD_TRACES") != "1" || tel == nil {
		return
	}
	dir := filepath.Join(testenv.RepoRoot(), "risk", "testdata", "kinematics", "chromium")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	b, err := json.MarshalIndent(tel, "", " ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, name+".json"), append(b, '\n'), 0o644))
}

// lineClick moves the mouse in a straight line at constant speed (Puppeteer's
// mouse.move(x, y, {steps}) with a fixed delay) onto the centre of box, and clicks at once.
func lineClick(t *testing.T, ctx context.Context, box []float64, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 3))
	x0, y0 := 40+rng.Float64()*200, 500+rng.Float64()*150
	x1, y1 := box[0]+box[2]/2, box[1]+box[3]/2
	steps := 20 + rng.IntN(20)
	for i := 0; i <= steps; i++ {
		f := float64(i) / float64(steps)
		_, err := chromedp.Call(ctx, input.DispatchMouseEvent, input.DispatchMouseEventParams{Type: input.DispatchMouseEventTypeMouseMoved, X: x0 + (x1-x0)*f, Y: y0 + (y1-y0)*f})
		require.NoError(t, err)
		time.Sleep(25 * time.Millisecond)
	}
	for _, typ := range []input.DispatchMouseEventType{input.DispatchMouseEventTypeMousePressed, input.DispatchMouseEventTypeMouseReleased} {
		_, err := chromedp.Call(ctx, input.DispatchMouseEvent, input.DispatchMouseEventParams{
			Type: typ, X: x1, Y: y1, Button: input.MouseButtonLeft, Buttons: 1, ClickCount: 1,
		})
		require.NoError(t, err)
	}
}

func hasAny(list []string, want ...string) bool {
	for _, w := range want {
		for _, l := range list {
			if l == w {
				return true
			}
		}
	}
	return false
}

// humanClick moves the mouse from the lower left along a curved path (cubic Bézier, minimum
// jerk timing: accelerate, then decelerate), with jittered positions and intervals, onto a
// point off the centre of box (left, top, width, height), dwells, and clicks.
func humanClick(t *testing.T, ctx context.Context, box []float64) {
	t.Helper()
	humanClickSeed(t, ctx, box, 7)
}

// humanClickSeed is humanClick with another random sequence (seed 7 is humanClick's own).
func humanClickSeed(t *testing.T, ctx context.Context, box []float64, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 11))
	x0, y0 := 60.0, 600.0
	x3 := box[0] + box[2]*(0.3+0.35*rng.Float64())
	y3 := box[1] + box[3]*(0.35+0.3*rng.Float64())
	dx, dy := x3-x0, y3-y0
	// Control points bowed to one side of the straight line.
	x1, y1 := x0+dx*0.3-dy*0.25, y0+dy*0.3+dx*0.25
	x2, y2 := x0+dx*0.75-dy*0.1, y0+dy*0.75+dx*0.1
	move := func(x, y float64) {
		_, err := chromedp.Call(ctx, input.DispatchMouseEvent, input.DispatchMouseEventParams{Type: input.DispatchMouseEventTypeMouseMoved, X: x, Y: y})
		require.NoError(t, err)
	}
	const steps = 45
	for i := 0; i <= steps; i++ {
		tau := float64(i) / steps
		s := tau * tau * tau * (10 - 15*tau + 6*tau*tau) // minimum-jerk progress
		u := 1 - s
		x := u*u*u*x0 + 3*u*u*s*x1 + 3*u*s*s*x2 + s*s*s*x3
		y := u*u*u*y0 + 3*u*u*s*y1 + 3*u*s*s*y2 + s*s*s*y3
		if i < steps { // hand tremor, none on the final point
			x += rng.NormFloat64() * 0.6
			y += rng.NormFloat64() * 0.6
		}
		move(x, y)
		time.Sleep(time.Duration(14+rng.IntN(16)) * time.Millisecond)
	}
	// Settle, then a small correction and the press.
	time.Sleep(time.Duration(120+rng.IntN(80)) * time.Millisecond)
	x3 += math.Copysign(0.8, rng.Float64()-0.5)
	move(x3, y3)
	time.Sleep(time.Duration(60+rng.IntN(60)) * time.Millisecond)
	for _, typ := range []input.DispatchMouseEventType{input.DispatchMouseEventTypeMousePressed, input.DispatchMouseEventTypeMouseReleased} {
		_, err := chromedp.Call(ctx, input.DispatchMouseEvent, input.DispatchMouseEventParams{
			Type: typ, X: x3, Y: y3, Button: input.MouseButtonLeft, Buttons: 1, ClickCount: 1,
		})
		require.NoError(t, err)
		if typ == input.DispatchMouseEventTypeMousePressed {
			time.Sleep(time.Duration(70+rng.IntN(50)) * time.Millisecond)
		}
	}
}
