package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestWidgetFormStrictCSP: our widget on a same-origin form page under a strict CSP, solved
// by a pointer click and then by keyboard alone; the form post passes middleware.Protect and
// the protected handler sees the verified Result. No CSP violation is reported.
func TestWidgetFormStrictCSP(t *testing.T) {
	c := newEngine(t)
	s := newSite(t, c)
	s.page("/form", strictCSP, formPage(""))
	ctx := newBrowser(t)

	const tokenSet = `document.querySelector('#f input[name="astracaph-response"]') && document.querySelector('#f input[name="astracaph-response"]').value.length > 20`

	t.Run("click", func(t *testing.T) {
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Navigate(s.URL+"/form"),
			chromedp.WaitVisible(chromedp.CSS(".astracaph__check")),
			chromedp.SendKeys(chromedp.CSS("#name"), "Ada"),
			chromedp.Click(chromedp.CSS(".astracaph__check")),
		))
		waitJS(t, ctx, tokenSet, widgetDiag, 30*time.Second)
		state := eval[string](t, ctx, `document.querySelector('.astracaph').getAttribute('data-state')+'|'+document.querySelector('.astracaph__check').getAttribute('aria-checked')`)
		require.Equal(t, "verified|true", state)
		token := eval[string](t, ctx, `document.querySelector('#f input[name="astracaph-response"]').value`)
		require.Equal(t, token, eval[string](t, ctx, `window.astracaph.getResponse()`))

		require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#send"))))
		sub := s.submission(ctx)
		require.True(t, sub.HasRes, "the handler must find the Result in its context")
		require.True(t, sub.Result.Success)
		require.Equal(t, s.URL, sub.Result.Origin, "the token is bound to the page's origin")
		require.Equal(t, "Ada", sub.Name, "the handler still reads the form")
		waitJS(t, ctx, `document.title === 'submitted'`, "document.title", 10*time.Second)

		// The token was spent by the middleware: replaying it fails.
		code, out := s.postJSON("/api/v1/verify", map[string]string{"token": token, "origin": s.URL})
		require.Equal(t, 200, code)
		require.Equal(t, false, out["success"], "%v", out)
		require.Empty(t, s.cspReports(), "CSP violations")
	})

	t.Run("keyboard", func(t *testing.T) {
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Navigate(s.URL+"/form"),
			chromedp.WaitVisible(chromedp.CSS(".astracaph__check")),
			chromedp.KeyEvent("\t"), // → name
			chromedp.KeyEvent("Grace"),
			chromedp.KeyEvent("\t"), // → widget checkbox
			chromedp.KeyEvent(" "),
		))
		waitJS(t, ctx, tokenSet, widgetDiag, 30*time.Second)
		require.Equal(t, "verified", eval[string](t, ctx, `document.querySelector('.astracaph').getAttribute('data-state')`))
		// Still keyboard only: Tab past the widget's privacy link to the submit button and
		// press Space.
		require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent("\t")))
		require.Equal(t, "astracaph__privacy", eval[string](t, ctx, `document.activeElement.className`), "Tab order: name, checkbox, privacy link, send")
		require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent("\t")))
		require.Equal(t, "send", eval[string](t, ctx, `document.activeElement.id`), "Tab order: name, checkbox, privacy link, send")
		require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent(" ")))
		sub := s.submission(ctx)
		require.True(t, sub.HasRes)
		require.True(t, sub.Result.Success)
		require.Equal(t, s.URL, sub.Result.Origin)
		require.Equal(t, "Grace", sub.Name)
		require.Empty(t, s.cspReports(), "CSP violations")
	})

	t.Run("csp-sink-works", func(t *testing.T) {
		// The "no violations" checks above mean something only if violations do arrive.
		s.page("/violating", strictCSP, `<!doctype html><html lang="en"><head><title>v</title></head><body><p style="color:red">x</p></body></html>`)
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+"/violating")))
		waitJS(t, ctx, `document.readyState === 'complete'`, "", 5*time.Second)
		require.NotEmpty(t, s.cspReports(), "an inline style must be reported")
		s.mu.Lock()
		s.reports = nil
		s.mu.Unlock()
	})

	t.Run("no-token-refused", func(t *testing.T) {
		// The same form posted before solving never reaches the handler.
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Navigate(s.URL+"/form"),
			chromedp.WaitVisible(chromedp.CSS(".astracaph__check")),
			chromedp.Click(chromedp.CSS("#send")),
		))
		waitJS(t, ctx, `document.body && /captcha/i.test(document.body.textContent)`, "document.body.textContent", 10*time.Second)
		select {
		case sub := <-s.submits:
			require.Failf(t, "protected handler ran without a token", "%+v", sub)
		default:
		}
	})
}
