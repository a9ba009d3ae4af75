package e2e

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// sizeOf returns the width and height of the first widget on the page.
const sizeOf = `(function(){var b=document.querySelector('.astracaph').getBoundingClientRect();return [b.width,b.height]})()`

func requireSize(t *testing.T, got []float64, w, h float64, what string) {
	t.Helper()
	require.Len(t, got, 2)
	require.True(t, math.Abs(got[0]-w) <= 2 && math.Abs(got[1]-h) <= 2, "%s: %.1f×%.1f, want %v×%v (±2 px)", what, got[0], got[1], w, h)
}

// framedParentJS sizes the captcha frame from its resize messages, as docs/widget.md shows.
const framedParentJS = `(function () {
  var API = %s;
  window.addEventListener('message', function (e) {
    var fr = document.getElementById('fr');
    if (e.origin !== API || e.source !== fr.contentWindow) return;
    if (e.data.type === 'astracaph-resize') { fr.width = String(e.data.width); fr.height = String(e.data.height); window.resized = e.data; }
    if (e.data.type === 'astracaph-verified') window.verified = true;
  });
})();`

// TestWidgetSizes: the sizes of Turnstile, idle and verified — normal 300×65, compact
// 150×140, flexible the container's width × 65 — in a form, and normal in /captcha/widget,
// whose resize message lets the parent size the frame to exactly the widget.
func TestWidgetSizes(t *testing.T) {
	c := newEngine(t)
	s := newSite(t, c)
	ctx := newBrowser(t)
	cases := []struct {
		attrs string
		w, h  float64
	}{
		{``, 300, 65},
		{`data-size="compact"`, 150, 140},
		{`data-size="flexible"`, 420, 65},
	}
	s.mux.HandleFunc("/box.css", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/css")
		_, _ = w.Write([]byte(`.box { inline-size: 420px; }`))
	})
	for i, tc := range cases {
		t.Run(fmt.Sprint(tc.w, "x", tc.h), func(t *testing.T) {
			path := fmt.Sprintf("/size%d", i)
			s.page(path, strictCSP, fmt.Sprintf(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>size</title><link rel="stylesheet" href="/box.css"></head>
<body><form id="f" action="/submit" method="post"><div id="box" class="box"><div id="astracaph-container" %s></div></div></form>
<script src="/api/v1/widget.js"></script></body></html>`, tc.attrs))
			require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+path), chromedp.WaitVisible(chromedp.CSS(".astracaph__check"))))
			waitJS(t, ctx, `getComputedStyle(document.querySelector('.astracaph')).borderTopStyle === 'solid' && getComputedStyle(document.getElementById('box')).inlineSize === '420px'`, widgetDiag, 10*time.Second)
			requireSize(t, eval[[]float64](t, ctx, sizeOf), tc.w, tc.h, "idle")
			require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".astracaph__check"))))
			waitJS(t, ctx, `document.querySelector('.astracaph').getAttribute('data-state') === 'verified'`, widgetDiag, 30*time.Second)
			requireSize(t, eval[[]float64](t, ctx, sizeOf), tc.w, tc.h, "verified")
		})
	}

	t.Run("frame", func(t *testing.T) {
		parent := newSite(t, nil)
		parent.script("/parent.js", fmt.Sprintf(framedParentJS, jsQuote(s.URL)))
		src := s.URL + "/captcha/widget?theme=light&parentOrigin=" + url.QueryEscape(parent.URL)
		parent.page("/", "default-src 'self'; frame-src "+s.URL, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>parent</title></head>
<body><iframe id="fr" title="captcha" src="`+src+`"></iframe><script src="/parent.js"></script></body></html>`)
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(parent.URL+"/")))
		waitJS(t, ctx, `window.resized`, "JSON.stringify(window.resized)", 15*time.Second)
		frame := `(function(){var f=document.getElementById('fr');return [f.clientWidth,f.clientHeight]})()`
		requireSize(t, eval[[]float64](t, ctx, frame), 300, 65, "frame sized by its resize message")

		nodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("#fr")))
		require.NoError(t, err)
		require.NoError(t, chromedp.Do(ctx,
			chromedp.WaitVisible(chromedp.CSS(".astracaph__check"), chromedp.FromNode(nodes[0])),
			chromedp.Click(chromedp.CSS(".astracaph__check"), chromedp.FromNode(nodes[0])),
		))
		waitJS(t, ctx, `window.verified`, "", 30*time.Second)
		// The frame posts the widget's size whenever it changes: the last message is its size now.
		requireSize(t, eval[[]float64](t, ctx, `[window.resized.width, window.resized.height]`), 300, 65, "widget in /captcha/widget, verified")
		requireSize(t, eval[[]float64](t, ctx, frame), 300, 65, "frame, verified")
	})
}
