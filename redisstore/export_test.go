package redisstore

import (
	"testing"

	"github.com/redis/go-redis/v9"
)

// ForceScriptConsume makes s use the pre-7.0 Lua path of ConsumeOnce.
func ForceScriptConsume(s *Store) { s.noSetGet.Store(true) }

// UsesScriptConsume reports whether s switched to the Lua path.
func UsesScriptConsume(s *Store) bool { return s.noSetGet.Load() }

// FailoverOptions parses a redis+sentinel:// URL (tests of the URL forms).
func FailoverOptions(t testing.TB, u string) *redis.FailoverOptions {
	t.Helper()
	p, err := parseURL(u)
	if err != nil || p.kind != kindSentinel {
		t.Fatalf("%s: %v (kind %d)", u, err, p.kind)
	}
	return p.failover
}
