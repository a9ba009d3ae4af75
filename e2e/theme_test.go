package e2e

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestThemes renders the widget light and dark on a page and dark in the iframe page,
// saves screenshots under e2e/out/ and checks the computed backgrounds: light ≠ dark, and
// the frame's dark equals the page's dark.
func TestThemes(t *testing.T) {
	c := newEngine(t)
	s := newSite(t, c)
	s.page("/light", strictCSP, formPage(`data-theme="light"`))
	s.page("/dark", strictCSP, formPage(`data-theme="dark"`))
	ctx := newBrowser(t)
	out := outDir(t)

	shoot := func(url, file string) string {
		t.Helper()
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(".astracaph__check"))))
		// The stylesheet is injected by the loader: wait until it applies.
		waitJS(t, ctx, `getComputedStyle(document.querySelector('.astracaph')).borderTopStyle === 'solid'`, widgetDiag, 10*time.Second)
		bg := eval[string](t, ctx, `getComputedStyle(document.querySelector('.astracaph')).backgroundColor`)
		img, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(".astracaph")))
		require.NoError(t, err)
		cfg, err := png.DecodeConfig(bytes.NewReader(img))
		require.NoError(t, err, "screenshot is a PNG")
		require.Greater(t, cfg.Width, 100)
		require.NoError(t, os.WriteFile(filepath.Join(out, file), img, 0o644))
		return bg
	}
	light := shoot(s.URL+"/light", "widget-light.png")
	dark := shoot(s.URL+"/dark", "widget-dark.png")
	frame := shoot(s.URL+"/captcha/widget?theme=dark", "frame-dark.png")
	t.Logf("backgrounds: light %s, dark %s, frame (dark) %s", light, dark, frame)
	require.NotEqual(t, light, dark, "light and dark themes must differ")
	require.Equal(t, dark, frame, "the frame's dark theme is the page's dark theme")
	require.NotContains(t, []string{"", "rgba(0, 0, 0, 0)", "transparent"}, light)
	require.Empty(t, s.cspReports(), "CSP violations")
}
