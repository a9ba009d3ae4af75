package server_test

// A bot author's battery against a default server (risk engine on, official ALTCHA widget not
// allowed), driven over real HTTP with real proof-of-work solves: none of the scripted clients
// may get a token directly, and the human controls (the documents the widget sends for a
// mouse, a keyboard, a screen reader and a privacy browser) must.

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/internal/mousedata"
	"github.com/astracat/astracaph/internal/scripted"
	"github.com/astracat/astracaph/risk"
)

// battery is a default server and a client with a full set of Chrome headers.
type battery struct {
	t   *testing.T
	c   *astracaph.Captcha
	cli *scripted.Client
}

func newBattery(t *testing.T, cfg astracaph.RiskEngineOptions) *battery {
	t.Helper()
	e := newEnv(t, astracaph.WithRiskEngine(cfg))
	ts := httptest.NewServer(e.srv)
	t.Cleanup(ts.Close)
	return &battery{t: t, c: e.c, cli: &scripted.Client{Base: ts.URL, Header: scripted.ChromeHeader(), Origin: "https://shop.example"}}
}

func (b *battery) solve() scripted.Solved {
	b.t.Helper()
	s, err := b.cli.Solve(context.Background(), "")
	require.NoError(b.t, err)
	return s
}

func (b *battery) redeem(s scripted.Solved, tel json.RawMessage) scripted.Result {
	b.t.Helper()
	r, err := b.cli.Redeem(context.Background(), s.Payload, tel, "")
	require.NoError(b.t, err)
	require.Contains(b.t, []int{http.StatusOK, http.StatusForbidden}, r.Status, "%v", r.Body)
	return r
}

// noToken asserts the redemption did not earn a token (visual step or denial).
func noToken(t *testing.T, r scripted.Result) {
	t.Helper()
	require.False(t, r.Token(), "a scripted client got a token: %v", r.Body)
	require.True(t, r.Visual() || r.Denied(), "neither a visual step nor a denial: %v", r.Body)
}

func token(t *testing.T, r scripted.Result) {
	t.Helper()
	require.True(t, r.Token(), "a human control got no token: %v", r.Body)
}

func rng(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed+1)) }

func TestScriptedClientNoTelemetry(t *testing.T) {
	b := newBattery(t, astracaph.RiskEngineOptions{})
	noToken(t, b.redeem(b.solve(), nil))
}

func TestScriptedClientEmptyTelemetry(t *testing.T) {
	b := newBattery(t, astracaph.RiskEngineOptions{})
	noToken(t, b.redeem(b.solve(), json.RawMessage(`{"v":1}`)))
}

func TestScriptedClientGoClientChromeUAOnly(t *testing.T) {
	b := newBattery(t, astracaph.RiskEngineOptions{})
	b.cli.Header = http.Header{"User-Agent": {scripted.ChromeHeader().Get("User-Agent")}}
	noToken(t, b.redeem(b.solve(), nil))
}

// The forger read docs/risk.md and even has the environment check's answer (a browser farm):
// the pointer still gives the script away.
func TestScriptedClientStraightLineConstantSpeed(t *testing.T) {
	b := newBattery(t, astracaph.RiskEngineOptions{})
	for i := range 5 {
		s := b.solve()
		doc := scripted.MouseDoc(rng(uint64(i)), s, scripted.ProofAnswer(b.c, s.ID))
		line := mousedata.Bot(rng(uint64(100+i)), mousedata.BotLineConst)
		line.Press, line.Release = line.Moves[len(line.Moves)-1][2]+150, line.Moves[len(line.Moves)-1][2]+240
		line.DX, line.DY = ptr(3.0), ptr(-2.0)
		doc.Beh = line.Behaviour(mousedata.WidgetFloorMs)
		scripted.Binding(doc, s, *doc.Beh.Act.T)
		noToken(t, b.redeem(s, scripted.Raw(doc)))
	}
}

// One recorded human document replayed four times. Verbatim it names another challenge and
// carries that challenge's answer; re-bound to each new challenge (with a valid answer from a
// browser farm) it is still the same behaviour stream: at most one token in all.
func TestScriptedClientSameHumanTelemetryFourTimes(t *testing.T) {
	b := newBattery(t, astracaph.RiskEngineOptions{})
	rec := b.solve()
	recorded := scripted.MouseDoc(rng(7), rec, scripted.ProofAnswer(b.c, rec.ID))
	raw := scripted.Raw(recorded)
	for range 4 {
		noToken(t, b.redeem(b.solve(), raw))
	}
	tokens := 0
	for range 4 {
		s := b.solve()
		doc := *recorded
		doc.Proof = scripted.ProofAnswer(b.c, s.ID)
		doc.Ch = &risk.Binding{ID: s.ID, Rcv: recorded.Ch.Rcv, Sol: recorded.Ch.Sol, Snd: recorded.Ch.Snd}
		if r := b.redeem(s, scripted.Raw(&doc)); r.Token() {
			tokens++
		}
	}
	require.LessOrEqual(t, tokens, 1, "one behaviour stream earns at most one token")
}

// A complete, human-looking document, but the client cannot run the environment check.
func TestScriptedClientNoEnvironmentCheck(t *testing.T) {
	b := newBattery(t, astracaph.RiskEngineOptions{})
	s := b.solve()
	noToken(t, b.redeem(s, scripted.Raw(scripted.MouseDoc(rng(1), s, ""))))
}

// A DOM emulation (jsdom, happy-dom) runs the check but lays nothing out.
func TestScriptedClientWrongEnvironmentAnswer(t *testing.T) {
	b := newBattery(t, astracaph.RiskEngineOptions{})
	s := b.solve()
	noToken(t, b.redeem(s, scripted.Raw(scripted.MouseDoc(rng(2), s, "1234567"))))
}

func TestScriptedClientDocumentForAnotherChallenge(t *testing.T) {
	b := newBattery(t, astracaph.RiskEngineOptions{})
	other, s := b.solve(), b.solve()
	doc := scripted.MouseDoc(rng(3), other, scripted.ProofAnswer(b.c, other.ID))
	noToken(t, b.redeem(s, scripted.Raw(doc)))
}

func TestScriptedClientImpossibleTiming(t *testing.T) {
	b := newBattery(t, astracaph.RiskEngineOptions{})
	s := b.solve()
	doc := scripted.MouseDoc(rng(4), s, scripted.ProofAnswer(b.c, s.ID))
	doc.Ch.Snd = ptr(60_000.0) // held the challenge a minute: it was issued a moment ago
	noToken(t, b.redeem(s, scripted.Raw(doc)))
}

func TestScriptedClientTeleportCentreClick(t *testing.T) {
	b := newBattery(t, astracaph.RiskEngineOptions{})
	s := b.solve()
	doc := scripted.MouseDoc(rng(5), s, scripted.ProofAnswer(b.c, s.ID))
	doc.Beh = mousedata.Bot(rng(6), mousedata.BotTeleport).Behaviour(mousedata.WidgetFloorMs)
	scripted.Binding(doc, s, *doc.Beh.Act.T)
	noToken(t, b.redeem(s, scripted.Raw(doc)))
}

func TestScriptedClientNoActivation(t *testing.T) {
	b := newBattery(t, astracaph.RiskEngineOptions{})
	s := b.solve()
	doc := scripted.MouseDoc(rng(8), s, scripted.ProofAnswer(b.c, s.ID))
	doc.Beh = &risk.Behaviour{}
	noToken(t, b.redeem(s, scripted.Raw(doc)))
}

func TestScriptedClientWebdriverDenied(t *testing.T) {
	b := newBattery(t, astracaph.RiskEngineOptions{})
	s := b.solve()
	doc := scripted.MouseDoc(rng(9), s, scripted.ProofAnswer(b.c, s.ID))
	doc.Env.WebDriver = true
	r := b.redeem(s, scripted.Raw(doc))
	require.True(t, r.Denied(), "%v", r.Body)
}

func TestScriptedClientDispatchedEventsDenied(t *testing.T) {
	b := newBattery(t, astracaph.RiskEngineOptions{})
	s := b.solve()
	doc := scripted.MouseDoc(rng(10), s, scripted.ProofAnswer(b.c, s.ID))
	doc.Beh.Untrusted = 3
	r := b.redeem(s, scripted.Raw(doc))
	require.True(t, r.Denied(), "%v", r.Body)
}

func TestScriptedClientCurlDenied(t *testing.T) {
	b := newBattery(t, astracaph.RiskEngineOptions{})
	b.cli.Header = http.Header{"User-Agent": {"curl/8.5.0"}}
	r := b.redeem(b.solve(), nil)
	require.True(t, r.Denied(), "%v", r.Body)
}

// The human controls: what the widget sends from a real browser (the environment check
// answered, as a browser does).

func TestHumanControlMouse(t *testing.T) {
	b := newBattery(t, astracaph.RiskEngineOptions{})
	for i := range 5 {
		s := b.solve()
		token(t, b.redeem(s, scripted.Raw(scripted.MouseDoc(rng(uint64(20+i)), s, scripted.ProofAnswer(b.c, s.ID)))))
	}
}

func TestHumanControlKeyboardOnly(t *testing.T) {
	b := newBattery(t, astracaph.RiskEngineOptions{})
	s := b.solve()
	doc := scripted.MouseDoc(rng(30), s, scripted.ProofAnswer(b.c, s.ID))
	doc.Beh = &risk.Behaviour{
		Clicks: []risk.Click{{Detail: ptr(0), Trusted: ptr(true)}},
		Keys:   &risk.Keys{N: 6, IKI: []float64{5, 611.4, 4 * 52000, 240, 1100}, Special: []int{5, 0, 0, 0, 0, 0, 0, 0}},
		Focus:  &risk.Focus{N: 5, ViaKey: 5},
		Act:    &risk.Activation{N: 6, T: ptr(4200.0)},
	}
	scripted.Binding(doc, s, 4200)
	token(t, b.redeem(s, scripted.Raw(doc)))
}

func TestHumanControlScreenReader(t *testing.T) {
	b := newBattery(t, astracaph.RiskEngineOptions{})
	b.cli.Header.Set("User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0")
	b.cli.Header.Del("Sec-Ch-Ua")
	b.cli.Header.Del("Sec-Ch-Ua-Mobile")
	b.cli.Header.Del("Sec-Ch-Ua-Platform")
	s := b.solve()
	doc := scripted.MouseDoc(rng(31), s, scripted.ProofAnswer(b.c, s.ID))
	doc.Env.ChromeObject, doc.Env.UAData = ptr(false), nil
	// NVDA browse mode: the virtual cursor activates the checkbox; a click with detail 0,
	// no pointer, no key reaching the page.
	doc.Beh = &risk.Behaviour{
		Clicks: []risk.Click{{Detail: ptr(0), Trusted: ptr(true)}},
		Focus:  &risk.Focus{N: 1},
		Keys:   &risk.Keys{N: 0},
	}
	scripted.Binding(doc, s, 3100)
	token(t, b.redeem(s, scripted.Raw(doc)))
}

func TestHumanControlPrivacyBrowser(t *testing.T) {
	b := newBattery(t, astracaph.RiskEngineOptions{})
	b.cli.Header = http.Header{}
	for k, v := range map[string]string{
		"User-Agent": "Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0", "Accept": "*/*",
		"Accept-Language": "en-US,en;q=0.5", "Accept-Encoding": "gzip, deflate, br, zstd",
		"Sec-Fetch-Dest": "empty", "Sec-Fetch-Mode": "cors", "Sec-Fetch-Site": "same-origin",
	} {
		b.cli.Header.Set(k, v)
	}
	s := b.solve()
	doc := scripted.MouseDoc(rng(32), s, scripted.ProofAnswer(b.c, s.ID))
	// Tor Browser: UTC, two cores, no renderer, letterboxed window, 100 ms timers.
	doc.Env = &risk.Env{Privacy: "tor", TimeZone: "UTC", TZOffset: ptr(0), Hardware: ptr(2), Plugins: ptr(5),
		Languages: ptr(2), Language: "en-US", GL: &risk.GL{Blocked: true}, Lies: 4,
		Window: []float64{1000, 900, 1000, 900}, Screen: []float64{1000, 900, 1000, 900}, Focused: ptr(true)}
	for i := range doc.Beh.Pointer {
		doc.Beh.Pointer[i][2] = math.Round(doc.Beh.Pointer[i][2]/100) * 100
	}
	token(t, b.redeem(s, scripted.Raw(doc)))
}

// With the official ALTCHA widget allowed, absence is neutral again: its verify call, with no
// telemetry, gets a token.
func TestOfficialWidgetAllowedNoTelemetry(t *testing.T) {
	verify := func(b *battery) map[string]any {
		t.Helper()
		s := b.solve()
		req, err := http.NewRequest(http.MethodPost, b.cli.Base+"/api/v1/challenge/verify", jsonBody(map[string]any{"payload": s.Payload}))
		require.NoError(t, err)
		req.Header = scripted.ChromeHeader()
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", "https://shop.example")
		r, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer r.Body.Close()
		var out map[string]any
		require.NoError(t, json.NewDecoder(r.Body).Decode(&out))
		return out
	}
	out := verify(newBattery(t, astracaph.RiskEngineOptions{AllowALTCHAWidget: true}))
	require.Equal(t, true, out["verified"], "%v", out)
	// The same call against a default server is a visual step, not a token.
	out = verify(newBattery(t, astracaph.RiskEngineOptions{}))
	require.Equal(t, false, out["verified"], "%v", out)
	require.Equal(t, "step-up", out["reason"], "%v", out)
}

func ptr[T any](v T) *T { return &v }

func jsonBody(v any) *strings.Reader {
	b, _ := json.Marshal(v)
	return strings.NewReader(string(b))
}
