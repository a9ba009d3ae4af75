package astracaph_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/internal/scripted"
	"github.com/astracat/astracaph/risk"
	"github.com/astracat/astracaph/spam"
)

func browserHeader() http.Header {
	h := http.Header{}
	h.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36")
	h.Set("Accept-Language", "en-GB,en;q=0.9")
	h.Set("Accept-Encoding", "gzip, deflate, br")
	h.Set("Sec-Fetch-Site", "same-origin")
	h.Set("Sec-Fetch-Mode", "cors")
	h.Set("Sec-CH-UA", `"Chromium";v="140"`)
	return h
}

func riskCaptcha(t *testing.T, class string) *astracaph.Captcha {
	filter, err := spam.NewFilter()
	require.NoError(t, err)
	return newCaptcha(t, astracaph.WithRiskEngine(astracaph.RiskEngineOptions{
		IPClass: func(netip.Addr) string { return class }, Spam: filter,
	}))
}

// solved runs the browser's part and keeps what the widget knows about the challenge.
func solved(t testing.TB, c *astracaph.Captcha) scripted.Solved {
	t.Helper()
	ch, err := c.Challenge(context.Background(), astracaph.ChallengeRequest{ClientIP: netip.MustParseAddr("198.51.100.7")})
	require.NoError(t, err)
	sol, err := astracaph.SolveChallenge(context.Background(), ch, astracaph.SolveOptions{Workers: 1})
	require.NoError(t, err)
	id, _ := ch.Parameters.Data["challengeId"].(string)
	return scripted.Solved{Challenge: ch, Payload: astracaph.EncodePayload(ch, sol), ID: id, Counter: uint64(sol.Counter)}
}

// keyboardDoc is the widget's document for a keyboard user (Tab to the checkbox, Space):
// no pointer, a click with detail 0, keys and focus moves, bound to s with the right proof.
func keyboardDoc(c *astracaph.Captcha, s scripted.Solved, iki float64) []byte {
	d := `{"v":1,"env":{"wd":false,"plugins":5,"langs":2,"lang":"en-GB","chromeObj":true,"tz":"Europe/Berlin"},` +
		`"beh":{"clicks":[{"detail":0,"trusted":true,"type":""}],"focus":{"n":3,"viaKey":3,"viaPtr":0},` +
		`"keys":{"n":4,"iki":[3,` + strconv.FormatFloat(iki, 'f', 1, 64) + `,90000,180,700]},"act":{"n":4,"t":1900}},` +
		`"ch":{"id":"` + s.ID + `","rcv":1980,"sol":400,"snd":405},"proof":"` + scripted.ProofAnswer(c, s.ID) + `"}`
	return []byte(d)
}

func TestRiskEngineDecisions(t *testing.T) {
	ctx := context.Background()
	ip := netip.MustParseAddr("203.0.113.9")
	c := riskCaptcha(t, risk.IPResidential)
	s := solved(t, c)
	d, err := c.Redeem(ctx, astracaph.RedeemRequest{Payload: s.Payload, Origin: "https://r.example", ClientIP: ip, Header: browserHeader(), Telemetry: keyboardDoc(c, s, 412.5)})
	require.NoError(t, err)
	require.Equal(t, astracaph.ActionPass, d.Action, d.Reasons)
	require.Greater(t, d.Score, 0.5)

	headless := `{"v":1,"env":{"wd":true,"hlUA":true}}`
	h := browserHeader()
	h.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/140.0 Safari/537.36")
	d, err = c.Redeem(ctx, astracaph.RedeemRequest{Payload: solve(t, c, "", ""), Origin: "https://r.example", ClientIP: ip, Header: h, Telemetry: []byte(headless)})
	require.NoError(t, err)
	require.Equal(t, astracaph.ActionDeny, d.Action)
	require.Contains(t, d.Reasons, "env.WEBDRIVER")
	require.Empty(t, d.Token)

	// Invalid telemetry is scored as such, not a 500: the visual step, never a denial.
	d, err = c.Redeem(ctx, astracaph.RedeemRequest{Payload: solve(t, c, "", ""), Origin: "https://r.example", ClientIP: ip, Header: browserHeader(), Telemetry: []byte(`{"v":99}`)})
	require.NoError(t, err)
	require.Equal(t, astracaph.ActionStepUp, d.Action, d.Reasons)
}

func TestAdaptiveDifficulty(t *testing.T) {
	ctx := context.Background()
	res := riskCaptcha(t, risk.IPResidential)
	host := riskCaptcha(t, risk.IPHosting)
	// Velocity: a flood from one prefix raises the work; another prefix is unaffected.
	work := func(c *astracaph.Captcha, ip string) int {
		ch, err := c.Challenge(ctx, astracaph.ChallengeRequest{ClientIP: netip.MustParseAddr(ip), Header: browserHeader()})
		require.NoError(t, err)
		sol, err := astracaph.SolveChallenge(ctx, ch, astracaph.SolveOptions{Workers: 1})
		require.NoError(t, err)
		return int(sol.Counter)
	}
	first := 0
	for range 5 {
		first += work(res, "198.51.100.1")
	}
	for range 60 {
		_, err := res.Challenge(ctx, astracaph.ChallengeRequest{ClientIP: netip.MustParseAddr("198.51.100.1"), Header: browserHeader()})
		require.NoError(t, err)
	}
	flooded := 0
	for range 5 {
		flooded += work(res, "198.51.100.1")
	}
	require.Greater(t, flooded, 2*first, "work grows with the request rate of the prefix")
	calm := 0
	for range 5 {
		calm += work(res, "192.0.2.1")
	}
	require.Less(t, calm, flooded)
	// A hosting address with a non-browser client gets more work than a residential one.
	// 40 samples each: the expected sums differ by 2×, several standard deviations apart.
	hostWork, resWork := 0, 0
	for i := range 40 {
		ip := netip.AddrFrom4([4]byte{10, 0, 0, byte(i + 1)}).String()
		ch, err := host.Challenge(ctx, astracaph.ChallengeRequest{ClientIP: netip.MustParseAddr(ip), Header: http.Header{"User-Agent": {"curl/8"}}})
		require.NoError(t, err)
		sol, _ := astracaph.SolveChallenge(ctx, ch, astracaph.SolveOptions{Workers: 1})
		hostWork += int(sol.Counter)
		resWork += work(res, netip.AddrFrom4([4]byte{10, 1, 0, byte(i + 1)}).String())
	}
	require.Greater(t, hostWork, resWork)
}

func TestSpamFieldsSignedIntoToken(t *testing.T) {
	ctx := context.Background()
	c := riskCaptcha(t, risk.IPResidential)
	fields := map[string]string{"name": "Jane Doe", "message": "Hello\nWorld", "email": "jane@example.com"}
	s := solved(t, c)
	d, err := c.Redeem(ctx, astracaph.RedeemRequest{Payload: s.Payload, Origin: "https://s.example", ClientIP: netip.MustParseAddr("203.0.113.5"), Header: browserHeader(), Fields: fields, Telemetry: keyboardDoc(c, s, 388.1)})
	require.NoError(t, err)
	require.Equal(t, astracaph.ActionPass, d.Action, d.Reasons)
	res, err := c.Verify(ctx, d.Token, astracaph.VerifyTokenOptions{Origin: "https://s.example"})
	require.NoError(t, err)
	require.True(t, res.Success)
	require.NotEmpty(t, res.Classification)
	require.Equal(t, []string{"email", "message", "name"}, res.Data.Fields)
	require.Equal(t, "jane@example.com", res.Data.Email)
	// The browser submits the textarea with CRLF: the signed hash matches the real form.
	form := url.Values{"name": {"Jane Doe"}, "message": {"Hello\r\nWorld"}, "email": {"jane@example.com"}}
	ok, err := astracaph.VerifyFieldsHash(form, res.Data.Fields, res.Data.FieldsHash, astracaph.SHA256)
	require.NoError(t, err)
	require.True(t, ok)
	form.Set("message", "Hello\r\nWorld, changed")
	ok, _ = astracaph.VerifyFieldsHash(form, res.Data.Fields, res.Data.FieldsHash, astracaph.SHA256)
	require.False(t, ok)

	spammy := map[string]string{"message": "BUY CHEAP VIAGRA NOW!!! http://bit.ly/x http://bit.ly/y <a href=http://spam.example>click</a> FREE MONEY casino"}
	s = solved(t, c)
	d, err = c.Redeem(ctx, astracaph.RedeemRequest{Payload: s.Payload, Origin: "https://s.example", ClientIP: netip.MustParseAddr("203.0.113.6"), Header: browserHeader(), Fields: spammy, Telemetry: keyboardDoc(c, s, 377.7)})
	require.NoError(t, err)
	b, _ := json.Marshal(d)
	require.Equal(t, "BAD", d.Classification, string(b))
}

// Failed redemptions, denials and wrong visual answers of one client prefix are recent
// failures (V2) for its next redemption; another prefix is unaffected.
func TestRecentFailuresPerClientPrefix(t *testing.T) {
	ctx := context.Background()
	c := riskCaptcha(t, risk.IPResidential)
	ip, other := netip.MustParseAddr("203.0.113.40"), netip.MustParseAddr("203.0.113.41")
	payload := solve(t, c, "", "")
	req := astracaph.RedeemRequest{Payload: payload, Origin: "https://f.example", ClientIP: ip, Header: browserHeader()}
	d, err := c.Redeem(ctx, req)
	require.NoError(t, err)
	require.Equal(t, astracaph.ActionStepUp, d.Action, "no telemetry: the visual step")
	_, err = c.Redeem(ctx, req)
	require.ErrorIs(t, err, astracaph.ErrChallengeUsed)
	_, err = c.AnswerVisual(ctx, astracaph.VisualAnswer{ID: d.Visual.ID, Code: "WRONG1", ClientIP: ip})
	require.ErrorIs(t, err, astracaph.ErrWrongAnswer)

	s := solved(t, c)
	d, err = c.Redeem(ctx, astracaph.RedeemRequest{Payload: s.Payload, Origin: "https://f.example", ClientIP: ip, Header: browserHeader(), Telemetry: keyboardDoc(c, s, 501.5)})
	require.NoError(t, err)
	require.Contains(t, d.Reasons, "vel.REPEATED_FAILURES")
	s = solved(t, c)
	d, err = c.Redeem(ctx, astracaph.RedeemRequest{Payload: s.Payload, Origin: "https://f.example", ClientIP: other, Header: browserHeader(), Telemetry: keyboardDoc(c, s, 502.5)})
	require.NoError(t, err)
	require.NotContains(t, d.Reasons, "vel.REPEATED_FAILURES")
	require.Equal(t, astracaph.ActionPass, d.Action)
}

func TestEnvProofScript(t *testing.T) {
	c := newCaptcha(t)
	js, _, err := c.EnvProof("abc")
	require.NoError(t, err)
	again, _, _ := c.EnvProof("abc")
	require.Equal(t, js, again, "derived, not stored: every server sharing the secret serves the same check")
	other, _, _ := c.EnvProof("abd")
	require.NotEqual(t, js, other)
	require.NotEqual(t, scripted.ProofAnswer(c, "abc"), scripted.ProofAnswer(c, "abd"))
	require.Regexp(t, `^[0-9]+$`, scripted.ProofAnswer(c, "abc"))
	for _, banned := range []string{"eval(", "Function(", "innerHTML", "setAttribute('style'", "<style"} {
		require.NotContains(t, string(js), banned, "strict CSP: no eval, no inline styles")
	}
	require.Contains(t, string(js), `detail:{id:"abc"`)

	// Another master secret, other programs: the answers cannot be precomputed from the source.
	c2, err := astracaph.New(astracaph.WithSecret([]byte("another-secret-0123456789abcdef")))
	require.NoError(t, err)
	require.NotEqual(t, scripted.ProofAnswer(c, "abc"), scripted.ProofAnswer(c2, "abc"))

	// Ids are escaped into the script.
	js, _, err = c.EnvProof(`x"</script><script>alert(1)</script>` + "\u2028")
	require.NoError(t, err)
	require.NotContains(t, string(js), "</script>")
	require.NotContains(t, string(js), "\u2028")
	for _, bad := range []string{"", strings.Repeat("a", risk.TelemetryMaxString+1)} {
		_, _, err := c.EnvProof(bad)
		require.ErrorIs(t, err, astracaph.ErrBadProofID)
	}
}
