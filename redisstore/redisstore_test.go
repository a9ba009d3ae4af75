package redisstore_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/internal/testenv"
	"github.com/astracat/astracaph/redisstore"
	"github.com/astracat/astracaph/storetest"
)

// newStores returns a constructor of stores on addr, each under a fresh key prefix so the
// subtests of one server never see each other's keys.
func newStores(addr string, opts ...redisstore.Option) func(t *testing.T) astracaph.Store {
	var n atomic.Int64
	return func(t *testing.T) astracaph.Store {
		t.Helper()
		o := append([]redisstore.Option{redisstore.WithPrefix(fmt.Sprintf("t%d:", n.Add(1)))}, opts...)
		s := mustStore(t, redis.NewClient(&redis.Options{Addr: addr}), o...)
		_, err := s.InitEpoch(t.Context())
		require.NoError(t, err)
		return s
	}
}

// mustStore is redisstore.New for options known to be valid; the store is closed at the
// end of the test.
func mustStore(t testing.TB, c redis.UniversalClient, opts ...redisstore.Option) *redisstore.Store {
	t.Helper()
	s, err := redisstore.New(c, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	addr, _ := testenv.StartRedis(t)
	storetest.Run(t, newStores(addr))
}

func TestConsumeStoresWithTTL(t *testing.T) {
	addr, _ := testenv.StartRedis(t)
	s := newStores(addr, redisstore.WithPrefix("ttl:"))(t).(*redisstore.Store)
	ctx := t.Context()
	_, _, err := s.ConsumeOnce(ctx, "tok", "v", time.Now(), 90*time.Second)
	require.NoError(t, err)
	keys, err := s.Client().Keys(ctx, "ttl:c:{*}:tok").Result()
	require.NoError(t, err)
	require.Len(t, keys, 1, "the key lives in its hash-tagged bucket")
	pttl, err := s.Client().PTTL(ctx, keys[0]).Result()
	require.NoError(t, err)
	require.InDelta(t, float64(90*time.Second), float64(pttl), float64(2*time.Second))

	_, err = s.Incr(ctx, "ctr", 30*time.Second)
	require.NoError(t, err)
	pttl, err = s.Client().PTTL(ctx, "ttl:n:ctr").Result()
	require.NoError(t, err)
	require.InDelta(t, float64(30*time.Second), float64(pttl), float64(2*time.Second))
	_, err = s.Incr(ctx, "ctr", time.Hour)
	require.NoError(t, err)
	pttl, err = s.Client().PTTL(ctx, "ttl:n:ctr").Result()
	require.NoError(t, err)
	require.Less(t, pttl, 31*time.Second, "the window starts at the first increment")

	// A bucket at level 10 draining 1/s is empty in 10 s and forgotten ttl later.
	lvl, err := s.Leak(ctx, "bkt", 10, 1, 5*time.Second)
	require.NoError(t, err)
	require.InDelta(t, 10, lvl, 0.01)
	pttl, err = s.Client().PTTL(ctx, "ttl:b:bkt").Result()
	require.NoError(t, err)
	require.InDelta(t, float64(15*time.Second), float64(pttl), float64(2*time.Second))

	_, err = s.Leak(ctx, "nan", 1, 0, time.Second)
	require.NoError(t, err, "a bucket that never drains is still accepted")
}

func TestClusterMode(t *testing.T) {
	// A one-node cluster still refuses multi-key scripts across slots (CROSSSLOT), so this
	// checks that the site keys really share a slot.
	r := testenv.NewRedis(t, "--cluster-enabled", "yes")
	admin := redis.NewClient(&redis.Options{Addr: r.Addr})
	defer admin.Close()
	ctx := t.Context()
	require.NoError(t, admin.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", "0", "16383").Err())
	require.Eventually(t, func() bool {
		info, err := admin.ClusterInfo(ctx).Result()
		return err == nil && strings.Contains(info, "cluster_state:ok")
	}, 10*time.Second, 50*time.Millisecond)

	var n atomic.Int64
	storetest.Run(t, func(t *testing.T) astracaph.Store {
		c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{r.Addr}})
		s := mustStore(t, c, redisstore.WithPrefix(fmt.Sprintf("c%d:", n.Add(1))))
		_, err := s.InitEpoch(t.Context())
		require.NoError(t, err)
		return s
	})
}

func TestRedisDownAndBack(t *testing.T) {
	r := testenv.NewRedis(t)
	c := redis.NewClient(&redis.Options{Addr: r.Addr, DialTimeout: 200 * time.Millisecond, MaxRetries: 1, DialerRetries: 1,
		MinRetryBackoff: time.Millisecond, MaxRetryBackoff: 5 * time.Millisecond})
	s := mustStore(t, c)
	ctx := t.Context()

	first, _, err := s.ConsumeOnce(ctx, "before", "v", time.Time{}, time.Minute)
	require.NoError(t, err)
	require.True(t, first)

	r.Stop()
	first, stored, err := s.ConsumeOnce(ctx, "tok", "v", time.Time{}, time.Minute)
	require.ErrorIs(t, err, astracaph.ErrStore)
	require.False(t, first, "never first when Redis did not confirm")
	require.Empty(t, stored)
	_, err = s.Incr(ctx, "ctr", time.Minute)
	require.ErrorIs(t, err, astracaph.ErrStore)
	_, err = s.Leak(ctx, "bkt", 1, 1, time.Minute)
	require.ErrorIs(t, err, astracaph.ErrStore)
	_, err = s.GetSite(ctx, "pk")
	require.ErrorIs(t, err, astracaph.ErrStore)
	require.NotErrorIs(t, err, astracaph.ErrNotFound, "an outage is not a missing site")
	_, err = s.GetSiteByDomain(ctx, "example.com")
	require.ErrorIs(t, err, astracaph.ErrStore)
	err = s.CreateSite(ctx, astracaph.SiteRecord{SiteKey: "pk", Domain: "example.com", SecretHash: "h"})
	require.ErrorIs(t, err, astracaph.ErrStore)
	require.ErrorIs(t, s.UpdateSite(ctx, astracaph.SiteRecord{SiteKey: "pk"}, "h"), astracaph.ErrStore)
	require.ErrorIs(t, s.DeleteSite(ctx, "pk", "h"), astracaph.ErrStore)
	_, err = s.ListSites(ctx)
	require.ErrorIs(t, err, astracaph.ErrStore)
	require.ErrorIs(t, s.Ping(ctx), astracaph.ErrStore)

	r.Start()
	require.Eventually(t, func() bool { return s.Ping(ctx) == nil }, 5*time.Second, 20*time.Millisecond)
	// The key whose consumption failed was not recorded: it can be consumed, exactly once,
	// even by concurrent callers.
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			first, _, err := s.ConsumeOnce(ctx, "tok", "v", time.Time{}, time.Minute)
			assert.NoError(t, err)
			if first {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	require.Equal(t, int32(1), wins.Load())
}

// TestFlushAllDoesNotReviveSpentTokens: FLUSHALL (or a restart without persistence)
// forgets every spent key; the lost epoch keys make everything issued before refused.
func TestFlushAllDoesNotReviveSpentTokens(t *testing.T) {
	addr, _ := testenv.StartRedis(t)
	s := newStores(addr)(t).(*redisstore.Store)
	storetest.RunDataLoss(t, s, func(t *testing.T) astracaph.Store {
		require.NoError(t, s.Client().FlushAll(t.Context()).Err())
		return s
	})
}

// TestRestartWithoutPersistenceDoesNotReviveSpentTokens kills Redis (nothing saved) and
// starts it again empty.
func TestRestartWithoutPersistenceDoesNotReviveSpentTokens(t *testing.T) {
	r := testenv.NewRedis(t)
	s := mustStore(t, redis.NewClient(&redis.Options{Addr: r.Addr}))
	_, err := s.InitEpoch(t.Context())
	require.NoError(t, err)
	storetest.RunDataLoss(t, s, func(t *testing.T) astracaph.Store {
		r.Stop()
		r.Start()
		require.Eventually(t, func() bool { return s.Ping(t.Context()) == nil }, 5*time.Second, 20*time.Millisecond)
		return s
	})
}

// TestLostBucketEpochStartsAnew: when one bucket's epoch key disappears (an eviction, an
// operator's DEL) while the global epoch survives, that bucket cannot tell what it forgot:
// it starts a new epoch, while a bucket never used before takes the global one.
func TestLostBucketEpochStartsAnew(t *testing.T) {
	addr, _ := testenv.StartRedis(t)
	s := newStores(addr, redisstore.WithPrefix("lost:"))(t).(*redisstore.Store)
	ctx := t.Context()
	issued := time.Now()
	time.Sleep(5 * time.Millisecond)
	first, _, err := s.ConsumeOnce(ctx, "tk:a", "", issued, time.Hour)
	require.NoError(t, err)
	require.True(t, first, "a bucket used for the first time takes the global epoch")
	epochs, err := s.Client().Keys(ctx, "lost:e:{*}").Result()
	require.NoError(t, err)
	require.Len(t, epochs, 1)
	// Lose the bucket's data: its spent key and its epoch.
	spent, err := s.Client().Keys(ctx, "lost:c:{*}:tk:a").Result()
	require.NoError(t, err)
	require.NoError(t, s.Client().Del(ctx, append(spent, epochs...)...).Err())
	time.Sleep(5 * time.Millisecond)
	_, _, err = s.ConsumeOnce(ctx, "tk:a", "", issued, time.Hour)
	require.ErrorIs(t, err, astracaph.ErrBeforeEpoch, "the bucket lost its memory: what was issued before is refused")
	first, _, err = s.ConsumeOnce(ctx, "tk:a", "", time.Now(), time.Hour)
	require.NoError(t, err)
	require.True(t, first)
}

func TestCanceledContext(t *testing.T) {
	addr, _ := testenv.StartRedis(t)
	s := newStores(addr)(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	first, _, err := s.ConsumeOnce(ctx, "k", "v", time.Time{}, time.Minute)
	require.ErrorIs(t, err, context.Canceled)
	require.False(t, first)
}

func TestNewFromURL(t *testing.T) {
	addr, _ := testenv.StartRedis(t)
	s, err := redisstore.NewFromURL("redis://" + addr + "/2?dial_timeout=1s")
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	require.NoError(t, s.Ping(t.Context()))
	require.Equal(t, 2, s.Client().(*redis.Client).Options().DB)
	first, _, err := s.ConsumeOnce(t.Context(), "k", "v", time.Time{}, time.Minute)
	require.NoError(t, err)
	require.True(t, first)

	tls, err := redisstore.NewFromURL("rediss://user:pw@cache.example:6380/1", redisstore.WithPrefix("x:"))
	require.NoError(t, err)
	o := tls.Client().(*redis.Client).Options()
	require.NotNil(t, o.TLSConfig, "rediss means TLS")
	require.Equal(t, "cache.example:6380", o.Addr)
	require.Equal(t, "user", o.Username)
	require.Equal(t, 1, o.DB)
	require.NoError(t, tls.Close())

	for _, bad := range []string{
		"",
		"localhost:6379",
		"http://localhost:6379",
		"unix:///tmp/redis.sock",
		"redis://",
		"redis://localhost:6379/notadb",
		"redis://localhost:6379/0/extra",
		"redis://localhost:6379?dial_timeout=soon",
		"redis://[::1",
		"redis://user:hunter2secret@local host:6379",
		"redis://user:hunter2secret@localhost:6379/%zz",
	} {
		_, err := redisstore.NewFromURL(bad)
		require.ErrorIs(t, err, redisstore.ErrInvalidURL, "%q", bad)
		require.NotContains(t, err.Error(), "hunter2secret", "the password never reaches an error")
	}
}

func FuzzNewFromURL(f *testing.F) {
	for _, s := range []string{"redis://localhost:6379/0", "rediss://u:p@h:1/2?pool_size=3", "redis://[::1]:6379",
		"redis://h/0?dial_timeout=1s&read_timeout=-1", "unix:///x", "redis://%41:%zz@h", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, u string) {
		s, err := redisstore.NewFromURL(u)
		if err != nil {
			require.ErrorIs(t, err, redisstore.ErrInvalidURL)
			return
		}
		require.NoError(t, s.Close())
	})
}

// TestDurabilityWarnings: a Redis without persistence and with an evicting policy is
// reported; one with an AOF and noeviction is not.
func TestDurabilityWarnings(t *testing.T) {
	weak := testenv.NewRedis(t, "--maxmemory-policy", "volatile-lru")
	s, err := redisstore.New(redis.NewClient(&redis.Options{Addr: weak.Addr}))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	w := s.Durability(t.Context())
	require.Len(t, w, 2, "%q", w)
	require.Contains(t, w[0], "no persistence")
	require.Contains(t, w[1], "volatile-lru")

	strong := testenv.NewRedis(t, "--appendonly", "yes", "--maxmemory-policy", "noeviction")
	s2, err := redisstore.New(redis.NewClient(&redis.Options{Addr: strong.Addr}))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s2.Close() })
	require.Empty(t, s2.Durability(t.Context()))
}
