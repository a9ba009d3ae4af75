package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/privacypass"
	"github.com/astracat/astracaph/redisstore"
	"github.com/astracat/astracaph/server"
	"github.com/astracat/astracaph/widget"
)

// serveConfig is everything `serve` reads from flags and the environment.
type serveConfig struct {
	addr, logFormat, logLevel     string
	tokenSecret, openSecret       string
	altchaKey                     string
	sites                         []astracaph.SiteCredentials // parsed ASTRACAPH_SITE_CONFIG
	redisURL, redisPrefix         string
	waitReplicas                  int
	waitTimeout                   time.Duration
	trustedProxies, verifyTrusted []netip.Prefix
	pow                           astracaph.PoWConfig
	counterMin, counterMax        uint
	dataDir, asnDBs, spamModel    string
	risk, sandbox, allowAltcha    bool
	powV1, sitesAPI, dev          bool
	allowNoExpiry                 bool
	adminToken                    string
	limits                        server.Limits
	shutdownTimeout               time.Duration
	challengeTTL, tokenTTL        time.Duration
	cpuProfile                    string
	privacyURL                    string                     // the widget's "Privacy" link
	patIssuers                    []privacypass.IssuerConfig // Private Access Token issuers
	// warnings to log once the logger exists (unknown variables).
	warnings []string
}

// serveEnvOverrides keeps the variable names flags had before every flag got one.
var serveEnvOverrides = map[string]string{"redis-url": "REDIS_URL", "verify-trusted-ips": "VERIFY_TRUSTED_IPS"}

// serveEnvOnly lists the variables serve reads that have no flag.
var serveEnvOnly = []envVar{
	{"ASTRACAPH_TOKEN_SECRET", "Master secret, at least 16 characters, shared by every server of a deployment. Without it a random one is used, and tokens and sites do not survive a restart."},
	{"ASTRACAPH_OPEN_SECRET", "Key of open-mode tokens, so that a backend holding it can verify them offline. Derived from the master secret by default."},
	{"ASTRACAPH_ALTCHA_HMAC_KEY", "HMAC key of an existing ALTCHA deployment, to sign and verify challenges with it."},
	{"ASTRACAPH_SITE_CONFIG", "JSON array of sites registered at start-up, or @ followed by the path of a file holding it."},
	{"ASTRACAPH_ADMIN_TOKEN", "Bearer token, at least 16 characters, required to register and delete sites through the API. Without it the registry is open (a warning is logged)."},
}

// envKnownElsewhere are ASTRACAPH_ variables read by the project's tests and examples, not
// by serve; they are not reported as unknown.
var envKnownElsewhere = []string{"ASTRACAPH_INTEGRATION", "ASTRACAPH_URL", "ASTRACAPH_SECRET"}

// maxPoWMemory bounds the memory of one SCRYPT or ARGON2ID derivation (also what a browser
// tab can afford): validation derives one key, and a typo must not exhaust the server.
const maxPoWMemory = 1 << 30

// powValidationTime bounds the one derivation start-up validation makes: a challenge
// costing over a second of server CPU is a misconfiguration, not a difficulty.
const powValidationTime = time.Second

func newServeFlags(c *serveConfig, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	d := astracaph.DefaultPoW
	fs.StringVar(&c.addr, "addr", ":8080", "Listen address.")
	fs.StringVar(&c.logFormat, "log-format", "text", "Log format: text or json.")
	fs.StringVar(&c.logLevel, "log-level", "info", "Log level: debug, info, warn or error.")
	fs.StringVar(&c.redisURL, "redis-url", "", "Redis shared by all servers: redis:// or rediss:// for one server or a Cluster (several addresses, or one Cluster node), redis+sentinel:// for Sentinel. Empty keeps state in memory.")
	fs.StringVar(&c.redisPrefix, "redis-prefix", redisstore.DefaultPrefix, "Prefix of every Redis key, so that several deployments can share one Redis. No braces.")
	fs.IntVar(&c.waitReplicas, "redis-wait-replicas", 0, "Replicas that must acknowledge each spent token before it counts (WAIT), so that a failover cannot revive it. 0 turns this off.")
	fs.DurationVar(&c.waitTimeout, "redis-wait-timeout", 50*time.Millisecond, "How long a spent token waits for the replicas' acknowledgement before verification fails closed.")
	fs.StringVar((*string)(&c.pow.Algorithm), "pow-algorithm", string(d.Algorithm), "Proof-of-work algorithm: PBKDF2/SHA-256, PBKDF2/SHA-384, PBKDF2/SHA-512, SHA-256, SHA-384, SHA-512, SCRYPT or ARGON2ID.")
	fs.IntVar(&c.pow.Cost, "pow-cost", d.Cost, "Proof-of-work cost: PBKDF2 or SHA iterations, SCRYPT N (a power of two), ARGON2ID passes.")
	fs.IntVar(&c.pow.MemoryCost, "pow-memory-cost", 0, "SCRYPT r or ARGON2ID memory in KiB; required by those two algorithms.")
	fs.IntVar(&c.pow.Parallelism, "pow-parallelism", 0, "SCRYPT p or ARGON2ID lanes; required by those two algorithms.")
	fs.UintVar(&c.counterMin, "pow-counter-min", uint(d.CounterMin), "Smallest counter of a deterministic challenge.")
	fs.UintVar(&c.counterMax, "pow-counter-max", uint(d.CounterMax), "Largest counter of a deterministic challenge.")
	fs.StringVar(&c.dataDir, "data-dir", "", "Directory of the lists written by astracaph data update (IP intelligence, disposable e-mail domains).")
	fs.StringVar(&c.asnDBs, "asn-db", "", "Comma-separated IP-to-ASN databases (.mmdb, or iptoasn .tsv).")
	fs.StringVar(&c.spamModel, "spam-model", "", "Naive Bayes model written by astracaph spam train.")
	fs.BoolVar(&c.risk, "risk", true, "Risk scoring and adaptive difficulty.")
	fs.BoolVar(&c.allowAltcha, "allow-altcha-widget", false, "Accept the official ALTCHA widget, which sends no telemetry, for every site.")
	fs.BoolVar(&c.sandbox, "sandbox", true, "Serve the /sandbox page.")
	fs.BoolVar(&c.powV1, "pow-v1", false, "Serve legacy PoW v1 challenges to any client that asks; when off, only sites configured for v1 get them.")
	fs.BoolVar(&c.sitesAPI, "sites", true, "Serve the site registry API (POST and DELETE /api/v1/sites).")
	fs.BoolVar(&c.dev, "dev", false, "Development: show risk scores and reason codes in the sandbox event stream.")
	fs.StringVar(&c.privacyURL, "privacy-url", "", "Where the widget's Privacy link points: an absolute http(s) URL or a path; empty keeps the server's own /captcha/privacy page.")
	fs.DurationVar(&c.challengeTTL, "challenge-ttl", 10*time.Minute, "How long a challenge lives; also the longest life accepted, plus a minute, for challenges signed with ASTRACAPH_ALTCHA_HMAC_KEY by another deployment.")
	fs.DurationVar(&c.tokenTTL, "token-ttl", 5*time.Minute, "How long a token lives between the widget and the form's verification.")
	fs.BoolVar(&c.allowNoExpiry, "allow-unexpiring-challenges", false, "Accept challenges without an expiry, signed with ASTRACAPH_ALTCHA_HMAC_KEY by another deployment.")
	fs.IntVar(&c.limits.Challenge, "limit-challenge", server.DefaultLimits.Challenge, "Challenges per client prefix per minute; 0 means unlimited.")
	fs.IntVar(&c.limits.Redeem, "limit-redeem", server.DefaultLimits.Redeem, "Redemptions per client prefix per minute; 0 means unlimited.")
	fs.IntVar(&c.limits.Sites, "limit-sites", server.DefaultLimits.Sites, "Site registrations per client prefix per hour; 0 means unlimited.")
	fs.Func("trusted-proxies", "Comma-separated addresses or CIDR prefixes of proxies whose X-Forwarded-For is honoured.", func(s string) (err error) {
		c.trustedProxies, err = parsePrefixes(s)
		return err
	})
	fs.Func("verify-trusted-ips", "Comma-separated addresses or CIDR prefixes that may verify tokens without a secret.", func(s string) (err error) {
		c.verifyTrusted, err = parsePrefixes(s)
		return err
	})
	fs.Func("pat-issuers", "Comma-separated Privacy Pass issuers whose Private Access Tokens replace the proof of work (docs/privacypass.md), such as demo-pat.issuer.cloudflare.com; name=/path/to/keys.json reads an issuer's keys from a file instead of its directory.", func(s string) (err error) {
		c.patIssuers, err = privacypass.ParseIssuerList(s)
		return err
	})
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 20*time.Second, "How long in-flight requests may take to finish on SIGTERM.")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "Diagnostics: write a CPU profile (for go tool pprof) to this file until shutdown.")
	return fs
}

// parseServeFlags reads the flags, then the environment under them, and validates the
// result: every mistake found here exits at once, before any connection is made.
func parseServeFlags(args, environ []string, stderr io.Writer) (serveConfig, error) {
	var c serveConfig
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	fs := newServeFlags(&c, stderr)
	fe, err := bindEnv(fs, serveEnvOverrides, lookup)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintln(w, "Usage: astracaph serve [flags]")
		fmt.Fprintln(w, "\nRuns the AstraCaph API. Every flag can also be set by the environment variable named")
		fmt.Fprintln(w, "after it; a flag given on the command line wins over its variable.\n\nFlags:")
		fs.PrintDefaults()
		fmt.Fprintln(w, "\nEnvironment variables without a flag (secrets and documents stay out of process lists):")
		for _, v := range serveEnvOnly {
			fmt.Fprintf(w, "  %s\n    \t%s\n", v.name, v.help)
		}
	}
	if err != nil {
		return c, err
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	known := append([]string{}, envKnownElsewhere...)
	for _, v := range serveEnvOnly {
		known = append(known, v.name)
	}
	c.warnings = unknownEnv(environ, fe, known)
	c.tokenSecret = env["ASTRACAPH_TOKEN_SECRET"]
	c.openSecret = env["ASTRACAPH_OPEN_SECRET"]
	c.altchaKey = env["ASTRACAPH_ALTCHA_HMAC_KEY"]
	c.adminToken = env["ASTRACAPH_ADMIN_TOKEN"]
	if c.adminToken != "" && len(c.adminToken) < 16 {
		return c, errors.New("ASTRACAPH_ADMIN_TOKEN must be at least 16 characters")
	}
	if env["UPSTASH_REDIS_REST_URL"] != "" || env["UPSTASH_REDIS_REST_TOKEN"] != "" {
		return c, errors.New("UPSTASH_REDIS_REST_URL/UPSTASH_REDIS_REST_TOKEN are not supported: the REST API cannot do atomic single-use consumption at our rate; set REDIS_URL to the Redis protocol URL Upstash shows (rediss://default:<token>@<host>:6379)")
	}
	if err := c.validate(fe); err != nil {
		return c, err
	}
	if sc := env["ASTRACAPH_SITE_CONFIG"]; sc != "" {
		data := []byte(sc)
		if path, ok := strings.CutPrefix(sc, "@"); ok {
			if data, err = os.ReadFile(path); err != nil {
				return c, fmt.Errorf("ASTRACAPH_SITE_CONFIG: %w", err)
			}
		}
		if c.sites, err = parseSiteConfig(data); err != nil {
			return c, err // the error names ASTRACAPH_SITE_CONFIG
		}
	}
	return c, nil
}

// validate checks the settings that can be checked without a network.
func (c *serveConfig) validate(fe flagEnv) error {
	if c.tokenSecret != "" && len(c.tokenSecret) < 16 {
		return errors.New("ASTRACAPH_TOKEN_SECRET must be at least 16 characters")
	}
	if c.redisURL != "" && c.tokenSecret == "" {
		return errors.New("REDIS_URL needs ASTRACAPH_TOKEN_SECRET: servers sharing a store must share the master secret")
	}
	if c.logFormat != "text" && c.logFormat != "json" {
		return fmt.Errorf("%s must be text or json, not %q", fe.setting("log-format"), c.logFormat)
	}
	var lvl slog.Level
	if lvl.UnmarshalText([]byte(c.logLevel)) != nil {
		return fmt.Errorf("%s must be debug, info, warn or error, not %q", fe.setting("log-level"), c.logLevel)
	}
	for _, l := range []struct {
		name string
		v    int
	}{{"limit-challenge", c.limits.Challenge}, {"limit-redeem", c.limits.Redeem}, {"limit-sites", c.limits.Sites}} {
		if l.v < 0 {
			return fmt.Errorf("%s must be 0 (unlimited) or more, not %d", fe.setting(l.name), l.v)
		}
	}
	if c.privacyURL != "" {
		if _, err := widget.New(widget.WithPrivacyURL(c.privacyURL)); err != nil {
			return fmt.Errorf("%s: %w", fe.setting("privacy-url"), err)
		}
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"challenge-ttl", c.challengeTTL}, {"token-ttl", c.tokenTTL}} {
		if d.v < time.Second {
			return fmt.Errorf("%s must be at least 1s, not %v", fe.setting(d.name), d.v)
		}
	}
	if c.shutdownTimeout < 0 {
		return fmt.Errorf("%s must not be negative", fe.setting("shutdown-timeout"))
	}
	if err := c.validateRedis(fe); err != nil {
		return err
	}
	return c.validatePoW(fe)
}

func (c *serveConfig) validateRedis(fe flagEnv) error {
	if c.waitReplicas < 0 {
		return fmt.Errorf("%s must be 0 (off) or more, not %d", fe.setting("redis-wait-replicas"), c.waitReplicas)
	}
	if c.waitReplicas > 0 && c.waitTimeout < time.Millisecond {
		return fmt.Errorf("%s must be at least 1ms when %s is set", fe.setting("redis-wait-timeout"), fe.setting("redis-wait-replicas"))
	}
	if c.redisURL == "" {
		if c.waitReplicas > 0 {
			return fmt.Errorf("%s needs REDIS_URL: the memory store has no replicas", fe.setting("redis-wait-replicas"))
		}
		return nil
	}
	// Parse the URL and check the options against its client now, without connecting.
	st, err := redisstore.NewFromURL(c.redisURL, c.redisOptions()...)
	if err != nil {
		switch {
		case errors.Is(err, redisstore.ErrInvalidURL):
			return fmt.Errorf("REDIS_URL: %w", err)
		case strings.Contains(err.Error(), "prefix"):
			return fmt.Errorf("%s: %w", fe.setting("redis-prefix"), err)
		default:
			return fmt.Errorf("%s: %w", fe.setting("redis-wait-timeout"), err)
		}
	}
	return st.Close()
}

// redisOptions are the store options from the flags.
func (c *serveConfig) redisOptions() []redisstore.Option {
	return []redisstore.Option{redisstore.WithPrefix(c.redisPrefix), redisstore.WithReplicaAck(c.waitReplicas, c.waitTimeout)}
}

// validatePoW checks the proof of work the way the engine will (astracaph.WithPoW derives
// one key), after the checks that keep that derivation itself cheap.
func (c *serveConfig) validatePoW(fe flagEnv) error {
	if c.counterMax == 0 || c.counterMax > 1<<31 {
		return fmt.Errorf("%s must be between 1 and 2147483648, not %d", fe.setting("pow-counter-max"), c.counterMax)
	}
	if c.counterMin > c.counterMax {
		return fmt.Errorf("%s is %d, above %s %d", fe.setting("pow-counter-min"), c.counterMin, fe.setting("pow-counter-max"), c.counterMax)
	}
	if c.pow.Cost < 1 {
		return fmt.Errorf("%s must be at least 1, not %d", fe.setting("pow-cost"), c.pow.Cost)
	}
	c.pow.CounterMin, c.pow.CounterMax = uint32(c.counterMin), uint32(c.counterMax)
	c.pow.V1MaxNumber = astracaph.DefaultPoW.V1MaxNumber
	p := c.pow
	all := strings.Join([]string{fe.setting("pow-algorithm"), fe.setting("pow-cost"), fe.setting("pow-memory-cost"), fe.setting("pow-parallelism")}, ", ")
	switch p.Algorithm {
	case astracaph.Scrypt, astracaph.Argon2id:
		if p.MemoryCost < 1 || p.Parallelism < 1 || p.Parallelism > 255 {
			return fmt.Errorf("%s needs %s of at least 1 and %s between 1 and 255", p.Algorithm, fe.setting("pow-memory-cost"), fe.setting("pow-parallelism"))
		}
		mem := int64(p.MemoryCost) * 1024 // ARGON2ID: KiB
		if p.Algorithm == astracaph.Scrypt {
			mem = 128 * int64(p.MemoryCost) * int64(max(p.Cost, 0)) // 128·r·N bytes
		}
		if mem > maxPoWMemory || mem < 0 {
			return fmt.Errorf("%s needs %d MiB per derivation with %s; at most %d MiB is allowed", p.Algorithm, mem>>20, all, maxPoWMemory>>20)
		}
	default:
		if p.MemoryCost != 0 || p.Parallelism != 0 {
			return fmt.Errorf("%s and %s apply only to SCRYPT and ARGON2ID, not %s", fe.setting("pow-memory-cost"), fe.setting("pow-parallelism"), p.Algorithm)
		}
	}
	done := make(chan error, 1)
	go func() {
		_, err := astracaph.New(astracaph.WithSecret([]byte("validation-only-master-secret")), astracaph.WithPoW(p),
			astracaph.WithStore(astracaph.NewMemoryStore(astracaph.MemoryOptions{Spent: 1})))
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("proof of work (%s): %w", all, err)
		}
	case <-time.After(powValidationTime):
		return fmt.Errorf("proof of work (%s): creating one challenge takes over %v of server time; lower the cost", all, powValidationTime)
	}
	return nil
}

// parsePrefixes reads a comma-separated list of addresses or CIDR prefixes.
func parsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("%q: %w", f, err)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", f, err)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// openStore opens the shared Redis store with the configured options.
func (c *serveConfig) openStore(ctx context.Context, log *slog.Logger) (astracaph.Store, func(), error) {
	return openRedis(ctx, c.redisURL, log, c.redisOptions()...)
}
