// Package storetest is the conformance suite every astracaph.Store implementation runs:
// the memory store in the root package's tests and redisstore against a real Redis.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
)

// Run runs the suite. newStore returns a fresh, empty store for each subtest.
func Run(t *testing.T, newStore func(t *testing.T) astracaph.Store) {
	t.Run("Epoch", func(t *testing.T) { testEpoch(t, newStore(t)) })
	t.Run("ConsumeOnce", func(t *testing.T) { testConsumeOnce(t, newStore(t)) })
	t.Run("ConsumeOnceConcurrent", func(t *testing.T) { testConsumeConcurrent(t, newStore(t)) })
	t.Run("ConsumeTTL", func(t *testing.T) { testConsumeTTL(t, newStore(t)) })
	t.Run("Counters", func(t *testing.T) { testCounters(t, newStore(t)) })
	t.Run("LeakyBucket", func(t *testing.T) { testLeak(t, newStore(t)) })
	t.Run("Sites", func(t *testing.T) { testSites(t, newStore(t)) })
	t.Run("State", func(t *testing.T) { testState(t, newStore(t)) })
	t.Run("Ping", func(t *testing.T) { require.NoError(t, newStore(t).Ping(t.Context())) })
}

func testConsumeOnce(t *testing.T, s astracaph.Store) {
	ctx := t.Context()
	first, stored, err := s.ConsumeOnce(ctx, "k1", "idem-a", time.Now(), time.Minute)
	require.NoError(t, err)
	require.True(t, first)
	require.Equal(t, "idem-a", stored)
	first, stored, err = s.ConsumeOnce(ctx, "k1", "idem-b", time.Now(), time.Minute)
	require.NoError(t, err)
	require.False(t, first)
	require.Equal(t, "idem-a", stored, "a replay sees the value of the first consumer")
	first, _, err = s.ConsumeOnce(ctx, "k2", "", time.Now(), time.Minute)
	require.NoError(t, err)
	require.True(t, first, "keys are independent")
}

func testConsumeConcurrent(t *testing.T, s astracaph.Store) {
	ctx := t.Context()
	for round := range 3 {
		key := fmt.Sprintf("race-%d", round)
		var wins atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range 200 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				first, _, err := s.ConsumeOnce(ctx, key, fmt.Sprint(i), time.Now(), time.Minute)
				assert.NoError(t, err)
				if first {
					wins.Add(1)
				}
			}()
		}
		close(start)
		wg.Wait()
		require.Equal(t, int32(1), wins.Load(), "exactly one of 200 concurrent consumers wins")
	}
}

func testConsumeTTL(t *testing.T, s astracaph.Store) {
	ctx := t.Context()
	first, _, err := s.ConsumeOnce(ctx, "ttl", "a", time.Now(), 150*time.Millisecond)
	require.NoError(t, err)
	require.True(t, first)
	require.Eventually(t, func() bool {
		first, _, err := s.ConsumeOnce(ctx, "ttl", "b", time.Now(), time.Minute)
		return err == nil && first
	}, 5*time.Second, 50*time.Millisecond, "the key is free again after its TTL")
}

func testCounters(t *testing.T, s astracaph.Store) {
	ctx := t.Context()
	for i := int64(1); i <= 5; i++ {
		n, err := s.Incr(ctx, "ctr", 200*time.Millisecond)
		require.NoError(t, err)
		require.Equal(t, i, n)
	}
	n, err := s.Incr(ctx, "other", time.Minute)
	require.NoError(t, err)
	require.Equal(t, int64(1), n)
	require.Eventually(t, func() bool {
		n, err := s.Incr(ctx, "ctr", time.Minute)
		return err == nil && n == 1
	}, 5*time.Second, 50*time.Millisecond, "the window resets")

	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Incr(ctx, "par", time.Minute)
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	n, err = s.Incr(ctx, "par", time.Minute)
	require.NoError(t, err)
	require.Equal(t, int64(51), n, "concurrent increments are not lost")
}

func testLeak(t *testing.T, s astracaph.Store) {
	ctx := t.Context()
	lvl, err := s.Leak(ctx, "b", 1, 0.001, time.Minute)
	require.NoError(t, err)
	require.InDelta(t, 1, lvl, 0.05)
	lvl, err = s.Leak(ctx, "b", 1, 0.001, time.Minute)
	require.NoError(t, err)
	require.InDelta(t, 2, lvl, 0.05)
	// A fast-draining bucket empties.
	_, err = s.Leak(ctx, "fast", 5, 50, time.Minute)
	require.NoError(t, err)
	time.Sleep(200 * time.Millisecond)
	lvl, err = s.Leak(ctx, "fast", 1, 50, time.Minute)
	require.NoError(t, err)
	require.InDelta(t, 1, lvl, 0.01)
}

func testSites(t *testing.T, s astracaph.Store) {
	ctx := context.Background()
	rec := astracaph.SiteRecord{SiteKey: "pk_live_a", Domain: "example.com", Name: "Example", Origins: []string{"https://www.example.com"},
		CreatedAt: time.Unix(1767222000, 0).UTC(), SecretEnc: []byte{1, 2, 3}, SecretHash: "h1"}
	require.NoError(t, s.CreateSite(ctx, rec))
	require.ErrorIs(t, s.CreateSite(ctx, rec), astracaph.ErrExists)
	dup := rec
	dup.SiteKey = "pk_live_b"
	require.ErrorIs(t, s.CreateSite(ctx, dup), astracaph.ErrExists, "a domain has one site")

	got, err := s.GetSite(ctx, "pk_live_a")
	require.NoError(t, err)
	require.Equal(t, rec.Domain, got.Domain)
	require.Equal(t, rec.Origins, got.Origins)
	require.Equal(t, rec.SecretEnc, got.SecretEnc)
	require.True(t, rec.CreatedAt.Equal(got.CreatedAt))
	got, err = s.GetSiteByDomain(ctx, "example.com")
	require.NoError(t, err)
	require.Equal(t, "pk_live_a", got.SiteKey)
	_, err = s.GetSite(ctx, "pk_live_missing")
	require.ErrorIs(t, err, astracaph.ErrNotFound)
	_, err = s.GetSiteByDomain(ctx, "missing.example")
	require.ErrorIs(t, err, astracaph.ErrNotFound)

	upd := got
	upd.SecretHash, upd.PrevSecretHash, upd.PrevUntil = "h2", "h1", time.Unix(1767225600, 0).UTC()
	require.ErrorIs(t, s.UpdateSite(ctx, upd, "wrong"), astracaph.ErrForbidden)
	require.NoError(t, s.UpdateSite(ctx, upd, "h1"))
	got, err = s.GetSite(ctx, "pk_live_a")
	require.NoError(t, err)
	require.Equal(t, "h2", got.SecretHash)
	require.Equal(t, "h1", got.PrevSecretHash)

	list, err := s.ListSites(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)

	require.ErrorIs(t, s.DeleteSite(ctx, "pk_live_a", "h1"), astracaph.ErrForbidden, "delete with a wrong secret is refused")
	_, err = s.GetSite(ctx, "pk_live_a")
	require.NoError(t, err, "a refused delete leaves the site")
	require.NoError(t, s.DeleteSite(ctx, "pk_live_a", "h2"))
	_, err = s.GetSite(ctx, "pk_live_a")
	require.True(t, errors.Is(err, astracaph.ErrNotFound))
	_, err = s.GetSiteByDomain(ctx, "example.com")
	require.ErrorIs(t, err, astracaph.ErrNotFound)
	require.ErrorIs(t, s.DeleteSite(ctx, "pk_live_a", "h2"), astracaph.ErrNotFound)
	// The domain is free again.
	dup.SecretHash = "h3"
	require.NoError(t, s.CreateSite(ctx, dup))
}

func testState(t *testing.T, s astracaph.Store) {
	ctx := t.Context()
	_, err := s.GetState(ctx, "nope")
	require.ErrorIs(t, err, astracaph.ErrNotFound)
	require.NoError(t, s.SetState(ctx, "v1", []byte("hello"), time.Minute))
	v, err := s.GetState(ctx, "v1")
	require.NoError(t, err)
	require.Equal(t, "hello", string(v))
	require.NoError(t, s.SetState(ctx, "v1", []byte("again"), time.Minute))
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := s.TakeState(ctx, "v1")
			if err == nil {
				require.Equal(t, "again", string(v))
				wins.Add(1)
			} else {
				assert.ErrorIs(t, err, astracaph.ErrNotFound)
			}
		}()
	}
	wg.Wait()
	require.Equal(t, int32(1), wins.Load(), "exactly one TakeState gets the value")
	_, err = s.GetState(ctx, "v1")
	require.ErrorIs(t, err, astracaph.ErrNotFound)
	require.NoError(t, s.SetState(ctx, "short", []byte("x"), 100*time.Millisecond))
	require.Eventually(t, func() bool {
		_, err := s.GetState(ctx, "short")
		return errors.Is(err, astracaph.ErrNotFound)
	}, 5*time.Second, 50*time.Millisecond)
}

// testEpoch: a fresh store remembers nothing spent before it existed, so it refuses items
// issued before (ErrBeforeEpoch) and accepts those issued after; a zero issue time skips
// the check.
func testEpoch(t *testing.T, s astracaph.Store) {
	ctx := t.Context()
	_, _, err := s.ConsumeOnce(ctx, "old", "", time.Now().Add(-time.Hour), time.Minute)
	require.ErrorIs(t, err, astracaph.ErrBeforeEpoch, "an item issued before the store existed may have been spent")
	first, _, err := s.ConsumeOnce(ctx, "old", "", time.Time{}, time.Minute)
	require.NoError(t, err)
	require.True(t, first, "the refusal recorded nothing; a zero issue time is not checked")
	time.Sleep(5 * time.Millisecond)
	first, _, err = s.ConsumeOnce(ctx, "new", "", time.Now(), time.Minute)
	require.NoError(t, err)
	require.True(t, first)
}

// RunDataLoss checks that losing the store's data never revives a spent item. lose makes
// the store lose everything (a restart of the memory store, FLUSHALL, a Redis restart
// without persistence) and returns the store to use afterwards.
func RunDataLoss(t *testing.T, s astracaph.Store, lose func(t *testing.T) astracaph.Store) {
	ctx := t.Context()
	issued := time.Now()
	keys := []string{"tk:a", "ch:b", "tk:c", "ch:d", "tk:e", "ch:f", "tk:g", "ch:h"}
	for _, k := range keys {
		first, _, err := s.ConsumeOnce(ctx, k, "", issued, time.Hour)
		require.NoError(t, err)
		require.True(t, first)
	}
	time.Sleep(5 * time.Millisecond)
	s = lose(t)
	for _, k := range keys {
		first, _, err := s.ConsumeOnce(ctx, k, "", issued, time.Hour)
		require.ErrorIs(t, err, astracaph.ErrBeforeEpoch, "%s: spent before the loss, it must not verify again", k)
		require.False(t, first)
	}
	time.Sleep(5 * time.Millisecond)
	first, _, err := s.ConsumeOnce(ctx, "tk:a", "", time.Now(), time.Hour)
	require.NoError(t, err)
	require.True(t, first, "items issued after the loss work")
	first, _, err = s.ConsumeOnce(ctx, "tk:a", "", time.Now(), time.Hour)
	require.NoError(t, err)
	require.False(t, first, "and are single-use again")
}
