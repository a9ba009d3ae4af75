package ipintel

import (
	"container/list"
	"context"
	"net/netip"
	"sync"
	"time"
)

// Provider is an online IP-intelligence lookup (a paid or self-hosted API). Implementations
// must honour ctx cancellation.
type Provider interface {
	Lookup(ctx context.Context, addr netip.Addr) (Info, error)
}

// GuardOptions tune Guard; zero fields take the defaults shown.
type GuardOptions struct {
	Timeout          time.Duration    // per call; default 300 ms
	CacheSize        int              // entries; default 10,000
	CacheTTL         time.Duration    // default 1 h
	FailureThreshold int              // consecutive failures that open the circuit; default 5
	CoolDown         time.Duration    // how long the circuit stays open; default 30 s
	Now              func() time.Time // clock, for tests; default time.Now
}

// GuardedProvider wraps a Provider with a timeout, a bounded LRU cache with TTL for
// successful answers, and a circuit breaker: after FailureThreshold consecutive failures
// calls fail fast with ErrCircuitOpen for CoolDown, then a single trial call decides whether
// to close the circuit again. It is safe for concurrent use.
type GuardedProvider struct {
	p   Provider
	opt GuardOptions

	mu       sync.Mutex
	lru      *list.List // front = most recently used; values are *cacheEntry
	index    map[netip.Addr]*list.Element
	failures int
	openTill time.Time
	probing  bool // a half-open trial call is in flight
}

type cacheEntry struct {
	addr    netip.Addr
	info    Info
	expires time.Time
}

// Guard wraps p; see GuardedProvider.
func Guard(p Provider, o GuardOptions) *GuardedProvider {
	if o.Timeout <= 0 {
		o.Timeout = 300 * time.Millisecond
	}
	if o.CacheSize <= 0 {
		o.CacheSize = 10000
	}
	if o.CacheTTL <= 0 {
		o.CacheTTL = time.Hour
	}
	if o.FailureThreshold <= 0 {
		o.FailureThreshold = 5
	}
	if o.CoolDown <= 0 {
		o.CoolDown = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &GuardedProvider{p: p, opt: o, lru: list.New(), index: map[netip.Addr]*list.Element{}}
}

// Lookup answers from the cache, or calls the provider unless the circuit is open.
func (g *GuardedProvider) Lookup(ctx context.Context, addr netip.Addr) (Info, error) {
	now := g.opt.Now()
	g.mu.Lock()
	if el, ok := g.index[addr]; ok {
		e := el.Value.(*cacheEntry)
		if now.Before(e.expires) {
			g.lru.MoveToFront(el)
			g.mu.Unlock()
			return e.info, nil
		}
		g.lru.Remove(el)
		delete(g.index, addr)
	}
	trial := false
	if g.failures >= g.opt.FailureThreshold {
		if now.Before(g.openTill) || g.probing {
			g.mu.Unlock()
			return Info{}, ErrCircuitOpen
		}
		g.probing, trial = true, true
	}
	g.mu.Unlock()

	cctx, cancel := context.WithTimeout(ctx, g.opt.Timeout)
	info, err := g.p.Lookup(cctx, addr)
	if err == nil {
		err = cctx.Err() // a provider that ignores its deadline still counts as failing
	}
	cancel()

	g.mu.Lock()
	defer g.mu.Unlock()
	if trial {
		g.probing = false
	}
	if err != nil {
		// The caller giving up is not the provider's fault.
		if ctx.Err() == nil {
			g.failures++
			if g.failures >= g.opt.FailureThreshold {
				g.openTill = g.opt.Now().Add(g.opt.CoolDown)
			}
		}
		return Info{}, err
	}
	g.failures = 0
	g.put(addr, info, g.opt.Now())
	return info, nil
}

func (g *GuardedProvider) put(addr netip.Addr, info Info, now time.Time) {
	if el, ok := g.index[addr]; ok {
		el.Value = &cacheEntry{addr, info, now.Add(g.opt.CacheTTL)}
		g.lru.MoveToFront(el)
		return
	}
	for g.lru.Len() >= g.opt.CacheSize {
		old := g.lru.Back()
		g.lru.Remove(old)
		delete(g.index, old.Value.(*cacheEntry).addr)
	}
	g.index[addr] = g.lru.PushFront(&cacheEntry{addr, info, now.Add(g.opt.CacheTTL)})
}

// CacheLen reports the number of cached answers (for metrics and tests).
func (g *GuardedProvider) CacheLen() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.lru.Len()
}
