package privacypass

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// IssuerConfig names one trusted issuer. With StaticFile set, its keys are read from that
// file (the Directory JSON format) instead of being fetched: for air-gapped deployments,
// or an issuer run by the operator.
type IssuerConfig struct {
	Name       string
	StaticFile string
}

// ParseIssuerList parses the ASTRACAPH_PAT_ISSUERS syntax: a comma-separated list of
// issuer host names, each optionally followed by "=<path>" to read its keys from a static
// file. Names are lower-cased; blanks between items are ignored; duplicates are refused.
//
//	demo-pat.issuer.cloudflare.com, issuer.internal.example=/etc/astracaph/issuer.json
func ParseIssuerList(s string) ([]IssuerConfig, error) {
	var out []IssuerConfig
	seen := map[string]bool{}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, file, hasFile := strings.Cut(item, "=")
		c := IssuerConfig{Name: strings.ToLower(strings.TrimSpace(name)), StaticFile: strings.TrimSpace(file)}
		if !validName(c.Name) {
			return nil, fmt.Errorf("%w: issuer name %q", ErrConfig, c.Name)
		}
		if hasFile && c.StaticFile == "" {
			return nil, fmt.Errorf("%w: empty file for issuer %q", ErrConfig, c.Name)
		}
		if seen[c.Name] {
			return nil, fmt.Errorf("%w: issuer %q listed twice", ErrConfig, c.Name)
		}
		seen[c.Name] = true
		out = append(out, c)
	}
	return out, nil
}

// Issuers holds the keys of the trusted issuers, fetched from their directories and
// refreshed as their Cache-Control allows. Reads (Verify, Challenges) take a lock-free
// snapshot; a refresh that fails keeps the last good keys and logs the failure. Safe for
// concurrent use.
type Issuers struct {
	cfg   config
	names []IssuerConfig
	mu    sync.Mutex // serialises writers of snap
	snap  atomic.Pointer[snapshot]
}

// snapshot is an immutable view of every issuer's keys.
type snapshot struct {
	issuers map[string]*issuerState
}

// issuerState is one issuer in a snapshot (immutable; a refresh publishes a new one).
type issuerState struct {
	name      string
	static    string
	keys      []*issuerKey // current keys first-listed first, then retired ones
	fetchedAt time.Time    // last success, zero if never
	next      time.Time    // next refresh due
	lastErr   string
	failures  int
}

type config struct {
	client       *http.Client
	now          func() time.Time
	log          *slog.Logger
	minRefresh   time.Duration
	maxRefresh   time.Duration
	defRefresh   time.Duration
	fetchTimeout time.Duration
	maxBody      int64
	grace        time.Duration
	retention    time.Duration
}

// Option configures Issuers.
type Option func(*config) error

// WithHTTPClient sets the client that fetches directories (default: a client with a
// 10-second timeout). Tests point it at a loopback issuer.
func WithHTTPClient(c *http.Client) Option {
	return func(cfg *config) error {
		if c == nil {
			return fmt.Errorf("%w: nil HTTP client", ErrConfig)
		}
		cfg.client = c
		return nil
	}
}

// WithClock sets the time source (key validity, refresh schedule).
func WithClock(now func() time.Time) Option {
	return func(cfg *config) error {
		if now == nil {
			return fmt.Errorf("%w: nil clock", ErrConfig)
		}
		cfg.now = now
		return nil
	}
}

// WithLogger sets the logger for refresh outcomes (default: discard).
func WithLogger(l *slog.Logger) Option {
	return func(cfg *config) error {
		if l != nil {
			cfg.log = l
		}
		return nil
	}
}

// WithRefresh bounds how often a directory is fetched: its Cache-Control max-age is
// clamped to [min, max], def applies when it sends none, and a failed fetch is retried
// after min. Defaults: 5 minutes, 24 hours, 1 hour.
func WithRefresh(min, max, def time.Duration) Option {
	return func(cfg *config) error {
		if min <= 0 || max < min || def < min || def > max {
			return fmt.Errorf("%w: refresh bounds %v..%v, default %v", ErrConfig, min, max, def)
		}
		cfg.minRefresh, cfg.maxRefresh, cfg.defRefresh = min, max, def
		return nil
	}
}

// WithMaxDirectorySize limits a directory response (or static file); default 64 KiB.
func WithMaxDirectorySize(n int64) Option {
	return func(cfg *config) error {
		if n <= 0 {
			return fmt.Errorf("%w: directory size limit %d", ErrConfig, n)
		}
		cfg.maxBody = n
		return nil
	}
}

// WithKeyGrace sets how long tokens under a key its issuer stopped publishing still
// verify (default 10 minutes: a challenge issued just before the rotation advertised that
// key). Set it to at least the challenges' max-age. After the grace the key's tokens fail
// with ErrKeyExpired.
func WithKeyGrace(d time.Duration) Option {
	return func(cfg *config) error {
		if d < 0 {
			return fmt.Errorf("%w: negative key grace", ErrConfig)
		}
		cfg.grace = d
		return nil
	}
}

// NewIssuers configures the trusted issuers. Static files are read now (an unreadable
// one is an error); directories are fetched by Refresh or Run, so NewIssuers does no
// network I/O.
func NewIssuers(issuers []IssuerConfig, opts ...Option) (*Issuers, error) {
	cfg := config{
		client:       &http.Client{Timeout: 10 * time.Second},
		now:          time.Now,
		log:          slog.New(slog.DiscardHandler),
		minRefresh:   5 * time.Minute,
		maxRefresh:   24 * time.Hour,
		defRefresh:   time.Hour,
		fetchTimeout: 10 * time.Second,
		maxBody:      64 << 10,
		grace:        10 * time.Minute,
		retention:    7 * 24 * time.Hour,
	}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	is := &Issuers{cfg: cfg}
	snap := &snapshot{issuers: map[string]*issuerState{}}
	for _, c := range issuers {
		c.Name = strings.ToLower(c.Name)
		if !validName(c.Name) {
			return nil, fmt.Errorf("%w: issuer name %q", ErrConfig, c.Name)
		}
		if _, dup := snap.issuers[c.Name]; dup {
			return nil, fmt.Errorf("%w: issuer %q listed twice", ErrConfig, c.Name)
		}
		st := &issuerState{name: c.Name, static: c.StaticFile}
		if c.StaticFile != "" {
			f, err := is.readStaticDirectory(c.StaticFile)
			if err != nil {
				return nil, fmt.Errorf("issuer %s: %w", c.Name, err)
			}
			st = is.merge(st, f, cfg.now())
		}
		snap.issuers[c.Name] = st
		is.names = append(is.names, c)
	}
	is.snap.Store(snap)
	return is, nil
}

// Names returns the configured issuer names, in configuration order.
func (is *Issuers) Names() []string {
	out := make([]string, len(is.names))
	for i, c := range is.names {
		out[i] = c.Name
	}
	return out
}

// Refresh fetches every directory (and re-reads every static file) now. A failure keeps
// that issuer's previous keys; the returned error joins the failures (nil when all
// succeeded).
func (is *Issuers) Refresh(ctx context.Context) error {
	return is.refresh(ctx, true)
}

// Run refreshes every issuer that is due (at first, every one not refreshed yet: a caller
// may Refresh before, to wait for the keys, without fetching twice), then each again when
// it is due, until ctx is done. Failures are logged (and keep the previous keys); Run
// returns ctx.Err().
func (is *Issuers) Run(ctx context.Context) error {
	_ = is.refresh(ctx, false)
	for {
		wait := is.cfg.maxRefresh
		now := is.cfg.now()
		for _, st := range is.snap.Load().issuers {
			if d := st.next.Sub(now); d < wait {
				wait = d
			}
		}
		wait = max(wait, 0)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		_ = is.refresh(ctx, false)
	}
}

// refresh updates the issuers that are due (all when force). Fetches run without the
// lock; results are merged into a fresh snapshot under it.
func (is *Issuers) refresh(ctx context.Context, force bool) error {
	now := is.cfg.now()
	var due []*issuerState
	for _, c := range is.names {
		st := is.snap.Load().issuers[c.Name]
		if force || !now.Before(st.next) {
			due = append(due, st)
		}
	}
	type result struct {
		name string
		f    fetched
		err  error
	}
	results := make([]result, len(due))
	var wg sync.WaitGroup
	for i, st := range due {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := result{name: st.name}
			if st.static != "" {
				r.f, r.err = is.readStaticDirectory(st.static)
			} else {
				r.f, r.err = is.fetchDirectory(ctx, st.name)
			}
			results[i] = r
		}()
	}
	wg.Wait()

	is.mu.Lock()
	defer is.mu.Unlock()
	now = is.cfg.now()
	old := is.snap.Load()
	next := &snapshot{issuers: make(map[string]*issuerState, len(old.issuers))}
	for k, v := range old.issuers {
		next.issuers[k] = v
	}
	var errs []error
	for _, r := range results {
		st := old.issuers[r.name]
		if r.err != nil {
			errs = append(errs, fmt.Errorf("issuer %s: %w", r.name, r.err))
			next.issuers[r.name] = is.failed(st, r.err, now)
			continue
		}
		next.issuers[r.name] = is.merge(st, r.f, now)
	}
	is.snap.Store(next)
	return errors.Join(errs...)
}

// failed records a failed refresh: the keys stay, the retry is scheduled after minRefresh.
func (is *Issuers) failed(st *issuerState, err error, now time.Time) *issuerState {
	n := *st
	n.lastErr = err.Error()
	n.failures++
	n.next = now.Add(is.cfg.minRefresh)
	current := 0
	for _, k := range st.keys {
		if k.retiredAt.IsZero() {
			current++
		}
	}
	is.cfg.log.Warn("privacy pass issuer refresh failed; keeping the last good keys",
		"issuer", st.name, "error", err, "failures", n.failures, "keys", current,
		"lastSuccess", st.fetchedAt, "retryIn", is.cfg.minRefresh)
	return &n
}

// merge installs freshly fetched keys. Keys the issuer no longer publishes are kept as
// retired (verifying during the grace period, then reported as expired) until the
// retention period ends.
func (is *Issuers) merge(st *issuerState, f fetched, now time.Time) *issuerState {
	n := &issuerState{name: st.name, static: st.static, fetchedAt: now}
	fresh := map[[KeyIDSize]byte]bool{}
	for _, k := range f.keys {
		fresh[k.id] = true
		n.keys = append(n.keys, k)
	}
	retired := 0
	for _, k := range st.keys {
		if fresh[k.id] {
			continue
		}
		if k.retiredAt.IsZero() {
			r := *k
			r.retiredAt = now
			k = &r
			is.cfg.log.Info("privacy pass issuer key withdrawn", "issuer", st.name, "keyID", fmt.Sprintf("%x", k.id[:8]))
		}
		if now.Sub(k.retiredAt) < is.cfg.retention && retired < maxRetiredKeys {
			n.keys = append(n.keys, k)
			retired++
		}
	}
	every := is.cfg.defRefresh
	if f.hasAge {
		every = min(max(f.maxAge, is.cfg.minRefresh), is.cfg.maxRefresh)
	}
	n.next = now.Add(every)
	if f.skipped > 0 {
		is.cfg.log.Warn("privacy pass issuer directory has invalid keys", "issuer", st.name, "skipped", f.skipped)
	}
	is.cfg.log.Debug("privacy pass issuer keys loaded", "issuer", st.name, "keys", len(f.keys), "nextRefresh", n.next)
	return n
}

// maxRetiredKeys bounds the withdrawn keys remembered per issuer.
const maxRetiredKeys = 32

// currentKey is the key to advertise for issuer: the current key with the latest
// not-before that has passed (the first listed on ties).
func (st *issuerState) currentKey(now time.Time) *issuerKey {
	var best *issuerKey
	for _, k := range st.keys {
		if !k.retiredAt.IsZero() || now.Before(k.notBefore) {
			continue
		}
		if best == nil || k.notBefore.After(best.notBefore) {
			best = k
		}
	}
	return best
}

// Ready reports whether some issuer has a current key, that is whether Challenges can
// issue a challenge now (a server offers Privacy Pass only then).
func (is *Issuers) Ready() bool {
	now := is.cfg.now()
	for _, st := range is.snap.Load().issuers {
		if st.currentKey(now) != nil {
			return true
		}
	}
	return false
}

// IssuerStatus describes one issuer for health checks and logs.
type IssuerStatus struct {
	Name        string
	Static      bool
	Keys        int       // keys currently published (excluding withdrawn ones)
	FetchedAt   time.Time // last successful refresh; zero if never
	NextRefresh time.Time
	Failures    int    // consecutive failed refreshes
	LastError   string // of the last refresh, "" after a success
}

// Status reports every configured issuer, in configuration order.
func (is *Issuers) Status() []IssuerStatus {
	snap := is.snap.Load()
	out := make([]IssuerStatus, 0, len(is.names))
	for _, c := range is.names {
		st := snap.issuers[c.Name]
		s := IssuerStatus{Name: st.name, Static: st.static != "", FetchedAt: st.fetchedAt,
			NextRefresh: st.next, Failures: st.failures, LastError: st.lastErr}
		for _, k := range st.keys {
			if k.retiredAt.IsZero() {
				s.Keys++
			}
		}
		out = append(out, s)
	}
	return out
}
