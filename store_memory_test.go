package astracaph_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/storetest"
)

func TestMemoryStoreConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) astracaph.Store { return astracaph.NewMemoryStore(0) })
}

func TestMemoryStoreBound(t *testing.T) {
	s := astracaph.NewMemoryStore(10)
	ctx := t.Context()
	for i := range 10 {
		first, _, err := s.ConsumeOnce(ctx, string(rune('a'+i)), "", time.Hour)
		require.NoError(t, err)
		require.True(t, first)
	}
	_, _, err := s.ConsumeOnce(ctx, "overflow", "", time.Hour)
	require.ErrorIs(t, err, astracaph.ErrStoreFull, "at the bound new keys fail closed")
	first, _, err := s.ConsumeOnce(ctx, "a", "", time.Hour)
	require.NoError(t, err)
	require.False(t, first, "existing keys are still known as spent at the bound")
	_, err = s.Incr(ctx, "ctr", time.Hour)
	require.ErrorIs(t, err, astracaph.ErrStoreFull)

	// Expired entries make room again.
	s2 := astracaph.NewMemoryStore(2)
	for _, k := range []string{"x", "y"} {
		_, _, err := s2.ConsumeOnce(ctx, k, "", 10*time.Millisecond)
		require.NoError(t, err)
	}
	time.Sleep(30 * time.Millisecond)
	first, _, err = s2.ConsumeOnce(ctx, "z", "", time.Hour)
	require.NoError(t, err)
	require.True(t, first)
}
