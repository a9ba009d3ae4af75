package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/server"
)

func TestGetChallengeV2Shape(t *testing.T) {
	e := newEnv(t)
	r := e.do(http.MethodGet, "/api/v1/challenge", nil)
	require.Equal(t, http.StatusOK, r.Code, r.String())
	requireJSON(t, r)
	require.Equal(t, "*", r.Header.Get("Access-Control-Allow-Origin"))
	require.Contains(t, r.Header.Get("Access-Control-Expose-Headers"), "X-Altcha-Config")
	require.Equal(t, "nosniff", r.Header.Get("X-Content-Type-Options"))

	m := r.JSON(t)
	require.NotEmpty(t, m["signature"])
	p, ok := m["parameters"].(map[string]any)
	require.True(t, ok, r.String())
	// The fields the official widget 3.x requires (docs/protocol-notes.md, "How widget 3.x reads challenges") and the signed data.
	require.Equal(t, "PBKDF2/SHA-256", p["algorithm"])
	for _, k := range []string{"nonce", "salt", "keyPrefix", "keySignature", "cost", "keyLength", "expiresAt"} {
		require.Contains(t, p, k)
	}
	require.EqualValues(t, fastPoW.Cost, p["cost"])
	require.InDelta(t, time.Now().Add(10*time.Minute).Unix(), p["expiresAt"], 5)
	data, _ := p["data"].(map[string]any)
	require.NotEmpty(t, data["challengeId"])
	require.NotContains(t, data, "site", "open-mode challenges carry no site")

	// Each request gets a fresh challenge.
	again := e.do(http.MethodGet, "/api/v1/challenge", nil).JSON(t)
	require.NotEqual(t, data["challengeId"], again["parameters"].(map[string]any)["data"].(map[string]any)["challengeId"])

	// HEAD is answered like GET (net/http drops the body).
	h := e.do(http.MethodHead, "/api/v1/challenge", nil)
	require.Equal(t, http.StatusOK, h.Code)
}

func TestGetChallengeV1Legacy(t *testing.T) {
	e := newEnv(t, astracaph.WithPoWV1(true))
	r := e.do(http.MethodGet, "/api/v1/challenge?v=1", nil)
	require.Equal(t, http.StatusOK, r.Code, r.String())
	requireJSON(t, r)
	m := r.JSON(t)
	for _, k := range []string{"algorithm", "challenge", "maxnumber", "salt", "signature"} {
		require.Contains(t, m, k, r.String())
	}
	require.NotContains(t, m, "maxNumber", "widget 2.x and altcha-lib JS read lowercase maxnumber")
	require.NotContains(t, m, "parameters")
	require.Equal(t, "SHA-256", m["algorithm"])
	require.EqualValues(t, fastPoW.V1MaxNumber, m["maxnumber"])

	// The legacy challenge redeems into a token like a v2 one.
	var ch astracaph.ChallengeV1
	require.NoError(t, json.Unmarshal(r.Body, &ch))
	sol, err := astracaph.SolveChallengeV1(context.Background(), ch)
	require.NoError(t, err)
	red := e.do(http.MethodPost, "/api/v1/challenge", map[string]any{"payload": astracaph.EncodePayloadV1(ch, sol)}, withOrigin("https://v1.example"))
	require.Equal(t, http.StatusOK, red.Code, red.String())
	require.Equal(t, true, red.JSON(t)["success"])
}

func TestGetChallengeSites(t *testing.T) {
	e := newEnv(t)
	requireError(t, e.do(http.MethodGet, "/api/v1/challenge?siteKey=pk_live_unknown", nil), http.StatusNotFound, "site-not-found")
	requireError(t, e.do(http.MethodGet, "/api/v1/challenge?sitekey=pk_live_unknown", nil), http.StatusNotFound, "site-not-found")

	key, _ := e.site("shop.example")
	ch := e.challenge("?siteKey=" + key)
	require.Equal(t, key, ch.Parameters.Data["site"], "the site key is signed into the challenge data")
	// The lowercase spelling (hCaptcha/Turnstile style) is accepted too.
	e.challenge("?sitekey=" + key)
	// A page of another origin cannot fetch the site's challenges.
	requireError(t, e.do(http.MethodGet, "/api/v1/challenge?siteKey="+key, nil, withOrigin("https://evil.example")), http.StatusForbidden, "origin-not-allowed")
	e.challenge("?siteKey="+key, withOrigin("https://www.shop.example"))

	closed := newEnv(t, astracaph.WithOpenMode(false))
	requireError(t, closed.do(http.MethodGet, "/api/v1/challenge", nil), http.StatusForbidden, "site-key-required")
}

func TestRedeemFlow(t *testing.T) {
	e := newEnv(t)
	p := e.solve("")
	r := e.do(http.MethodPost, "/api/v1/challenge", map[string]any{"payload": p}, withOrigin("https://shop.example"))
	require.Equal(t, http.StatusOK, r.Code, r.String())
	requireJSON(t, r)
	require.Equal(t, "*", r.Header.Get("Access-Control-Allow-Origin"))
	m := r.JSON(t)
	require.Equal(t, true, m["success"])
	require.NotEmpty(t, m["token"])
	require.NotContains(t, m, "score", "the client is never told its score")
	require.NotContains(t, m, "reasons")
	require.InDelta(t, time.Now().Add(5*time.Minute).Unix(), m["expiresAt"], 5)

	// The same solution cannot be redeemed twice.
	requireError(t, e.do(http.MethodPost, "/api/v1/challenge", map[string]any{"payload": p}, withOrigin("https://shop.example")), http.StatusForbidden, "already-used")

	// The token verifies once, bound to the page origin.
	tok := m["token"].(string)
	v := e.do(http.MethodPost, "/api/v1/verify", map[string]any{"token": tok, "origin": "https://shop.example"})
	require.Equal(t, http.StatusOK, v.Code, v.String())
	requireJSON(t, v)
	vm := v.JSON(t)
	require.Equal(t, true, vm["success"], v.String())
	require.Equal(t, "Verification successful", vm["message"])
	require.Equal(t, "shop.example", vm["hostname"])
	require.Equal(t, "", vm["siteKey"])
	require.EqualValues(t, 1, vm["score"])
	ts, err := time.Parse(time.RFC3339, vm["challenge_ts"].(string))
	require.NoError(t, err)
	require.WithinDuration(t, time.Now(), ts, 10*time.Second)

	v = e.do(http.MethodPost, "/api/v1/verify", map[string]any{"token": tok, "origin": "https://shop.example"})
	require.Equal(t, http.StatusOK, v.Code)
	vm = v.JSON(t)
	require.Equal(t, false, vm["success"])
	require.Equal(t, []any{astracaph.CodeTimeoutDuplicate}, vm["error-codes"])
	require.NotEmpty(t, vm["message"])
}

func TestRedeemErrors(t *testing.T) {
	e := newEnv(t)
	post := func(body any, mods ...reqMod) resp {
		return e.do(http.MethodPost, "/api/v1/challenge", body, mods...)
	}
	origin := withOrigin("https://shop.example")

	requireError(t, post(map[string]any{}, origin), http.StatusBadRequest, "missing-payload")
	requireError(t, post(map[string]any{"payload": "not a payload!"}, origin), http.StatusBadRequest, "invalid-payload")
	requireError(t, post(map[string]any{"payload": base64.StdEncoding.EncodeToString([]byte(`{"a":1}`))}, origin), http.StatusBadRequest, "invalid-payload")
	requireError(t, post(`{"payload":`, origin, withCT("application/json")), http.StatusBadRequest, "bad-request")
	// The official widget's test mode and foreign algorithms are told apart.
	testMode := base64.StdEncoding.EncodeToString([]byte(`{"algorithm":"SHA-256","challenge":"abc","number":1,"salt":"s","signature":"","test":true}`))
	requireError(t, post(map[string]any{"payload": testMode}, origin), http.StatusBadRequest, "test-payload")
	md5 := base64.StdEncoding.EncodeToString([]byte(`{"algorithm":"MD5","challenge":"abc","number":1,"salt":"saltsaltsalt","signature":"00"}`))
	requireError(t, post(map[string]any{"payload": md5}, origin), http.StatusBadRequest, "unknown-algorithm")

	// A wrong derived key is an invalid solution.
	ch := e.challenge("")
	sol, err := astracaph.SolveChallenge(context.Background(), ch, astracaph.SolveOptions{})
	require.NoError(t, err)
	bad := []byte(sol.DerivedKey)
	bad[0] = map[bool]byte{true: '1', false: '0'}[bad[0] == '0']
	sol.DerivedKey = string(bad)
	requireError(t, post(map[string]any{"payload": astracaph.EncodePayload(ch, sol)}, origin), http.StatusForbidden, "invalid-solution")

	// Open mode needs an origin (header or body).
	requireError(t, post(map[string]any{"payload": e.solve("")}), http.StatusBadRequest, "origin-required")

	// Site binding: a challenge for site A cannot be redeemed as B nor from a stranger's page.
	a, _ := e.site("a.example")
	b, _ := e.site("b.example")
	requireError(t, post(map[string]any{"payload": e.solve(a), "siteKey": b}, withOrigin("https://b.example")), http.StatusForbidden, "site-mismatch")
	requireError(t, post(map[string]any{"payload": e.solve(a), "siteKey": a}, withOrigin("https://evil.example")), http.StatusForbidden, "origin-not-allowed")

	// Wrong content type and method.
	r := post("payload=x", withCT("application/x-www-form-urlencoded"), origin)
	requireError(t, r, http.StatusUnsupportedMediaType, "unsupported-media-type")
}

func TestRedeemExpiredChallenge(t *testing.T) {
	clk := &clock{t: time.Now()}
	e := newEnv(t, astracaph.WithClock(clk.now))
	p := e.solve("")
	clk.add(11 * time.Minute)
	requireError(t, e.do(http.MethodPost, "/api/v1/challenge", map[string]any{"payload": p}, withOrigin("https://x.example")), http.StatusForbidden, "expired")

	// An expired token is reported like a spent one.
	tok := e.token("", "https://x.example")
	clk.add(6 * time.Minute)
	v := e.do(http.MethodPost, "/api/v1/verify", map[string]any{"token": tok, "origin": "https://x.example"}).JSON(t)
	require.Equal(t, false, v["success"])
	require.Equal(t, []any{astracaph.CodeTimeoutDuplicate}, v["error-codes"])
	require.Equal(t, astracaph.CodeTimeoutDuplicate, v["error"], "the error shape of the rest of the API, beside the siteverify codes")
}

func TestRedeemOriginHeaderWins(t *testing.T) {
	e := newEnv(t)
	// The browser's Origin header beats what the body claims.
	r := e.do(http.MethodPost, "/api/v1/challenge", map[string]any{"payload": e.solve(""), "origin": "https://claimed.example"}, withOrigin("https://real.example"))
	require.Equal(t, http.StatusOK, r.Code, r.String())
	tok := r.JSON(t)["token"].(string)
	v := e.do(http.MethodPost, "/api/v1/verify", map[string]any{"token": tok, "origin": "https://claimed.example"}).JSON(t)
	require.Equal(t, false, v["success"])
	require.Equal(t, []any{astracaph.CodeOriginMismatch}, v["error-codes"])
	v = e.do(http.MethodPost, "/api/v1/verify", map[string]any{"token": tok, "origin": "https://real.example"}).JSON(t)
	require.Equal(t, true, v["success"], v)

	// A body claiming "null" is no origin at all.
	requireError(t, e.do(http.MethodPost, "/api/v1/challenge", map[string]any{"payload": e.solve(""), "origin": "null"}, withOrigin("null")), http.StatusBadRequest, "origin-required")

	// Without a header (or with "null" from a sandboxed frame) the body's origin is used.
	for _, mods := range [][]reqMod{nil, {withOrigin("null")}} {
		r = e.do(http.MethodPost, "/api/v1/challenge", map[string]any{"payload": e.solve(""), "origin": "https://claimed.example"}, mods...)
		require.Equal(t, http.StatusOK, r.Code, r.String())
		v = e.do(http.MethodPost, "/api/v1/verify", map[string]any{"token": r.JSON(t)["token"], "domain": "claimed.example"}).JSON(t)
		require.Equal(t, true, v["success"], v)
	}
}

func TestRedeemRegisteredSite(t *testing.T) {
	e := newEnv(t)
	key, secret := e.site("shop.example", "https://partner.example")
	tok := e.token(key, "https://www.shop.example")
	v := e.do(http.MethodPost, "/api/v1/verify", map[string]any{"token": tok, "secret": secret}).JSON(t)
	require.Equal(t, true, v["success"], v)
	require.Equal(t, key, v["siteKey"])
	require.Equal(t, "www.shop.example", v["hostname"])
	e.token(key, "https://partner.example")
}

func denyRisk(reasons ...string) astracaph.RiskFunc {
	return func(context.Context, astracaph.RiskContext) (astracaph.Assessment, error) {
		return astracaph.Assessment{Action: astracaph.ActionDeny, Score: 0.05, Reasons: reasons}, nil
	}
}

func stepUpRisk(context.Context, astracaph.RiskContext) (astracaph.Assessment, error) {
	return astracaph.Assessment{Action: astracaph.ActionStepUp, Score: 0.4, Reasons: []string{"net.HOSTING"}}, nil
}

func TestRedeemDenied(t *testing.T) {
	e := newEnv(t, astracaph.WithRisk(denyRisk("bot.HEADLESS", "net.TOR")))
	r, m := e.redeem("", "https://x.example")
	require.Equal(t, http.StatusForbidden, r.Code, r.String())
	require.Equal(t, false, m["success"])
	require.Equal(t, "denied", m["error"])
	require.NotContains(t, m, "token")
}

func TestRedeemStepUpVisual(t *testing.T) {
	e := newEnv(t, astracaph.WithRisk(stepUpRisk))
	r, m := e.redeem("", "https://v.example")
	require.Equal(t, http.StatusOK, r.Code, r.String())
	require.Equal(t, false, m["success"])
	require.Equal(t, "visual", m["step"])
	require.NotContains(t, m, "token")
	require.NotContains(t, m, "reasons")
	require.NotContains(t, m, "score")
	vis, ok := m["visual"].(map[string]any)
	require.True(t, ok, r.String())
	id, _ := vis["id"].(string)
	require.NotEmpty(t, id)
	require.Equal(t, "/api/v1/challenge/visual/"+id+"/image.png", vis["image"])
	require.Equal(t, "/api/v1/challenge/visual/"+id+"/audio.wav", vis["audio"])
	require.EqualValues(t, 6, vis["length"])
	require.EqualValues(t, 3, vis["attempts"])
	require.InDelta(t, time.Now().Add(5*time.Minute).Unix(), vis["expiresAt"], 5)
	require.NotContains(t, string(r.Body), `"code"`, "the answer never travels to the client")

	// Media: a HEAD does not spend them; GET gets the right types, once.
	for _, u := range []string{vis["image"].(string), vis["audio"].(string)} {
		h := e.do(http.MethodHead, u, nil)
		require.Equal(t, http.StatusMethodNotAllowed, h.Code)
		require.Equal(t, "GET", h.Header.Get("Allow"))
	}
	img := e.do(http.MethodGet, vis["image"].(string), nil)
	require.Equal(t, http.StatusOK, img.Code, img.String())
	require.Equal(t, "image/png", img.Header.Get("Content-Type"))
	require.Equal(t, "no-store", img.Header.Get("Cache-Control"))
	require.Equal(t, "\x89PNG", string(img.Body[:4]))
	requireError(t, e.do(http.MethodGet, vis["image"].(string), nil), http.StatusNotFound, "already-served")
	wav := e.do(http.MethodGet, vis["audio"].(string), nil)
	require.Equal(t, http.StatusOK, wav.Code, wav.String())
	require.Equal(t, "audio/wav", wav.Header.Get("Content-Type"))
	require.Equal(t, "RIFF", string(wav.Body[:4]))
	requireError(t, e.do(http.MethodGet, vis["audio"].(string), nil), http.StatusNotFound, "already-served")
	requireError(t, e.do(http.MethodGet, "/api/v1/challenge/visual/"+id+"/other.gif", nil), http.StatusNotFound, "not-found")
	requireError(t, e.do(http.MethodGet, "/api/v1/challenge/visual/v_unknown/image.png", nil), http.StatusNotFound, "expired")

	// A wrong code costs an attempt.
	w := e.do(http.MethodPost, "/api/v1/challenge/visual", map[string]any{"id": id, "code": "zzzzzz"})
	wm := requireError(t, w, http.StatusForbidden, "wrong-answer")
	require.EqualValues(t, 2, wm["attemptsLeft"])
	requireError(t, e.do(http.MethodPost, "/api/v1/challenge/visual", map[string]any{"id": id}), http.StatusBadRequest, "bad-request")
	requireError(t, e.do(http.MethodPost, "/api/v1/challenge/visual", map[string]any{"code": "x"}), http.StatusBadRequest, "bad-request")

	// "Verify by waiting": the heavy challenge, solved, passes the step and yields a token.
	waitJS, err := json.Marshal(vis["wait"])
	require.NoError(t, err)
	var wait astracaph.Challenge
	require.NoError(t, json.Unmarshal(waitJS, &wait))
	p := solveChallenge(t, wait)
	ok2 := e.do(http.MethodPost, "/api/v1/challenge/visual", map[string]any{"id": id, "payload": p})
	require.Equal(t, http.StatusOK, ok2.Code, ok2.String())
	om := ok2.JSON(t)
	require.Equal(t, true, om["success"])
	require.NotContains(t, om, "reasons")
	v := e.do(http.MethodPost, "/api/v1/verify", map[string]any{"token": om["token"], "origin": "https://v.example"}).JSON(t)
	require.Equal(t, true, v["success"], v)
	require.Contains(t, v["reasons"], "human.VISUAL_SOLVED", "the backend sees the reasons")
	// The step is gone once passed.
	requireError(t, e.do(http.MethodPost, "/api/v1/challenge/visual", map[string]any{"id": id, "payload": p}), http.StatusNotFound, "expired")
}

func TestVisualAttemptsRunOut(t *testing.T) {
	e := newEnv(t, astracaph.WithRisk(stepUpRisk))
	_, m := e.redeem("", "https://v.example")
	id := m["visual"].(map[string]any)["id"].(string)
	left := []float64{2, 1}
	for _, want := range left {
		wm := requireError(t, e.do(http.MethodPost, "/api/v1/challenge/visual", map[string]any{"id": id, "code": "zzzzzz"}), http.StatusForbidden, "wrong-answer")
		require.EqualValues(t, want, wm["attemptsLeft"])
	}
	requireError(t, e.do(http.MethodPost, "/api/v1/challenge/visual", map[string]any{"id": id, "code": "zzzzzz"}), http.StatusForbidden, "no-attempts-left")
	requireError(t, e.do(http.MethodPost, "/api/v1/challenge/visual", map[string]any{"id": id, "code": "zzzzzz"}), http.StatusNotFound, "expired")
}

func TestAltchaVerifyURL(t *testing.T) {
	e := newEnv(t)
	post := func(body any, mods ...reqMod) map[string]any {
		t.Helper()
		r := e.do(http.MethodPost, "/api/v1/challenge/verify", body, mods...)
		require.Equal(t, http.StatusOK, r.Code, r.String())
		requireJSON(t, r)
		require.Equal(t, "*", r.Header.Get("Access-Control-Allow-Origin"))
		return r.JSON(t)
	}
	// The widget posts {payload, fields?, timeZone?, code?}.
	m := post(map[string]any{"payload": e.solve(""), "timeZone": "Europe/Berlin", "fields": map[string]string{"name": "Ann"}}, withOrigin("https://form.example"))
	require.Equal(t, true, m["verified"], m)
	tok, _ := m["payload"].(string)
	require.NotEmpty(t, tok, "widget 2.x hangs without a payload")
	require.True(t, astracaph.IsServerPayload(tok))
	v := e.do(http.MethodPost, "/api/v1/verify", map[string]any{"token": tok, "origin": "https://form.example"}).JSON(t)
	require.Equal(t, true, v["success"], v)

	m = post(map[string]any{"payload": "garbage"}, withOrigin("https://form.example"))
	require.Equal(t, false, m["verified"])
	require.Equal(t, "invalid-payload", m["reason"])
	require.NotContains(t, m, "payload")
	m = post(map[string]any{"payload": e.solve("")})
	require.Equal(t, false, m["verified"])
	require.Equal(t, "origin-required", m["reason"])

	// A registered site given by query string (the widget inherits the challenge URL's query).
	key, secret := e.site("form.example")
	r := e.do(http.MethodPost, "/api/v1/challenge/verify?siteKey="+key, map[string]any{"payload": e.solve(key)}, withOrigin("https://form.example"))
	m = r.JSON(t)
	require.Equal(t, true, m["verified"], r.String())
	off, err := astracaph.VerifyServerSignature(m["payload"].(string), []byte(secret))
	require.NoError(t, err)
	require.True(t, off.Verified, "the payload verifies offline with the site secret")

	// Risk decisions other than pass are not verified.
	d := newEnv(t, astracaph.WithRisk(denyRisk("bot.X")))
	r = d.do(http.MethodPost, "/api/v1/challenge/verify", map[string]any{"payload": d.solve("")}, withOrigin("https://form.example"))
	m = r.JSON(t)
	require.Equal(t, false, m["verified"])
	require.Equal(t, "deny", m["reason"])
	require.NotContains(t, m, "reasons")
	require.NotContains(t, m, "score")

	requireError(t, e.do(http.MethodPost, "/api/v1/challenge/verify", "payload=x", withCT("text/plain")), http.StatusUnsupportedMediaType, "unsupported-media-type")
}

func TestChallengeRoutesStoreOutage(t *testing.T) {
	e := newEnv(t)
	p := e.solve("")
	e.store.down.Store(true)
	requireError(t, e.do(http.MethodGet, "/api/v1/challenge", nil), http.StatusServiceUnavailable, "unavailable")
	requireError(t, e.do(http.MethodPost, "/api/v1/challenge", map[string]any{"payload": p}, withOrigin("https://x.example")), http.StatusServiceUnavailable, "unavailable")
	requireError(t, e.do(http.MethodPost, "/api/v1/challenge/verify", map[string]any{"payload": p}, withOrigin("https://x.example")), http.StatusServiceUnavailable, "unavailable")
	requireError(t, e.do(http.MethodGet, "/api/v1/challenge/visual/v_x/image.png", nil), http.StatusServiceUnavailable, "unavailable")
	e.store.down.Store(false)
	// The outage did not burn the solution.
	r := e.do(http.MethodPost, "/api/v1/challenge", map[string]any{"payload": p}, withOrigin("https://x.example"))
	require.Equal(t, http.StatusOK, r.Code, r.String())

	// The details go to the operator's log, not to the client.
	var logs bytes.Buffer
	lg := newEnv(t, server.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	lg.store.down.Store(true)
	r = lg.do(http.MethodGet, "/api/v1/challenge/visual/v_x/image.png", nil)
	requireError(t, r, http.StatusServiceUnavailable, "unavailable")
	require.NotContains(t, string(r.Body), "simulated")
	require.Contains(t, logs.String(), "simulated outage")

	// Without rate limits the limiter does not touch the store: the engine's own
	// failure (site lookup) is what answers 503.
	nl := newEnv(t, withNoLimits())
	key, _ := nl.site("x.example")
	nl.store.down.Store(true)
	r = nl.do(http.MethodGet, "/api/v1/challenge?siteKey="+key, nil)
	requireError(t, r, http.StatusServiceUnavailable, "unavailable")
	require.False(t, strings.Contains(string(r.Body), "simulated"), "internal errors are not echoed: %s", r.Body)
}

func TestTurnstileTestSiteKeys(t *testing.T) {
	e := newEnv(t)
	// Pass: the dummy token, which then verifies with the pass secret only.
	r, m := e.redeem(astracaph.TestSiteKeyPass, "")
	require.Equal(t, http.StatusOK, r.Code, r.String())
	require.Equal(t, astracaph.TestToken, m["token"])
	_, sv := siteverify(t, e, "/turnstile/v0/siteverify", "form", map[string]string{"secret": astracaph.TestSecretPass, "response": astracaph.TestToken})
	require.Equal(t, true, sv["success"])
	v := e.do(http.MethodPost, "/api/v1/verify", map[string]any{"token": astracaph.TestToken, "origin": "https://x.example"}).JSON(t)
	require.Equal(t, false, v["success"])
	// Block: always denied.
	r, m = e.redeem(astracaph.TestSiteKeyBlock, "")
	require.Equal(t, http.StatusForbidden, r.Code, r.String())
	require.Equal(t, "denied", m["error"])
	// Forced interaction: always the visual step.
	r, m = e.redeem(astracaph.TestSiteKeyStepUp, "https://x.example")
	require.Equal(t, http.StatusOK, r.Code, r.String())
	require.Equal(t, "visual", m["step"])
}
