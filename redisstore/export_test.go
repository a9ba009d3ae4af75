package redisstore

import (
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// SetClock replaces the store's clock (epoch values).
func SetClock(s *Store, now func() time.Time) { s.now = now }

// FailoverOptions parses a redis+sentinel:// URL (tests of the URL forms).
func FailoverOptions(t testing.TB, u string) *redis.FailoverOptions {
	t.Helper()
	p, err := parseURL(u)
	require.NoError(t, err, u)
	require.Equal(t, kindSentinel, p.kind, u)
	return p.failover
}
