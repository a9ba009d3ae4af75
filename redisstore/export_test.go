package redisstore

import (
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// SetClock replaces the store's clock (epoch values).
func SetClock(s *Store, now func() time.Time) { s.now = now }

// FailoverOptions parses a redis+sentinel:// URL (tests of the URL forms).
func FailoverOptions(t testing.TB, u string) *redis.FailoverOptions {
	t.Helper()
	p, err := parseURL(u)
	if err != nil || p.kind != kindSentinel {
		t.Fatalf("%s: %v (kind %d)", u, err, p.kind)
	}
	return p.failover
}
