package redisstore_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/internal/scripted"
	"github.com/astracat/astracaph/internal/testenv"
	"github.com/astracat/astracaph/redisstore"
)

var engineSecret = []byte("shared-master-secret-0123456789ab")

func engineOn(t testing.TB, addr string, opts ...astracaph.Option) *astracaph.Captcha {
	t.Helper()
	st := mustStore(t, redis.NewClient(&redis.Options{Addr: addr, MaxRetries: 1, DialerRetries: 1, DialTimeout: 200 * time.Millisecond, PoolSize: 64}),
		redisstore.WithPrefix("engine:"))
	return engineWith(t, st, opts...)
}

// engineWith returns an engine on st with the shared secret and a tiny proof of work.
func engineWith(t testing.TB, st astracaph.Store, opts ...astracaph.Option) *astracaph.Captcha {
	t.Helper()
	base := []astracaph.Option{astracaph.WithStore(st), astracaph.WithSecret(engineSecret),
		astracaph.WithPoW(astracaph.PoWConfig{Algorithm: astracaph.PBKDF2SHA256, Cost: 2, CounterMin: 1, CounterMax: 30})}
	c, err := astracaph.New(append(base, opts...)...)
	require.NoError(t, err)
	return c
}

func tokenFrom(t testing.TB, c *astracaph.Captcha, origin string) string {
	t.Helper()
	ctx := context.Background()
	ch, err := c.Challenge(ctx, astracaph.ChallengeRequest{})
	require.NoError(t, err)
	js, _ := json.Marshal(ch)
	var back astracaph.Challenge
	require.NoError(t, json.Unmarshal(js, &back))
	sol, err := astracaph.SolveChallenge(ctx, back, astracaph.SolveOptions{})
	require.NoError(t, err)
	d, err := c.Redeem(ctx, astracaph.RedeemRequest{Payload: astracaph.EncodePayload(back, sol), Origin: origin})
	require.NoError(t, err)
	require.Equal(t, astracaph.ActionPass, d.Action)
	return d.Token
}

// Two engines sharing one Redis behave as one: 500 concurrent verifies of one token spread
// across both succeed exactly once, and a site registered through one is used by the other.
func TestTwoEnginesShareOneRedis(t *testing.T) {
	addr, _ := testenv.StartRedis(t)
	a, b := engineOn(t, addr), engineOn(t, addr)
	engineRace(t, a, b, 500)

	site, err := a.RegisterSite(context.Background(), astracaph.SiteRequest{Domain: "shared-site.example"})
	require.NoError(t, err)
	ch, err := b.Challenge(context.Background(), astracaph.ChallengeRequest{SiteKey: site.SiteKey})
	require.NoError(t, err)
	require.Equal(t, site.SiteKey, ch.Parameters.Data["site"])
}

// engineRace verifies one token from a with n concurrent calls spread over a and b: exactly
// one succeeds, every other one is told the token was already used.
func engineRace(t *testing.T, a, b *astracaph.Captcha, n int) {
	t.Helper()
	tok := tokenFrom(t, a, "https://shared.example")
	var ok, dup atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		c := a
		if i%2 == 1 {
			c = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res, err := c.Verify(context.Background(), tok, astracaph.VerifyTokenOptions{Origin: "https://shared.example"})
			if !assert.NoError(t, err) {
				return
			}
			if res.Success {
				ok.Add(1)
			} else if res.ErrorCodes[0] == astracaph.CodeTimeoutDuplicate {
				dup.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	require.Equal(t, int32(1), ok.Load())
	require.Equal(t, int32(n-1), dup.Load())
}

// Redis stopped in the middle: Verify fails with an error and does not accept the token;
// once Redis (run with an fsync-always AOF, so the crash loses nothing) is back the same
// token verifies exactly once.
func TestVerifyFailsClosedWhileRedisIsDown(t *testing.T) {
	r := testenv.NewRedis(t, "--appendonly", "yes", "--appendfsync", "always")
	c := engineOn(t, r.Addr)
	tok := tokenFrom(t, c, "https://down.example")
	r.Stop()
	for range 3 {
		res, err := c.Verify(context.Background(), tok, astracaph.VerifyTokenOptions{Origin: "https://down.example"})
		require.Error(t, err)
		require.ErrorIs(t, err, astracaph.ErrStore)
		require.False(t, res.Success)
	}
	r.Start()
	var ok atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := c.Verify(context.Background(), tok, astracaph.VerifyTokenOptions{Origin: "https://down.example"})
			if err == nil && res.Success {
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	require.Equal(t, int32(1), ok.Load(), "after the outage the token verifies exactly once")
}

// TestAttackReplayAfterRedisDataLoss: a token and a solved challenge, both spent, do not
// verify or redeem again after Redis loses its data — FLUSHALL, or a restart without
// persistence — even with the master secret unchanged. Users solve a new challenge.
func TestAttackReplayAfterRedisDataLoss(t *testing.T) {
	for _, loss := range []string{"flushall", "restart-without-persistence"} {
		t.Run(loss, func(t *testing.T) {
			r := testenv.NewRedis(t)
			c := engineOn(t, r.Addr)
			ctx := context.Background()
			const origin = "https://loss.example"
			tok := tokenFrom(t, c, origin)
			res, err := c.Verify(ctx, tok, astracaph.VerifyTokenOptions{Origin: origin})
			require.NoError(t, err)
			require.True(t, res.Success)
			// A second solved challenge, redeemed once.
			ch, err := c.Challenge(ctx, astracaph.ChallengeRequest{})
			require.NoError(t, err)
			js, _ := json.Marshal(ch)
			var back astracaph.Challenge
			require.NoError(t, json.Unmarshal(js, &back))
			sol, err := astracaph.SolveChallenge(ctx, back, astracaph.SolveOptions{})
			require.NoError(t, err)
			payload := astracaph.EncodePayload(back, sol)
			_, err = c.Redeem(ctx, astracaph.RedeemRequest{Payload: payload, Origin: origin})
			require.NoError(t, err)
			time.Sleep(5 * time.Millisecond)

			if loss == "flushall" {
				require.NoError(t, redis.NewClient(&redis.Options{Addr: r.Addr}).FlushAll(ctx).Err())
			} else {
				r.Stop()
				r.Start()
			}
			require.Eventually(t, func() bool { return c.Store().Ping(ctx) == nil }, 5*time.Second, 20*time.Millisecond)

			res, err = c.Verify(ctx, tok, astracaph.VerifyTokenOptions{Origin: origin})
			require.NoError(t, err)
			require.False(t, res.Success, "a spent token must not verify again after the data loss")
			require.Equal(t, []string{astracaph.CodeTimeoutDuplicate}, res.ErrorCodes)
			_, err = c.Redeem(ctx, astracaph.RedeemRequest{Payload: payload, Origin: origin})
			require.ErrorIs(t, err, astracaph.ErrChallengeExpired, "a redeemed solution must not redeem again")
			// New work goes through.
			tok2 := tokenFrom(t, c, origin)
			res, err = c.Verify(ctx, tok2, astracaph.VerifyTokenOptions{Origin: origin})
			require.NoError(t, err)
			require.True(t, res.Success)
		})
	}
}

// BenchmarkVerifyConsumeRedis: verify + consume fresh tokens against a local Redis with
// 32 concurrent callers (b.SetParallelism(16) on 2 CPUs).
func BenchmarkVerifyConsumeRedis(b *testing.B) {
	addr, _ := testenv.StartRedis(b)
	secret := []byte("open-secret-for-benchmarks")
	c := engineOn(b, addr, astracaph.WithOpenSecret(secret))
	now := time.Now()
	tokens := make([]string, b.N)
	for i := range tokens {
		tokens[i], _ = astracaph.SignServerPayload(astracaph.VerificationData{ID: "rb-" + strconv.Itoa(i), Origin: "https://x.example", Time: now, Expire: now.Add(time.Hour), Verified: true}, secret, astracaph.SHA256)
	}
	var n atomic.Int64
	o := astracaph.VerifyTokenOptions{Origin: "https://x.example"}
	b.ReportAllocs()
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			tok := tokens[n.Add(1)-1]
			if res, err := c.Verify(context.Background(), tok, o); err != nil || !res.Success { // guarded: require costs a t.Helper call
				assert.Fail(b, "verify failed", "%v %v", err, res.ErrorCodes)
				return
			}
		}
	})
}

// One behaviour stream earns at most one direct token across servers sharing Redis: the same
// human document re-bound to a second challenge on the other engine is a replay, and the
// recent failures of a prefix are counted on both.
func TestReplayedBehaviourAcrossEngines(t *testing.T) {
	addr, _ := testenv.StartRedis(t)
	risk := astracaph.WithRiskEngine(astracaph.RiskEngineOptions{})
	a, b := engineOn(t, addr, risk), engineOn(t, addr, risk)
	ctx := context.Background()
	ip := netip.MustParseAddr("203.0.113.77")
	h := scripted.ChromeHeader()
	doc := func(c *astracaph.Captcha) (string, []byte) {
		ch, err := c.Challenge(ctx, astracaph.ChallengeRequest{ClientIP: ip, Header: h})
		require.NoError(t, err)
		sol, err := astracaph.SolveChallenge(ctx, ch, astracaph.SolveOptions{Workers: 1})
		require.NoError(t, err)
		s := scripted.Solved{Challenge: ch, Payload: astracaph.EncodePayload(ch, sol)}
		s.ID, _ = ch.Parameters.Data["challengeId"].(string)
		return s.Payload, scripted.Raw(scripted.MouseDoc(rand.New(rand.NewPCG(42, 1)), s, scripted.ProofAnswer(c, s.ID)))
	}
	p1, t1 := doc(a)
	d, err := a.Redeem(ctx, astracaph.RedeemRequest{Payload: p1, Telemetry: t1, Origin: "https://r.example", ClientIP: ip, Header: h})
	require.NoError(t, err)
	require.Equal(t, astracaph.ActionPass, d.Action, d.Reasons)
	p2, t2 := doc(b) // the same seed: the same pointer stream, bound to b's challenge
	d, err = b.Redeem(ctx, astracaph.RedeemRequest{Payload: p2, Telemetry: t2, Origin: "https://r.example", ClientIP: ip, Header: h})
	require.NoError(t, err)
	require.Equal(t, astracaph.ActionStepUp, d.Action)
	require.Contains(t, d.Reasons, "beh.REPLAYED")

	// Failed redemptions on one engine count as recent failures on the other.
	for range 3 {
		_, err := a.Redeem(ctx, astracaph.RedeemRequest{Payload: p1, Origin: "https://r.example", ClientIP: ip, Header: h})
		require.ErrorIs(t, err, astracaph.ErrChallengeUsed)
	}
	p3, t3 := doc(b)
	d, err = b.Redeem(ctx, astracaph.RedeemRequest{Payload: p3, Telemetry: t3, Origin: "https://r.example", ClientIP: ip, Header: h})
	require.NoError(t, err)
	require.Contains(t, d.Reasons, "vel.REPEATED_FAILURES")
}
