package astracaph_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/internal/pattest"
	"github.com/astracat/astracaph/privacypass"
)

// The host the browser addresses the captcha server by: the Privacy Pass origin_info.
const (
	patHost  = "captcha.site.example"
	patPage  = "https://shop.example"
	patOther = "captcha.elsewhere.example"
)

// patEnv is an engine accepting Private Access Tokens from two loopback issuers.
type patEnv struct {
	c   *astracaph.Captcha
	iss *pattest.Server
	is  *privacypass.Issuers
}

func newPATEnv(t testing.TB, opts ...astracaph.Option) *patEnv {
	t.Helper()
	iss := pattest.Start(t, pattest.IssuerA, pattest.IssuerB)
	is := iss.Issuers(t, []string{pattest.IssuerA, pattest.IssuerB})
	return &patEnv{c: newCaptcha(t, append([]astracaph.Option{astracaph.WithPrivacyPass(is)}, opts...)...), iss: iss, is: is}
}

// challenge fetches a PoW challenge as the widget receives it (JSON).
func (e *patEnv) challenge(t testing.TB, siteKey string) string {
	t.Helper()
	ch, err := e.c.Challenge(context.Background(), astracaph.ChallengeRequest{SiteKey: siteKey})
	require.NoError(t, err)
	js, err := json.Marshal(ch)
	require.NoError(t, err)
	return string(js)
}

// request is the private-token request of a page at patPage for challenge ch.
func (e *patEnv) request(ch, siteKey string) astracaph.PrivateTokenRequest {
	return astracaph.PrivateTokenRequest{Challenge: ch, SiteKey: siteKey, Origin: patPage, Host: patHost + ":443", ClientIP: netip.MustParseAddr("198.51.100.7")}
}

// token plays Safari: it asks for req's challenge without a token, then gets one from
// issuer for the 401's WWW-Authenticate.
func (e *patEnv) token(t testing.TB, req astracaph.PrivateTokenRequest, issuer string) privacypass.Token {
	t.Helper()
	hdr, err := e.c.PrivateTokenChallenge(context.Background(), req)
	require.NoError(t, err)
	tok, err := privacypass.ParseAuthorization(e.iss.Answer(t, hdr, issuer))
	require.NoError(t, err)
	return tok
}

// powPayload solves the PoW challenge ch (JSON) as the widget would.
func powPayload(t testing.TB, ch string) string {
	t.Helper()
	var back astracaph.Challenge
	require.NoError(t, json.Unmarshal([]byte(ch), &back))
	sol, err := astracaph.SolveChallenge(context.Background(), back, astracaph.SolveOptions{})
	require.NoError(t, err)
	return astracaph.EncodePayload(back, sol)
}

// requirePoWFallback: the proof of work for the challenge still earns a token.
func requirePoWFallback(t testing.TB, c *astracaph.Captcha, ch, siteKey string) {
	t.Helper()
	d, err := c.Redeem(context.Background(), astracaph.RedeemRequest{Payload: powPayload(t, ch), SiteKey: siteKey, Origin: patPage})
	require.NoError(t, err, "the proof of work stays open after a refused token")
	require.Equal(t, astracaph.ActionPass, d.Action)
}

// A valid Private Access Token earns a site token, once, in open mode and for a registered
// site; the token verifies like any other and says how it was earned.
func TestPrivateTokenEarnsSiteTokenOnce(t *testing.T) {
	e := newPATEnv(t)
	ctx := context.Background()
	site, err := e.c.RegisterSite(ctx, astracaph.SiteRequest{Domain: "shop.example"})
	require.NoError(t, err)
	require.True(t, e.c.Policy(context.Background(), "").PrivateToken)
	require.True(t, e.c.Policy(context.Background(), site.SiteKey).PrivateToken)

	for name, siteKey := range map[string]string{"open mode": "", "site": site.SiteKey} {
		t.Run(name, func(t *testing.T) {
			for _, issuer := range []string{pattest.IssuerA, pattest.IssuerB} {
				req := e.request(e.challenge(t, siteKey), siteKey)
				req.Token = e.token(t, req, issuer)
				d, err := e.c.RedeemPrivateToken(ctx, req)
				require.NoError(t, err, issuer)
				require.Equal(t, astracaph.ActionPass, d.Action)
				require.Equal(t, astracaph.PrivateTokenScore, d.Score)
				require.Equal(t, []string{astracaph.ReasonPrivateToken}, d.Reasons)
				require.WithinDuration(t, time.Now().Add(5*time.Minute), d.ExpiresAt, time.Minute)

				_, err = e.c.RedeemPrivateToken(ctx, req)
				require.ErrorIs(t, err, astracaph.ErrPrivateTokenInvalid, "the token redeems once")
				require.ErrorIs(t, err, privacypass.ErrReplayed)

				o := astracaph.VerifyTokenOptions{Origin: patPage}
				if siteKey != "" {
					o = astracaph.VerifyTokenOptions{Secret: site.Secret, SiteKey: siteKey}
				}
				res, err := e.c.Verify(ctx, d.Token, o)
				require.NoError(t, err)
				require.True(t, res.Success, res.ErrorCodes)
				require.Equal(t, patPage, res.Origin, "bound to the page origin like a PoW redemption")
				require.Equal(t, siteKey, res.SiteKey)
				require.Equal(t, astracaph.PrivateTokenScore, res.Score)
				require.Equal(t, []string{astracaph.ReasonPrivateToken}, res.Reasons)
				res, err = e.c.Verify(ctx, d.Token, o)
				require.NoError(t, err)
				require.False(t, res.Success, "the site token verifies once")
			}
		})
	}
}

// TestAttackPrivateTokenReplayed: a token, or a second token for the same challenge,
// cannot redeem again; the client can still solve a fresh proof of work.
func TestAttackPrivateTokenReplayed(t *testing.T) {
	e := newPATEnv(t)
	ctx := context.Background()
	req := e.request(e.challenge(t, ""), "")
	first := e.token(t, req, pattest.IssuerA)
	second := e.token(t, req, pattest.IssuerA)
	other := e.token(t, req, pattest.IssuerB)
	req.Token = first
	_, err := e.c.RedeemPrivateToken(ctx, req)
	require.NoError(t, err)
	for name, tok := range map[string]privacypass.Token{"same token": first, "second token": second} {
		req.Token = tok
		_, err = e.c.RedeemPrivateToken(ctx, req)
		require.ErrorIs(t, err, astracaph.ErrPrivateTokenInvalid, name)
		require.ErrorIs(t, err, privacypass.ErrReplayed, name)
	}
	// Another issuer's challenge has its own digest: the challenge itself is spent.
	req.Token = other
	_, err = e.c.RedeemPrivateToken(ctx, req)
	require.ErrorIs(t, err, astracaph.ErrChallengeUsed)
	requirePoWFallback(t, e.c, e.challenge(t, ""), "")
}

// TestAttackPrivateTokenWronglySigned: a token whose authenticator is not the issuer's
// signature is refused without spending the challenge, which the PoW still answers.
func TestAttackPrivateTokenWronglySigned(t *testing.T) {
	e := newPATEnv(t)
	ch := e.challenge(t, "")
	req := e.request(ch, "")
	hdr, err := e.c.PrivateTokenChallenge(context.Background(), req)
	require.NoError(t, err)
	req.Token = pattest.Mint(t, pattest.Pick(t, hdr, pattest.IssuerA), pattest.Key(3))
	_, err = e.c.RedeemPrivateToken(context.Background(), req)
	require.ErrorIs(t, err, astracaph.ErrPrivateTokenInvalid)
	require.ErrorIs(t, err, privacypass.ErrBadSignature)

	// Flipping one bit of a genuine token breaks it too.
	good := e.token(t, req, pattest.IssuerA)
	good.Authenticator[17] ^= 1
	req.Token = good
	_, err = e.c.RedeemPrivateToken(context.Background(), req)
	require.ErrorIs(t, err, privacypass.ErrBadSignature)
	requirePoWFallback(t, e.c, ch, "")
}

// TestAttackPrivateTokenFromOtherOrigin: a token obtained for a challenge of another
// origin (another captcha host) does not verify here; nor does a token for another PoW
// challenge of this host. The page origin is bound as for a PoW redemption.
func TestAttackPrivateTokenFromOtherOrigin(t *testing.T) {
	e := newPATEnv(t)
	ctx := context.Background()
	ch := e.challenge(t, "")
	req := e.request(ch, "")
	elsewhere := req
	elsewhere.Host = patOther
	req.Token = e.token(t, elsewhere, pattest.IssuerA)
	_, err := e.c.RedeemPrivateToken(ctx, req)
	require.ErrorIs(t, err, astracaph.ErrPrivateTokenInvalid)
	require.ErrorIs(t, err, privacypass.ErrChallengeMismatch)

	otherChallenge := e.request(e.challenge(t, ""), "")
	req.Token = e.token(t, otherChallenge, pattest.IssuerA)
	_, err = e.c.RedeemPrivateToken(ctx, req)
	require.ErrorIs(t, err, privacypass.ErrChallengeMismatch, "a token answers one PoW challenge")

	site, err := e.c.RegisterSite(ctx, astracaph.SiteRequest{Domain: "shop.example"})
	require.NoError(t, err)
	sreq := e.request(e.challenge(t, site.SiteKey), site.SiteKey)
	sreq.Origin = "https://evil.example"
	_, err = e.c.PrivateTokenChallenge(ctx, sreq)
	require.ErrorIs(t, err, astracaph.ErrOriginNotAllowed, "no issuer round trip for a page the site does not allow")
	_, err = e.c.RedeemPrivateToken(ctx, sreq)
	require.ErrorIs(t, err, astracaph.ErrOriginNotAllowed)

	requirePoWFallback(t, e.c, ch, "")
}

// TestAttackPrivateTokenUnknownIssuer: tokens of an issuer this server does not trust —
// for that issuer's challenge, or under its key presented as a trusted issuer's — are
// refused, and the challenge stays open to the proof of work.
func TestAttackPrivateTokenUnknownIssuer(t *testing.T) {
	e := newPATEnv(t)
	ctx := context.Background()
	ch := e.challenge(t, "")
	req := e.request(ch, "")
	hdr, err := e.c.PrivateTokenChallenge(ctx, req)
	require.NoError(t, err)

	// The rogue issuer's own challenge, same redemption context and origin.
	rogueSrv := pattest.Start(t, pattest.Rogue)
	rogue := rogueSrv.Issuers(t, []string{pattest.Rogue})
	tc, err := privacypass.ParseTokenChallenge(pattest.Pick(t, hdr, pattest.IssuerA).Challenge)
	require.NoError(t, err)
	rcs, err := rogue.Challenges(tc.RedemptionContext, time.Minute, patHost)
	require.NoError(t, err)
	req.Token, err = privacypass.ParseAuthorization(rogueSrv.Answer(t, privacypass.HeaderValue(rcs), pattest.Rogue))
	require.NoError(t, err)
	_, err = e.c.RedeemPrivateToken(ctx, req)
	require.ErrorIs(t, err, astracaph.ErrPrivateTokenInvalid)
	require.ErrorIs(t, err, privacypass.ErrChallengeMismatch)

	// A trusted issuer's challenge, signed under a key that issuer does not publish.
	w := pattest.Pick(t, hdr, pattest.IssuerA)
	w.TokenKey, err = privacypass.MarshalTokenKey(&pattest.Key(3).PublicKey)
	require.NoError(t, err)
	req.Token = pattest.Mint(t, w, pattest.Key(3))
	_, err = e.c.RedeemPrivateToken(ctx, req)
	require.ErrorIs(t, err, astracaph.ErrPrivateTokenInvalid)
	require.ErrorIs(t, err, privacypass.ErrUnknownIssuer)

	requirePoWFallback(t, e.c, ch, "")
}

// TestAttackPrivateTokenAndPoWDoubleRedemption: one PoW challenge earns one site token,
// whether it is answered with a token, with the work, or with both at once.
func TestAttackPrivateTokenAndPoWDoubleRedemption(t *testing.T) {
	e := newPATEnv(t)
	ctx := context.Background()

	t.Run("token then work", func(t *testing.T) {
		ch := e.challenge(t, "")
		req := e.request(ch, "")
		req.Token = e.token(t, req, pattest.IssuerA)
		_, err := e.c.RedeemPrivateToken(ctx, req)
		require.NoError(t, err)
		_, err = e.c.Redeem(ctx, astracaph.RedeemRequest{Payload: powPayload(t, ch), Origin: patPage})
		require.ErrorIs(t, err, astracaph.ErrChallengeUsed)
	})
	t.Run("work then token", func(t *testing.T) {
		ch := e.challenge(t, "")
		req := e.request(ch, "")
		req.Token = e.token(t, req, pattest.IssuerA)
		_, err := e.c.Redeem(ctx, astracaph.RedeemRequest{Payload: powPayload(t, ch), Origin: patPage})
		require.NoError(t, err)
		_, err = e.c.RedeemPrivateToken(ctx, req)
		require.ErrorIs(t, err, astracaph.ErrChallengeUsed)
	})
	t.Run("both at once", func(t *testing.T) {
		for range 5 {
			ch := e.challenge(t, "")
			req := e.request(ch, "")
			req.Token = e.token(t, req, pattest.IssuerA)
			payload := powPayload(t, ch)
			var wins atomic.Int32
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					var err error
					if i%2 == 0 {
						_, err = e.c.RedeemPrivateToken(ctx, req)
					} else {
						_, err = e.c.Redeem(ctx, astracaph.RedeemRequest{Payload: payload, Origin: patPage})
					}
					if err == nil {
						wins.Add(1)
					}
				}()
			}
			close(start)
			wg.Wait()
			require.EqualValues(t, 1, wins.Load(), "exactly one redemption of the challenge succeeds")
		}
	})
}

// A directory refresh that fails keeps the last good keys: challenges are still offered and
// tokens still redeem.
func TestPrivateTokenIssuerRefreshFailureKeepsServing(t *testing.T) {
	e := newPATEnv(t)
	e.iss.Fail(pattest.IssuerA, http.StatusServiceUnavailable)
	e.iss.Fail(pattest.IssuerB, http.StatusBadGateway)
	require.ErrorIs(t, e.is.Refresh(context.Background()), privacypass.ErrDirectory)
	require.True(t, e.c.Policy(context.Background(), "").PrivateToken)
	req := e.request(e.challenge(t, ""), "")
	req.Token = e.token(t, req, pattest.IssuerB)
	d, err := e.c.RedeemPrivateToken(context.Background(), req)
	require.NoError(t, err)
	require.Equal(t, astracaph.ActionPass, d.Action)
}

// Without issuers, without keys, for a test site key or a legacy challenge, nothing is
// offered and the request is refused as unavailable (the widget solves the work).
func TestPrivateTokenUnavailable(t *testing.T) {
	ctx := context.Background()
	plain := newCaptcha(t)
	require.False(t, plain.Policy(context.Background(), "").PrivateToken)
	e := newPATEnv(t)
	_, err := plain.PrivateTokenChallenge(ctx, e.request(e.challenge(t, ""), ""))
	require.ErrorIs(t, err, astracaph.ErrPrivateTokenUnavailable)

	down := pattest.Start(t, pattest.IssuerA)
	down.Fail(pattest.IssuerA, http.StatusServiceUnavailable)
	is, err := privacypass.NewIssuers([]privacypass.IssuerConfig{{Name: pattest.IssuerA}}, privacypass.WithHTTPClient(down.Client()))
	require.NoError(t, err)
	noKeys := newCaptcha(t, astracaph.WithPrivacyPass(is))
	require.False(t, noKeys.Policy(context.Background(), "").PrivateToken, "no issuer key fetched yet")
	_, err = noKeys.PrivateTokenChallenge(ctx, e.request(e.challenge(t, ""), ""))
	require.ErrorIs(t, err, astracaph.ErrPrivateTokenUnavailable)

	require.False(t, e.c.Policy(context.Background(), astracaph.TestSiteKeyPass).PrivateToken)
	_, err = e.c.PrivateTokenChallenge(ctx, e.request(e.challenge(t, astracaph.TestSiteKeyPass), astracaph.TestSiteKeyPass))
	require.ErrorIs(t, err, astracaph.ErrPrivateTokenUnavailable)

	req := e.request(e.challenge(t, ""), "")
	req.Host = "[::1"
	_, err = e.c.PrivateTokenChallenge(ctx, req)
	require.ErrorIs(t, err, astracaph.ErrPrivateTokenUnavailable, "not a server name")

	_, err = astracaph.New(astracaph.WithPrivacyPass(nil))
	require.Error(t, err)
}

// The PoW challenge a token is asked for must be this server's, current, and for the
// site and origin of the request.
func TestPrivateTokenChallengeChecks(t *testing.T) {
	clk := &clock{t: time.Now()}
	e := newPATEnv(t, astracaph.WithClock(clk.now))
	ctx := context.Background()

	ch := e.challenge(t, "")
	var parsed astracaph.Challenge
	require.NoError(t, json.Unmarshal([]byte(ch), &parsed))
	forged := astracaph.Challenge{Parameters: parsed.Parameters, Signature: parsed.Signature}
	forged.Parameters.Data = map[string]any{"challengeId": "chosen-by-the-client"}
	js, err := json.Marshal(forged)
	require.NoError(t, err)
	for name, c := range map[string]struct {
		ch   string
		want error
	}{
		"forged parameters": {string(js), astracaph.ErrInvalidSolution},
		"not JSON":          {"{", astracaph.ErrMalformedPayload},
		"not an object":     {"[]", astracaph.ErrMalformedPayload},
		"legacy v1":         {`{"algorithm":"SHA-256","challenge":"ab","maxnumber":10,"salt":"s","signature":"cd"}`, astracaph.ErrMalformedPayload},
		"over-long":         {`{"parameters":{"salt":"` + string(make([]byte, 20<<10)) + `"}}`, astracaph.ErrMalformedPayload},
	} {
		_, err := e.c.PrivateTokenChallenge(ctx, e.request(c.ch, ""))
		require.ErrorIs(t, err, c.want, name)
	}

	site, err := e.c.RegisterSite(ctx, astracaph.SiteRequest{Domain: "shop.example"})
	require.NoError(t, err)
	_, err = e.c.PrivateTokenChallenge(ctx, e.request(ch, site.SiteKey))
	require.ErrorIs(t, err, astracaph.ErrSiteMismatch)
	noOrigin := e.request(ch, "")
	noOrigin.Origin = ""
	_, err = e.c.PrivateTokenChallenge(ctx, noOrigin)
	require.ErrorIs(t, err, astracaph.ErrOriginRequired)

	// The WWW-Authenticate challenges live as long as the PoW challenge.
	hdr, err := e.c.PrivateTokenChallenge(ctx, e.request(ch, ""))
	require.NoError(t, err)
	ws, err := privacypass.ParseWWWAuthenticate(hdr)
	require.NoError(t, err)
	require.Len(t, ws, 2, "one challenge per issuer")
	assert.InDelta(t, (10 * time.Minute).Seconds(), ws[0].MaxAge.Seconds(), 2)

	clk.add(11 * time.Minute)
	_, err = e.c.PrivateTokenChallenge(ctx, e.request(ch, ""))
	require.ErrorIs(t, err, astracaph.ErrChallengeExpired)
}

// A store that cannot record the redemption fails closed; once it is back, the same token
// redeems.
func TestPrivateTokenStoreFailureFailsClosed(t *testing.T) {
	st := &downStore{Store: astracaph.NewMemoryStore(astracaph.MemoryOptions{})}
	e := newPATEnv(t, astracaph.WithStore(st))
	req := e.request(e.challenge(t, ""), "")
	req.Token = e.token(t, req, pattest.IssuerA)
	st.down.Store(true)
	_, err := e.c.RedeemPrivateToken(context.Background(), req)
	require.ErrorIs(t, err, privacypass.ErrReplayStore)
	require.NotErrorIs(t, err, astracaph.ErrPrivateTokenInvalid, "an outage is not the client's fault")
	st.down.Store(false)
	_, err = e.c.RedeemPrivateToken(context.Background(), req)
	require.NoError(t, err)
}

// downStore fails every single-use consumption while down.
type downStore struct {
	astracaph.Store
	down atomic.Bool
}

func (s *downStore) ConsumeOnce(ctx context.Context, key, value string, issued time.Time, ttl time.Duration) (bool, string, error) {
	if s.down.Load() {
		return false, "", errors.Join(astracaph.ErrStore, errors.New("down"))
	}
	return s.Store.ConsumeOnce(ctx, key, value, issued, ttl)
}

// FuzzPrivateTokenChallenge: whatever a client sends as the challenge and host, the
// engine answers with a header or one of the flow's errors, never a panic.
func FuzzPrivateTokenChallenge(f *testing.F) {
	e := newPATEnv(f)
	ch := e.challenge(f, "")
	f.Add(ch, patHost)
	f.Add(ch, "CAPTCHA.Site.Example:8443")
	f.Add(`{"parameters":{"algorithm":"PBKDF2/SHA-256","data":{"challengeId":"x"}},"signature":"00"}`, patHost)
	f.Add(`{"parameters":{},"signature":1}`, "[::1]:80")
	f.Add("", "")
	known := []error{astracaph.ErrMalformedPayload, astracaph.ErrInvalidSolution, astracaph.ErrPrivateTokenUnavailable,
		astracaph.ErrChallengeExpired, astracaph.ErrNoExpiry, astracaph.ErrUnknownAlgorithm}
	f.Fuzz(func(t *testing.T, ch, host string) {
		req := e.request(ch, "")
		req.Host = host
		hdr, err := e.c.PrivateTokenChallenge(context.Background(), req)
		if err == nil {
			_, perr := privacypass.ParseWWWAuthenticate(hdr)
			require.NoError(t, perr, "the engine's own header parses")
			return
		}
		for _, k := range known {
			if errors.Is(err, k) {
				return
			}
		}
		require.Failf(t, "unexpected error", "%v", err)
	})
}

// BenchmarkPrivateTokenChallenge: the 401 every widget's private-token request gets when
// the browser holds no token — check the PoW challenge, build the issuers' challenges.
func BenchmarkPrivateTokenChallenge(b *testing.B) {
	e := newPATEnv(b)
	req := e.request(e.challenge(b, ""), "")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.c.PrivateTokenChallenge(ctx, req); err != nil { // guarded: require costs a t.Helper call
			require.NoError(b, err)
		}
	}
}

// BenchmarkRedeemPrivateToken: verify a token (RSA-PSS 2048), consume it and the challenge,
// sign a site token. Minting the tokens (blind signing) is outside the timer and slow: run
// it with a fixed count, e.g. -benchtime 300x.
func BenchmarkRedeemPrivateToken(b *testing.B) {
	e := newPATEnv(b)
	ctx := context.Background()
	reqs := make([]astracaph.PrivateTokenRequest, b.N)
	for i := range reqs {
		reqs[i] = e.request(e.challenge(b, ""), "")
		reqs[i].Token = e.token(b, reqs[i], pattest.IssuerA)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := e.c.RedeemPrivateToken(ctx, reqs[i]); err != nil { // guarded: require costs a t.Helper call
			require.NoError(b, err)
		}
	}
}

// TestAttackLongLivedForeignChallengeViaPrivateToken: the private-token path accepts the
// same challenges as a redemption, foreign ones signed with the shared ALTCHA key included,
// so it refuses the same over-long ones (docs/security.md, 5b): otherwise a token for an
// hour-long foreign challenge, dated in the future, could be earned again after a restart.
func TestAttackLongLivedForeignChallengeViaPrivateToken(t *testing.T) {
	key := []byte("shared-altcha-hmac-key")
	e := newPATEnv(t, astracaph.WithALTCHAKey(key))
	ch, err := astracaph.CreateChallenge(astracaph.ChallengeOptions{Algorithm: astracaph.PBKDF2SHA256, Cost: 2, Mode: astracaph.Probabilistic,
		KeyPrefix: "0", HMACKey: key, ExpiresAt: time.Now().Add(time.Hour)})
	require.NoError(t, err)
	js, err := json.Marshal(ch)
	require.NoError(t, err)
	_, err = e.c.PrivateTokenChallenge(context.Background(), e.request(string(js), ""))
	require.ErrorIs(t, err, astracaph.ErrLifetimeTooLong)
}
