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
	"github.com/astracat/astracaph/privacypass"
	"github.com/astracat/astracaph/server"
	"github.com/astracat/astracaph/spam"
	"github.com/astracat/astracaph/widget"
)

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
	opts := []astracaph.Option{astracaph.WithLogger(log), astracaph.WithPoW(c.pow),
		astracaph.WithPoWV1(c.powV1), astracaph.WithUnexpiringChallenges(c.allowNoExpiry), astracaph.WithExpiry(c.challengeTTL, c.tokenTTL)}
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
		st, closeFn, err := c.openStore(ctx, log)
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
	if len(c.patIssuers) > 0 {
		is, stop, err := privacyPass(ctx, c.patIssuers, log)
		if err != nil {
			return nil, cleanup, fmt.Errorf("-pat-issuers (ASTRACAPH_PAT_ISSUERS): %w", err)
		}
		prev := cleanup
		cleanup = func() { stop(); prev() }
		opts = append(opts, astracaph.WithPrivacyPass(is))
	}
	engine, err := astracaph.New(opts...)
	if err != nil {
		return nil, cleanup, err
	}
	if len(c.sites) > 0 {
		if err := engine.SeedSites(ctx, c.sites); err != nil {
			return nil, cleanup, fmt.Errorf("ASTRACAPH_SITE_CONFIG: %w", err)
		}
		log.Info("sites loaded from ASTRACAPH_SITE_CONFIG", "count", len(c.sites))
	}
	return engine, cleanup, nil
}

// privacyPass fetches the issuers' keys once (start-up waits for it, so that the first
// challenges can offer tokens), logs what each issuer has, and keeps refreshing them until
// the returned function runs. An issuer that cannot be reached is logged and retried: the
// server starts anyway, offering only the proof of work until some issuer has a key.
func privacyPass(ctx context.Context, cfgs []privacypass.IssuerConfig, log *slog.Logger) (*privacypass.Issuers, func(), error) {
	is, err := privacypass.NewIssuers(cfgs, privacypass.WithLogger(log))
	if err != nil {
		return nil, nil, err
	}
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second) // a hung issuer must not hold the start
	_ = is.Refresh(rctx)                                     // failures are logged by the issuers and shown below
	cancel()
	for _, st := range is.Status() {
		if st.Keys == 0 {
			log.Warn("privacy pass issuer has no key yet; challenges offer the proof of work only until it has", "issuer", st.Name, "error", st.LastError, "retryAt", st.NextRefresh)
			continue
		}
		log.Info("privacy pass issuer ready", "issuer", st.Name, "keys", st.Keys, "static", st.Static, "nextRefresh", st.NextRefresh)
	}
	runCtx, stop := context.WithCancel(context.Background())
	go func() { _ = is.Run(runCtx) }()
	return is, stop, nil
}

// riskConfig loads IP intelligence and the spam filter from the data directory.
func riskConfig(ctx context.Context, c serveConfig, log *slog.Logger) (astracaph.RiskEngineOptions, func(), error) {
	rc := astracaph.RiskEngineOptions{AllowALTCHAWidget: c.allowAltcha}
	stop := func() {}
	var asn []string
	if c.asnDBs != "" {
		asn = strings.Split(c.asnDBs, ",")
	}
	if c.dataDir != "" || len(asn) > 0 {
		cl, err := ipintel.New(ctx, ipintel.Options{Sources: ipintel.DefaultSources(c.dataDir, asn...), Logger: log})
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
	so := []spam.Option{spam.WithLogger(log), spam.WithModelFile(c.spamModel)}
	if c.dataDir != "" {
		p := filepath.Join(c.dataDir, spam.DisposableFile)
		if _, err := os.Stat(p); err == nil {
			so = append(so, spam.WithDisposableFile(p))
		}
	}
	filter, err := spam.NewFilter(so...)
	if err != nil {
		return rc, stop, fmt.Errorf("spam filter: %w", err)
	}
	rc.Spam = filter
	return rc, stop, nil
}

// cmdServe runs the hosted API until ctx ends (SIGINT/SIGTERM), then shuts down
// gracefully: in-flight requests finish within -shutdown-timeout.
func cmdServe(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	cfg, err := parseServeFlags(args, os.Environ(), stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "astracaph: serve: configuration:", err)
		return 2
	}
	log := newLogger(cfg, stderr)
	for _, w := range cfg.warnings {
		log.Warn(w)
	}
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
		fmt.Fprintln(stderr, "astracaph: serve: -privacy-url (ASTRACAPH_PRIVACY_URL):", err)
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
