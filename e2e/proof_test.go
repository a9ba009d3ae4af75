package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/astracat/astracaph/internal/scripted"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// proofRunnerJS loads environment checks by id and collects their answers.
const proofRunnerJS = `window.answers = {};
document.addEventListener('astracaph:proof', function (e) { window.answers[e.detail.id] = e.detail.v; });
window.runProofs = function (ids) {
  ids.forEach(function (id) {
    var s = document.createElement('script');
    s.src = '/api/v1/challenge/proof.js?id=' + encodeURIComponent(id);
    document.head.appendChild(s);
  });
  return true;
};`

// hostileCSS is what a site's stylesheet might do to every element; the checks lay out in a
// closed shadow root with explicit styles, so none of it may change an answer.
const hostileCSS = `* { box-sizing: border-box !important; margin: 3px !important; padding: 2px; font-size: 31px !important; }
div { max-width: 40px; border: 1px solid red; display: inline; zoom: 1; }
html { line-height: 3; }`

// TestEnvProofAnswersInChromium: the server's expected answers are what a real browser
// computes, under a strict CSP, with a hostile page stylesheet, at 100 % and at 125 % display
// scaling (borders would snap to device pixels there; the checks use none).
func TestEnvProofAnswersInChromium(t *testing.T) {
	c := newEngine(t)
	s := newSite(t, c)
	s.script("/runner.js", proofRunnerJS)
	s.mux.HandleFunc("/hostile.css", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/css")
		_, _ = w.Write([]byte(hostileCSS))
	})
	s.page("/proof", strictCSP, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>proof</title>
<link rel="stylesheet" href="/hostile.css"><script src="/runner.js"></script></head><body><p>x</p></body></html>`)
	ids := make([]string, 60)
	for i := range ids {
		ids[i] = fmt.Sprintf("e2e-%d-%c", i, 'a'+i%26)
	}
	idsJSON, _ := json.Marshal(ids)
	for _, scale := range []float64{1, 1.25} {
		t.Run(fmt.Sprintf("scale %.2f", scale), func(t *testing.T) {
			ctx := newBrowser(t)
			_, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
				Width: 1024, Height: 768, DeviceScaleFactor: scale,
			})
			require.NoError(t, err)
			require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+"/proof")))
			require.True(t, eval[bool](t, ctx, `runProofs(`+string(idsJSON)+`)`))
			waitJS(t, ctx, fmt.Sprintf(`Object.keys(window.answers).length === %d`, len(ids)), `JSON.stringify(window.answers)`, 30*time.Second)
			got := eval[map[string]string](t, ctx, `window.answers`)
			wrong := 0
			for _, id := range ids {
				script, _, _ := c.EnvProof(id)
				if !assert.Equal(t, scripted.ProofAnswer(c, id), got[id], "%s: browser answer\n%s", id, script) {
					wrong++
				}
			}
			require.Zero(t, wrong)
			require.Empty(t, s.cspReports(), "the checks need no CSP relaxation")
		})
	}
}
