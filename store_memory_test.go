package astracaph_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/storetest"
)

func TestMemoryStoreConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) astracaph.Store { return astracaph.NewMemoryStore(astracaph.MemoryOptions{}) })
}

// TestMemoryStoreRestartDoesNotReviveSpent: a restarted server's memory store has
// forgotten every spent key; its epoch (its start) refuses whatever was issued before.
func TestMemoryStoreRestartDoesNotReviveSpent(t *testing.T) {
	storetest.RunDataLoss(t, astracaph.NewMemoryStore(astracaph.MemoryOptions{}), func(*testing.T) astracaph.Store { return astracaph.NewMemoryStore(astracaph.MemoryOptions{}) })
}

func TestMemoryStoreBound(t *testing.T) {
	ctx := t.Context()
	s := astracaph.NewMemoryStore(astracaph.MemoryOptions{Spent: 32 * 10, Counters: 32, State: 32, Sites: 2})
	n := 0
	var err error
	for ; n < 10_000; n++ {
		if _, _, err = s.ConsumeOnce(ctx, fmt.Sprint("k", n), "", time.Time{}, time.Hour); err != nil {
			break
		}
	}
	require.ErrorIs(t, err, astracaph.ErrStoreFull, "at the bound new spent keys fail closed")
	require.Equal(t, 32*10, n, "the bound is the configured one")
	first, _, err := s.ConsumeOnce(ctx, "k0", "", time.Time{}, time.Hour)
	require.NoError(t, err)
	require.False(t, first, "existing keys are still known as spent at the bound")
}

// TestMemoryStoreCountersDoNotCrowdOutSpentKeys: a flood of client prefixes fills the
// counters, which evict each other; spent keys and verification are unaffected.
func TestMemoryStoreCountersDoNotCrowdOutSpentKeys(t *testing.T) {
	ctx := t.Context()
	s := astracaph.NewMemoryStore(astracaph.MemoryOptions{Spent: 64, Counters: 64})
	for i := range 10_000 {
		_, err := s.Incr(ctx, fmt.Sprint("rl:", i), time.Hour)
		require.NoError(t, err, "counters never fail: at the bound they evict")
		_, err = s.Leak(ctx, fmt.Sprint("vel:", i), 1, 0.1, time.Hour)
		require.NoError(t, err)
	}
	first, _, err := s.ConsumeOnce(ctx, "tk:x", "", time.Now(), time.Hour)
	require.NoError(t, err)
	require.True(t, first)
}

func TestMemoryStoreExpiredMakeRoom(t *testing.T) {
	ctx := t.Context()
	s := astracaph.NewMemoryStore(astracaph.MemoryOptions{Spent: 32, State: 32})
	// One key per shard at most fits (32 over 32 shards): fill until full with short TTLs.
	var keys []string
	for i := 0; ; i++ {
		k := fmt.Sprint("x", i)
		if _, _, err := s.ConsumeOnce(ctx, k, "", time.Time{}, 10*time.Millisecond); err != nil {
			require.ErrorIs(t, err, astracaph.ErrStoreFull)
			break
		}
		keys = append(keys, k)
	}
	require.NotEmpty(t, keys)
	time.Sleep(30 * time.Millisecond)
	for _, k := range keys {
		first, _, err := s.ConsumeOnce(ctx, k, "", time.Time{}, time.Hour)
		require.NoError(t, err, "expired entries make room again")
		require.True(t, first)
	}
}

func TestMemoryStoreSitesBounded(t *testing.T) {
	ctx := t.Context()
	s := astracaph.NewMemoryStore(astracaph.MemoryOptions{Sites: 2})
	for i := range 2 {
		require.NoError(t, s.CreateSite(ctx, astracaph.SiteRecord{SiteKey: fmt.Sprint("pk_live_", i), Domain: fmt.Sprint(i, ".example")}))
	}
	err := s.CreateSite(ctx, astracaph.SiteRecord{SiteKey: "pk_live_x", Domain: "x.example"})
	require.ErrorIs(t, err, astracaph.ErrStoreFull, "sites count against their own bound")
}

func BenchmarkMemoryConsumeOnce(b *testing.B) {
	s := astracaph.NewMemoryStore(astracaph.MemoryOptions{})
	ctx := b.Context()
	now := time.Now()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if _, _, err := s.ConsumeOnce(ctx, fmt.Sprint("k", i), "", now, time.Minute); err != nil { // guarded: require costs a t.Helper call
			require.NoError(b, err)
		}
	}
}
