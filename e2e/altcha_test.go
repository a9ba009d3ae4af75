package e2e

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/internal/pattest"
	"github.com/astracat/astracaph/internal/testenv"
)

// Official widget versions under test: the current npm release and the last 2.x.
const (
	altcha3 = "altcha@3.2.2"
	altcha2 = "altcha@2.3.0"
)

// altchaDist installs pkg with npm (cached across runs) and returns the directory that
// holds the files its package.json "exports" point to for sub (".", "./external", …),
// checking that the entry exists.
func altchaDist(t *testing.T, pkg, sub string) (root string, entry string) {
	t.Helper()
	dir := testenv.NPMInstall(t, pkg)
	root = filepath.Join(dir, "node_modules", "altcha")
	b, err := os.ReadFile(filepath.Join(root, "package.json"))
	require.NoError(t, err)
	var meta struct {
		Version string                                `json:"version"`
		Exports map[string]map[string]json.RawMessage `json:"exports"`
	}
	require.NoError(t, json.Unmarshal(b, &meta))
	require.Equal(t, strings.TrimPrefix(pkg, "altcha@"), meta.Version)
	var imp string
	require.NoError(t, json.Unmarshal(meta.Exports[sub]["import"], &imp), "exports[%q].import", sub)
	entry = strings.TrimPrefix(imp, "./")
	_, err = os.Stat(filepath.Join(root, entry))
	require.NoError(t, err)
	return root, entry
}

// serveDir mounts dir at prefix ("/altcha3/").
func (s *site) serveDir(prefix, dir string) {
	s.mux.Handle(prefix, http.StripPrefix(prefix, http.FileServer(http.Dir(dir))))
}

// widget3Setup loads the strict-CSP build of widget 3.x and registers its separate PBKDF2
// worker file (that build ships no workers of its own), then records the widget's events.
const widget3Setup = `import '/altcha3/%s';
const pbkdf2 = () => new Worker('/altcha3/%s');
for (const a of ['PBKDF2/SHA-256', 'PBKDF2/SHA-384', 'PBKDF2/SHA-512']) $altcha.algorithms.set(a, pbkdf2);
window.states = [];
for (const el of document.querySelectorAll('altcha-widget')) {
  el.addEventListener('statechange', (e) => window.states.push(e.detail.state));
  el.addEventListener('serververification', (e) => { window.serverVerification = e.detail; });
  el.addEventListener('verified', (e) => { window.verifiedAt = performance.now(); window.verifiedPayload = e.detail.payload; });
}
window.altchaReady = true;`

// widget2Setup loads widget 2.x's external build (it finds its worker next to itself).
const widget2Setup = `import '/altcha2/%s';
window.states = [];
for (const el of document.querySelectorAll('altcha-widget')) {
  el.addEventListener('statechange', (e) => window.states.push(e.detail.state));
  el.addEventListener('serververification', (e) => { window.serverVerification = e.detail; });
}
window.altchaReady = true;`

const altchaFormPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>altcha</title>
<link rel="stylesheet" href="%s">
<script type="module" src="%s"></script>
</head><body><form id="f" action="/submit" method="post">
<input id="name" name="name" type="text" aria-label="Name" value="Linus">
%s
<button id="send" type="submit">Send</button></form></body></html>`

// TestOfficialWidgetInterop: the official ALTCHA widget, unmodified, against our API. 3.2.2
// gets a PoW v2 challenge from /api/v1/challenge and server-verifies at
// /api/v1/challenge/verify; 2.3.0 gets a PoW v1 challenge (?v=1) and the same verify URL.
// Both run under the same strict CSP as our widget (their "external" builds plus CSS file).
// Each ends in state "verified" with our token in the "altcha" field, and the form post
// passes middleware.Protect. Private Access Tokens are on: the v2 challenge carries the
// privateToken offer, which the official widget ignores. The risk engine runs as
// `serve -allow-altcha-widget` does: the official widget sends no telemetry, so the operator
// must allow it (a default server sends such a redemption to the visual step, which the
// official widget cannot show).
func TestOfficialWidgetInterop(t *testing.T) {
	root3, ext3 := altchaDist(t, altcha3, "./external")
	_, css3 := altchaDist(t, altcha3, "./altcha.css")
	root2, ext2 := altchaDist(t, altcha2, "./external")
	_, css2 := altchaDist(t, altcha2, "./altcha.css")
	// The worker file of 3.x (exports "./workers/*" → dist/workers/*.js).
	worker3 := "dist/workers/pbkdf2.js"
	_, err := os.Stat(filepath.Join(root3, worker3))
	require.NoError(t, err)

	// Widget 2.x speaks only PoW v1, which a server must enable (-pow-v1). Private Access
	// Tokens are on: the official widgets ignore the challenge's privateToken offer.
	iss := pattest.Start(t, pattest.IssuerA)
	c := newEngine(t, astracaph.WithPoWV1(true), astracaph.WithRiskEngine(astracaph.RiskEngineOptions{AllowALTCHAWidget: true}),
		astracaph.WithPrivacyPass(iss.Issuers(t, []string{pattest.IssuerA})))
	s := newSite(t, c)
	s.serveDir("/altcha3/", root3)
	s.serveDir("/altcha2/", root2)
	s.script("/setup3.js", sprintf(widget3Setup, ext3, worker3))
	s.script("/setup2.js", sprintf(widget2Setup, ext2))
	s.page("/v3", strictCSP, sprintf(altchaFormPage, "/altcha3/"+css3, "/setup3.js",
		`<altcha-widget challenge="/api/v1/challenge" configuration='{"verifyUrl":"/api/v1/challenge/verify"}'></altcha-widget>`))
	s.page("/v2", strictCSP, sprintf(altchaFormPage, "/altcha2/"+css2, "/setup2.js",
		`<altcha-widget challengeurl="/api/v1/challenge?v=1" verifyurl="/api/v1/challenge/verify"></altcha-widget>`))
	ctx := newBrowser(t)
	stealth(t)(ctx) // an ordinary Chrome UA: "HeadlessChrome" alone is an automation artefact

	const diag = `JSON.stringify({states: window.states, sv: window.serverVerification, text: (document.querySelector('altcha-widget')||{}).textContent})`
	for _, v := range []struct{ name, path string }{{"3.2.2", "/v3"}, {"2.3.0", "/v2"}} {
		t.Run(v.name, func(t *testing.T) {
			require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+v.path)))
			waitJS(t, ctx, `window.altchaReady`, "", 15*time.Second)
			require.NoError(t, chromedp.Do(ctx,
				chromedp.WaitVisible(chromedp.CSS(`altcha-widget input[type="checkbox"]`)),
				chromedp.Click(chromedp.CSS(`altcha-widget input[type="checkbox"]`)),
			))
			waitJS(t, ctx, `window.states.indexOf('verified') >= 0`, diag, 30*time.Second)
			if v.name == "3.2.2" {
				require.Equal(t, "verified", eval[string](t, ctx, `document.querySelector('altcha-widget').getState()`))
			}
			sv := eval[map[string]any](t, ctx, `window.serverVerification`)
			require.Equal(t, true, sv["verified"], "%v", sv)

			// The field holds our server-signature token (not the raw proof of work).
			field := eval[string](t, ctx, `document.querySelector('#f input[name="altcha"]').value`)
			require.Equal(t, sv["payload"], field)
			raw, err := base64.StdEncoding.DecodeString(field)
			require.NoError(t, err)
			var tok map[string]any
			require.NoError(t, json.Unmarshal(raw, &tok))
			require.Contains(t, tok, "verificationData", "%s", raw)
			require.NotContains(t, tok, "solution")

			require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#send"))))
			sub := s.submission(ctx)
			require.True(t, sub.HasRes)
			require.True(t, sub.Result.Success)
			require.Equal(t, s.URL, sub.Result.Origin)
			require.Equal(t, "Linus", sub.Name)
			// The widget's verify call was a redeem that passed.
			ev := s.eventsOf("redeem")
			require.NotEmpty(t, ev)
			require.Equal(t, "pass", ev[len(ev)-1].Decision)
			// The external builds need no CSP relaxation at all.
			require.Empty(t, s.cspReports(), "CSP violations")
		})
	}
}
