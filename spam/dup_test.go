package spam

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type fakeCounter struct {
	mu     sync.Mutex
	n      map[string]int64
	err    error
	window time.Duration
}

func newSpamFakeCounter() *fakeCounter { return &fakeCounter{n: make(map[string]int64)} }

func (c *fakeCounter) Incr(ctx context.Context, key string, window time.Duration) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return 0, c.err
	}
	c.window = window
	c.n[key]++
	return c.n[key], nil
}

func TestSpamDuplicate(t *testing.T) {
	ctr := newSpamFakeCounter()
	f := testFilter(t, WithDuplicates(ctr))
	ctx := context.Background()
	msg := "Get the best deal on our new product line today"
	variants := []string{msg, "  GET the best deal, on our new product line today!!", "get THE best deal on our new product line today."}
	for i, v := range variants {
		r := f.Classify(ctx, text(v))
		assert.Equal(t, i == 2, slices.Contains(r.Reasons, ReasonDuplicate), "submission %d: reasons %v", i+1, r.Reasons)
	}
	assert.Equal(t, time.Hour, ctr.window, "the default window")
	// Short texts are never counted.
	for range 5 {
		r := f.Classify(ctx, text("thanks!"))
		require.NotContains(t, r.Reasons, ReasonDuplicate, "short text flagged as duplicate")
	}
	assert.Empty(t, DuplicateKey("thanks!"), "duplicate key normalisation")
	assert.Equal(t, DuplicateKey(msg), DuplicateKey(strings.ToUpper(msg)+"..."), "duplicate key normalisation")
}

// A store outage skips the duplicate signal only; the rest of the verdict stands.
func TestSpamDuplicateStoreError(t *testing.T) {
	ctr := newSpamFakeCounter()
	ctr.err = errors.New("redis: connection refused")
	var logs bytes.Buffer
	f := testFilter(t, WithDuplicates(ctr), WithDuplicateThreshold(1, 0),
		WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	r := f.Classify(context.Background(), Input{Email: "x@mailinator.com",
		Fields: map[string]string{"m": "a perfectly ordinary message of some length"}})
	require.Equal(t, Bad, r.Class, "got %+v", r)
	require.Contains(t, r.Reasons, ReasonEmailDisposable)
	require.NotContains(t, r.Reasons, ReasonDuplicate)
	assert.Contains(t, logs.String(), "duplicate counter failed", "store error not logged")
}
