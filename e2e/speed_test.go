package e2e

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/widget"
)

// speedCounter and speedCost fix the work: PBKDF2/SHA-256, cost 5000, answer at counter
// 5000 — the ecosystem's default difficulty at its lower bound.
const (
	speedCounter = 5000
	speedCost    = 5000
	speedRuns    = 3
)

// speedTimer records, in the page, the click that starts solving and the verified event.
const speedTimer = `document.addEventListener('click', function () { if (!window.t0) window.t0 = performance.now(); }, true);
document.addEventListener('astracaph:verified', function () { window.t1 = performance.now(); });`

// TestSpeedVsOfficialWidget solves one deterministic challenge with our widget and with the
// official widget 3.2.2, alternating, in one Chromium, and logs the median click→verified
// times, their ratio and the gzipped sizes of both widgets. Wall time is only logged, never
// asserted; the test fails only if a widget does not find the known answer.
func TestSpeedVsOfficialWidget(t *testing.T) {
	root3, ext3 := altchaDist(t, altcha3, "./external")
	_, css3 := altchaDist(t, altcha3, "./altcha.css")
	const worker3 = "dist/workers/pbkdf2.js"

	counter := uint32(speedCounter)
	ch, err := astracaph.CreateChallenge(astracaph.ChallengeOptions{
		Algorithm: astracaph.PBKDF2SHA256, Cost: speedCost, Counter: &counter,
		HMACKey: []byte("e2e speed benchmark key"), ExpiresAt: time.Now().Add(time.Hour),
	})
	require.NoError(t, err)
	fixed, err := json.Marshal(ch)
	require.NoError(t, err)

	// A fixed-challenge API: GET answers the same challenge, POST (our widget's redeem)
	// records the solution and answers a dummy token.
	var (
		mu      sync.Mutex
		ourSols []powSolution
	)
	s := newSite(t, nil)
	wdg, err := widget.New()
	require.NoError(t, err)
	wdg.Register(s.mux)
	s.mux.HandleFunc("/api/v1/challenge", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if r.Method == http.MethodPost {
			var b struct{ Payload string }
			_ = json.NewDecoder(r.Body).Decode(&b)
			sol, err := decodeSolution(b.Payload)
			mu.Lock()
			if err == nil {
				ourSols = append(ourSols, sol)
			}
			mu.Unlock()
			_, _ = io.WriteString(w, `{"success":true,"token":"speed-token","expiresAt":4102444800}`)
			return
		}
		_, _ = w.Write(fixed)
	})
	s.serveDir("/altcha3/", root3)
	s.script("/timer.js", speedTimer)
	s.script("/setup3.js", sprintf(widget3Setup, ext3, worker3))
	s.page("/ours", strictCSP, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>ours</title>
<script src="/timer.js"></script></head><body><form id="f"><div id="astracaph-container"></div></form>
<script src="/api/v1/widget.js"></script></body></html>`)
	s.page("/official", strictCSP, sprintf(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>official</title>
<link rel="stylesheet" href="/altcha3/%s"><script src="/timer.js"></script><script type="module" src="/setup3.js"></script>
</head><body><form id="f"><altcha-widget challenge="/api/v1/challenge" configuration='{"minDuration":0}'></altcha-widget></form></body></html>`, css3))
	ctx := newBrowser(t)

	hc := -1
	var ours, official, oursSolve, officialSolve []float64
	for i := range 2 * speedRuns {
		isOurs := i%2 == 0
		path, box, done := "/official", `altcha-widget input[type="checkbox"]`, `window.verifiedPayload`
		if isOurs {
			path, box, done = "/ours", ".astracaph__check", `window.t1`
		}
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+path)))
		if !isOurs {
			waitJS(t, ctx, `window.altchaReady`, "", 10*time.Second)
		}
		if hc < 0 {
			hc = eval[int](t, ctx, `navigator.hardwareConcurrency`)
		}
		require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(box)), chromedp.Click(chromedp.CSS(box))))
		waitJS(t, ctx, done, widgetDiag, 25*time.Second)
		if isOurs {
			ours = append(ours, eval[float64](t, ctx, `window.t1 - window.t0`))
			mu.Lock()
			sol := ourSols[len(ourSols)-1]
			mu.Unlock()
			require.Equal(t, speedCounter, sol.Solution.Counter)
			oursSolve = append(oursSolve, sol.Solution.Time)
		} else {
			official = append(official, eval[float64](t, ctx, `window.verifiedAt - window.t0`))
			sol, err := decodeSolution(eval[string](t, ctx, `window.verifiedPayload`))
			require.NoError(t, err)
			require.Equal(t, speedCounter, sol.Solution.Counter)
			officialSolve = append(officialSolve, sol.Solution.Time)
		}
	}
	mo, mf := median(ours), median(official)
	t.Logf("PBKDF2/SHA-256 cost %d, counter %d, navigator.hardwareConcurrency=%d, %d runs each (alternating)", speedCost, speedCounter, hc, speedRuns)
	t.Logf("click→verified ms: ours %v (median %.0f), official 3.2.2 %v (median %.0f); ratio ours/official = %.2f", round(ours), mo, round(official), mf, mo/mf)
	t.Logf("solver-reported ms: ours median %.0f, official median %.0f", median(oursSolve), median(officialSolve))

	// Transfer sizes (gzip -9) of what each page loads for the widget.
	oursJS := fetchBody(t, s.URL+"/api/v1/widget.js")
	oursWorker := fetchBody(t, s.URL+"/api/v1/worker.js")
	oursCSS := fetchBody(t, s.URL+wdg.AssetURL("widget.css"))
	offJS := readFile(t, filepath.Join(root3, ext3))
	offMin := readFile(t, filepath.Join(root3, "dist/external/altcha.min.js"))
	offWorker := readFile(t, filepath.Join(root3, worker3))
	offCSS := readFile(t, filepath.Join(root3, css3))
	t.Logf("gzipped: ours widget.js %d B + worker.js %d B = %d B (raw %d B); widget.css %d B",
		gz(oursJS), gz(oursWorker), gz(oursJS)+gz(oursWorker), len(oursJS)+len(oursWorker), gz(oursCSS))
	t.Logf("gzipped: official 3.2.2 external altcha.js %d B (altcha.min.js %d B) + workers/pbkdf2.js %d B; altcha.css %d B",
		gz(offJS), gz(offMin), gz(offWorker), gz(offCSS))
}

type powSolution struct {
	Solution struct {
		Counter int     `json:"counter"`
		Time    float64 `json:"time"`
	} `json:"solution"`
}

func decodeSolution(payload string) (powSolution, error) {
	var p powSolution
	raw, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		return p, err
	}
	return p, json.Unmarshal(raw, &p)
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

func round(xs []float64) []int {
	out := make([]int, len(xs))
	for i, x := range xs {
		out[i] = int(x + 0.5)
	}
	return out
}

func gz(b []byte) int {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Len()
}

func fetchBody(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, url)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return b
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}
