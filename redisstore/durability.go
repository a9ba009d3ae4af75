package redisstore

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// Durability reports settings of the Redis server(s) that weaken single use (see the
// package doc): no persistence (a restart forgets every spent key, and the store's epoch
// then refuses every outstanding token and challenge once) and an eviction policy (an
// evicted spent key is a replay window no epoch notices). It asks CONFIG GET on every
// master; servers that refuse CONFIG (managed services often do) are skipped, so an
// empty answer means "nothing found", not "verified". Operators get these as start-up
// warnings.
func (s *Store) Durability(ctx context.Context) []string {
	var (
		mu  sync.Mutex // ForEachMaster runs check concurrently
		out []string
	)
	check := func(ctx context.Context, c *redis.Client) error {
		cfg, err := c.ConfigGet(ctx, "*").Result()
		if err != nil {
			return nil // CONFIG disabled or renamed: nothing to report
		}
		addr := c.Options().Addr
		mu.Lock()
		defer mu.Unlock()
		if cfg["appendonly"] != "yes" && strings.TrimSpace(cfg["save"]) == "" {
			out = append(out, fmt.Sprintf("%s: no persistence (appendonly no, no save points): a restart forgets spent tokens; every outstanding token then fails once (set appendonly yes)", addr))
		} else if cfg["appendonly"] != "yes" {
			out = append(out, fmt.Sprintf("%s: RDB snapshots only: a crash loses the spent tokens since the last snapshot; outstanding ones then fail once (set appendonly yes)", addr))
		}
		if p := cfg["maxmemory-policy"]; p != "" && p != "noeviction" {
			out = append(out, fmt.Sprintf("%s: maxmemory-policy %s can evict spent tokens (their TTLs make them candidates), reopening them for replay (set noeviction)", addr, p))
		}
		return nil
	}
	switch c := s.c.(type) {
	case *redis.ClusterClient:
		_ = c.ForEachMaster(ctx, check)
	case *redis.Client:
		_ = check(ctx, c)
	}
	return out
}
