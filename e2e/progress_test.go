package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
)

// mintedChallenges replaces GET /api/v1/challenge on s with challenges the test mints itself
// under the engine's ALTCHA key (astracaph.WithALTCHAKey), so that it controls the counter
// and what the signed data says about the work. counter returns the counter of the next
// challenge; rng, when non-nil, adds counterMin/counterMax to the signed data. Redeeming
// goes to the engine as usual.
func mintedChallenges(t *testing.T, s *site, key []byte, cost int, counter func() uint32, rng func() (lo, hi uint32)) {
	// The engine was just started: its store remembers spent items from then on, so it
	// refuses foreign challenges dated before that (ExpiresAt below).
	time.Sleep(2 * time.Second)
	s.mux.HandleFunc("GET /api/v1/challenge", func(w http.ResponseWriter, r *http.Request) {
		id := make([]byte, 12)
		_, _ = rand.Read(id)
		n := counter()
		data := map[string]any{"challengeId": "t" + hex.EncodeToString(id)}
		if rng != nil {
			lo, hi := rng()
			data["counterMin"], data["counterMax"] = float64(lo), float64(hi)
		}
		ch, err := astracaph.CreateChallenge(astracaph.ChallengeOptions{
			Algorithm: astracaph.PBKDF2SHA256, Cost: cost, Counter: &n, HMACKey: key,
			// A foreign challenge may expire at most the engine's challenge lifetime (10
			// minutes) plus a minute ahead, and is dated that long before its expiry (whole
			// seconds) for the store's epoch check: the date falls at most two seconds before
			// now, after the engine's start (see the wait below).
			ExpiresAt: time.Now().Add(10*time.Minute + 59*time.Second), Data: data,
		})
		if !assert.NoError(t, err, "minting a challenge") {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(ch)
	})
}

// progressRecorder records every aria-valuenow the widget's progress bar takes, with the
// time and whether the token had reached the form by then.
const progressRecorder = `window.progress = [];
document.addEventListener('astracaph:error', function (e) { window.lastError = e.detail.error + ': ' + e.detail.message; });
new MutationObserver(function (ms) {
  ms.forEach(function (m) {
    var v = m.target.getAttribute('aria-valuenow'), tok = document.querySelector('#f input[name="astracaph-response"]');
    window.progress.push({v: Number(v), t: performance.now(), token: !!(tok && tok.value)});
  });
}).observe(document.documentElement, {subtree: true, attributes: true, attributeFilter: ['aria-valuenow']});`

type progressStep struct {
	V     int     `json:"v"`
	T     float64 `json:"t"`
	Token bool    `json:"token"`
}

// checkProgress asserts the rules of an honest bar on one solve: values strictly increase,
// 100 comes only with the token and ends the sequence.
func checkProgress(t *testing.T, steps []progressStep) {
	t.Helper()
	require.NotEmpty(t, steps)
	for i := 1; i < len(steps); i++ {
		require.Greater(t, steps[i].V, steps[i-1].V, "progress went from %d to %d: %v", steps[i-1].V, steps[i].V, steps)
	}
	last := steps[len(steps)-1]
	require.Equal(t, 100, last.V, "the bar ends at 100: %v", steps)
	require.True(t, last.Token, "100 only with the token")
	for _, s := range steps[:len(steps)-1] {
		require.Less(t, s.V, 100)
		require.False(t, s.Token, "the token arrived before the bar said 100: %v", steps)
	}
}

// recordSolve serves a form with the progress recorder on s, solves the widget with a
// click and returns every value its progress bar took.
func recordSolve(t *testing.T, ctx context.Context, s *site) []progressStep {
	t.Helper()
	s.script("/rec.js", progressRecorder)
	s.page("/form", strictCSP, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>progress</title><script src="/rec.js"></script></head>
<body><form id="f" action="/submit" method="post"><div id="astracaph-container"></div></form><script src="/api/v1/widget.js"></script></body></html>`)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+"/form"), chromedp.WaitVisible(chromedp.CSS(".astracaph__check"))))
	require.Equal(t, "progressbar", eval[string](t, ctx, `document.querySelector('.astracaph__progress').getAttribute('role')`))
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".astracaph__check"))))
	waitJS(t, ctx, `document.querySelector('.astracaph').getAttribute('data-state') === 'verified'`,
		widgetDiag+"+' '+window.lastError+' '+JSON.stringify(window.progress)", 20*time.Second)
	steps := eval[[]progressStep](t, ctx, `window.progress`)
	require.NotEmpty(t, steps)
	t.Logf("%d values over %.0f ms: %v", len(steps), steps[len(steps)-1].T-steps[0].T, steps)
	checkProgress(t, steps)
	return steps
}

// TestProgressTruthful: the progress bar (role=progressbar, aria-valuenow 0–100) moves
// steadily with the work the challenge implies and says 100 only with the token.
func TestProgressTruthful(t *testing.T) {
	ctx := newBrowser(t)

	t.Run("known-range", func(t *testing.T) {
		// The counter sits at the top of its signed range: the slowest case for the bar.
		key := []byte("progress-test-altcha-key-0123456789")
		s := newSite(t, newEngine(t, astracaph.WithALTCHAKey(key)))
		const lo, hi = 2500, 7500
		mintedChallenges(t, s, key, 300, func() uint32 { return hi }, func() (uint32, uint32) { return lo, hi })
		steps := recordSolve(t, ctx, s)
		require.GreaterOrEqual(t, len(steps), 8, "the bar moves in many steps, not 0 → 100")

		// Never parked near the end: the share of the solve spent at 90 % or more stays small
		// (the model puts it at 18 % of the work when the counter is at the top of its range).
		start, end, at90 := steps[0].T, steps[len(steps)-1].T, -1.0
		for _, s := range steps {
			if s.V >= 90 {
				at90 = s.T
				break
			}
		}
		require.Positive(t, at90)
		require.Less(t, (end-at90)/(end-start), 0.4, "time spent at ≥ 90 %%: %v", steps)
	})

	t.Run("server-default", func(t *testing.T) {
		// The engine's own challenges sign their range (counterMin, counterMax).
		recordSolve(t, ctx, newSite(t, newEngine(t, astracaph.WithPoW(astracaph.PoWConfig{Algorithm: astracaph.PBKDF2SHA256, Cost: 300, CounterMin: 2000, CounterMax: 6000}))))
	})

	t.Run("unknown-range", func(t *testing.T) {
		// A challenge that says nothing about its work (another server's): still monotonic,
		// still 100 only with the token, and no claim of being nearly done.
		key := []byte("progress-test-altcha-key-abcdefghij")
		s := newSite(t, newEngine(t, astracaph.WithALTCHAKey(key)))
		mintedChallenges(t, s, key, 200, func() uint32 { return 2000 }, nil)
		steps := recordSolve(t, ctx, s)
		for _, s := range steps[:len(steps)-1] {
			require.Less(t, s.V, 90, "an unknown amount of work never reads as nearly done: %v", steps)
		}
	})
}
