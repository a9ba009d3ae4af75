package astracaph_test

// Attack regression tests for the engine: each is named after an attack that worked
// against the engine before the defence described in docs/security.md, and drives the
// engine the way an attacker would.

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
)

// forge signs arbitrary claims offline with a key the attacker holds (its own site's
// secret), exactly as any ALTCHA library would.
func forge(t *testing.T, key string, vd astracaph.VerificationData) string {
	t.Helper()
	tok, err := astracaph.SignServerPayload(vd, []byte(key), astracaph.SHA256)
	require.NoError(t, err)
	return tok
}

// TestAttackForgedTokenFromSelfRegisteredSite: an attacker registers a site of its own,
// receives its secret, and signs a verificationData offline — score 1, GOOD, any origin,
// no proof of work. Before the mint proof, verification by origin or domain (and so the
// in-process middleware) accepted it.
func TestAttackForgedTokenFromSelfRegisteredSite(t *testing.T) {
	c := newCaptcha(t)
	ctx := context.Background()
	evil, err := c.RegisterSite(ctx, astracaph.SiteRequest{Domain: "attacker.example"})
	require.NoError(t, err)
	now := time.Now()
	for name, vd := range map[string]astracaph.VerificationData{
		"victim origin":      {ID: "forged-1", Time: now, Expire: now.Add(time.Minute), Origin: "https://victim.example", Site: evil.SiteKey, Score: 1, HasScore: true, Classification: "GOOD", Verified: true},
		"own origin":         {ID: "forged-2", Time: now, Expire: now.Add(time.Minute), Origin: "https://attacker.example", Site: evil.SiteKey, Score: 1, HasScore: true, Verified: true},
		"no site, open mode": {ID: "forged-3", Time: now, Expire: now.Add(time.Minute), Origin: "https://victim.example", Score: 1, HasScore: true, Verified: true},
		"id shaped like ours": {ID: "A" + strings.Repeat("a", 22) + "." + strings.Repeat("b", 22), Time: now, Expire: now.Add(time.Minute),
			Origin: "https://attacker.example", Site: evil.SiteKey, Score: 1, HasScore: true, Verified: true},
	} {
		tok := forge(t, evil.Secret, vd)
		for _, o := range []astracaph.VerifyTokenOptions{
			{Origin: vd.Origin}, {Domain: strings.TrimPrefix(vd.Origin, "https://")}, {Secret: evil.Secret},
		} {
			res, err := c.Verify(ctx, tok, o)
			require.NoError(t, err)
			require.False(t, res.Success, "%s: a token this server did not mint must never verify (%+v)", name, o)
			require.Equal(t, []string{astracaph.CodeInvalidResponse}, res.ErrorCodes, name)
		}
	}
}

// TestAttackResignedTokenWithChangedClaims: a real token of the attacker's own site,
// re-signed with its secret after raising the score or changing the origin, keeps a mint
// tag that no longer matches: refused.
func TestAttackResignedTokenWithChangedClaims(t *testing.T) {
	c := newCaptcha(t)
	ctx := context.Background()
	evil, err := c.RegisterSite(ctx, astracaph.SiteRequest{Domain: "attacker.example"})
	require.NoError(t, err)
	d := redeem(t, c, evil.SiteKey, "https://attacker.example")
	off, err := astracaph.VerifyServerSignature(d.Token, []byte(evil.Secret))
	require.NoError(t, err)
	require.True(t, off.Verified)
	for name, mutate := range map[string]func(*astracaph.VerificationData){
		"score":  func(vd *astracaph.VerificationData) { vd.Score = 1; vd.Classification = "GOOD" },
		"origin": func(vd *astracaph.VerificationData) { vd.Origin = "https://www.attacker.example" },
		"expiry": func(vd *astracaph.VerificationData) { vd.Expire = vd.Expire.Add(time.Hour) },
	} {
		vd := off.VerificationData
		mutate(&vd)
		res, err := c.Verify(ctx, forge(t, evil.Secret, vd), astracaph.VerifyTokenOptions{Secret: evil.Secret})
		require.NoError(t, err)
		require.False(t, res.Success, name)
	}
	// The genuine token still verifies (offline-verifiable and minted).
	res, err := c.Verify(ctx, d.Token, astracaph.VerifyTokenOptions{Secret: evil.Secret, Origin: "https://attacker.example"})
	require.NoError(t, err)
	require.True(t, res.Success, res.ErrorCodes)
}

// TestAttackSiteTokenVerifiedByForeignOrigin: verification by origin only compared the
// origin with the one inside the token; a token naming a site must also be for one of
// that site's origins now, so a token can never pass as another site's and removing an
// origin from a site stops its outstanding tokens verifying by that origin.
func TestAttackSiteTokenVerifiedByForeignOrigin(t *testing.T) {
	st := astracaph.NewMemoryStore(astracaph.MemoryOptions{})
	c := newCaptcha(t, astracaph.WithStore(st))
	ctx := context.Background()
	site, err := c.RegisterSite(ctx, astracaph.SiteRequest{Domain: "shop.example", Origins: []string{"https://partner.example"}})
	require.NoError(t, err)
	d := redeem(t, c, site.SiteKey, "https://partner.example")
	rec, err := st.GetSite(ctx, site.SiteKey)
	require.NoError(t, err)
	rec.Origins = nil // the operator drops the partner
	require.NoError(t, st.UpdateSite(ctx, rec, rec.SecretHash))
	for _, o := range []astracaph.VerifyTokenOptions{{Origin: "https://partner.example"}, {Domain: "partner.example"}} {
		res, err := c.Verify(ctx, d.Token, o)
		require.NoError(t, err)
		require.False(t, res.Success, "%+v", o)
		require.Equal(t, []string{astracaph.CodeOriginMismatch}, res.ErrorCodes)
	}
}

// TestAttackVerifyWithSecretIgnoresOrigin: {token, secret, origin} must check both; before,
// the secret alone decided and middleware.WithRemote's WithExpectedOrigin was not enforced.
func TestAttackVerifyWithSecretIgnoresOrigin(t *testing.T) {
	c := newCaptcha(t)
	ctx := context.Background()
	site, err := c.RegisterSite(ctx, astracaph.SiteRequest{Domain: "example.com", Origins: []string{"https://partner.test"}})
	require.NoError(t, err)
	d := redeem(t, c, site.SiteKey, "https://partner.test")
	for _, o := range []astracaph.VerifyTokenOptions{
		{Secret: site.Secret, Origin: "https://example.com"},
		{Secret: site.Secret, Domain: "example.com"},
		{Secret: site.Secret, Origin: "https://partner.test", Domain: "example.com"},
	} {
		res, err := c.Verify(ctx, d.Token, o)
		require.NoError(t, err)
		require.False(t, res.Success, "%+v", o)
		require.Equal(t, []string{astracaph.CodeOriginMismatch}, res.ErrorCodes)
	}
	res, err := c.Verify(ctx, d.Token, astracaph.VerifyTokenOptions{Secret: site.Secret, Origin: "https://partner.test", Domain: "partner.test"})
	require.NoError(t, err)
	require.True(t, res.Success, res.ErrorCodes)

	// Open mode: the open secret and an origin, both checked.
	open := redeem(t, c, "", "https://open.example")
	openKey := astracaph.OpenSecretForTest(c)
	res, err = c.Verify(ctx, open.Token, astracaph.VerifyTokenOptions{Secret: openKey, Origin: "https://other.example"})
	require.NoError(t, err)
	require.False(t, res.Success)
	res, err = c.Verify(ctx, open.Token, astracaph.VerifyTokenOptions{Secret: openKey, Origin: "https://open.example"})
	require.NoError(t, err)
	require.True(t, res.Success)
}

// TestAttackPoWV1Downgrade: any client could ask for a legacy v1 challenge — thousands of
// times cheaper for a native solver — and redeem it, also for v2 sites.
func TestAttackPoWV1Downgrade(t *testing.T) {
	ctx := context.Background()
	c := newCaptcha(t)
	_, err := c.ChallengeV1(ctx, astracaph.ChallengeRequest{})
	require.ErrorIs(t, err, astracaph.ErrPoWV1Disabled)
	// A v1 payload signed with the same keys (from a server with v1 on) is refused too.
	v1 := newCaptcha(t, astracaph.WithPoWV1(true))
	ch, err := v1.ChallengeV1(ctx, astracaph.ChallengeRequest{})
	require.NoError(t, err)
	sol, err := astracaph.SolveChallengeV1(ctx, ch)
	require.NoError(t, err)
	_, err = c.Redeem(ctx, astracaph.RedeemRequest{Payload: astracaph.EncodePayloadV1(ch, sol), Origin: "https://v1.example"})
	require.ErrorIs(t, err, astracaph.ErrPoWV1Disabled)

	// A site configured for v1 still gets it.
	require.NoError(t, c.SeedSites(ctx, []astracaph.SiteCredentials{{Site: astracaph.Site{Name: "legacy", SiteKey: "pk_live_legacy", Domain: "legacy.example", PoWVersion: 1}, Secret: "sk_live_legacylegacylegacy01"}}))
	require.Equal(t, 1, c.Policy(ctx, "pk_live_legacy").PoWVersion)
	ch, err = c.ChallengeV1(ctx, astracaph.ChallengeRequest{SiteKey: "pk_live_legacy"})
	require.NoError(t, err)
	sol, err = astracaph.SolveChallengeV1(ctx, ch)
	require.NoError(t, err)
	d, err := c.Redeem(ctx, astracaph.RedeemRequest{Payload: astracaph.EncodePayloadV1(ch, sol), SiteKey: "pk_live_legacy", Origin: "https://legacy.example"})
	require.NoError(t, err)
	require.Equal(t, astracaph.ActionPass, d.Action)
}

// TestAttackV1SolutionRedeemedTwiceWithoutTrailingAmpersand: the verifier re-appends the
// salt's "&", so the same solution with the "&" dropped verifies; it used to count as a new
// challenge because the replay key was the raw salt.
func TestAttackV1SolutionRedeemedTwiceWithoutTrailingAmpersand(t *testing.T) {
	ctx := context.Background()
	c := newCaptcha(t, astracaph.WithPoWV1(true))
	ch, err := c.ChallengeV1(ctx, astracaph.ChallengeRequest{})
	require.NoError(t, err)
	require.True(t, strings.HasSuffix(ch.Salt, "&"))
	sol, err := astracaph.SolveChallengeV1(ctx, ch)
	require.NoError(t, err)
	_, err = c.Redeem(ctx, astracaph.RedeemRequest{Payload: astracaph.EncodePayloadV1(ch, sol), Origin: "https://v1.example"})
	require.NoError(t, err)
	stripped := ch
	stripped.Salt = strings.TrimSuffix(ch.Salt, "&")
	res, err := astracaph.VerifySolution(astracaph.EncodePayloadV1(stripped, sol), astracaph.VerifyOptions{HMACKey: astracaph.ChallengeKeyForTest(c)})
	require.NoError(t, err)
	require.True(t, res.Verified, "the variant is a valid solution: only the replay key can stop it")
	_, err = c.Redeem(ctx, astracaph.RedeemRequest{Payload: astracaph.EncodePayloadV1(stripped, sol), Origin: "https://v1.example"})
	require.ErrorIs(t, err, astracaph.ErrChallengeUsed)
}

// TestAttackReplayAfterMemoryStoreRestart: with a stable master secret, a restarted server
// (a new memory store) used to accept spent tokens and redeemed solutions again.
func TestAttackReplayAfterMemoryStoreRestart(t *testing.T) {
	ctx := context.Background()
	before := newCaptcha(t)
	d := redeem(t, before, "", "https://restart.example")
	res, err := before.Verify(ctx, d.Token, astracaph.VerifyTokenOptions{Origin: "https://restart.example"})
	require.NoError(t, err)
	require.True(t, res.Success)
	payload := solve(t, before, "", "")
	_, err = before.Redeem(ctx, astracaph.RedeemRequest{Payload: payload, Origin: "https://restart.example"})
	require.NoError(t, err)
	time.Sleep(2 * time.Millisecond)

	after := newCaptcha(t) // same secret, fresh memory store: the restart
	res, err = after.Verify(ctx, d.Token, astracaph.VerifyTokenOptions{Origin: "https://restart.example"})
	require.NoError(t, err)
	require.False(t, res.Success, "a token spent before the restart must not verify again")
	require.Equal(t, []string{astracaph.CodeTimeoutDuplicate}, res.ErrorCodes)
	_, err = after.Redeem(ctx, astracaph.RedeemRequest{Payload: payload, Origin: "https://restart.example"})
	require.ErrorIs(t, err, astracaph.ErrChallengeExpired, "a solution redeemed before the restart must not redeem again")
	// Fresh work after the restart is fine.
	d = redeem(t, after, "", "https://restart.example")
	res, err = after.Verify(ctx, d.Token, astracaph.VerifyTokenOptions{Origin: "https://restart.example"})
	require.NoError(t, err)
	require.True(t, res.Success)
}

// foreignChallenge builds a challenge as another ALTCHA deployment would: signed with the
// shared HMAC key, with no keySignature (so verifying needs a full key derivation).
func foreignChallenge(t *testing.T, key []byte, o astracaph.ChallengeOptions) astracaph.Challenge {
	t.Helper()
	o.HMACKey = key
	ch, err := astracaph.CreateChallenge(o)
	require.NoError(t, err)
	js, err := json.Marshal(ch)
	require.NoError(t, err)
	var back astracaph.Challenge
	require.NoError(t, json.Unmarshal(js, &back))
	return back
}

// TestAttackForeignChallengeKDFBurn: a foreign challenge without keySignature made the
// server re-derive the key for every junk redemption (a quarter second of argon2id each),
// with nothing consumed. Now expensive parameters are refused before deriving, and a junk
// answer that did cost a derivation burns the challenge.
func TestAttackForeignChallengeKDFBurn(t *testing.T) {
	ctx := context.Background()
	key := []byte("shared-altcha-hmac-key")
	// A fixed clock on a whole second: the engine's store starts its epoch then, so a
	// foreign challenge expiring 11 minutes later (the challenge lifetime plus the skew
	// allowed) is dated at that very second and redeems (see the test below).
	now := time.Unix(time.Now().Unix(), 0)
	c := newCaptcha(t, astracaph.WithALTCHAKey(key), astracaph.WithClock(func() time.Time { return now }))
	junk := func(ch astracaph.Challenge) string {
		return astracaph.EncodePayload(ch, astracaph.Solution{Counter: 3, DerivedKey: strings.Repeat("ab", ch.Parameters.KeyLength)})
	}
	// Parameters far above the limit: refused without running the derivation.
	heavy := foreignChallenge(t, key, astracaph.ChallengeOptions{Algorithm: astracaph.Argon2id, Cost: 50, MemoryCost: 1 << 20, Parallelism: 1,
		Mode: astracaph.Probabilistic, KeyPrefix: "00", ExpiresAt: time.Now().Add(time.Minute), AllowUnsolvable: true})
	start := time.Now()
	_, err := c.Redeem(ctx, astracaph.RedeemRequest{Payload: junk(heavy), Origin: "https://x.example"})
	require.ErrorIs(t, err, astracaph.ErrInvalidSolution)
	require.Less(t, time.Since(start), 10*time.Second, "sanity: a 1 GiB argon2id derivation was not attempted")

	// Within limits: one junk answer costs one derivation, then the challenge is burnt.
	light := foreignChallenge(t, key, astracaph.ChallengeOptions{Algorithm: astracaph.PBKDF2SHA256, Cost: 10, Mode: astracaph.Probabilistic,
		KeyPrefix: "0", ExpiresAt: now.Add(11 * time.Minute)})
	_, err = c.Redeem(ctx, astracaph.RedeemRequest{Payload: junk(light), Origin: "https://x.example"})
	require.ErrorIs(t, err, astracaph.ErrInvalidSolution)
	sol, err := astracaph.SolveChallenge(ctx, light, astracaph.SolveOptions{})
	require.NoError(t, err)
	_, err = c.Redeem(ctx, astracaph.RedeemRequest{Payload: astracaph.EncodePayload(light, sol), Origin: "https://x.example"})
	require.ErrorIs(t, err, astracaph.ErrChallengeUsed, "a challenge that cost a derivation for junk is spent")
}

// TestAttackForeignChallengeWithoutExpiry: a foreign challenge with no expiry could be
// redeemed again once its replay record's TTL passed. Refused unless allowed.
func TestAttackForeignChallengeWithoutExpiry(t *testing.T) {
	ctx := context.Background()
	key := []byte("shared-altcha-hmac-key")
	ch := foreignChallenge(t, key, astracaph.ChallengeOptions{Algorithm: astracaph.PBKDF2SHA256, Cost: 2, Mode: astracaph.Probabilistic, KeyPrefix: "0"})
	sol, err := astracaph.SolveChallenge(ctx, ch, astracaph.SolveOptions{})
	require.NoError(t, err)
	payload := astracaph.EncodePayload(ch, sol)
	_, err = newCaptcha(t, astracaph.WithALTCHAKey(key)).Redeem(ctx, astracaph.RedeemRequest{Payload: payload, Origin: "https://x.example"})
	require.ErrorIs(t, err, astracaph.ErrNoExpiry)
	allowing := newCaptcha(t, astracaph.WithALTCHAKey(key), astracaph.WithUnexpiringChallenges(true))
	_, err = allowing.Redeem(ctx, astracaph.RedeemRequest{Payload: payload, Origin: "https://x.example"})
	require.NoError(t, err)
	_, err = allowing.Redeem(ctx, astracaph.RedeemRequest{Payload: payload, Origin: "https://x.example"})
	require.ErrorIs(t, err, astracaph.ErrChallengeUsed)
}

// TestAttackCounterLowerBoundIsShared: the deterministic counter's range is public, so a
// bot starts at its minimum; the signed challenge carries the minimum so our widget does
// too, and the challenge's work really lies at or above it.
func TestAttackCounterLowerBoundIsShared(t *testing.T) {
	c := newCaptcha(t, astracaph.WithPoW(astracaph.PoWConfig{Algorithm: astracaph.PBKDF2SHA256, Cost: 2, CounterMin: 40, CounterMax: 60}))
	for range 5 {
		ch, err := c.Challenge(context.Background(), astracaph.ChallengeRequest{})
		require.NoError(t, err)
		js, _ := json.Marshal(ch)
		var back astracaph.Challenge
		require.NoError(t, json.Unmarshal(js, &back))
		min, ok := back.Parameters.Data["counterMin"].(float64)
		require.True(t, ok, "data.counterMin is signed into the challenge: %v", back.Parameters.Data)
		require.EqualValues(t, 40, min)
		sol, err := astracaph.SolveChallenge(context.Background(), back, astracaph.SolveOptions{})
		require.NoError(t, err)
		require.GreaterOrEqual(t, sol.Counter, uint32(40))
	}
}

// TestTokenIDsCarryMintProof documents the token id format: <issue id>.<tag>, the tag a
// truncated HMAC over the rest of the signed data.
func TestTokenIDsCarryMintProof(t *testing.T) {
	c := newCaptcha(t)
	d := redeem(t, c, "", "https://x.example")
	vd, err := astracaph.DecodeServerPayload(d.Token)
	require.NoError(t, err)
	base, tag, ok := strings.Cut(vd.ID, ".")
	require.True(t, ok, vd.ID)
	require.Len(t, base, 23)
	raw, err := base64.RawURLEncoding.DecodeString(tag)
	require.NoError(t, err)
	require.Len(t, raw, 16)
	require.NotEqual(t, hex.EncodeToString(raw), strings.Repeat("0", 32))
}

// TestAttackLongLivedForeignChallengeReplayAfterRestart: a foreign ALTCHA challenge (signed
// with the shared key) carries no issue time, so the store's epoch check dated it at its
// expiry minus this server's challenge lifetime. A partner challenge living an hour was
// thereby dated 50 minutes in the future: solved and redeemed once, then redeemed again
// after a restart (or a Redis flush), it passed the epoch check and earned a second token.
// A foreign challenge may now live at most the challenge lifetime plus a minute of clock
// skew, which keeps that date at or before its first possible redemption.
func TestAttackLongLivedForeignChallengeReplayAfterRestart(t *testing.T) {
	ctx := context.Background()
	key := []byte("shared-altcha-hmac-key")
	ch := foreignChallenge(t, key, astracaph.ChallengeOptions{Algorithm: astracaph.PBKDF2SHA256, Cost: 2, Mode: astracaph.Probabilistic,
		KeyPrefix: "0", ExpiresAt: time.Now().Add(time.Hour)})
	sol, err := astracaph.SolveChallenge(ctx, ch, astracaph.SolveOptions{})
	require.NoError(t, err)
	payload := astracaph.EncodePayload(ch, sol)
	tokens := 0
	for range 2 { // the second engine is the restarted server: same secrets, fresh store
		time.Sleep(2 * time.Millisecond)
		d, err := newCaptcha(t, astracaph.WithALTCHAKey(key)).Redeem(ctx, astracaph.RedeemRequest{Payload: payload, Origin: "https://x.example"})
		if err == nil && d.Token != "" {
			tokens++
			continue
		}
		require.ErrorIs(t, err, astracaph.ErrLifetimeTooLong)
	}
	require.Zero(t, tokens, "a challenge living longer than this server's challenges earns no token, so none twice")

	// Within the lifetime plus skew it redeems once, and not again after a restart: it is
	// dated at the earliest moment it could have been redeemed, its expiry minus 11 minutes.
	// Fixed clocks on whole seconds play the two servers.
	t0 := time.Unix(time.Now().Unix(), 0)
	at := func(d time.Duration) astracaph.Option {
		return astracaph.WithClock(func() time.Time { return t0.Add(d) })
	}
	ok := foreignChallenge(t, key, astracaph.ChallengeOptions{Algorithm: astracaph.PBKDF2SHA256, Cost: 2, Mode: astracaph.Probabilistic,
		KeyPrefix: "0", ExpiresAt: t0.Add(11 * time.Minute)})
	sol, err = astracaph.SolveChallenge(ctx, ok, astracaph.SolveOptions{})
	require.NoError(t, err)
	payload = astracaph.EncodePayload(ok, sol)
	_, err = newCaptcha(t, astracaph.WithALTCHAKey(key), at(0)).Redeem(ctx, astracaph.RedeemRequest{Payload: payload, Origin: "https://x.example"})
	require.NoError(t, err)
	// Restarted a second later: before the fix it was dated at its expiry minus 10
	// minutes, a minute after this restart, and redeemed again.
	_, err = newCaptcha(t, astracaph.WithALTCHAKey(key), at(time.Second)).Redeem(ctx, astracaph.RedeemRequest{Payload: payload, Origin: "https://x.example"})
	require.ErrorIs(t, err, astracaph.ErrChallengeExpired, "redeemed before the restart: not again")
}

// TestAttackLookalikeDomainIsNotTheSite: a site's domain covers its subdomains, so a
// suffix test without the label boundary would let a squatter's evilshop.example or
// shop.example.evil solve for shop.example, and a token solved there verify for it.
func TestAttackLookalikeDomainIsNotTheSite(t *testing.T) {
	c := newCaptcha(t)
	ctx := context.Background()
	site, err := c.RegisterSite(ctx, astracaph.SiteRequest{Domain: "shop.example"})
	require.NoError(t, err)
	for _, o := range []string{"https://evilshop.example", "https://shop.example.evil", "https://xshop.example", "https://shop.examplex"} {
		payload := solve(t, c, "", "")
		_, err := c.Redeem(ctx, astracaph.RedeemRequest{Payload: solve(t, c, site.SiteKey, ""), SiteKey: site.SiteKey, Origin: o})
		require.ErrorIs(t, err, astracaph.ErrOriginNotAllowed, o)
		// An open-mode token from the look-alike does not verify as the site's domain.
		d, err := c.Redeem(ctx, astracaph.RedeemRequest{Payload: payload, Origin: o})
		require.NoError(t, err)
		res, err := c.Verify(ctx, d.Token, astracaph.VerifyTokenOptions{Domain: "shop.example"})
		require.NoError(t, err)
		require.False(t, res.Success, o)
	}
	// The real subdomain is the site's.
	d := redeem(t, c, site.SiteKey, "https://www.shop.example")
	res, err := c.Verify(ctx, d.Token, astracaph.VerifyTokenOptions{Secret: site.Secret})
	require.NoError(t, err)
	require.True(t, res.Success)
}
