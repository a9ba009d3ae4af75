package astracaph_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
)

// fastPoW keeps tests quick while exercising the real deterministic PBKDF2 path.
var fastPoW = astracaph.PoWConfig{Algorithm: astracaph.PBKDF2SHA256, Cost: 2, CounterMin: 1, CounterMax: 30, V1MaxNumber: 500}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newCaptcha(t testing.TB, opts ...astracaph.Option) *astracaph.Captcha {
	t.Helper()
	base := []astracaph.Option{astracaph.WithSecret([]byte("0123456789abcdef0123456789abcdef")), astracaph.WithPoW(fastPoW)}
	c, err := astracaph.New(append(base, opts...)...)
	require.NoError(t, err)
	return c
}

// solve runs the browser's part: fetch a challenge, solve it, return the payload.
func solve(t testing.TB, c *astracaph.Captcha, siteKey, origin string) string {
	t.Helper()
	ch, err := c.Challenge(context.Background(), astracaph.ChallengeRequest{SiteKey: siteKey, Origin: origin, ClientIP: netip.MustParseAddr("198.51.100.7")})
	require.NoError(t, err)
	js, err := json.Marshal(ch)
	require.NoError(t, err)
	var back astracaph.Challenge
	require.NoError(t, json.Unmarshal(js, &back))
	sol, err := astracaph.SolveChallenge(context.Background(), back, astracaph.SolveOptions{})
	require.NoError(t, err)
	return astracaph.EncodePayload(back, sol)
}

func redeem(t testing.TB, c *astracaph.Captcha, siteKey, origin string) astracaph.Decision {
	t.Helper()
	d, err := c.Redeem(context.Background(), astracaph.RedeemRequest{Payload: solve(t, c, siteKey, origin), SiteKey: siteKey, Origin: origin})
	require.NoError(t, err)
	require.Equal(t, astracaph.ActionPass, d.Action)
	require.NotEmpty(t, d.Token)
	return d
}

func TestZeroConfigNew(t *testing.T) {
	c, err := astracaph.New()
	require.NoError(t, err)
	ch, err := c.Challenge(context.Background(), astracaph.ChallengeRequest{})
	require.NoError(t, err)
	p := ch.Parameters
	require.Equal(t, astracaph.PBKDF2SHA256, p.Algorithm)
	require.Equal(t, 5000, p.Cost)
	require.NotEmpty(t, p.KeySignature)
	require.NotEmpty(t, p.Data["challengeId"])
	require.InDelta(t, time.Now().Add(10*time.Minute).Unix(), p.ExpiresAt, 5)
}

func TestOpenModeFlow(t *testing.T) {
	c := newCaptcha(t)
	ctx := context.Background()
	d := redeem(t, c, "", "https://shop.example.com")
	require.Equal(t, 1.0, d.Score)

	// Wrong origin, wrong domain, no binding at all.
	res, err := c.Verify(ctx, d.Token, astracaph.VerifyTokenOptions{Origin: "https://evil.example"})
	require.NoError(t, err)
	require.False(t, res.Success)
	res, err = c.Verify(ctx, d.Token, astracaph.VerifyTokenOptions{Domain: "other.example.com"})
	require.NoError(t, err)
	require.False(t, res.Success)
	res, err = c.Verify(ctx, d.Token, astracaph.VerifyTokenOptions{})
	require.NoError(t, err)
	require.Equal(t, []string{astracaph.CodeMissingSecret}, res.ErrorCodes)

	// A matching domain verifies once; the second time is a duplicate.
	res, err = c.Verify(ctx, d.Token, astracaph.VerifyTokenOptions{Domain: "SHOP.example.com"})
	require.NoError(t, err)
	require.True(t, res.Success, res.ErrorCodes)
	require.Equal(t, "shop.example.com", res.Hostname)
	require.WithinDuration(t, time.Now(), res.ChallengeTS, 5*time.Second)
	res, err = c.Verify(ctx, d.Token, astracaph.VerifyTokenOptions{Origin: "https://shop.example.com"})
	require.NoError(t, err)
	require.False(t, res.Success)
	require.Equal(t, []string{astracaph.CodeTimeoutDuplicate}, res.ErrorCodes)

	// Origin binding.
	d = redeem(t, c, "", "https://shop.example.com:443")
	res, err = c.Verify(ctx, d.Token, astracaph.VerifyTokenOptions{Origin: "https://shop.example.com"})
	require.NoError(t, err)
	require.True(t, res.Success)

	// Redeem needs an origin in open mode; a used challenge cannot be redeemed twice.
	p := solve(t, c, "", "")
	_, err = c.Redeem(ctx, astracaph.RedeemRequest{Payload: p})
	require.ErrorIs(t, err, astracaph.ErrOriginRequired)
	p = solve(t, c, "", "")
	_, err = c.Redeem(ctx, astracaph.RedeemRequest{Payload: p, Origin: "https://a.example"})
	require.NoError(t, err)
	_, err = c.Redeem(ctx, astracaph.RedeemRequest{Payload: p, Origin: "https://a.example"})
	require.ErrorIs(t, err, astracaph.ErrChallengeUsed)
}

func TestRegisteredSiteFlowAndBinding(t *testing.T) {
	c := newCaptcha(t)
	ctx := context.Background()
	a, err := c.RegisterSite(ctx, astracaph.SiteRequest{Domain: "https://Example.COM:8443/path", Name: "A", Origins: []string{"https://app.partner.test"}})
	require.NoError(t, err)
	require.Equal(t, "example.com", a.Domain)
	require.Regexp(t, `^pk_live_`, a.SiteKey)
	require.Regexp(t, `^sk_live_`, a.Secret)
	b, err := c.RegisterSite(ctx, astracaph.SiteRequest{Domain: "b.test", Name: "B"})
	require.NoError(t, err)
	_, err = c.RegisterSite(ctx, astracaph.SiteRequest{Domain: "example.com"})
	require.ErrorIs(t, err, astracaph.ErrExists)

	d := redeem(t, c, a.SiteKey, "https://www.example.com")
	// The token is an ALTCHA server-signature payload signed with the site secret:
	// verifiable offline.
	off, err := astracaph.VerifyServerSignature(d.Token, []byte(a.Secret))
	require.NoError(t, err)
	require.True(t, off.Verified)
	require.Equal(t, a.SiteKey, off.VerificationData.Site)
	require.Equal(t, "https://www.example.com", off.VerificationData.Origin)

	for name, o := range map[string]astracaph.VerifyTokenOptions{
		"wrong secret":        {Secret: "sk_live_wrong"},
		"other site's secret": {Secret: b.Secret},
		"wrong origin":        {Origin: "https://example.com"},
		"wrong domain":        {Domain: "b.test"},
		"wrong site key":      {Secret: a.Secret, SiteKey: b.SiteKey},
	} {
		res, err := c.Verify(ctx, d.Token, o)
		require.NoError(t, err)
		require.False(t, res.Success, name)
	}
	res, err := c.Verify(ctx, d.Token, astracaph.VerifyTokenOptions{Secret: a.Secret, SiteKey: a.SiteKey})
	require.NoError(t, err)
	require.True(t, res.Success, res.ErrorCodes)
	require.Equal(t, a.SiteKey, res.SiteKey)
	require.Equal(t, "www.example.com", res.Hostname)

	// Extra origins are allowed; strangers are not.
	redeem(t, c, a.SiteKey, "https://app.partner.test")
	_, err = c.Redeem(ctx, astracaph.RedeemRequest{Payload: solve(t, c, a.SiteKey, ""), SiteKey: a.SiteKey, Origin: "https://evil.test"})
	require.ErrorIs(t, err, astracaph.ErrOriginNotAllowed)
	_, err = c.Challenge(ctx, astracaph.ChallengeRequest{SiteKey: a.SiteKey, Origin: "https://evil.test"})
	require.ErrorIs(t, err, astracaph.ErrOriginNotAllowed)
	// A challenge for site A cannot be redeemed as site B.
	_, err = c.Redeem(ctx, astracaph.RedeemRequest{Payload: solve(t, c, a.SiteKey, ""), SiteKey: b.SiteKey, Origin: "https://b.test"})
	require.ErrorIs(t, err, astracaph.ErrSiteMismatch)
	// Site A's token does not verify for site B even with B's domain.
	d = redeem(t, c, a.SiteKey, "https://example.com")
	res, err = c.Verify(ctx, d.Token, astracaph.VerifyTokenOptions{Secret: b.Secret})
	require.NoError(t, err)
	require.False(t, res.Success)
	_, err = c.Challenge(ctx, astracaph.ChallengeRequest{SiteKey: "pk_live_unknown"})
	require.ErrorIs(t, err, astracaph.ErrNotFound)
}

func TestTokenExpiryAndTamper(t *testing.T) {
	clk := &clock{t: time.Now()}
	c := newCaptcha(t, astracaph.WithClock(clk.now))
	ctx := context.Background()
	d := redeem(t, c, "", "https://x.example")
	tampered := []byte(d.Token)
	tampered[len(tampered)/2] ^= 1
	res, err := c.Verify(ctx, string(tampered), astracaph.VerifyTokenOptions{Origin: "https://x.example"})
	require.NoError(t, err)
	require.False(t, res.Success)
	clk.add(6 * time.Minute)
	res, err = c.Verify(ctx, d.Token, astracaph.VerifyTokenOptions{Origin: "https://x.example"})
	require.NoError(t, err)
	require.Equal(t, []string{astracaph.CodeTimeoutDuplicate}, res.ErrorCodes)

	// An expired challenge cannot be redeemed.
	p := solve(t, c, "", "")
	clk.add(11 * time.Minute)
	_, err = c.Redeem(ctx, astracaph.RedeemRequest{Payload: p, Origin: "https://x.example"})
	require.ErrorIs(t, err, astracaph.ErrChallengeExpired)
}

func TestIdempotencyKey(t *testing.T) {
	c := newCaptcha(t)
	ctx := context.Background()
	d := redeem(t, c, "", "https://x.example")
	o := astracaph.VerifyTokenOptions{Origin: "https://x.example", IdempotencyKey: "retry-1"}
	for range 3 {
		res, err := c.Verify(ctx, d.Token, o)
		require.NoError(t, err)
		require.True(t, res.Success)
	}
	o.IdempotencyKey = "retry-2"
	res, err := c.Verify(ctx, d.Token, o)
	require.NoError(t, err)
	require.False(t, res.Success)
}

func TestConcurrentVerifyExactlyOnce(t *testing.T) {
	c := newCaptcha(t)
	d := redeem(t, c, "", "https://x.example")
	var ok atomic.Int32
	var wg sync.WaitGroup
	for range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := c.Verify(context.Background(), d.Token, astracaph.VerifyTokenOptions{Origin: "https://x.example"})
			if err == nil && res.Success {
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	require.Equal(t, int32(1), ok.Load())
}

func TestSecretRotationOverlap(t *testing.T) {
	clk := &clock{t: time.Now()}
	c := newCaptcha(t, astracaph.WithClock(clk.now))
	ctx := context.Background()
	s, err := c.RegisterSite(ctx, astracaph.SiteRequest{Domain: "rot.test"})
	require.NoError(t, err)
	old := redeem(t, c, s.SiteKey, "https://rot.test")
	_, err = c.RotateSecret(ctx, s.SiteKey, "sk_live_wrong", time.Hour)
	require.ErrorIs(t, err, astracaph.ErrForbidden)
	n, err := c.RotateSecret(ctx, s.SiteKey, s.Secret, time.Hour)
	require.NoError(t, err)
	require.NotEqual(t, s.Secret, n.Secret)
	// Old tokens and the old secret keep working during the overlap.
	res, err := c.Verify(ctx, old.Token, astracaph.VerifyTokenOptions{Secret: s.Secret})
	require.NoError(t, err)
	require.True(t, res.Success, res.ErrorCodes)
	fresh := redeem(t, c, s.SiteKey, "https://rot.test")
	res, err = c.Verify(ctx, fresh.Token, astracaph.VerifyTokenOptions{Secret: n.Secret})
	require.NoError(t, err)
	require.True(t, res.Success)
	// After the overlap only the new secret verifies.
	clk.add(2 * time.Hour)
	late := redeem(t, c, s.SiteKey, "https://rot.test")
	res, err = c.Verify(ctx, late.Token, astracaph.VerifyTokenOptions{Secret: s.Secret})
	require.NoError(t, err)
	require.Equal(t, []string{astracaph.CodeInvalidSecret}, res.ErrorCodes)
	require.ErrorIs(t, c.DeleteSite(ctx, "rot.test", s.Secret), astracaph.ErrForbidden)
	require.NoError(t, c.DeleteSite(ctx, "rot.test", n.Secret))
	_, err = c.GetSite(ctx, s.SiteKey)
	require.ErrorIs(t, err, astracaph.ErrNotFound)
}

func TestSecretsNotStoredInPlainText(t *testing.T) {
	st := astracaph.NewMemoryStore(astracaph.MemoryOptions{})
	c := newCaptcha(t, astracaph.WithStore(st))
	s, err := c.RegisterSite(context.Background(), astracaph.SiteRequest{Domain: "dump.test"})
	require.NoError(t, err)
	sites, err := st.ListSites(context.Background())
	require.NoError(t, err)
	dump, _ := json.Marshal(sites)
	require.NotContains(t, string(dump), s.Secret)
	require.NotContains(t, string(dump), s.Secret[len("sk_live_"):])
	// Another master secret cannot use the stored site.
	other, err := astracaph.New(astracaph.WithStore(st), astracaph.WithSecret([]byte("another-master-secret-32-bytes!!")), astracaph.WithPoW(fastPoW))
	require.NoError(t, err)
	_, err = other.Redeem(context.Background(), astracaph.RedeemRequest{Payload: solve(t, other, s.SiteKey, ""), SiteKey: s.SiteKey, Origin: "https://dump.test"})
	require.Error(t, err)
}

func TestSeedSitesFromConfig(t *testing.T) {
	c := newCaptcha(t)
	cfg := []astracaph.SiteCredentials{{Site: astracaph.Site{Name: "Blog", SiteKey: "pk_live_seeded",
		Origins: []string{"https://blog.example.org"}, CreatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}, Secret: "sk_live_0123456789abcdef0123"}}
	require.NoError(t, c.SeedSites(context.Background(), cfg))
	require.NoError(t, c.SeedSites(context.Background(), cfg), "seeding twice is harmless")
	s, err := c.GetSite(context.Background(), "pk_live_seeded")
	require.NoError(t, err)
	require.Equal(t, "blog.example.org", s.Domain)
	d := redeem(t, c, "pk_live_seeded", "https://blog.example.org")
	res, err := c.Verify(context.Background(), d.Token, astracaph.VerifyTokenOptions{Secret: "sk_live_0123456789abcdef0123"})
	require.NoError(t, err)
	require.True(t, res.Success)
	require.Error(t, c.SeedSites(context.Background(), []astracaph.SiteCredentials{{Site: astracaph.Site{Name: "bad", SiteKey: "x"}, Secret: "y"}}))
}

func TestTestKeys(t *testing.T) {
	c := newCaptcha(t)
	ctx := context.Background()
	d, err := c.Redeem(ctx, astracaph.RedeemRequest{Payload: solve(t, c, astracaph.TestSiteKeyPass, ""), SiteKey: astracaph.TestSiteKeyPass})
	require.NoError(t, err)
	require.Equal(t, astracaph.TestToken, d.Token)
	d, err = c.Redeem(ctx, astracaph.RedeemRequest{Payload: solve(t, c, astracaph.TestSiteKeyBlock, ""), SiteKey: astracaph.TestSiteKeyBlock})
	require.NoError(t, err)
	require.Equal(t, astracaph.ActionDeny, d.Action)
	for secret, want := range map[string]bool{astracaph.TestSecretPass: true, astracaph.TestSecretFail: false, astracaph.TestSecretSpent: false} {
		res, err := c.Verify(ctx, "anything", astracaph.VerifyTokenOptions{Secret: secret})
		require.NoError(t, err)
		require.Equal(t, want, res.Success)
	}
	res, err := c.Verify(ctx, astracaph.TestToken, astracaph.VerifyTokenOptions{Origin: "https://x.example"})
	require.NoError(t, err)
	require.False(t, res.Success, "the dummy token only passes with a test secret")
}

func TestV1Flow(t *testing.T) {
	c := newCaptcha(t, astracaph.WithPoWV1(true))
	ch, err := c.ChallengeV1(context.Background(), astracaph.ChallengeRequest{})
	require.NoError(t, err)
	sol, err := astracaph.SolveChallengeV1(context.Background(), ch)
	require.NoError(t, err)
	d, err := c.Redeem(context.Background(), astracaph.RedeemRequest{Payload: astracaph.EncodePayloadV1(ch, sol), Origin: "https://v1.example"})
	require.NoError(t, err)
	require.Equal(t, astracaph.ActionPass, d.Action)
}

func TestVisualStep(t *testing.T) {
	stepUp := func(ctx context.Context, rc astracaph.RiskContext) (astracaph.Assessment, error) {
		return astracaph.Assessment{Action: astracaph.ActionStepUp, Score: 0.3, Reasons: []string{"net.HOSTING"}}, nil
	}
	c := newCaptcha(t, astracaph.WithRisk(stepUp))
	ctx := context.Background()
	d, err := c.Redeem(ctx, astracaph.RedeemRequest{Payload: solve(t, c, "", ""), Origin: "https://v.example"})
	require.NoError(t, err)
	require.Equal(t, astracaph.ActionStepUp, d.Action)
	require.NotNil(t, d.Visual)
	require.Empty(t, d.Token)
	js, _ := json.Marshal(d.Visual)
	require.NotContains(t, string(js), "code")

	img, err := c.VisualImage(ctx, d.Visual.ID, false)
	require.NoError(t, err)
	require.Equal(t, "\x89PNG", string(img[:4]))
	_, err = c.VisualImage(ctx, d.Visual.ID, false)
	require.ErrorIs(t, err, astracaph.ErrVisualUsed, "the image is served once")
	wav, err := c.VisualAudio(ctx, d.Visual.ID)
	require.NoError(t, err)
	require.Equal(t, "RIFF", string(wav[:4]))
	_, err = c.VisualAudio(ctx, d.Visual.ID)
	require.ErrorIs(t, err, astracaph.ErrVisualUsed)

	// Wrong answers count attempts, then the step is gone.
	_, err = c.AnswerVisual(ctx, astracaph.VisualAnswer{ID: d.Visual.ID, Code: "000000"})
	var ae *astracaph.VisualError
	require.True(t, errors.As(err, &ae))
	require.Equal(t, 2, ae.AttemptsLeft)
	_, err = c.AnswerVisual(ctx, astracaph.VisualAnswer{ID: d.Visual.ID, Code: "000000"})
	require.ErrorIs(t, err, astracaph.ErrWrongAnswer)
	_, err = c.AnswerVisual(ctx, astracaph.VisualAnswer{ID: d.Visual.ID, Code: "000000"})
	require.ErrorIs(t, err, astracaph.ErrNoAttemptsLeft)
	_, err = c.AnswerVisual(ctx, astracaph.VisualAnswer{ID: d.Visual.ID, Code: "000000"})
	require.ErrorIs(t, err, astracaph.ErrVisualNotFound)

	// "Verify by waiting": solving the heavy challenge passes the step, once.
	d, err = c.Redeem(ctx, astracaph.RedeemRequest{Payload: solve(t, c, "", ""), Origin: "https://v.example"})
	require.NoError(t, err)
	sol, err := astracaph.SolveChallenge(ctx, d.Visual.Wait, astracaph.SolveOptions{})
	require.NoError(t, err)
	p := astracaph.EncodePayload(d.Visual.Wait, sol)
	got, err := c.AnswerVisual(ctx, astracaph.VisualAnswer{ID: d.Visual.ID, Payload: p})
	require.NoError(t, err)
	require.Equal(t, astracaph.ActionPass, got.Action)
	require.Contains(t, got.Reasons, "human.VISUAL_SOLVED")
	res, err := c.Verify(ctx, got.Token, astracaph.VerifyTokenOptions{Origin: "https://v.example"})
	require.NoError(t, err)
	require.True(t, res.Success)
	_, err = c.AnswerVisual(ctx, astracaph.VisualAnswer{ID: d.Visual.ID, Payload: p})
	require.ErrorIs(t, err, astracaph.ErrVisualNotFound)
	// The wait challenge of one step cannot pass another.
	d2, err := c.Redeem(ctx, astracaph.RedeemRequest{Payload: solve(t, c, "", ""), Origin: "https://v.example"})
	require.NoError(t, err)
	_, err = c.AnswerVisual(ctx, astracaph.VisualAnswer{ID: d2.Visual.ID, Payload: p})
	require.ErrorIs(t, err, astracaph.ErrInvalidSolution)
}

func BenchmarkIssueToken(b *testing.B) {
	c := newCaptcha(b)
	payloads := make([]string, 0, 64)
	for range 64 {
		payloads = append(payloads, solve(b, c, "", ""))
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if i == len(payloads) {
			b.StopTimer()
			c = newCaptcha(b) // fresh store: payloads are single-use
			payloads = payloads[:0]
			for range 64 {
				payloads = append(payloads, solve(b, c, "", ""))
			}
			i = 0
			b.StartTimer()
		}
		if _, err := c.Redeem(context.Background(), astracaph.RedeemRequest{Payload: payloads[i], Origin: "https://x.example"}); err != nil { // guarded: require costs a t.Helper call
			require.NoError(b, err)
		}
		i++
	}
}

// freshTokens issues n distinct open-mode tokens as the engine does after a pass.
func freshTokens(b *testing.B, c *astracaph.Captcha, n int) []string {
	out := make([]string, n)
	for i := range out {
		tok, _, err := astracaph.MintForTest(c, "https://x.example")
		require.NoError(b, err)
		out[i] = tok
	}
	return out
}

func BenchmarkVerifyConsumeMemory(b *testing.B) {
	secret := []byte("open-secret-for-benchmarks")
	c := newCaptcha(b, astracaph.WithOpenSecret(secret))
	tokens := freshTokens(b, c, b.N)
	o := astracaph.VerifyTokenOptions{Origin: "https://x.example"}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if res, err := c.Verify(ctx, tokens[i], o); err != nil || !res.Success { // guarded: require costs a t.Helper call
			require.Failf(b, "verify failed", "%v %v", err, res.ErrorCodes)
		}
	}
}

// FuzzVerifyToken feeds arbitrary tokens to Verify: no panic, and nothing but a token this
// engine signed can succeed.
func FuzzVerifyToken(f *testing.F) {
	open := []byte("fuzz-open-secret")
	c := newCaptcha(f, astracaph.WithOpenSecret(open))
	good := redeem(f, c, "", "https://fuzz.example").Token
	f.Add(good, "https://fuzz.example", "")
	f.Add("eyJhbGdvcml0aG0iOiJTSEEtMjU2Iiwic2lnbmF0dXJlIjoiIiwidmVyaWZpY2F0aW9uRGF0YSI6InZlcmlmaWVkPXRydWUiLCJ2ZXJpZmllZCI6dHJ1ZX0=", "", "sk_live_x")
	f.Add(astracaph.TestToken, "https://fuzz.example", "")
	f.Add("", "", astracaph.TestSecretFail)
	f.Fuzz(func(t *testing.T, token, origin, secret string) {
		res, err := c.Verify(context.Background(), token, astracaph.VerifyTokenOptions{Origin: origin, Secret: secret})
		require.NoError(t, err, "memory store never fails")
		if res.Success && secret != astracaph.TestSecretPass {
			// Fuzz workers run this setup again, so "good" differs per process: any success
			// must be a token genuinely signed with the open-mode key.
			r, err := astracaph.VerifyServerSignature(token, open)
			require.NoError(t, err, "forged token accepted: %q", token)
			require.True(t, r.Verified, "forged token accepted: %q", token)
		}
		if !res.Success {
			require.NotEmpty(t, res.ErrorCodes, "failure without an error code")
		}
	})
}
