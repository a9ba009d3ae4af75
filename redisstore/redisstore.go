// Package redisstore implements astracaph.Store on Redis, so every AstraCaph process
// pointing at the same Redis agrees on spent tokens, rate counters and sites.
//
// Lifecycle: build a Store with New around any go-redis UniversalClient (single node,
// Sentinel failover or Cluster) or with NewFromURL from a redis:// or rediss:// URL, hand it
// to the engine, and Close it on shutdown (Close closes the client: the Store owns it).
// Nothing is cached in the process; every call is one or a few round trips to Redis, and
// every Redis failure is returned as an error wrapping astracaph.ErrStore so the engine
// fails closed.
//
// Key layout, under the prefix (default "astracaph:"):
//
//	c:{<bb>}:<key>          single-use keys (string, PX ttl), in 256 hash-tagged buckets
//	e:{<bb>}                a bucket's epoch; {epoch}:g, {epoch}:seen the global epoch
//	n:<key>                 fixed-window counters (string, PX window)
//	b:<key>                 leaky buckets (hash l=level, t=last update µs, server clock)
//	{sites}:site:<siteKey>  site (hash rec=JSON, domain, hash=SecretHash)
//	{sites}:domain:<domain> domain → siteKey
//	{sites}:index           set of site keys (ListSites without KEYS or SCAN)
//
// Cluster: counters and leaky buckets are single-key operations and spread over all
// slots; single-use keys spread over 256 slots, one per bucket, each checked against its
// bucket's epoch key in the same slot (see replay.go). The site keys, the domain index and the set all share the hash tag {sites},
// so they live in one slot and the Lua scripts that keep them consistent (create, update,
// delete) are legal on a Cluster. Sites are few and read rarely enough for one slot to be
// fine. A prefix containing a hash tag of its own puts every key in that one slot, which is
// correct but gives up the spreading.
//
// Works from Redis 5.0 (Leak reads TIME inside a script, which needs effects replication,
// the default since 5.0). Run Redis with persistence (appendonly yes, appendfsync
// everysec or always) and maxmemory-policy noeviction: an evicting policy would drop spent
// keys (their TTLs make them candidates under volatile-*), which the epoch turns into
// refused tokens rather than replays, but refused all the same.
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/astracat/astracaph"
)

// DefaultPrefix is the key prefix used when WithPrefix is not given.
const DefaultPrefix = "astracaph:"

// ErrInvalidURL is returned by NewFromURL for a URL it cannot use.
var ErrInvalidURL = errors.New("astracaph: redisstore: invalid Redis URL")

// Store is an astracaph.Store on Redis. It is safe for concurrent use.
type Store struct {
	c      redis.UniversalClient
	prefix string
	log    *slog.Logger
	now    func() time.Time
}

var _ astracaph.Store = (*Store)(nil)

// Option configures a Store.
type Option func(*Store)

// WithPrefix sets the prefix of every key (default DefaultPrefix), so several deployments
// can share one Redis.
func WithPrefix(p string) Option { return func(s *Store) { s.prefix = p } }

// WithLogger sets the logger (default: discard). Keys and values are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(s *Store) {
		if l != nil {
			s.log = l
		}
	}
}

// New returns a Store using client, which it owns from now on (Close closes it).
func New(client redis.UniversalClient, opts ...Option) *Store {
	s := &Store{c: client, prefix: DefaultPrefix, log: slog.New(slog.DiscardHandler), now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s
}

// NewFromURL returns a Store on a single Redis server described by a redis:// or rediss://
// (TLS) URL, e.g. redis://user:password@host:6379/0?dial_timeout=2s. It does not connect:
// use Ping to check reachability. The error never contains the URL (it may hold a password).
func NewFromURL(rawURL string, opts ...Option) (*Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error repeats the whole URL, password included: keep only the reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("%w: %w", ErrInvalidURL, err)
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return nil, fmt.Errorf("%w: scheme must be redis or rediss", ErrInvalidURL)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%w: missing host", ErrInvalidURL)
	}
	o, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidURL, err)
	}
	return New(redis.NewClient(o), opts...), nil
}

// Client returns the underlying client (for operators' tooling and tests).
func (s *Store) Client() redis.UniversalClient { return s.c }

// Close closes the client.
func (s *Store) Close() error { return s.c.Close() }

// Ping implements astracaph.Store.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.c.Ping(ctx).Err(); err != nil {
		return s.fail("ping", err)
	}
	return nil
}

// fail wraps an error from Redis so that errors.Is(err, astracaph.ErrStore) holds (and the
// original error, e.g. context.Canceled, stays visible to errors.Is too).
func (s *Store) fail(op string, err error) error {
	return fmt.Errorf("%w: redisstore: %s: %w", astracaph.ErrStore, op, err)
}

// ms converts d to whole milliseconds, rounding up, at least 1 (Redis PX/PEXPIRE units).
func ms(d time.Duration) int64 {
	if d <= time.Millisecond {
		return 1
	}
	return int64((d + time.Millisecond - 1) / time.Millisecond)
}
