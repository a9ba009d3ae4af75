package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
)

// peekStore records the codes of visual steps as the engine stores them, so the test can
// type the right answer the way a person reading the image would. The answer itself never
// reaches the browser.
type peekStore struct {
	astracaph.Store
	mu    sync.Mutex
	codes map[string]string
}

func (p *peekStore) SetState(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	var st struct {
		Code string `json:"code"`
	}
	if strings.HasPrefix(key, "vs:") && json.Unmarshal(value, &st) == nil {
		p.mu.Lock()
		p.codes[strings.TrimPrefix(key, "vs:")] = st.Code
		p.mu.Unlock()
	}
	return p.Store.SetState(ctx, key, value, ttl)
}

func (p *peekStore) code(id string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.codes[id]
}

// TestVisualStep: a stepped-up client sees the image, can play the audio, gets a wrong
// answer counted, then passes with the right code; a second stepped-up client passes by
// "verify by waiting". Both tokens pass middleware.Protect; no CSP violation.
func TestVisualStep(t *testing.T) {
	st := &peekStore{Store: astracaph.NewMemoryStore(astracaph.MemoryOptions{}), codes: map[string]string{}}
	stepUp := func(ctx context.Context, rc astracaph.RiskContext) (astracaph.Assessment, error) {
		return astracaph.Assessment{Action: astracaph.ActionStepUp, Score: 0.3, Reasons: []string{"test.STEP_UP"}}, nil
	}
	c := newEngine(t, astracaph.WithStore(st), astracaph.WithRisk(stepUp))
	s := newSite(t, c)
	s.page("/form", strictCSP, formPage(""))
	ctx := newBrowser(t)
	const visible = `(function(){var v=document.querySelector('.astracaph__visual');return v&&!v.hidden&&document.querySelector('.astracaph__img').naturalWidth>0})()`
	const tokenSet = `(function(){var i=document.querySelector('#f input[name="astracaph-response"]');return !!i&&i.value.length>20})()`
	visualID := `(function(){var s=document.querySelector('.astracaph__img').getAttribute('src')||'';var m=s.match(/visual\/([^/]+)\/image/);return m?m[1]:''})()`

	t.Run("code", func(t *testing.T) {
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Navigate(s.URL+"/form"),
			chromedp.WaitVisible(chromedp.CSS(".astracaph__check")),
			chromedp.SendKeys(chromedp.CSS("#name"), "Alan"),
			chromedp.Click(chromedp.CSS(".astracaph__check")),
		))
		waitJS(t, ctx, visible, widgetDiag, 30*time.Second)
		require.Equal(t, "visual", eval[string](t, ctx, `document.querySelector('.astracaph').getAttribute('data-state')`))
		if img, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(".astracaph"))); err == nil {
			_ = os.WriteFile(filepath.Join(outDir(t), "visual-step.png"), img, 0o644)
		}
		id := eval[string](t, ctx, visualID)
		code := st.code(id)
		require.NotEmpty(t, code, "the engine stored the code of %q", id)
		require.NotContains(t, eval[string](t, ctx, `document.documentElement.outerHTML`), code, "the answer must not reach the page")

		// Audio: the button loads the single-use WAV into the audio element.
		require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".astracaph__actions .astracaph__btn:nth-child(2)"))))
		waitJS(t, ctx, `(function(){var a=document.querySelector('.astracaph__audio');return !!a.getAttribute('src')&&(a.readyState>0||a.networkState===1||a.networkState===2)})()`, "audio", 10*time.Second)

		// A wrong answer counts an attempt and keeps the step.
		wrong := strings.Repeat("3", len(code))
		if wrong == code {
			wrong = strings.Repeat("4", len(code))
		}
		require.NoError(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(".astracaph__code"), wrong), chromedp.Click(chromedp.CSS(".astracaph__btn--primary"))))
		waitJS(t, ctx, `/2/.test(document.querySelector('.astracaph__cerr').textContent)`, widgetDiag, 10*time.Second)
		require.Equal(t, "true", eval[string](t, ctx, `document.querySelector('.astracaph__code').getAttribute('aria-invalid')`), "a wrong code marks the field invalid")
		require.Equal(t, "visual", eval[string](t, ctx, `document.querySelector('.astracaph').getAttribute('data-state')`))

		// The right answer, typed in lower case, passes.
		require.NoError(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(".astracaph__code"), strings.ToLower(code))))
		require.Equal(t, strings.ToLower(code), eval[string](t, ctx, `document.querySelector('.astracaph__code').value`))
		// Enter in the code field answers the step and must not submit the host form.
		require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent("\r")))
		waitJS(t, ctx, tokenSet, widgetDiag, 15*time.Second)
		require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#send"))))
		sub := s.submission(ctx)
		require.True(t, sub.Result.Success)
		require.Contains(t, sub.Result.Reasons, "human.VISUAL_SOLVED")
		require.Equal(t, "Alan", sub.Name)
		// Let the post's navigation finish before the next subtest navigates away.
		waitJS(t, ctx, `document.title === 'submitted'`, "document.title", 10*time.Second)
	})

	t.Run("wait", func(t *testing.T) {
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Navigate(s.URL+"/form"),
			chromedp.WaitVisible(chromedp.CSS(".astracaph__check")),
			chromedp.Click(chromedp.CSS(".astracaph__check")),
		))
		waitJS(t, ctx, visible, widgetDiag, 30*time.Second)
		require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".astracaph__wait"))))
		waitJS(t, ctx, tokenSet, widgetDiag, 60*time.Second)
		require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#send"))))
		sub := s.submission(ctx)
		require.True(t, sub.Result.Success)
		require.Contains(t, sub.Result.Reasons, "human.VISUAL_SOLVED")
		require.Empty(t, s.cspReports(), "CSP violations")
	})
}
