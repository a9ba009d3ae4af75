package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/ipintel"
	"github.com/astracat/astracaph/server"
	"github.com/astracat/astracaph/widget"
)

// serveConfig is everything `serve` reads from flags and the environment.
type serveConfig struct {
	addr, logFormat, logLevel     string
	tokenSecret, openSecret       string
	altchaKey, siteConfig         string
	redisURL                      string
	trustedProxies, verifyTrusted []netip.Prefix
	powAlgorithm                  string
	powCost                       int
	counterMin, counterMax        uint
	dataDir, asnDBs, spamModel    string
	risk, sandbox, allowAltcha    bool
	powV1, sitesAPI, dev          bool
	allowNoExpiry                 bool
	adminToken                    string
	limits                        server.Limits
	shutdownTimeout               time.Duration
	cpuProfile                    string
	privacyURL                    string // ASTRACAPH_PRIVACY_URL: the widget's "Privacy" link
}

func envOr(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
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

func parseServeFlags(args []string, stderr io.Writer) (serveConfig, error) {
	var c serveConfig
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", envOr("ASTRACAPH_ADDR", ":8080"), "listen address ($ASTRACAPH_ADDR)")
	fs.StringVar(&c.logFormat, "log-format", envOr("ASTRACAPH_LOG_FORMAT", "text"), "log format: text or json")
	fs.StringVar(&c.logLevel, "log-level", envOr("ASTRACAPH_LOG_LEVEL", "info"), "log level: debug, info, warn, error")
	fs.StringVar(&c.redisURL, "redis-url", os.Getenv("REDIS_URL"), "redis:// or rediss:// URL shared by all servers ($REDIS_URL); empty = memory")
	fs.StringVar(&c.powAlgorithm, "pow-algorithm", envOr("ASTRACAPH_POW_ALGORITHM", string(astracaph.PBKDF2SHA256)), "PoW v2 algorithm")
	fs.IntVar(&c.powCost, "pow-cost", 5000, "PoW cost (PBKDF2 iterations)")
	fs.UintVar(&c.counterMin, "pow-counter-min", 5000, "deterministic counter minimum")
	fs.UintVar(&c.counterMax, "pow-counter-max", 10000, "deterministic counter maximum")
	fs.StringVar(&c.dataDir, "data-dir", os.Getenv("ASTRACAPH_DATA_DIR"), "directory of `astracaph data update` lists (IP intelligence, disposable e-mail)")
	fs.StringVar(&c.asnDBs, "asn-db", os.Getenv("ASTRACAPH_ASN_DB"), "comma-separated IP→ASN databases (.mmdb or iptoasn .tsv)")
	fs.StringVar(&c.spamModel, "spam-model", os.Getenv("ASTRACAPH_SPAM_MODEL"), "naive Bayes model from `astracaph spam train`")
	fs.BoolVar(&c.risk, "risk", true, "risk scoring and adaptive difficulty")
	fs.BoolVar(&c.allowAltcha, "allow-altcha-widget", envBool("ASTRACAPH_ALLOW_ALTCHA_WIDGET"), "accept the official ALTCHA widget (no telemetry) for every site ($ASTRACAPH_ALLOW_ALTCHA_WIDGET=1)")
	fs.BoolVar(&c.sandbox, "sandbox", true, "serve /sandbox")
	fs.BoolVar(&c.powV1, "pow-v1", envBool("ASTRACAPH_POW_V1"), "serve legacy PoW v1 challenges to any client that asks ($ASTRACAPH_POW_V1); off, only sites configured for v1 get them")
	fs.BoolVar(&c.sitesAPI, "sites", envBoolOr("ASTRACAPH_SITES", true), "serve the site registry API, POST|DELETE /api/v1/sites ($ASTRACAPH_SITES)")
	fs.BoolVar(&c.dev, "dev", envBool("ASTRACAPH_DEV"), "development: show risk scores and reason codes in the sandbox event stream ($ASTRACAPH_DEV)")
	fs.BoolVar(&c.allowNoExpiry, "allow-unexpiring-challenges", envBool("ASTRACAPH_ALLOW_UNEXPIRING_CHALLENGES"), "accept challenges without an expiry, signed with ASTRACAPH_ALTCHA_HMAC_KEY by another deployment")
	fs.IntVar(&c.limits.Challenge, "limit-challenge", server.DefaultLimits.Challenge, "challenges per client prefix per minute (0 = unlimited)")
	fs.IntVar(&c.limits.Redeem, "limit-redeem", server.DefaultLimits.Redeem, "redemptions per client prefix per minute (0 = unlimited)")
	fs.IntVar(&c.limits.Sites, "limit-sites", server.DefaultLimits.Sites, "site registrations per client prefix per hour (0 = unlimited)")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 20*time.Second, "how long in-flight requests may finish on SIGTERM")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "diagnostics: write a CPU profile (go tool pprof) to this file until shutdown")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	c.tokenSecret = os.Getenv("ASTRACAPH_TOKEN_SECRET")
	c.openSecret = os.Getenv("ASTRACAPH_OPEN_SECRET")
	c.altchaKey = os.Getenv("ASTRACAPH_ALTCHA_HMAC_KEY")
	c.siteConfig = os.Getenv("ASTRACAPH_SITE_CONFIG")
	c.privacyURL = os.Getenv("ASTRACAPH_PRIVACY_URL")
	c.adminToken = os.Getenv("ASTRACAPH_ADMIN_TOKEN")
	if c.adminToken != "" && len(c.adminToken) < 16 {
		return c, errors.New("ASTRACAPH_ADMIN_TOKEN must be at least 16 characters")
	}
	if os.Getenv("UPSTASH_REDIS_REST_URL") != "" || os.Getenv("UPSTASH_REDIS_REST_TOKEN") != "" {
		return c, errors.New("UPSTASH_REDIS_REST_URL/UPSTASH_REDIS_REST_TOKEN are not supported: the REST API cannot do atomic single-use consumption at our rate; set REDIS_URL to the Redis protocol URL Upstash shows (rediss://default:<token>@<host>:6379)")
	}
	var err error
	if c.trustedProxies, err = parsePrefixes(os.Getenv("ASTRACAPH_TRUSTED_PROXIES")); err != nil {
		return c, fmt.Errorf("ASTRACAPH_TRUSTED_PROXIES: %w", err)
	}
	if c.verifyTrusted, err = parsePrefixes(os.Getenv("VERIFY_TRUSTED_IPS")); err != nil {
		return c, fmt.Errorf("VERIFY_TRUSTED_IPS: %w", err)
	}
	if c.tokenSecret != "" && len(c.tokenSecret) < 16 {
		return c, errors.New("ASTRACAPH_TOKEN_SECRET must be at least 16 characters")
	}
	if c.redisURL != "" && c.tokenSecret == "" {
		return c, errors.New("REDIS_URL needs ASTRACAPH_TOKEN_SECRET: servers sharing a store must share the master secret")
	}
	if c.logFormat != "text" && c.logFormat != "json" {
		return c, fmt.Errorf("-log-format must be text or json, not %q", c.logFormat)
	}
	return c, nil
}

// envBool reads a boolean environment variable (1/true/yes/on); unset or unparsable is false.
func envBool(key string) bool { return envBoolOr(key, false) }

func envBoolOr(key string, def bool) bool {
	switch strings.ToLower(strings.TrimSpace(os.Getenv(key))) {
	case "1", "true", "yes", "on":
		return true
	case "0", "false", "no", "off":
		return false
	}
	return def
}

func newLogger(c serveConfig, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(c.logLevel))
	o := &slog.HandlerOptions{Level: lvl}
	if c.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, o))
	}
	return slog.New(slog.NewTextHandler(w, o))
}

// buildEngine assembles the Captcha from the configuration.
func buildEngine(ctx context.Context, c serveConfig, log *slog.Logger) (*astracaph.Captcha, func(), error) {
	cleanup := func() {}
	opts := []astracaph.Option{astracaph.WithLogger(log), astracaph.WithPoW(astracaph.PoWConfig{
		Algorithm: astracaph.Algorithm(c.powAlgorithm), Cost: c.powCost, CounterMin: uint32(c.counterMin), CounterMax: uint32(c.counterMax),
		V1MaxNumber: astracaph.DefaultPoW.V1MaxNumber,
	}), astracaph.WithPoWV1(c.powV1), astracaph.WithUnexpiringChallenges(c.allowNoExpiry)}
	if c.tokenSecret != "" {
		opts = append(opts, astracaph.WithSecret([]byte(c.tokenSecret)))
	}
	if c.openSecret != "" {
		opts = append(opts, astracaph.WithOpenSecret([]byte(c.openSecret)))
	}
	if c.altchaKey != "" {
		opts = append(opts, astracaph.WithALTCHAKey([]byte(c.altchaKey)))
	}
	if c.redisURL != "" {
		st, closeFn, err := openRedis(ctx, c.redisURL, log)
		if err != nil {
			return nil, cleanup, err
		}
		cleanup = closeFn
		opts = append(opts, astracaph.WithStore(st))
	}
	if c.risk {
		rc, stop, err := riskConfig(ctx, c, log)
		if err != nil {
			return nil, cleanup, err
		}
		prev := cleanup
		cleanup = func() { stop(); prev() }
		opts = append(opts, astracaph.WithRiskEngine(rc))
	}
	engine, err := astracaph.New(opts...)
	if err != nil {
		return nil, cleanup, err
	}
	if c.siteConfig != "" {
		data := []byte(c.siteConfig)
		if strings.HasPrefix(c.siteConfig, "@") {
			if data, err = os.ReadFile(c.siteConfig[1:]); err != nil {
				return nil, cleanup, fmt.Errorf("ASTRACAPH_SITE_CONFIG: %w", err)
			}
		}
		sites, err := astracaph.ParseSiteConfig(data)
		if err != nil {
			return nil, cleanup, err
		}
		if err := engine.SeedSites(ctx, sites); err != nil {
			return nil, cleanup, err
		}
		log.Info("sites loaded from ASTRACAPH_SITE_CONFIG", "count", len(sites))
	}
	return engine, cleanup, nil
}

// riskConfig loads IP intelligence and the spam filter from the data directory.
func riskConfig(ctx context.Context, c serveConfig, log *slog.Logger) (astracaph.RiskEngineConfig, func(), error) {
	rc := astracaph.RiskEngineConfig{AllowALTCHAWidget: c.allowAltcha}
	stop := func() {}
	var asn []string
	if c.asnDBs != "" {
		asn = strings.Split(c.asnDBs, ",")
	}
	if c.dataDir != "" || len(asn) > 0 {
		cl, err := ipintel.New(ctx, ipintel.Config{Sources: ipintel.DefaultSources(c.dataDir, asn...), Logger: log})
		if err != nil {
			return rc, stop, fmt.Errorf("IP intelligence: %w", err)
		}
		wctx, cancel := context.WithCancel(context.Background())
		go func() { _ = cl.Watch(wctx, time.Minute) }() // hot reload after `data update`
		stop = cancel
		rc.IPClass = func(a netip.Addr) string { return string(cl.Classify(a).Class) }
	}
	if c.dataDir != "" {
		cs, err := ipintel.OpenCountries(ipintel.DefaultCountryFiles(c.dataDir), log)
		if err != nil {
			stop()
			return rc, func() {}, fmt.Errorf("IP countries: %w", err)
		}
		wctx, cancel := context.WithCancel(context.Background())
		go func() { _ = cs.Watch(wctx, time.Minute) }()
		prev := stop
		stop = func() { cancel(); prev() }
		rc.Country = cs.Country
	}
	so := astracaph.SpamOptions{Logger: log, ModelPath: c.spamModel}
	if c.dataDir != "" {
		p := filepath.Join(c.dataDir, astracaph.SpamDisposableFile)
		if _, err := os.Stat(p); err == nil {
			so.DisposablePath = p
		}
	}
	spam, err := astracaph.NewSpamFilter(so)
	if err != nil {
		return rc, stop, fmt.Errorf("spam filter: %w", err)
	}
	rc.Spam = spam
	return rc, stop, nil
}

// cmdServe runs the hosted API until ctx ends (SIGINT/SIGTERM), then shuts down
// gracefully: in-flight requests finish within -shutdown-timeout.
func cmdServe(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	cfg, err := parseServeFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "astracaph: serve: configuration:", err)
		return 2
	}
	log := newLogger(cfg, stderr)
	if cfg.cpuProfile != "" {
		stop, err := startCPUProfile(cfg.cpuProfile)
		if err != nil {
			fmt.Fprintln(stderr, "astracaph: serve: -cpuprofile:", err)
			return 2
		}
		defer stop()
	}
	engine, cleanup, err := buildEngine(ctx, cfg, log)
	defer cleanup()
	if err != nil {
		fmt.Fprintln(stderr, "astracaph: serve:", err)
		return 2
	}
	m := newMetrics()
	opts := []server.Option{server.WithLogger(log), server.WithLimits(cfg.limits), server.WithSandbox(cfg.sandbox), server.WithObserver(m.observe),
		server.WithSitesAPI(cfg.sitesAPI), server.WithAdminToken(cfg.adminToken), server.WithDevelopment(cfg.dev)}
	if cfg.sitesAPI && cfg.adminToken == "" {
		log.Warn("the site registry API is open: anyone can register a site (set ASTRACAPH_ADMIN_TOKEN, or -sites=false)")
	}
	if cfg.dev {
		log.Warn("development mode: the sandbox shows risk scores and reason codes to clients")
	}
	if len(cfg.trustedProxies) > 0 {
		opts = append(opts, server.WithTrustedProxies(cfg.trustedProxies...))
	}
	if len(cfg.verifyTrusted) > 0 {
		opts = append(opts, server.WithVerifyTrustedIPs(cfg.verifyTrusted...))
	}
	assets, err := widget.New(widget.WithLogger(log), widget.WithPrivacyURL(cfg.privacyURL))
	if err != nil {
		fmt.Fprintln(stderr, "astracaph: serve: ASTRACAPH_PRIVACY_URL:", err)
		return 2
	}
	opts = append(opts, server.WithWidget(assets))
	api := server.New(engine, opts...)
	// Server-sent event streams never finish by themselves: end them when shutdown starts,
	// or Shutdown would wait out its whole timeout on an open sandbox tab and fail.
	streams, endStreams := context.WithCancel(context.Background())
	defer endStreams()
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m)
	mux.Handle("/sandbox/events", endWith(streams, api))
	mux.Handle("/", api)
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		fmt.Fprintln(stderr, "astracaph: serve:", err)
		return 1
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	srv.RegisterOnShutdown(endStreams)
	store := "memory"
	if cfg.redisURL != "" {
		store = "redis"
	}
	log.Info("astracaph listening", "addr", ln.Addr().String(), "store", store, "risk", cfg.risk, "sandbox", "http://"+displayAddr(ln.Addr())+"/sandbox")
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		fmt.Fprintln(stderr, "astracaph: serve:", err)
		return 1
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", cfg.shutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Error("shutdown incomplete", "err", err)
		return 1
	}
	log.Info("stopped")
	return 0
}

// startCPUProfile profiles until the returned function runs (at shutdown).
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// endWith cancels the request's context when ctx ends (long-lived streams at shutdown).
func endWith(ctx context.Context, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		stop := context.AfterFunc(ctx, cancel)
		defer stop()
		h.ServeHTTP(w, r.WithContext(rctx))
	})
}

func displayAddr(a net.Addr) string {
	s := a.String()
	if strings.HasPrefix(s, "[::]:") {
		return "localhost:" + strings.TrimPrefix(s, "[::]:")
	}
	if strings.HasPrefix(s, "0.0.0.0:") {
		return "localhost:" + strings.TrimPrefix(s, "0.0.0.0:")
	}
	return s
}
