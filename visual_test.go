package astracaph_test

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/internal/visual"
)

// stepUpAt returns a risk function that always asks for the visual step with the score.
func stepUpAt(score float64) astracaph.RiskFunc {
	return func(context.Context, astracaph.RiskContext) (astracaph.Assessment, error) {
		return astracaph.Assessment{Action: astracaph.ActionStepUp, Score: score, Reasons: []string{"net.HOSTING"}}, nil
	}
}

// A bot that passes a visual step (a few per cent of machine attempts do, docs/visual.md)
// must not walk away with a token that looks human: the token's score stays low, for the
// typed code and for "verify by waiting" alike.
func TestAttackVisualStepPassedByBotYieldsHumanScore(t *testing.T) {
	ctx := context.Background()
	ip := netip.MustParseAddr("198.51.100.7")
	for _, assessed := range []float64{0.45, 0.1} {
		c := newCaptcha(t, astracaph.WithRisk(stepUpAt(assessed)))
		for _, wait := range []bool{false, true} {
			d, err := c.Redeem(ctx, astracaph.RedeemRequest{Payload: solve(t, c, "", ""), Origin: "https://v.example", ClientIP: ip})
			require.NoError(t, err)
			require.Equal(t, astracaph.ActionStepUp, d.Action)
			ans := astracaph.VisualAnswer{ID: d.Visual.ID, ClientIP: ip}
			if wait {
				sol, err := astracaph.SolveChallenge(ctx, d.Visual.Wait, astracaph.SolveOptions{})
				require.NoError(t, err)
				ans.Payload = astracaph.EncodePayload(d.Visual.Wait, sol)
			} else {
				ans.Code = visualCode(t, c, d.Visual.ID)
			}
			got, err := c.AnswerVisual(ctx, ans)
			require.NoError(t, err)
			require.Equal(t, astracaph.ActionPass, got.Action)
			want := min(assessed, astracaph.VisualSolvedScore)
			require.InDelta(t, want, got.Score, 1e-9, "wait=%v", wait)
			res, err := c.Verify(ctx, got.Token, astracaph.VerifyTokenOptions{Origin: "https://v.example"})
			require.NoError(t, err)
			require.True(t, res.Success)
			require.InDelta(t, want, res.Score, 1e-9, "the signed token carries the low score")
			require.LessOrEqual(t, res.Score, astracaph.VisualSolvedScore)
		}
	}
}

// visualCode plays the person who read the image: the engine never reveals the code, so
// the test reads the step's server-side state (JSON under "vs:<id>") from the store.
func visualCode(t *testing.T, c *astracaph.Captcha, id string) string {
	t.Helper()
	b, err := c.Store().GetState(context.Background(), "vs:"+id)
	require.NoError(t, err)
	s := string(b)
	i := strings.Index(s, `"code":"`)
	require.GreaterOrEqual(t, i, 0)
	code := s[i+8 : i+8+6]
	require.True(t, visual.Equal(code, code))
	return code
}

// A script that passes a few per cent of visual steps needs many of them; each client
// prefix gets only so many per window.
func TestAttackManyVisualStepsFromOneNetwork(t *testing.T) {
	ctx := context.Background()
	c := newCaptcha(t, astracaph.WithRisk(stepUpAt(0.4)), astracaph.WithVisualLimit(3, time.Minute))
	redeem := func(ip string, site string) error {
		req := astracaph.RedeemRequest{Payload: solve(t, c, site, ""), Origin: "https://v.example", SiteKey: site}
		if ip != "" {
			req.ClientIP = netip.MustParseAddr(ip)
		}
		d, err := c.Redeem(ctx, req)
		if err == nil {
			require.Equal(t, astracaph.ActionStepUp, d.Action)
			require.NotNil(t, d.Visual)
		}
		return err
	}
	for i := 0; i < 3; i++ {
		require.NoError(t, redeem("203.0.113.5", ""))
	}
	require.ErrorIs(t, redeem("203.0.113.5", ""), astracaph.ErrVisualRateLimited)
	require.NoError(t, redeem("203.0.113.6", ""), "another address has its own budget")

	// IPv6: the whole /64 shares one budget.
	for i := 0; i < 3; i++ {
		require.NoError(t, redeem("2001:db8:1:2::"+string(rune('a'+i)), ""))
	}
	require.ErrorIs(t, redeem("2001:db8:1:2:ffff::1", ""), astracaph.ErrVisualRateLimited)
	require.NoError(t, redeem("2001:db8:1:3::1", ""))

	// Not counted: the step-up test key (integrators' test suites) and callers that pass
	// no address.
	for i := 0; i < 5; i++ {
		require.NoError(t, redeem("203.0.113.5", astracaph.TestSiteKeyStepUp))
		require.NoError(t, redeem("", ""))
	}
}

func TestVisualStepLimitWindowEnds(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)
	c := newCaptcha(t, astracaph.WithRisk(stepUpAt(0.4)), astracaph.WithVisualLimit(1, time.Minute),
		astracaph.WithClock(func() time.Time { return now }))
	ip := netip.MustParseAddr("203.0.113.9")
	redeem := func() error {
		_, err := c.Redeem(ctx, astracaph.RedeemRequest{Payload: solve(t, c, "", ""), Origin: "https://v.example", ClientIP: ip})
		return err
	}
	require.NoError(t, redeem())
	now = now.Add(40 * time.Second)
	err := redeem()
	var le *astracaph.VisualError
	require.ErrorAs(t, err, &le)
	require.Equal(t, 20*time.Second, le.RetryAfter)
	now = now.Add(le.RetryAfter)
	require.NoError(t, redeem(), "a new window")
}

func TestWithVisualLimitRejectsNoWindow(t *testing.T) {
	_, err := astracaph.New(astracaph.WithSecret([]byte("0123456789abcdef0123456789abcdef")), astracaph.WithVisualLimit(3, 0))
	require.Error(t, err)
	// Off is fine without a window.
	_, err = astracaph.New(astracaph.WithSecret([]byte("0123456789abcdef0123456789abcdef")), astracaph.WithVisualLimit(0, 0))
	require.NoError(t, err)
}
