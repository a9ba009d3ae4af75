package e2e

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// parentJS listens to the captcha frame (only from the API origin and the frame's window)
// and records every message; execute() and reset() drive the frame.
const parentJS = `(function () {
  var API = %s;
  window.msgs = [];
  window.addEventListener('message', function (e) {
    var fr = document.getElementById('fr');
    if (e.origin !== API || e.source !== fr.contentWindow) return;
    window.msgs.push(e.data);
    if (e.data.type === 'astracaph-resize') fr.height = String(e.data.height);
    if (e.data.type === 'astracaph-verified') window.verified = e.data;
  });
  window.frameSend = function (type) {
    document.getElementById('fr').contentWindow.postMessage({type: type}, API);
  };
})();`

// TestIframeCrossOrigin: a page on another origin embeds /captcha/widget; a click inside the
// frame delivers {type:"astracaph-verified", detail:{token, success}} to the parent, and the
// token verifies for the parent's origin; a second token (execute by postMessage) verifies
// with the site secret.
func TestIframeCrossOrigin(t *testing.T) {
	c := newEngine(t)
	api := newSite(t, c)
	creds := registerSite(t, c)
	parent := newSite(t, nil)
	frameURL := fmt.Sprintf("%s/captcha/widget?theme=dark&siteKey=%s&parentOrigin=%s", api.URL, url.QueryEscape(creds.SiteKey), url.QueryEscape(parent.URL))
	parent.script("/parent.js", fmt.Sprintf(parentJS, jsQuote(api.URL)))
	parent.page("/", "default-src 'self'; script-src 'self'; style-src 'self'; frame-src "+api.URL+"; report-uri /csp-report",
		`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>parent</title></head><body>
<h1>Shop</h1><iframe id="fr" title="captcha" width="340" height="100" src="`+frameURL+`"></iframe>
<script src="/parent.js"></script></body></html>`)
	ctx := newBrowser(t)

	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(parent.URL+"/")))
	waitJS(t, ctx, `window.msgs && window.msgs.some(function(m){return m.type==='astracaph-ready'})`, "JSON.stringify(window.msgs)", 15*time.Second)
	frames, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("#fr")))
	require.NoError(t, err)
	require.Len(t, frames, 1)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(".astracaph__check"), chromedp.FromNode(frames[0])),
		chromedp.Click(chromedp.CSS(".astracaph__check"), chromedp.FromNode(frames[0])),
	))
	waitJS(t, ctx, `window.verified`, "JSON.stringify(window.msgs)", 30*time.Second)
	msg := eval[map[string]any](t, ctx, `window.verified`)
	require.Equal(t, "astracaph-verified", msg["type"])
	detail, ok := msg["detail"].(map[string]any)
	require.True(t, ok, "%v", msg)
	require.Equal(t, true, detail["success"])
	token, _ := detail["token"].(string)
	require.NotEmpty(t, token)
	require.Positive(t, eval[int](t, ctx, `document.getElementById('fr').height|0`), "the frame reported its height")

	// The site backend verifies for its own origin: the token is bound to the parent, not to
	// the captcha server's frame.
	code, out := api.postJSON("/api/v1/verify", map[string]string{"token": token, "origin": parent.URL})
	require.Equal(t, 200, code)
	require.Equal(t, true, out["success"], "%v", out)
	require.Equal(t, creds.SiteKey, out["siteKey"])
	// …once.
	_, out = api.postJSON("/api/v1/verify", map[string]string{"token": token, "origin": parent.URL})
	require.Equal(t, false, out["success"], "%v", out)

	// Reset and execute through postMessage; verify the new token with the site secret.
	require.NoError(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.verified = null; frameSend('astracaph-reset'); frameSend('astracaph-execute')`)))
	waitJS(t, ctx, `window.verified`, "JSON.stringify(window.msgs)", 30*time.Second)
	token2 := eval[string](t, ctx, `window.verified.detail.token`)
	require.NotEqual(t, token, token2)
	code, out = api.postJSON("/api/v1/verify", map[string]string{"token": token2, "secret": creds.Secret})
	require.Equal(t, 200, code)
	require.Equal(t, true, out["success"], "%v", out)
	require.Equal(t, "127.0.0.1", out["hostname"])

	require.Empty(t, parent.cspReports(), "CSP violations on the parent")
	require.Empty(t, api.cspReports(), "CSP violations in the frame")
}
