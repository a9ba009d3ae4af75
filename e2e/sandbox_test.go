package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestSandboxCustomHTMLProducesVerifiableToken: the sandbox's "Custom HTML" panel renders its
// default HTML in a sandboxed srcdoc frame (opaque origin, Origin: null); the widget there is
// solved by a click and its token verifies for the sandbox's origin. It failed before the
// sandbox sent its origin as Referer: the server then answered origin-required and the widget
// only said "Verification failed.".
func TestSandboxCustomHTMLProducesVerifiableToken(t *testing.T) {
	c := newEngine(t)
	s := newSite(t, c)
	ctx := newBrowser(t)

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(s.URL+"/sandbox"),
		chromedp.WaitVisible(chromedp.CSS("#run")),
		chromedp.Click(chromedp.CSS("#run")),
	))
	// The sandboxed frame runs out of process: attach to its own target.
	var frameID target.ID
	deadline := time.Now().Add(15 * time.Second)
	for frameID == "" && time.Now().Before(deadline) {
		ts, err := chromedp.Targets(ctx)
		require.NoError(t, err)
		for _, x := range ts {
			if x.Type == "iframe" && x.URL == "about:srcdoc" {
				frameID = x.TargetID
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	require.NotEmpty(t, frameID, "the custom HTML frame never started")
	fctx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(frameID))
	defer cancel()
	require.NoError(t, chromedp.Do(fctx,
		chromedp.WaitVisible(chromedp.CSS(".astracaph__check")),
		chromedp.Click(chromedp.CSS(".astracaph__check")),
	))
	const tokenJS = `(function(){var i=document.querySelector('input[name="astracaph-response"]');return i?i.value:''})()`
	waitJS(t, fctx, tokenJS, widgetDiag, 30*time.Second)
	token := eval[string](t, fctx, tokenJS)
	code, out := s.postJSON("/api/v1/verify", map[string]string{"token": token, "origin": s.URL})
	require.Equal(t, 200, code)
	require.Equal(t, true, out["success"], "%v", out)
}
