package e2e

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/internal/testenv"
)

// axeVersion is the axe-core release the accessibility tests run (installed with npm).
const axeVersion = "axe-core@4.14.1"

// axeTags are the WCAG 2.2 level A and AA rule sets.
const axeRun = `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}, resultTypes: ['violations']})
  .then(function (r) { return r.violations.map(function (v) { return v.id + ' (' + v.impact + '): ' + v.nodes.map(function (n) { return n.target.join(' ') + ' — ' + n.failureSummary.replace(/\s+/g, ' '); }).join(' | '); }); })`

// axeSource returns the axe-core script, installed with npm on first use.
func axeSource(t *testing.T) string {
	t.Helper()
	dir := testenv.NPMInstall(t, axeVersion)
	b, err := os.ReadFile(filepath.Join(dir, "node_modules", "axe-core", "axe.min.js"))
	require.NoError(t, err)
	return string(b)
}

// checkAxe injects axe-core (DevTools evaluation is not subject to the page's CSP) and fails
// on any WCAG 2.2 A/AA violation, after confirming the widget is in state.
func checkAxe(t *testing.T, ctx context.Context, src, state string) {
	t.Helper()
	require.Equal(t, state, eval[string](t, ctx, `document.querySelector('.astracaph').getAttribute('data-state')`), "widget state before the audit")
	if !eval[bool](t, ctx, `typeof window.axe === 'object'`) {
		_, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](src))
		require.NoError(t, err)
	}
	violations := eval[[]string](t, ctx, axeRun)
	require.Empty(t, violations, "axe-core found WCAG 2.2 AA violations in state %q", state)
}

// a11yPage is a form with our widget configured by the query (theme, site key).
func a11yPage(s *site) {
	s.mux.HandleFunc("/a11y", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		s.html(w, strictCSP, formPage(`data-theme="`+q.Get("theme")+`" data-sitekey="`+q.Get("key")+`"`))
	})
}

// TestAccessibilityAxe runs axe-core with the WCAG 2.2 AA rules on the widget in every
// state, light and dark: idle, verifying, verified, error, visual step, wrong code, and
// "verify by waiting".
func TestAccessibilityAxe(t *testing.T) {
	src := axeSource(t)
	st := &peekStore{Store: astracaph.NewMemoryStore(astracaph.MemoryOptions{}), codes: map[string]string{}}
	// The wait is long (a few hundred times the fast base work) so that the audit runs while it lasts.
	c := newEngine(t, astracaph.WithStore(st), astracaph.WithVisualWait(400))
	s := newSite(t, c)
	a11yPage(s)
	// A second server whose proof of work never finishes during the test: the "verifying" state.
	slow := newSite(t, newEngine(t, astracaph.WithPoW(astracaph.PoWConfig{Algorithm: astracaph.PBKDF2SHA256, Cost: 1000, CounterMin: 1 << 24, CounterMax: 1 << 25})))
	a11yPage(slow)
	ctx := newBrowser(t)
	state := `document.querySelector('.astracaph').getAttribute('data-state')`

	t.Run("axe-finds-violations", func(t *testing.T) {
		// The empty results below mean something only if axe does report problems here.
		s.page("/bad", strictCSP, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bad</title></head><body>
<div class="astracaph" data-state="idle"><img src="/nothing.png"><input type="text"></div></body></html>`)
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+"/bad")))
		_, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](src))
		require.NoError(t, err)
		got := strings.Join(eval[[]string](t, ctx, axeRun), "\n")
		require.Contains(t, got, "image-alt")
		require.Contains(t, got, "label")
	})

	for _, theme := range []string{"light", "dark"} {
		t.Run(theme, func(t *testing.T) {
			open := func(s *site, key string) {
				t.Helper()
				require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+"/a11y?theme="+theme+"&key="+key), chromedp.WaitVisible(chromedp.CSS(".astracaph__check"))))
				waitJS(t, ctx, `getComputedStyle(document.querySelector('.astracaph')).borderTopStyle === 'solid'`, widgetDiag, 10*time.Second)
			}
			// idle → verified
			open(s, astracaph.TestSiteKeyPass)
			checkAxe(t, ctx, src, "idle")
			require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".astracaph__check"))))
			waitJS(t, ctx, state+` === 'verified'`, widgetDiag, 30*time.Second)
			checkAxe(t, ctx, src, "verified")

			// verifying
			open(slow, astracaph.TestSiteKeyPass)
			require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".astracaph__check"))))
			waitJS(t, ctx, state+` === 'solving'`, widgetDiag, 10*time.Second)
			checkAxe(t, ctx, src, "solving")

			// error (the block test key is denied)
			open(s, astracaph.TestSiteKeyBlock)
			require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".astracaph__check"))))
			waitJS(t, ctx, state+` === 'error'`, widgetDiag, 30*time.Second)
			checkAxe(t, ctx, src, "error")

			// visual step → wrong code → verify by waiting
			open(s, astracaph.TestSiteKeyStepUp)
			require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".astracaph__check"))))
			waitJS(t, ctx, state+` === 'visual' && document.querySelector('.astracaph__img').naturalWidth > 0`, widgetDiag, 30*time.Second)
			checkAxe(t, ctx, src, "visual")
			require.NoError(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(".astracaph__code"), "ZZZZZZ"), chromedp.KeyEvent("\r")))
			waitJS(t, ctx, `document.querySelector('.astracaph__cerr').textContent.length > 0`, widgetDiag, 10*time.Second)
			checkAxe(t, ctx, src, "visual")
			require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".astracaph__wait"))))
			waitJS(t, ctx, state+` === 'waiting'`, widgetDiag, 10*time.Second)
			checkAxe(t, ctx, src, "waiting")
			require.True(t, eval[bool](t, ctx, `document.querySelector('.astracaph__img').getClientRects().length === 0`), "the code image is hidden while waiting")
		})
	}
}

// focusMonitor records every moment focus sits on <body> once the visitor has started
// tabbing: polled, and checked after each focusout that names no new target.
const focusMonitor = `window.bodyFocus = [];
window.tabbing = false;
document.addEventListener('focusin', function () { window.tabbing = true; });
function onBody(why) { if (window.tabbing && document.activeElement === document.body) window.bodyFocus.push(why); }
setInterval(function () { onBody('poll'); }, 10);
document.addEventListener('focusout', function (e) {
  var from = e.target.className || e.target.id || e.target.tagName;
  if (!e.relatedTarget) setTimeout(function () { onBody('after leaving ' + from); }, 0);
});`

// TestKeyboardOnlyVisualStep: with the keyboard alone — Tab, Space, Enter and typing — a
// visitor gets through a failed attempt ("Try again"), the visual step (a wrong code, a new
// challenge, the right code) and, on a second visit, "verify by waiting"; focus is never
// left on <body>.
func TestKeyboardOnlyVisualStep(t *testing.T) {
	st := &peekStore{Store: astracaph.NewMemoryStore(astracaph.MemoryOptions{}), codes: map[string]string{}}
	c := newEngine(t, astracaph.WithStore(st))
	s := newSite(t, c)
	// The first redemption fails as an overloaded server would, to exercise "Try again".
	var redeems atomic.Int32
	s.mux.HandleFunc("POST /api/v1/challenge", func(w http.ResponseWriter, r *http.Request) {
		if redeems.Add(1) == 1 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"success":false,"error":"unavailable","message":"the service is temporarily unavailable; retry"}`))
			return
		}
		s.api.ServeHTTP(w, r)
	})
	s.script("/focus.js", focusMonitor)
	page := strings.Replace(formPage(`data-sitekey="`+astracaph.TestSiteKeyStepUp+`"`), `<title>form</title>`, `<title>form</title><script src="/focus.js"></script>`, 1)
	s.page("/kb", strictCSP, page)
	ctx := newBrowser(t)
	state := `document.querySelector('.astracaph').getAttribute('data-state')`
	active := func() string {
		return eval[string](t, ctx, `(function(){var a=document.activeElement;return a===document.body?'BODY':(a.id||a.className||a.tagName)})()`)
	}
	key := func(keys ...string) {
		t.Helper()
		for _, k := range keys {
			require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent(k)))
		}
	}
	visualID := func() string {
		return eval[string](t, ctx, `(function(){var m=(document.querySelector('.astracaph__img').getAttribute('src')||'').match(/visual\/([^/]+)\/image/);return m?m[1]:''})()`)
	}
	noBody := func() {
		t.Helper()
		require.Empty(t, eval[[]string](t, ctx, `window.bodyFocus`), "focus fell to <body>")
	}

	t.Run("retry-and-code", func(t *testing.T) {
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+"/kb"), chromedp.WaitVisible(chromedp.CSS(".astracaph__check"))))
		key("\t", "Ada", "\t")
		require.Contains(t, active(), "-cb", "Tab order: name, then the checkbox")
		key(" ")
		waitJS(t, ctx, state+` === 'error'`, widgetDiag, 30*time.Second)
		key("\t")
		require.Contains(t, active(), "astracaph__retry")
		key("\r") // Try again: the button disappears, focus goes to the checkbox
		waitJS(t, ctx, state+` === 'visual' && document.activeElement.classList.contains('astracaph__code')`, widgetDiag, 30*time.Second)

		key("Z", "Z", "Z", "Z", "Z", "Z", "\r") // a wrong code: Z is not in the alphabet
		waitJS(t, ctx, `document.querySelector('.astracaph__cerr').textContent.length > 0`, widgetDiag, 10*time.Second)
		require.Equal(t, "true", eval[string](t, ctx, `document.activeElement.getAttribute('aria-invalid')`), "focus stays on the field, marked invalid")

		first := visualID()
		key("\t", "\t", "\t") // verify, audio, new challenge
		require.Contains(t, active(), "astracaph__btn")
		key("\r")
		waitJS(t, ctx, state+` === 'visual' && document.activeElement.classList.contains('astracaph__code')`, widgetDiag, 30*time.Second)
		id := visualID()
		require.NotEqual(t, first, id, "a new challenge")
		code := st.code(id)
		require.NotEmpty(t, code)
		for _, r := range code {
			key(string(r))
		}
		key("\r")
		waitJS(t, ctx, state+` === 'verified'`, widgetDiag, 15*time.Second)
		require.Contains(t, active(), "-cb", "after the step, focus is back on the checkbox")
		noBody()
	})

	t.Run("wait", func(t *testing.T) {
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+"/kb"), chromedp.WaitVisible(chromedp.CSS(".astracaph__check"))))
		key("\t", "\t", " ")
		waitJS(t, ctx, state+` === 'visual' && document.activeElement.classList.contains('astracaph__code')`, widgetDiag, 30*time.Second)
		key("\t", "\t", "\t", "\t") // verify, audio, new challenge, verify by waiting
		require.Contains(t, active(), "astracaph__wait")
		key("\r")
		waitJS(t, ctx, state+` === 'verified'`, widgetDiag, 60*time.Second)
		require.Contains(t, active(), "-cb")
		noBody()
	})
}
