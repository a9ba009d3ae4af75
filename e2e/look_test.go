package e2e

import (
	"bytes"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph/internal/testenv"
)

// lookCSS lays the comparison page out as a table; dark pages set color-scheme so that the
// official widget (which uses light-dark()) follows.
const lookCSS = `body { margin: 0; padding: 16px; font: 13px/1.4 system-ui, sans-serif; background: #fff; color: #1f2328; }
body.dark { color-scheme: dark; background: #0d1117; color: #e6edf3; }
table { border-collapse: separate; border-spacing: 16px 12px; }
th { text-align: start; font-weight: 600; vertical-align: middle; }
td { vertical-align: top; }
.flex { inline-size: 360px; }
.altcha-cell { inline-size: 300px; }
`

// lookPage shows every size of our widget, idle and verified, beside the official ALTCHA
// widget 3.2.2 in one theme. The "v" cells are solved by the test before the screenshot.
const lookPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>look</title>
<link rel="stylesheet" href="/look.css">
<link rel="stylesheet" href="/altcha3/%s">
<script type="module" src="/setup3.js"></script>
</head><body class="%s">
<table>
<thead><tr><th scope="col"></th><th scope="col">idle</th><th scope="col">verified</th></tr></thead>
<tbody>
<tr><th scope="row">normal</th><td><div data-astracaph data-theme="%[2]s"></div></td><td><div class="v" data-astracaph data-theme="%[2]s"></div></td></tr>
<tr><th scope="row">compact</th><td><div data-astracaph data-size="compact" data-theme="%[2]s"></div></td><td><div class="v" data-astracaph data-size="compact" data-theme="%[2]s"></div></td></tr>
<tr><th scope="row">flexible (360 px)</th><td class="flex"><div data-astracaph data-size="flexible" data-theme="%[2]s"></div></td><td class="flex"><div class="v" data-astracaph data-size="flexible" data-theme="%[2]s"></div></td></tr>
<tr><th scope="row">official ALTCHA 3.2.2</th><td class="altcha-cell"><altcha-widget challenge="/api/v1/challenge" configuration='{"verifyUrl":"/api/v1/challenge/verify"}'></altcha-widget></td><td class="altcha-cell"><altcha-widget class="v" challenge="/api/v1/challenge" configuration='{"verifyUrl":"/api/v1/challenge/verify"}'></altcha-widget></td></tr>
</tbody></table>
<script src="/api/v1/widget.js"></script>
</body></html>`

// TestWidgetLook renders every size and theme of our widget, idle and verified, beside the
// official ALTCHA widget, and saves one screenshot per theme: under e2e/out/, or into docs/
// (the images docs/widget.md shows) with ASTRACAPH_UPDATE_DOCS=1. It checks that each
// verified widget really verified and that the idle ones kept their Turnstile sizes.
func TestWidgetLook(t *testing.T) {
	root3, ext3 := altchaDist(t, altcha3, "./external")
	_, css3 := altchaDist(t, altcha3, "./altcha.css")
	c := newEngine(t)
	s := newSite(t, c)
	s.serveDir("/altcha3/", root3)
	s.script("/setup3.js", sprintf(widget3Setup, ext3, "dist/workers/pbkdf2.js"))
	s.mux.HandleFunc("/look.css", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		_, _ = w.Write([]byte(lookCSS))
	})
	dir := outDir(t)
	if os.Getenv("ASTRACAPH_UPDATE_DOCS") == "1" {
		dir = filepath.Join(testenv.RepoRoot(), "docs")
	}
	ctx := newBrowser(t)
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(900, 560)))
	for _, theme := range []string{"light", "dark"} {
		t.Run(theme, func(t *testing.T) {
			s.page("/look-"+theme, strictCSP, sprintf(lookPage, css3, theme))
			require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+"/look-"+theme)))
			waitJS(t, ctx, `window.altchaReady && document.querySelectorAll('.astracaph').length === 6`, widgetDiag, 15*time.Second)
			waitJS(t, ctx, `getComputedStyle(document.querySelector('.astracaph')).borderTopStyle === 'solid'`, widgetDiag, 10*time.Second)
			require.NoError(t, chromedp.Do(ctx,
				chromedp.WaitVisible(chromedp.CSS(`altcha-widget.v input[type="checkbox"]`)),
				chromedp.Click(chromedp.CSS(`altcha-widget.v input[type="checkbox"]`)),
			))
			for i := 1; i <= 3; i++ {
				sel := sprintf(`tbody tr:nth-child(%d) .v .astracaph__check`, i)
				require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel))))
			}
			waitJS(t, ctx, `Array.prototype.every.call(document.querySelectorAll('.v .astracaph'), function (r) { return r.getAttribute('data-state') === 'verified'; })`, widgetDiag, 30*time.Second)
			waitJS(t, ctx, `document.querySelector('altcha-widget.v').getState() === 'verified'`, "document.querySelector('altcha-widget.v').getState()", 30*time.Second)
			// Let the check mark animations finish and take the focus ring away.
			require.NoError(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.activeElement && document.activeElement.blur()`)))
			time.Sleep(800 * time.Millisecond)

			sizes := eval[[]string](t, ctx, `Array.prototype.map.call(document.querySelectorAll('.astracaph'), function (r) { var b = r.getBoundingClientRect(); return r.className.replace(/.*astracaph--(normal|compact|flexible).*/, '$1') + ' ' + Math.round(b.width) + 'x' + Math.round(b.height); })`)
			require.Equal(t, []string{"normal 300x65", "normal 300x65", "compact 150x140", "compact 150x140", "flexible 360x65", "flexible 360x65"}, sizes)

			img, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS("table")))
			require.NoError(t, err)
			cfg, err := png.DecodeConfig(bytes.NewReader(img))
			require.NoError(t, err)
			require.Greater(t, cfg.Width, 600)
			name := "widget-" + theme + ".png"
			require.NoError(t, os.WriteFile(filepath.Join(dir, name), img, 0o644))
			t.Logf("%s: %d×%d, %d bytes", name, cfg.Width, cfg.Height, len(img))
			require.Empty(t, s.cspReports(), "CSP violations")
		})
	}
}
