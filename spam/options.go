package spam

import (
	"log/slog"
	"time"
)

// Option configures NewFilter.
type Option func(*config)

// config is what the options set; NewFilter validates it and fills in the defaults.
type config struct {
	neutralAt, badAt float64

	disposable     *DomainList
	disposablePath string
	free           *DomainList

	model     *Model
	modelPath string

	mxLookup    bool
	resolver    Resolver
	mxTimeout   time.Duration
	mxCacheTTL  time.Duration
	mxCacheSize int

	counter         Counter
	duplicateMin    int64
	duplicateWindow time.Duration

	scale  map[string]float64
	logger *slog.Logger
}

// WithBands sets the band thresholds: a score ≥ neutralAt is NEUTRAL, ≥ badAt BAD. Zero keeps
// a default (DefaultNeutralAt, DefaultBadAt); NewFilter fails with ErrConfig unless
// 0 < neutralAt < badAt.
func WithBands(neutralAt, badAt float64) Option {
	return func(c *config) { c.neutralAt, c.badAt = neutralAt, badAt }
}

// WithDisposable replaces the built-in disposable-domain list (BuiltinDisposable).
func WithDisposable(l *DomainList) Option {
	return func(c *config) { c.disposable = l }
}

// WithDisposableFile merges a disposable-domain list file (e.g.
// <data dir>/disposable_email_blocklist.conf, written by `astracaph data update`) into the
// list in use. The caller's lists are never modified.
func WithDisposableFile(path string) Option {
	return func(c *config) { c.disposablePath = path }
}

// WithFreeMail replaces the built-in list of free-mail providers (informational email.FREE;
// their domains are never looked up in DNS).
func WithFreeMail(l *DomainList) Option {
	return func(c *config) { c.free = l }
}

// WithModel enables text.BAYES with a trained naive Bayes model.
func WithModel(m *Model) Option {
	return func(c *config) { c.model = m }
}

// WithModelFile enables text.BAYES with a model file written by Model.WriteJSON. WithModel
// takes precedence; an empty path is ignored.
func WithModelFile(path string) Option {
	return func(c *config) { c.modelPath = path }
}

// WithMXLookup enables the email.NO_MX DNS check (off by default: it needs the network).
// A nil resolver means net.DefaultResolver.
func WithMXLookup(r Resolver) Option {
	return func(c *config) { c.mxLookup, c.resolver = true, r }
}

// WithMXLimits bounds the MX check: the timeout of one lookup (default 2 s), how long a
// definite answer is cached (default 1 h) and how many answers (default 10 000). Zero keeps
// a default.
func WithMXLimits(timeout, cacheTTL time.Duration, cacheSize int) Option {
	return func(c *config) { c.mxTimeout, c.mxCacheTTL, c.mxCacheSize = timeout, cacheTTL, cacheSize }
}

// WithDuplicates enables text.DUPLICATE: counter counts normalised texts across all
// submitters (the engine's store, memory or Redis, satisfies Counter).
func WithDuplicates(counter Counter) Option {
	return func(c *config) { c.counter = counter }
}

// WithDuplicateThreshold sets when text.DUPLICATE fires: the same text seen count times within
// window (defaults 3 and 1 h). Zero keeps a default.
func WithDuplicateThreshold(count int64, window time.Duration) Option {
	return func(c *config) { c.duplicateMin, c.duplicateWindow = count, window }
}

// WithScale multiplies the default points of reason codes; 0 turns a signal off, codes not
// present keep a factor of 1. NewFilter fails with ErrConfig on a negative or non-finite
// factor.
func WithScale(scale map[string]float64) Option {
	return func(c *config) { c.scale = scale }
}

// WithLogger sets the logger of skipped signals (DNS, the duplicate store); default: discard.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}
