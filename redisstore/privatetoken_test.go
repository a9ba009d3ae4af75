package redisstore_test

import (
	"context"
	"encoding/json"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/internal/pattest"
	"github.com/astracat/astracaph/internal/testenv"
	"github.com/astracat/astracaph/privacypass"
)

const patOrigin = "https://shop.example"

// patTarget is one challenge, its private-token request and a token for it from issuer A.
func patTarget(t *testing.T, c *astracaph.Captcha, iss *pattest.Server) (astracaph.PrivateTokenRequest, string) {
	t.Helper()
	ctx := context.Background()
	ch, err := c.Challenge(ctx, astracaph.ChallengeRequest{})
	require.NoError(t, err)
	js, err := json.Marshal(ch)
	require.NoError(t, err)
	req := astracaph.PrivateTokenRequest{Challenge: string(js), Origin: patOrigin, Host: "captcha.site.example", ClientIP: netip.MustParseAddr("198.51.100.9")}
	hdr, err := c.PrivateTokenChallenge(ctx, req)
	require.NoError(t, err)
	req.Token, err = privacypass.ParseAuthorization(iss.Answer(t, hdr, pattest.IssuerA))
	require.NoError(t, err)
	var back astracaph.Challenge
	require.NoError(t, json.Unmarshal(js, &back))
	sol, err := astracaph.SolveChallenge(ctx, back, astracaph.SolveOptions{})
	require.NoError(t, err)
	return req, astracaph.EncodePayload(back, sol)
}

// Private Access Tokens on Redis, with two servers sharing it: a token redeems once
// whichever server sees it, a token and a proof of work cannot both redeem one challenge
// (also when they race on different servers), and after Redis loses its data a challenge
// issued before is refused rather than redeemed a second time.
func TestPrivateTokenOnRedis(t *testing.T) {
	r := testenv.NewRedis(t)
	iss := pattest.Start(t, pattest.IssuerA)
	a := engineOn(t, r.Addr, astracaph.WithPrivacyPass(iss.Issuers(t, []string{pattest.IssuerA})))
	b := engineOn(t, r.Addr, astracaph.WithPrivacyPass(iss.Issuers(t, []string{pattest.IssuerA})))
	ctx := context.Background()

	t.Run("once across servers", func(t *testing.T) {
		req, payload := patTarget(t, a, iss)
		d, err := a.RedeemPrivateToken(ctx, req)
		require.NoError(t, err)
		res, err := b.Verify(ctx, d.Token, astracaph.VerifyTokenOptions{Origin: patOrigin})
		require.NoError(t, err)
		require.True(t, res.Success, res.ErrorCodes)
		require.Equal(t, []string{astracaph.ReasonPrivateToken}, res.Reasons)
		_, err = b.RedeemPrivateToken(ctx, req)
		require.ErrorIs(t, err, privacypass.ErrReplayed)
		_, err = b.Redeem(ctx, astracaph.RedeemRequest{Payload: payload, Origin: patOrigin})
		require.ErrorIs(t, err, astracaph.ErrChallengeUsed)
	})

	t.Run("token and work race on two servers", func(t *testing.T) {
		for range 5 {
			req, payload := patTarget(t, a, iss)
			var wins atomic.Int32
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					c := a
					if i%4 >= 2 {
						c = b
					}
					<-start
					var err error
					if i%2 == 0 {
						_, err = c.RedeemPrivateToken(ctx, req)
					} else {
						_, err = c.Redeem(ctx, astracaph.RedeemRequest{Payload: payload, Origin: patOrigin})
					}
					if err == nil {
						wins.Add(1)
					}
				}()
			}
			close(start)
			wg.Wait()
			require.EqualValues(t, 1, wins.Load(), "exactly one redemption of the challenge")
		}
	})

	t.Run("data loss", func(t *testing.T) {
		req, _ := patTarget(t, a, iss)
		time.Sleep(5 * time.Millisecond)
		require.NoError(t, redis.NewClient(&redis.Options{Addr: r.Addr}).FlushAll(ctx).Err())
		_, err := a.RedeemPrivateToken(ctx, req)
		require.ErrorIs(t, err, astracaph.ErrChallengeExpired, "issued before the store's epoch: may have been redeemed")
		fresh, _ := patTarget(t, a, iss)
		_, err = a.RedeemPrivateToken(ctx, fresh)
		require.NoError(t, err)
	})
}
