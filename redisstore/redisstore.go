// Package redisstore implements astracaph.Store on Redis, so every AstraCaph process
// pointing at the same Redis agrees on spent tokens, rate counters and sites.
//
// Lifecycle: build a Store with New around any go-redis UniversalClient (single node,
// Sentinel failover or Cluster), or from a URL with Open (connects, recognises a Cluster
// node, checks health) or NewFromURL (no connection); hand it to the engine, and Close it on
// shutdown (Close closes the client: the Store owns it). The URL forms are in url.go and
// docs/operations.md. Nothing is cached in the process; every call is one or a few round
// trips to Redis, and every Redis failure is returned as an error wrapping
// astracaph.ErrStore so the engine fails closed.
//
// Replication is asynchronous in Redis: a spent token whose write had not reached a replica
// when its master died is unspent again after the replica's promotion. WithReplicaAck closes
// that window by waiting for replicas to acknowledge every consuming write (replicas.go).
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
// fine. Cluster hashes only the first {…} of a key, so a brace in the prefix would either
// put every key in one slot (giving up the spreading) or, as an empty "{}", which Cluster
// ignores, hash whole keys and split the site keys across slots (CROSSSLOT): a prefix with
// a brace is refused.
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
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/astracat/astracaph"
)

// DefaultPrefix is the key prefix used when WithPrefix is not given.
const DefaultPrefix = "astracaph:"

// Store is an astracaph.Store on Redis. It is safe for concurrent use.
type Store struct {
	c       redis.UniversalClient
	cluster *redis.ClusterClient // c, when it is a Cluster client
	prefix  string
	log     *slog.Logger
	now     func() time.Time
	ack     replicaAck
}

var _ astracaph.Store = (*Store)(nil)

// Option configures a Store.
type Option func(*Store) error

// WithPrefix sets the prefix of every key (default DefaultPrefix), so several deployments
// can share one Redis. A prefix containing "{" or "}" is refused (see the package comment:
// it breaks the hash tags the Cluster layout relies on).
func WithPrefix(p string) Option {
	return func(s *Store) error {
		if strings.ContainsAny(p, "{}") {
			return fmt.Errorf("%w: prefix %q contains a brace, which breaks Cluster hash slots", ErrConfig, p)
		}
		s.prefix = p
		return nil
	}
}

// WithLogger sets the logger (default: discard). Keys and values are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(s *Store) error {
		if l != nil {
			s.log = l
		}
		return nil
	}
}

// New returns a Store using client, which it owns from now on (Close closes it). On an
// invalid option it returns an error and leaves the client open.
func New(client redis.UniversalClient, opts ...Option) (*Store, error) {
	if client == nil {
		return nil, fmt.Errorf("%w: nil client", ErrConfig)
	}
	s := &Store{c: client, prefix: DefaultPrefix, log: slog.New(slog.DiscardHandler), now: time.Now}
	s.cluster, _ = client.(*redis.ClusterClient)
	for _, o := range opts {
		if err := o(s); err != nil {
			return nil, err
		}
	}
	if err := s.checkAck(); err != nil {
		return nil, err
	}
	return s, nil
}

// Client returns the underlying client (for operators' tooling and tests).
func (s *Store) Client() redis.UniversalClient { return s.c }

// Close closes the client.
func (s *Store) Close() error { return s.c.Close() }

// fail wraps an error from Redis so that errors.Is(err, astracaph.ErrStore) holds (and the
// original error, e.g. context.Canceled, stays visible to errors.Is too). On a Cluster, a
// failure that is not a Redis reply (a dead or unreachable node) also asks the client to
// reload the slot map in the background: go-redis otherwise keeps dialling a dead master
// until its periodic reload, although a replica took over its slots seconds ago.
func (s *Store) fail(op string, err error) error {
	if s.cluster != nil && !isReply(err) && !errors.Is(err, context.Canceled) {
		s.cluster.ReloadState(context.Background())
	}
	return fmt.Errorf("%w: redisstore: %s: %w", astracaph.ErrStore, op, err)
}

// isReply reports an error the server answered (as opposed to a transport failure).
func isReply(err error) bool {
	var re redis.Error
	return errors.As(err, &re)
}

// ms converts d to whole milliseconds, rounding up, at least 1 (Redis PX/PEXPIRE units).
func ms(d time.Duration) int64 {
	if d <= time.Millisecond {
		return 1
	}
	return int64((d + time.Millisecond - 1) / time.Millisecond)
}
