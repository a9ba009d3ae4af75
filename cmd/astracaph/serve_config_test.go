package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/internal/pattest"
	"github.com/astracat/astracaph/internal/testenv"
	"github.com/astracat/astracaph/privacypass"
)

func TestParsePrefixes(t *testing.T) {
	ps, err := parsePrefixes(" 10.0.0.0/8, 192.0.2.7 ,::ffff:198.51.100.1, 2001:db8::/32,")
	require.NoError(t, err)
	require.Equal(t, []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32"),
		netip.MustParsePrefix("198.51.100.1/32"), netip.MustParsePrefix("2001:db8::/32"),
	}, ps)
	for _, bad := range []string{"10.0.0.0/33", "not-an-ip", "1.2.3.4/x"} {
		_, err := parsePrefixes(bad)
		require.Error(t, err, bad)
	}
}

func FuzzParsePrefixes(f *testing.F) {
	for _, s := range []string{"10.0.0.0/8,192.0.2.7", "::1", "2001:db8::/32, fe80::1%eth0", "", ",,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ps, err := parsePrefixes(s)
		if err != nil {
			return
		}
		for _, p := range ps {
			require.True(t, p.IsValid(), "parsePrefixes(%q) returned %v", s, p)
			require.Equal(t, p.Masked(), p, "parsePrefixes(%q) returned host bits", s)
		}
		require.LessOrEqual(t, len(ps), strings.Count(s, ",")+1, "more prefixes than fields in %q", s)
	})
}

func parseServe(t *testing.T, args []string, env ...string) (serveConfig, error) {
	t.Helper()
	var stderr bytes.Buffer
	return parseServeFlags(args, env, &stderr)
}

// Every flag has a variable, shown in -h and listed in README's configuration table, so a
// flag added in one line cannot be forgotten in either.
func TestEveryServeFlagHasAVariable(t *testing.T) {
	var c serveConfig
	fs := newServeFlags(&c, io.Discard)
	fe, err := bindEnv(fs, serveEnvOverrides, func(string) (string, bool) { return "", false })
	require.NoError(t, err)
	readme, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "README.md"))
	require.NoError(t, err)
	var help bytes.Buffer
	_, err = parseServeFlags([]string{"-h"}, nil, &help)
	require.ErrorIs(t, err, flag.ErrHelp)
	fs.VisitAll(func(f *flag.Flag) {
		v := fe[f.Name]
		require.NotEmpty(t, v, f.Name)
		require.Contains(t, help.String(), "Environment: "+v+".", f.Name)
		require.Contains(t, string(readme), "`"+v+"`", "README's configuration table lists %s", v)
		require.Contains(t, string(readme), "`-"+f.Name+"`", "README's configuration table lists -%s", f.Name)
		require.NotContains(t, f.Usage, "`", "no backticks: the flag package would take them for a placeholder")
		require.True(t, strings.HasSuffix(strings.TrimSpace(strings.Split(f.Usage, " Environment:")[0]), "."), "-%s usage is a sentence", f.Name)
	})
	for _, v := range serveEnvOnly {
		require.Contains(t, help.String(), v.name)
		require.Contains(t, string(readme), "`"+v.name+"`")
	}
	// The names kept from before.
	for flagName, v := range map[string]string{"addr": "ASTRACAPH_ADDR", "redis-url": "REDIS_URL", "verify-trusted-ips": "VERIFY_TRUSTED_IPS",
		"trusted-proxies": "ASTRACAPH_TRUSTED_PROXIES", "data-dir": "ASTRACAPH_DATA_DIR", "pow-algorithm": "ASTRACAPH_POW_ALGORITHM"} {
		require.Equal(t, v, fe[flagName])
	}
}

func TestServeEnvironmentSetsFlagsAndFlagsWin(t *testing.T) {
	c, err := parseServe(t, []string{"-pow-cost", "20", "-limit-redeem", "7"},
		"ASTRACAPH_POW_COST=10", "ASTRACAPH_POW_COUNTER_MIN=1", "ASTRACAPH_POW_COUNTER_MAX=50", "ASTRACAPH_RISK=false",
		"ASTRACAPH_LIMIT_REDEEM=3", "ASTRACAPH_REDIS_WAIT_TIMEOUT=", "VERIFY_TRUSTED_IPS=10.0.0.0/8",
		"ASTRACAPH_TRUSTED_PROXIES=192.0.2.1", "ASTRACAPH_TOKEN_SECRET=0123456789abcdef0123", "ASTRACAPH_SANDBOX=0")
	require.NoError(t, err)
	require.Equal(t, 20, c.pow.Cost, "the flag wins")
	require.Equal(t, 7, c.limits.Redeem, "the flag wins")
	require.Equal(t, uint32(1), c.pow.CounterMin)
	require.Equal(t, uint32(50), c.pow.CounterMax)
	require.False(t, c.risk)
	require.False(t, c.sandbox)
	require.Equal(t, 50*time.Millisecond, c.waitTimeout, "an empty variable is unset")
	require.Equal(t, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, c.verifyTrusted)
	require.Equal(t, []netip.Prefix{netip.MustParsePrefix("192.0.2.1/32")}, c.trustedProxies)
	require.Equal(t, "0123456789abcdef0123", c.tokenSecret)
	require.Empty(t, c.warnings)
}

// Regression: ASTRACAPH_POW_COST=abc was silently ignored. A bad value names its variable
// and says what is expected, without repeating the value.
func TestServeBadVariableNamesIt(t *testing.T) {
	for env, want := range map[string]string{
		"ASTRACAPH_POW_COST=abc":                     "ASTRACAPH_POW_COST must be an integer",
		"ASTRACAPH_POW_COUNTER_MAX=-1":               "ASTRACAPH_POW_COUNTER_MAX must be a whole number (0 or more)",
		"ASTRACAPH_RISK=maybe":                       "ASTRACAPH_RISK must be true or false",
		"ASTRACAPH_REDIS_WAIT_TIMEOUT=soon":          "ASTRACAPH_REDIS_WAIT_TIMEOUT must be a duration",
		"ASTRACAPH_TRUSTED_PROXIES=300.1.1.1":        `ASTRACAPH_TRUSTED_PROXIES must be valid: "300.1.1.1"`,
		"ASTRACAPH_LIMIT_SITES=99999999999999999999": "ASTRACAPH_LIMIT_SITES must be an integer",
	} {
		_, err := parseServe(t, nil, env)
		require.Error(t, err, env)
		require.Contains(t, err.Error(), want, env)
		if _, v, _ := strings.Cut(env, "="); len(v) > 3 && !strings.Contains(want, v) {
			require.NotContains(t, err.Error(), v, "the value is not repeated (it could be a secret)")
		}
	}
}

func TestServeUnknownVariablesWarn(t *testing.T) {
	c, err := parseServe(t, nil, "ASTRACAPH_POW_COTS=10", "ASTRACAPH_REDIS_URL=redis://x", "ASTRACAPH_WHATEVER=1",
		"ASTRACAPH_INTEGRATION=1", "ASTRACAPH_TOKEN_SECRET=0123456789abcdef0123", "HOME=/root")
	require.NoError(t, err)
	require.Equal(t, []string{
		"unknown environment variable ASTRACAPH_POW_COTS is ignored (did you mean ASTRACAPH_POW_COST?)",
		"unknown environment variable ASTRACAPH_REDIS_URL is ignored (did you mean REDIS_URL?)",
		"unknown environment variable ASTRACAPH_WHATEVER is ignored",
	}, c.warnings)
}

// Configuration mistakes found before any connection, each naming its setting.
func TestServeValidation(t *testing.T) {
	secret := "ASTRACAPH_TOKEN_SECRET=0123456789abcdef0123"
	for _, tc := range []struct {
		args []string
		env  []string
		want string
	}{
		{args: []string{"-pow-counter-min", "100", "-pow-counter-max", "10"}, want: "-pow-counter-min (ASTRACAPH_POW_COUNTER_MIN) is 100, above -pow-counter-max (ASTRACAPH_POW_COUNTER_MAX) 10"},
		{env: []string{"ASTRACAPH_POW_COUNTER_MAX=0"}, want: "-pow-counter-max (ASTRACAPH_POW_COUNTER_MAX) must be between 1"},
		{args: []string{"-pow-cost", "0"}, want: "-pow-cost (ASTRACAPH_POW_COST) must be at least 1"},
		{args: []string{"-pow-algorithm", "MD5"}, want: "proof of work (-pow-algorithm (ASTRACAPH_POW_ALGORITHM), -pow-cost (ASTRACAPH_POW_COST), " +
			"-pow-memory-cost (ASTRACAPH_POW_MEMORY_COST), -pow-parallelism (ASTRACAPH_POW_PARALLELISM)): astracaph: unknown algorithm"},
		{args: []string{"-pow-algorithm", "SCRYPT", "-pow-cost", "1024"}, want: "SCRYPT needs -pow-memory-cost (ASTRACAPH_POW_MEMORY_COST) of at least 1"},
		{args: []string{"-pow-algorithm", "SCRYPT", "-pow-cost", "1000", "-pow-memory-cost", "8", "-pow-parallelism", "1"}, want: "power of two"},
		{args: []string{"-pow-algorithm", "SCRYPT", "-pow-cost", "1048576", "-pow-memory-cost", "16", "-pow-parallelism", "1"}, want: "SCRYPT needs 2048 MiB per derivation"},
		{args: []string{"-pow-algorithm", "ARGON2ID", "-pow-cost", "2", "-pow-memory-cost", "4194304", "-pow-parallelism", "1"}, want: "ARGON2ID needs 4096 MiB"},
		{args: []string{"-pow-memory-cost", "8"}, want: "apply only to SCRYPT and ARGON2ID"},
		{args: []string{"-pow-cost", "20000000"}, want: "creating one challenge takes over 1s"}, // PBKDF2: about 4 s
		{args: []string{"-log-level", "verbose"}, want: "-log-level (ASTRACAPH_LOG_LEVEL) must be debug, info, warn or error"},
		{args: []string{"-limit-redeem", "-1"}, want: "-limit-redeem (ASTRACAPH_LIMIT_REDEEM) must be 0"},
		{args: []string{"-redis-wait-replicas", "1"}, want: "needs REDIS_URL"},
		{env: []string{secret, "REDIS_URL=redis://127.0.0.1:1", "ASTRACAPH_REDIS_PREFIX=app{}:"}, want: "-redis-prefix (ASTRACAPH_REDIS_PREFIX)"},
		{env: []string{secret, "REDIS_URL=redis://127.0.0.1:1", "ASTRACAPH_REDIS_WAIT_REPLICAS=1", "ASTRACAPH_REDIS_WAIT_TIMEOUT=0s"}, want: "must be at least 1ms"},
		{env: []string{secret, "REDIS_URL=redis://127.0.0.1:1?read_timeout=1s", "ASTRACAPH_REDIS_WAIT_REPLICAS=1", "ASTRACAPH_REDIS_WAIT_TIMEOUT=2s"}, want: "below the read timeout"},
		{env: []string{secret, "REDIS_URL=redis://u:hunter2secret@h1:1,h2:2/3"}, want: "REDIS_URL: astracaph: redisstore: invalid Redis URL: a Redis Cluster has only database 0"},
		{env: []string{"ASTRACAPH_SITE_CONFIG=[{\"nmae\":\"Shop\"}]"}, want: `ASTRACAPH_SITE_CONFIG: unknown field "nmae" in a site (did you mean "name"?)`},
		{env: []string{"ASTRACAPH_SITE_CONFIG={\"name\":\"Shop\"}"}, want: "ASTRACAPH_SITE_CONFIG: expected a JSON array of sites"},
		{env: []string{"ASTRACAPH_SITE_CONFIG=@/nonexistent/sites.json"}, want: "ASTRACAPH_SITE_CONFIG: open /nonexistent/sites.json"},
		{env: []string{"ASTRACAPH_PAT_ISSUERS=a.example,A.example"}, want: `ASTRACAPH_PAT_ISSUERS must be valid: astracaph: invalid privacy pass configuration: issuer "a.example" listed twice`},
		{args: []string{"-pat-issuers", "has space.example"}, want: `-pat-issuers: astracaph: invalid privacy pass configuration: issuer name "has space.example"`},
		{args: []string{"-challenge-ttl", "0s"}, want: "-challenge-ttl (ASTRACAPH_CHALLENGE_TTL) must be at least 1s"},
		{env: []string{"ASTRACAPH_TOKEN_TTL=500ms"}, want: "-token-ttl (ASTRACAPH_TOKEN_TTL) must be at least 1s"},
	} {
		_, err := parseServe(t, tc.args, tc.env...)
		require.Error(t, err, "%v %v", tc.args, tc.env)
		require.Contains(t, err.Error(), tc.want, "%v %v", tc.args, tc.env)
		require.NotContains(t, err.Error(), "hunter2secret")
	}
}

// ASTRACAPH_PAT_ISSUERS names the Private Access Token issuers, each fetched or read from a
// keys file; an issuer that cannot be reached at start is logged and retried, and the
// server offers the proof of work only until some issuer has a key.
func TestServePrivacyPassIssuers(t *testing.T) {
	c, err := parseServe(t, nil)
	require.NoError(t, err)
	require.Empty(t, c.patIssuers, "off by default")
	c, err = parseServe(t, nil, "ASTRACAPH_PAT_ISSUERS=demo-pat.issuer.cloudflare.com, issuer.internal.example=/etc/astracaph/issuer.json")
	require.NoError(t, err)
	require.Equal(t, []privacypass.IssuerConfig{{Name: "demo-pat.issuer.cloudflare.com"}, {Name: "issuer.internal.example", StaticFile: "/etc/astracaph/issuer.json"}}, c.patIssuers)

	keys := filepath.Join(t.TempDir(), "issuer.json")
	dir, err := pattest.Directory(&pattest.Key(0).PublicKey)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(keys, dir, 0o600))
	var logs testenv.SyncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	is, stop, err := privacyPass(context.Background(), []privacypass.IssuerConfig{{Name: "issuer.internal.example", StaticFile: keys}, {Name: "unreachable.invalid"}}, log)
	require.NoError(t, err)
	defer stop()
	require.True(t, is.Ready())
	require.Contains(t, logs.String(), "privacy pass issuer ready")
	require.Contains(t, logs.String(), "issuer=issuer.internal.example")
	require.Contains(t, logs.String(), "privacy pass issuer has no key yet")
	require.Contains(t, logs.String(), "issuer=unreachable.invalid")

	_, _, err = privacyPass(context.Background(), []privacypass.IssuerConfig{{Name: "x.example", StaticFile: "/nonexistent/keys.json"}}, log)
	require.ErrorContains(t, err, "/nonexistent/keys.json", "an unreadable keys file stops the start")
}

func TestServeAllowAltchaWidget(t *testing.T) {
	c, err := parseServe(t, nil)
	require.NoError(t, err)
	require.False(t, c.allowAltcha, "the official widget is not allowed by default")
	c, err = parseServe(t, []string{"-allow-altcha-widget"})
	require.NoError(t, err)
	require.True(t, c.allowAltcha)
	c, err = parseServe(t, nil, "ASTRACAPH_ALLOW_ALTCHA_WIDGET=1")
	require.NoError(t, err)
	require.True(t, c.allowAltcha)
	rc, stop, err := riskConfig(context.Background(), c, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	stop()
	require.True(t, rc.AllowALTCHAWidget)
}

func TestServeCountriesFromDataDir(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "geo-whois-asn-country-ipv4.csv"), []byte("198.51.100.0,198.51.100.255,FR\n"), 0o644))
	rc, stop, err := riskConfig(context.Background(), serveConfig{dataDir: dir}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer stop()
	require.NotNil(t, rc.Country)
	require.Equal(t, "FR", rc.Country(netip.MustParseAddr("198.51.100.9")))
	require.Empty(t, rc.Country(netip.MustParseAddr("203.0.113.9")))
}

// ASTRACAPH_CHALLENGE_TTL sets how long challenges live, and with it how long the foreign
// ALTCHA challenges accepted with ASTRACAPH_ALTCHA_HMAC_KEY may live: an hour-long one is
// refused by default (docs/security.md, 5b) and admitted with a longer lifetime — though
// not by a server started after the earliest moment it could have been redeemed, which for
// this just-built engine is every such challenge.
func TestServeChallengeTTLAdmitsLongerForeignChallenges(t *testing.T) {
	ctx := context.Background()
	key := "foreign-altcha-key-0123456789"
	ch, err := astracaph.CreateChallenge(astracaph.ChallengeOptions{Algorithm: astracaph.PBKDF2SHA256, Cost: 2, Mode: astracaph.Probabilistic,
		KeyPrefix: "0", HMACKey: []byte(key), ExpiresAt: time.Now().Add(time.Hour)})
	require.NoError(t, err)
	sol, err := astracaph.SolveChallenge(ctx, ch, astracaph.SolveOptions{})
	require.NoError(t, err)
	payload := astracaph.EncodePayload(ch, sol)
	redeem := func(env ...string) error {
		c, err := parseServe(t, nil, append(env, "ASTRACAPH_TOKEN_SECRET=0123456789abcdef0123", "ASTRACAPH_ALTCHA_HMAC_KEY="+key, "ASTRACAPH_RISK=false")...)
		require.NoError(t, err)
		eng, cleanup, err := buildEngine(ctx, c, slog.New(slog.DiscardHandler))
		require.NoError(t, err)
		t.Cleanup(cleanup)
		_, err = eng.Redeem(ctx, astracaph.RedeemRequest{Payload: payload, Origin: "https://shop.example"})
		return err
	}
	require.ErrorIs(t, redeem(), astracaph.ErrLifetimeTooLong)
	err = redeem("ASTRACAPH_CHALLENGE_TTL=1h")
	require.NotErrorIs(t, err, astracaph.ErrLifetimeTooLong)
	require.ErrorIs(t, err, astracaph.ErrChallengeExpired, "dated an hour and a minute before its expiry: before this fresh store's epoch")
}
