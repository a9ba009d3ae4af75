package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/internal/pattest"
)

// watchJS records the widget's error events and the events' states, so a test can tell a
// silent fallback from an error the visitor saw.
const watchJS = `window.widgetErrors = [];
document.addEventListener('astracaph:error', function (e) { window.widgetErrors.push(e.detail.error); });`

// patPage is a page at one origin embedding the widget of the API at api (api == "" for the
// same origin), under a CSP that allows only the two.
func patPage(api string) (csp, body string) {
	src := "'self'"
	if api != "" {
		src += " " + api
	}
	csp = "default-src 'self'; script-src " + src + "; style-src " + src + "; connect-src " + src + "; worker-src 'self'; report-uri /csp-report"
	body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>pat</title></head><body>
<form id="f" action="/submit" method="post"><div id="astracaph-container"></div></form>
<script src="/watch.js"></script><script src="` + api + `/api/v1/widget.js"></script></body></html>`
	return csp, body
}

const patToken = `document.querySelector('#f input[name="astracaph-response"]') && document.querySelector('#f input[name="astracaph-response"]').value`

// TestPrivateTokenFallbackInChromium: Chromium answers no PrivateToken challenge. The widget
// asks for a token, gets the server's 401, and solves the proof of work silently: it passes
// with no error shown, and the token it gets is the work's.
func TestPrivateTokenFallbackInChromium(t *testing.T) {
	iss := pattest.Start(t, pattest.IssuerA)
	c := newEngine(t, astracaph.WithPrivacyPass(iss.Issuers(t, []string{pattest.IssuerA})))
	s := newSite(t, c)
	s.script("/watch.js", watchJS)
	csp, body := patPage("")
	s.page("/form", csp, body)
	ctx := newBrowser(t)

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(s.URL+"/form"),
		chromedp.WaitVisible(chromedp.CSS(".astracaph__check")),
		chromedp.Click(chromedp.CSS(".astracaph__check")),
	))
	waitJS(t, ctx, patToken, widgetDiag, 30*time.Second)
	require.Equal(t, "verified", eval[string](t, ctx, `document.querySelector('.astracaph').getAttribute('data-state')`))
	require.Empty(t, eval[[]string](t, ctx, `window.widgetErrors`), "the fallback is silent")
	asked := s.eventsOf("privatetoken")
	require.NotEmpty(t, asked, "the widget asked for a private token")
	require.Equal(t, http.StatusUnauthorized, asked[0].Status)

	code, out := s.postJSON("/api/v1/verify", map[string]string{"token": eval[string](t, ctx, patToken), "origin": s.URL})
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, true, out["success"], "%v", out)
	require.NotContains(t, out["reasons"], astracaph.ReasonPrivateToken, "earned by the proof of work")
	require.Empty(t, s.cspReports(), "CSP violations")
}

// TestPrivateTokenInChromium: a page embeds the widget of another origin; the browser plays
// Safari through CDP interception — when the widget asks for a private token, the harness
// fetches the server's 401, gets a token from the loopback issuer for its WWW-Authenticate
// and lets the browser's request go on with Authorization: PrivateToken, as Safari retries
// it. The harness also fails the proof of work's redemption, so only the token can verify
// the widget: it does, without an error, and the backend sees a token earned by
// privacypass.TOKEN, bound to the page.
func TestPrivateTokenInChromium(t *testing.T) {
	iss := pattest.Start(t, pattest.IssuerA)
	c := newEngine(t, astracaph.WithPrivacyPass(iss.Issuers(t, []string{pattest.IssuerA})))
	api := newSite(t, c)
	page := newSite(t, nil)
	page.script("/watch.js", watchJS)
	csp, body := patPage(api.URL)
	page.page("/", csp, body)
	ctx := newBrowser(t)

	answered := make(chan string, 4)
	paused := chromedp.Events(ctx, fetch.RequestPaused)
	go func() {
		for e, err := range paused {
			if err != nil {
				return
			}
			go func() {
				var err error
				switch {
				case strings.Contains(e.Request.URL, "/api/v1/challenge/private-token"):
					err = safariRetry(ctx, e, iss, answered)
				case e.Request.Method == http.MethodPost:
					_, err = chromedp.Call(ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: e.RequestID, ErrorReason: network.ErrorReasonFailed})
				default:
					_, err = chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: e.RequestID})
				}
				if ctx.Err() == nil {
					assert.NoError(t, err, "interception of %s", e.Request.URL)
				}
			}()
		}
	}()
	_, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{
		{URLPattern: "*/api/v1/challenge/private-token*"}, {URLPattern: "*/api/v1/challenge"},
	}})
	require.NoError(t, err)

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(page.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(".astracaph__check")),
		chromedp.Click(chromedp.CSS(".astracaph__check")),
	))
	waitJS(t, ctx, patToken, widgetDiag, 30*time.Second)
	require.Equal(t, "verified", eval[string](t, ctx, `document.querySelector('.astracaph').getAttribute('data-state')`))
	require.Empty(t, eval[[]string](t, ctx, `window.widgetErrors`))
	select {
	case <-answered:
	default:
		require.Fail(t, "the harness never answered a PrivateToken challenge")
	}
	var redeemed bool
	for _, e := range api.eventsOf("privatetoken") {
		redeemed = redeemed || e.Status == http.StatusOK
	}
	require.True(t, redeemed, "the server redeemed the token: %+v", api.eventsOf("privatetoken"))
	require.Empty(t, api.eventsOf("redeem"), "the proof of work's redemption never reached the server")

	code, out := api.postJSON("/api/v1/verify", map[string]string{"token": eval[string](t, ctx, patToken), "origin": page.URL})
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, true, out["success"], "%v", out)
	require.Equal(t, []any{astracaph.ReasonPrivateToken}, out["reasons"])
	require.Equal(t, astracaph.PrivateTokenScore, out["score"])
	require.Empty(t, page.cspReports(), "CSP violations")
}

// safariRetry does what Safari does with a 401 PrivateToken answer, for a request paused
// before it left the browser: it obtains the 401 itself, gets a token for its challenge, and
// lets the browser's request continue with the Authorization header.
func safariRetry(ctx context.Context, e fetch.EventRequestPaused, iss *pattest.Server, answered chan<- string) error {
	var headers []*fetch.HeaderEntry
	for k, v := range e.Request.Headers {
		if s, ok := v.(string); ok && !strings.EqualFold(k, "Authorization") {
			headers = append(headers, &fetch.HeaderEntry{Name: k, Value: s})
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.Request.URL, nil)
	if err != nil {
		return err
	}
	for _, h := range headers {
		req.Header.Set(h.Name, h.Value)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	hdr := resp.Header.Get("WWW-Authenticate")
	if resp.StatusCode != http.StatusUnauthorized || hdr == "" {
		_, err = chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: e.RequestID}) // nothing to answer
		return err
	}
	auth, err := iss.Respond(hdr, pattest.IssuerA)
	if err != nil {
		return err
	}
	answered <- auth
	_, err = chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: e.RequestID,
		Headers: append(headers, &fetch.HeaderEntry{Name: "Authorization", Value: auth})})
	return err
}
