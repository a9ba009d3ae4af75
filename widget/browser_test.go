package widget

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph/internal/testenv"
)

// Fixed vector (docs/protocol-notes.md, "Test vectors"): PBKDF2/SHA-256, cost 5000, counter 7.
const (
	vecParams = `{"algorithm":"PBKDF2/SHA-256","cost":5000,"data":{"challengeId":"c-1","form":"contact"},"expiresAt":4102444800,"keyLength":32,"keyPrefix":"6638880b259a63416066d7d075b63178","keySignature":"e5e7be905b13621e261c2a6e71c436acbb09e0d6a8be743b7c6b8cf5f88cffcd","nonce":"39baf91a19d671f8231217f9e28342a6","salt":"5e00d5d152e1a5db7d44fb6404a40a5e"}`
	vecSig    = "e49766ea7e876429f73afe7f5802e5bb32ca0ce5952646e14e0337f59125f33c"
	vecKey    = "6638880b259a63416066d7d075b63178c7e648eb1f2580f0939834006193568b"
	strictCSP = "default-src 'self'; script-src 'self'; style-src 'self'; worker-src 'self'; connect-src 'self'; report-uri /csp-report"
)

// fakeAPI answers the widget's challenge and redeem calls and records what it receives.
type fakeAPI struct {
	mu      sync.Mutex
	redeems []redeem
	reports []string
	n       int
}

type redeem struct {
	Payload   string          `json:"payload"`
	Telemetry json.RawMessage `json:"telemetry"`
	SiteKey   string          `json:"siteKey"`
	Origin    string          `json:"origin"`
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	switch {
	case r.URL.Path == "/csp-report":
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reports = append(f.reports, string(b))
		f.mu.Unlock()
	case r.Method == http.MethodOptions:
		w.Header().Set("Access-Control-Allow-Methods", "GET, POST")
		w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodGet:
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"parameters":%s,"signature":%q}`, vecParams, vecSig)
	default:
		var rd redeem
		if err := json.NewDecoder(r.Body).Decode(&rd); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.redeems = append(f.redeems, rd)
		f.n++
		tok := fmt.Sprintf("tok-%d", f.n)
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"success":true,"token":%q,"score":0.9,"expiresAt":%d}`, tok, time.Now().Add(5*time.Minute).Unix())
	}
}

func (f *fakeAPI) last(t *testing.T) (redeem, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	require.NotEmpty(t, f.redeems, "no redeem request received")
	return f.redeems[len(f.redeems)-1], f.n
}

const testPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>t</title></head>
<body><form id="f" action="/submit" method="post">
<input id="name" name="name" type="text" aria-label="Name">
<div id="astracaph-container" data-sitekey="pk_test"></div>
<button type="submit">Send</button></form>
<script src="%s/api/v1/widget.js"></script></body></html>`

func TestBrowserE2E(t *testing.T) {
	chrome := testenv.LookPath(t, "chromium", "chromium-browser", "google-chrome")
	w := newWidget(t)
	api := &fakeAPI{}
	mux := http.NewServeMux()
	w.Register(mux)
	mux.Handle("/api/v1/challenge", api)
	mux.Handle("/csp-report", api)
	mux.HandleFunc("/page", func(rw http.ResponseWriter, _ *http.Request) {
		rw.Header().Set("Content-Security-Policy", strictCSP)
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(rw, testPage, "")
	})
	mux.HandleFunc("/cb.js", func(rw http.ResponseWriter, _ *http.Request) {
		rw.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(rw, `window.onTok = function (t) { document.title = 'cb:' + t; }; window.onReady = function () { window.readyCalled = true; };`)
	})
	mux.HandleFunc("/compat/", func(rw http.ResponseWriter, r *http.Request) {
		kind := strings.TrimPrefix(r.URL.Path, "/compat/")
		rw.Header().Set("Content-Security-Policy", strictCSP)
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(rw, compatPage, map[string]string{"turnstile": "cf-turnstile", "hcaptcha": "h-captcha", "recaptcha": "g-recaptcha"}[kind], kind)
	})
	mux.HandleFunc("/parent.js", func(rw http.ResponseWriter, _ *http.Request) {
		rw.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(rw, parentJS)
	})
	mux.HandleFunc("/parent", func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Security-Policy", strictCSP+"; frame-src 'self'")
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(rw, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title></head><body>
<iframe id="fr" title="captcha" src="/captcha/widget?theme=dark&siteKey=pk_test&parentOrigin=http://%s"></iframe>
<script src="/parent.js"></script></body></html>`, r.Host)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	// A second origin embedding the first: no Worker possible, main-thread solving.
	other := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/csp-report" {
			api.ServeHTTP(rw, r)
			return
		}
		rw.Header().Set("Content-Security-Policy", strings.NewReplacer("'self';", "'self' "+srv.URL+";").Replace(strictCSP))
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(rw, testPage, srv.URL)
	}))
	defer other.Close()

	actx, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chrome), chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-first-run", true))
	defer cancel()
	bctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel := context.WithTimeout(bctx, 90*time.Second)
	defer cancel()

	waitToken := func(want string) chromedp.Action[bool] {
		return chromedp.Poll[bool](`(function(){var i=document.querySelector('#f input[name="astracaph-response"]');return !!i&&i.value===`+
			strconvQuote(want)+`})()`, chromedp.WithPollingTimeout(30*time.Second))
	}
	check := func(t *testing.T, workers bool, keyboard bool) {
		rd, n := api.last(t)
		raw, err := base64.StdEncoding.DecodeString(rd.Payload)
		require.NoError(t, err)
		var p struct {
			Challenge struct {
				Parameters json.RawMessage `json:"parameters"`
				Signature  string          `json:"signature"`
			} `json:"challenge"`
			Solution struct {
				Counter    int     `json:"counter"`
				DerivedKey string  `json:"derivedKey"`
				Time       float64 `json:"time"`
			} `json:"solution"`
		}
		require.NoError(t, json.Unmarshal(raw, &p), "%s", raw)
		require.Equal(t, vecParams, string(p.Challenge.Parameters), "parameters must be forwarded exactly")
		require.Equal(t, vecSig, p.Challenge.Signature)
		require.Equal(t, 7, p.Solution.Counter)
		require.Equal(t, vecKey, p.Solution.DerivedKey)
		require.Equal(t, "pk_test", rd.SiteKey)
		require.Less(t, len(rd.Telemetry), 4096)
		var tel struct {
			Env struct {
				Tz string `json:"tz"`
				Hc int    `json:"hc"`
			} `json:"env"`
			Beh struct {
				Clicks []struct {
					Detail  int  `json:"detail"`
					Trusted bool `json:"trusted"`
				} `json:"clicks"`
				Keys struct {
					N int `json:"n"`
				} `json:"keys"`
				Focus struct {
					ViaKey int `json:"viaKey"`
				} `json:"focus"`
			} `json:"beh"`
			Pow struct {
				Workers int `json:"workers"`
			} `json:"pow"`
		}
		require.NoError(t, json.Unmarshal(rd.Telemetry, &tel))
		require.NotEmpty(t, tel.Beh.Clicks)
		c := tel.Beh.Clicks[len(tel.Beh.Clicks)-1]
		require.True(t, c.Trusted)
		if keyboard {
			require.Equal(t, 0, c.Detail, "keyboard activation has detail 0")
			require.GreaterOrEqual(t, tel.Beh.Keys.N, 9)
			require.Positive(t, tel.Beh.Focus.ViaKey)
			require.NotContains(t, string(rd.Telemetry), "hunter2", "telemetry must not carry typed text")
		} else {
			require.Positive(t, c.Detail)
		}
		if workers {
			require.Positive(t, tel.Pow.Workers)
		} else {
			require.Zero(t, tel.Pow.Workers)
		}
		require.Positive(t, n)
	}
	noViolations := func(t *testing.T) {
		time.Sleep(300 * time.Millisecond) // reports are posted asynchronously
		api.mu.Lock()
		defer api.mu.Unlock()
		require.Empty(t, api.reports, "CSP violations")
	}

	t.Run("click", func(t *testing.T) {
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Navigate(srv.URL+"/page"),
			chromedp.WaitVisible(chromedp.CSS(".astracaph__check")),
			chromedp.Click(chromedp.CSS(".astracaph__check")),
		))
		ok, err := chromedp.Run(ctx, waitToken("tok-1"))
		require.NoError(t, err)
		require.True(t, ok)
		state, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('.astracaph').getAttribute('data-state')+'|'+document.querySelector('.astracaph__check').getAttribute('aria-checked')+'|'+window.astracaph.getResponse()`))
		require.NoError(t, err)
		require.Equal(t, "verified|true|tok-1", state)
		check(t, true, false)
		noViolations(t)
	})

	t.Run("keyboard", func(t *testing.T) {
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Navigate(srv.URL+"/page"),
			chromedp.WaitVisible(chromedp.CSS(".astracaph__check")),
			chromedp.KeyEvent("\t"),
			chromedp.KeyEvent("hunter2"),
			chromedp.KeyEvent("\t"),
			chromedp.KeyEvent(" "),
		))
		ok, err := chromedp.Run(ctx, waitToken("tok-2"))
		require.NoError(t, err)
		require.True(t, ok)
		check(t, true, true)
		noViolations(t)
	})

	for _, c := range []struct{ kind, global, field string }{
		{"turnstile", "turnstile", "cf-turnstile-response"},
		{"hcaptcha", "hcaptcha", "h-captcha-response"},
		{"recaptcha", "grecaptcha", "g-recaptcha-response"},
	} {
		t.Run("compat-"+c.kind, func(t *testing.T) {
			require.NoError(t, chromedp.Do(ctx,
				chromedp.Navigate(srv.URL+"/compat/"+c.kind),
				chromedp.WaitVisible(chromedp.CSS(".astracaph__check")),
				chromedp.Click(chromedp.CSS(".astracaph__check")),
			))
			ok, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.title.indexOf('cb:tok-')===0`, chromedp.WithPollingTimeout(30*time.Second)))
			require.NoError(t, err)
			require.True(t, ok)
			_, n := api.last(t)
			tok := fmt.Sprintf("tok-%d", n)
			got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.title+'|'+document.querySelector('#f input[name="`+c.field+`"]').value+'|'+`+c.global+`.getResponse()+'|'+window.readyCalled`))
			require.NoError(t, err)
			require.Equal(t, "cb:"+tok+"|"+tok+"|"+tok+"|true", got)
			if c.kind == "recaptcha" { // v3: execute(siteKey, {action}) resolves to a fresh token
				v3, err := chromedp.Run(ctx, chromedp.Evaluate[string](`grecaptcha.execute('pk_test', {action: 'login'})`, chromedp.EvalAwaitPromise))
				require.NoError(t, err)
				_, n2 := api.last(t)
				require.Equal(t, fmt.Sprintf("tok-%d", n2), v3)
				require.Greater(t, n2, n)
			}
			noViolations(t)
		})
	}

	t.Run("iframe", func(t *testing.T) {
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/parent")))
		ok, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.title.indexOf('verified:tok-')===0 && window.resized > 0`, chromedp.WithPollingTimeout(30*time.Second)))
		require.NoError(t, err)
		require.True(t, ok)
		rd, _ := api.last(t)
		require.Equal(t, srv.URL, rd.Origin, "the frame reports its parent's origin")
		noViolations(t)
	})

	t.Run("cross-origin", func(t *testing.T) {
		_, n := api.last(t) // before the click, so the next token number is known
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Navigate(other.URL+"/page"),
			chromedp.WaitVisible(chromedp.CSS(".astracaph__check")),
			chromedp.Click(chromedp.CSS(".astracaph__check")),
		))
		ok, err := chromedp.Run(ctx, waitToken(fmt.Sprintf("tok-%d", n+1)))
		require.NoError(t, err)
		require.True(t, ok)
		check(t, false, false)
		noViolations(t)
	})
}

// parentJS drives the iframe page through postMessage: execute on ready, record the token.
const parentJS = `window.addEventListener('message', function (e) {
  var fr = document.getElementById('fr');
  if (e.origin !== location.origin || e.source !== fr.contentWindow) return;
  if (e.data.type === 'astracaph-ready') fr.contentWindow.postMessage({type: 'astracaph-execute'}, location.origin);
  if (e.data.type === 'astracaph-resize') window.resized = e.data.height;
  if (e.data.type === 'astracaph-verified') document.title = 'verified:' + e.data.detail.token;
});`

const compatPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>t</title><script src="/cb.js"></script></head>
<body><form id="f"><div class="%s" data-sitekey="pk_test" data-callback="onTok"></div></form>
<script src="/api/v1/widget.js?compat=%s&onload=onReady"></script></body></html>`

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
