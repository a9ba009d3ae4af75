package ipintel

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"
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
		if info, err := g.Lookup(ctx, a); err != nil || info.Org != a.String() || info.Class != ClassVPN {
			t.Fatalf("lookup: %+v %v", info, err)
		}
	}
	if fp.count() != 1 {
		t.Fatalf("cache miss on repeat: %d calls", fp.count())
	}
	clk.Advance(61 * time.Second)
	g.Lookup(ctx, a)
	if fp.count() != 2 {
		t.Fatalf("expired entry served: %d calls", fp.count())
	}
	g.Lookup(ctx, b) // cache: b, a
	g.Lookup(ctx, a) // a most recent
	g.Lookup(ctx, c) // evicts b
	if g.CacheLen() != 2 {
		t.Fatalf("cache len %d, want 2", g.CacheLen())
	}
	before := fp.count()
	g.Lookup(ctx, a)
	if fp.count() != before {
		t.Fatal("recently used entry was evicted")
	}
	g.Lookup(ctx, b)
	if fp.count() != before+1 {
		t.Fatal("least recently used entry was not evicted")
	}
}

func TestGuardCircuitBreaker(t *testing.T) {
	clk := &fakeClock{now: time.Unix(1e9, 0)}
	boom := errors.New("upstream 503")
	fp := &fakeProvider{err: boom}
	g := Guard(fp, GuardOptions{FailureThreshold: 3, CoolDown: 10 * time.Second, Now: clk.Now})
	ctx := context.Background()
	addr := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}) }

	for i := range 3 {
		if _, err := g.Lookup(ctx, addr(i)); !errors.Is(err, boom) {
			t.Fatalf("call %d: err = %v", i, err)
		}
	}
	for i := range 5 {
		if _, err := g.Lookup(ctx, addr(10+i)); !errors.Is(err, ErrCircuitOpen) {
			t.Fatalf("open circuit: err = %v", err)
		}
	}
	if fp.count() != 3 {
		t.Fatalf("provider called while open: %d calls", fp.count())
	}
	// After the cool-down one trial call goes through; it fails, so the circuit reopens.
	clk.Advance(11 * time.Second)
	if _, err := g.Lookup(ctx, addr(20)); !errors.Is(err, boom) {
		t.Fatalf("trial: err = %v", err)
	}
	if _, err := g.Lookup(ctx, addr(21)); !errors.Is(err, ErrCircuitOpen) {
		t.Fatalf("after failed trial: err = %v", err)
	}
	// A successful trial closes it.
	clk.Advance(11 * time.Second)
	fp.set(nil, false)
	if _, err := g.Lookup(ctx, addr(22)); err != nil {
		t.Fatalf("trial: %v", err)
	}
	for i := range 3 {
		if _, err := g.Lookup(ctx, addr(30+i)); err != nil {
			t.Fatalf("closed circuit: %v", err)
		}
	}
	// Errors are not cached: the address that failed is asked again.
	n := fp.count()
	g.Lookup(ctx, addr(0))
	if fp.count() != n+1 {
		t.Fatal("failed lookup was cached")
	}
}

func TestGuardTimeout(t *testing.T) {
	fp := &fakeProvider{hang: true}
	g := Guard(fp, GuardOptions{Timeout: 20 * time.Millisecond, FailureThreshold: 2})
	start := time.Now()
	_, err := g.Lookup(context.Background(), netip.MustParseAddr("192.0.2.1"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
	if time.Since(start) > 3*time.Second {
		t.Fatal("timeout not applied")
	}
	// A caller that cancels does not count against the provider.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range 3 {
		g.Lookup(ctx, netip.MustParseAddr("192.0.2.2"))
	}
	g.Lookup(context.Background(), netip.MustParseAddr("192.0.2.3")) // second real failure
	if _, err := g.Lookup(context.Background(), netip.MustParseAddr("192.0.2.4")); !errors.Is(err, ErrCircuitOpen) {
		t.Fatalf("after 2 timeouts: err = %v, want ErrCircuitOpen", err)
	}
}

func TestClassifierLookupMergesProvider(t *testing.T) {
	fp := &fakeProvider{info: Info{Class: ClassProxy, ASN: 64999, Sources: []string{"online"}}}
	c := newClassifier(t, Options{Sources: fixtureSources(t), Provider: fp})
	ctx := context.Background()
	// Offline residential, online proxy: proxy wins, offline ASN kept, sources merged.
	got, err := c.Lookup(ctx, netip.MustParseAddr("192.0.2.5"))
	if err != nil || got.Class != ClassProxy || got.ASN != 64500 || !sameSet(got.Sources, []string{"ip2asn", "online"}) {
		t.Fatalf("merge: %+v %v", got, err)
	}
	// Offline tor beats online proxy; the shared Sources slice of the snapshot is untouched.
	got, _ = c.Lookup(ctx, netip.MustParseAddr("192.0.2.10"))
	if got.Class != ClassTor {
		t.Fatalf("tor: %+v", got)
	}
	if off := c.Classify(netip.MustParseAddr("192.0.2.10")); !sameSet(off.Sources, []string{"tor-exit", "ip2asn"}) {
		t.Fatalf("snapshot sources modified: %v", off.Sources)
	}
	// Unknown offline: ASN comes from the provider.
	got, _ = c.Lookup(ctx, netip.MustParseAddr("8.8.8.8"))
	if got.ASN != 64999 || got.Class != ClassProxy {
		t.Fatalf("unknown: %+v", got)
	}
	// Provider failure: offline answer plus the error.
	fp.set(errors.New("down"), false)
	got, err = c.Lookup(ctx, netip.MustParseAddr("192.0.2.6"))
	if err == nil || got.Class != ClassResidential {
		t.Fatalf("failure: %+v %v", got, err)
	}
	// No provider: Lookup equals Classify.
	off := newClassifier(t, Options{Sources: fixtureSources(t)})
	if got, err := off.Lookup(ctx, netip.MustParseAddr("192.0.2.5")); err != nil || got.Class != ClassResidential {
		t.Fatalf("offline lookup: %+v %v", got, err)
	}
}
