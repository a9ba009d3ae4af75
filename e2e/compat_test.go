package e2e

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// turnstilePage is a page written for Cloudflare Turnstile; only the script URL points to
// AstraCaph. The callback lives in a file: the page's CSP forbids inline script.
const turnstilePage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>turnstile</title>
<script src="/cb.js"></script>
<script src="/api/v1/widget.js?compat=turnstile" async defer></script>
</head><body>
<form id="f" action="/login" method="POST">
  <input type="text" name="email" aria-label="Email">
  <div class="cf-turnstile" data-sitekey="%s" data-callback="cb"></div>
  <button type="submit">Log in</button>
</form></body></html>`

// TestTurnstileShim: the Turnstile page works unchanged — the cf-turnstile-response field
// is filled, the callback gets the token, and the backend's Turnstile siteverify call with
// the site secret succeeds (once).
func TestTurnstileShim(t *testing.T) {
	c := newEngine(t)
	s := newSite(t, c)
	creds := registerSite(t, c)
	s.script("/cb.js", `window.cb = function (token) { window.cbToken = token; };`)
	s.page("/login-page", strictCSP, fmt.Sprintf(turnstilePage, creds.SiteKey))
	ctx := newBrowser(t)

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(s.URL+"/login-page"),
		chromedp.WaitVisible(chromedp.CSS(".cf-turnstile .astracaph__check")),
		chromedp.Click(chromedp.CSS(".cf-turnstile .astracaph__check")),
	))
	waitJS(t, ctx, `window.cbToken`, widgetDiag, 30*time.Second)
	field := eval[string](t, ctx, `document.querySelector('#f input[name="cf-turnstile-response"]').value`)
	require.Equal(t, eval[string](t, ctx, `window.cbToken`), field, "callback and field carry the same token")
	require.Equal(t, field, eval[string](t, ctx, `turnstile.getResponse()`))

	code, out := s.postForm("/turnstile/v0/siteverify", url.Values{"secret": {creds.Secret}, "response": {field}})
	require.Equal(t, 200, code)
	require.Equal(t, true, out["success"], "%v", out)
	require.Equal(t, "127.0.0.1", out["hostname"])
	require.Empty(t, out["error-codes"])

	_, out = s.postForm("/turnstile/v0/siteverify", url.Values{"secret": {creds.Secret}, "response": {field}})
	require.Equal(t, false, out["success"])
	require.Equal(t, []any{"timeout-or-duplicate"}, out["error-codes"])
	require.Empty(t, s.cspReports(), "CSP violations")
}
