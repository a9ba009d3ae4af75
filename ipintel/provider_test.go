package ipintel

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type fakeProvider struct {
	mu    sync.Mutex
	calls int
	err   error
	hang  bool
	info  Info
}

func (f *fakeProvider) Lookup(ctx context.Context, addr netip.Addr) (Info, error) {
	f.mu.Lock()
	f.calls++
	err, hang, info := f.err, f.hang, f.info
	f.mu.Unlock()
	if hang {
		<-ctx.Done()
		return Info{}, ctx.Err()
	}
	if err != nil {
		return Info{}, err
	}
	info.Org = addr.String() // lets tests tell answers apart
	return info, nil
}

func (f *fakeProvider) set(err error, hang bool) {
	f.mu.Lock()
	f.err, f.hang = err, hang
	f.mu.Unlock()
}

func (f *fakeProvider) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestGuardCacheTTLAndBound(t *testing.T) {
	clk := &fakeClock{now: time.Unix(1e9, 0)}
	fp := &fakeProvider{info: Info{Class: ClassVPN, Sources: []string{"fake"}}}
	g := Guard(fp, GuardOptions{CacheSize: 2, CacheTTL: time.Minute, Now: clk.Now})
	ctx := context.Background()
	a, b, c := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2"), netip.MustParseAddr("192.0.2.3")

	for range 3 {
		info, err := g.Lookup(ctx, a)
		require.NoError(t, err)
		require.Equal(t, a.String(), info.Org)
		require.Equal(t, ClassVPN, info.Class)
	}
	require.Equal(t, 1, fp.count(), "cache miss on repeat")
	clk.Advance(61 * time.Second)
	g.Lookup(ctx, a)
	require.Equal(t, 2, fp.count(), "expired entry served")
	g.Lookup(ctx, b) // cache: b, a
	g.Lookup(ctx, a) // a most recent
	g.Lookup(ctx, c) // evicts b
	require.Equal(t, 2, g.CacheLen())
	before := fp.count()
	g.Lookup(ctx, a)
	require.Equal(t, before, fp.count(), "recently used entry was evicted")
	g.Lookup(ctx, b)
	require.Equal(t, before+1, fp.count(), "least recently used entry was not evicted")
}

func TestGuardCircuitBreaker(t *testing.T) {
	clk := &fakeClock{now: time.Unix(1e9, 0)}
	boom := errors.New("upstream 503")
	fp := &fakeProvider{err: boom}
	g := Guard(fp, GuardOptions{FailureThreshold: 3, CoolDown: 10 * time.Second, Now: clk.Now})
	ctx := context.Background()
	addr := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}) }

	for i := range 3 {
		_, err := g.Lookup(ctx, addr(i))
		require.ErrorIs(t, err, boom, "call %d", i)
	}
	for i := range 5 {
		_, err := g.Lookup(ctx, addr(10+i))
		require.ErrorIs(t, err, ErrCircuitOpen, "open circuit")
	}
	require.Equal(t, 3, fp.count(), "provider called while open")
	// After the cool-down one trial call goes through; it fails, so the circuit reopens.
	clk.Advance(11 * time.Second)
	_, err := g.Lookup(ctx, addr(20))
	require.ErrorIs(t, err, boom, "trial")
	_, err = g.Lookup(ctx, addr(21))
	require.ErrorIs(t, err, ErrCircuitOpen, "after failed trial")
	// A successful trial closes it.
	clk.Advance(11 * time.Second)
	fp.set(nil, false)
	_, err = g.Lookup(ctx, addr(22))
	require.NoError(t, err, "trial")
	for i := range 3 {
		_, err := g.Lookup(ctx, addr(30+i))
		require.NoError(t, err, "closed circuit")
	}
	// Errors are not cached: the address that failed is asked again.
	n := fp.count()
	g.Lookup(ctx, addr(0))
	require.Equal(t, n+1, fp.count(), "failed lookup was cached")
}

func TestGuardTimeout(t *testing.T) {
	fp := &fakeProvider{hang: true}
	g := Guard(fp, GuardOptions{Timeout: 20 * time.Millisecond, FailureThreshold: 2})
	start := time.Now()
	_, err := g.Lookup(context.Background(), netip.MustParseAddr("192.0.2.1"))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.LessOrEqual(t, time.Since(start), 3*time.Second, "timeout not applied")
	// A caller that cancels does not count against the provider.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range 3 {
		g.Lookup(ctx, netip.MustParseAddr("192.0.2.2"))
	}
	g.Lookup(context.Background(), netip.MustParseAddr("192.0.2.3")) // second real failure
	_, err = g.Lookup(context.Background(), netip.MustParseAddr("192.0.2.4"))
	require.ErrorIs(t, err, ErrCircuitOpen, "after 2 timeouts")
}

func TestClassifierLookupMergesProvider(t *testing.T) {
	fp := &fakeProvider{info: Info{Class: ClassProxy, ASN: 64999, Sources: []string{"online"}}}
	c := newClassifier(t, Options{Sources: fixtureSources(t), Provider: fp})
	ctx := context.Background()
	// Offline residential, online proxy: proxy wins, offline ASN kept, sources merged.
	got, err := c.Lookup(ctx, netip.MustParseAddr("192.0.2.5"))
	require.NoError(t, err, "merge")
	require.Equal(t, ClassProxy, got.Class, "merge")
	require.Equal(t, uint32(64500), got.ASN, "merge")
	require.ElementsMatch(t, []string{"ip2asn", "online"}, got.Sources, "merge")
	// Offline tor beats online proxy; the shared Sources slice of the snapshot is untouched.
	got, _ = c.Lookup(ctx, netip.MustParseAddr("192.0.2.10"))
	require.Equal(t, ClassTor, got.Class)
	require.ElementsMatch(t, []string{"tor-exit", "ip2asn"}, c.Classify(netip.MustParseAddr("192.0.2.10")).Sources,
		"snapshot sources modified")
	// Unknown offline: ASN comes from the provider.
	got, _ = c.Lookup(ctx, netip.MustParseAddr("8.8.8.8"))
	require.Equal(t, uint32(64999), got.ASN, "unknown")
	require.Equal(t, ClassProxy, got.Class, "unknown")
	// Provider failure: offline answer plus the error.
	fp.set(errors.New("down"), false)
	got, err = c.Lookup(ctx, netip.MustParseAddr("192.0.2.6"))
	require.Error(t, err, "failure")
	require.Equal(t, ClassResidential, got.Class, "failure")
	// No provider: Lookup equals Classify.
	off := newClassifier(t, Options{Sources: fixtureSources(t)})
	got, err = off.Lookup(ctx, netip.MustParseAddr("192.0.2.5"))
	require.NoError(t, err, "offline lookup")
	require.Equal(t, ClassResidential, got.Class, "offline lookup")
}
