package astracaph

import (
	"container/heap"
	"context"
	"crypto/subtle"
	"hash/maphash"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// memoryStore is the default in-process Store (NewMemoryStore).
type memoryStore struct {
	epoch    time.Time
	now      func() time.Time
	spent    *expiring
	state    *expiring
	counters *expiring
	mu       sync.Mutex // guards sites and domains
	sites    map[string]SiteRecord
	domains  map[string]string
	maxSites int
}

// defaultMemoryEntries is the default bound of spent keys and of counters.
const defaultMemoryEntries = 1_000_000

// MemoryOptions bounds each kind of record of the memory store (NewMemoryStore); zero values select the
// defaults.
type MemoryOptions struct {
	Spent    int // single-use keys; default 1,000,000
	Counters int // rate counters and leaky buckets (evicted at the bound); default Spent
	State    int // short-lived state; default Spent/4
	Sites    int // registered sites; default 100,000
}

// NewMemoryStore returns the in-process Store, bounded by l: with MemoryOptions{}, at most
// a million spent keys and as many counters, a quarter as many state values and 100,000
// sites. Every kind of record has its own bound, so one kind cannot crowd out another:
//
//   - spent keys (ConsumeOnce): never forgotten before their TTL. At the bound, expired
//     keys are dropped first; if the store is still full, ConsumeOnce returns ErrStoreFull
//     and the redemption or verification fails closed (HTTP 503) rather than forget which
//     tokens were spent.
//   - counters and leaky buckets (Incr, Leak): losing one is safe (a rate limit restarts),
//     so at the bound the oldest-expiring or an arbitrary one is evicted and the call
//     succeeds. A flood of client prefixes therefore cannot turn every verify into a 503.
//   - state (SetState): short-lived server-side values such as visual answers; at the bound
//     expired ones are dropped, then SetState fails with ErrStoreFull.
//   - sites: at the bound CreateSite fails with ErrStoreFull.
//
// Every insert costs O(log n) (an expiry heap per shard): there is no scan of the whole
// map. The store's epoch is the moment it was created: a restart forgets every spent key,
// so ConsumeOnce refuses anything issued before it (ErrBeforeEpoch) — see ReplayStore.
func NewMemoryStore(l MemoryOptions) Store {
	if l.Spent <= 0 {
		l.Spent = defaultMemoryEntries
	}
	if l.Counters <= 0 {
		l.Counters = l.Spent
	}
	if l.State <= 0 {
		l.State = max(l.Spent/4, 16)
	}
	if l.Sites <= 0 {
		l.Sites = 100_000
	}
	m := &memoryStore{now: time.Now, sites: map[string]SiteRecord{}, domains: map[string]string{}, maxSites: l.Sites}
	// Millisecond precision, like the issue times carried in ids (ids.go).
	m.epoch = time.UnixMilli(m.now().UnixMilli())
	m.spent = newExpiring(l.Spent, false)
	m.state = newExpiring(l.State, false)
	m.counters = newExpiring(l.Counters, true)
	return m
}

// Ping always succeeds.
func (m *memoryStore) Ping(context.Context) error { return nil }

// ConsumeOnce implements ReplayStore.
func (m *memoryStore) ConsumeOnce(ctx context.Context, key, value string, issued time.Time, ttl time.Duration) (bool, string, error) {
	if err := ctx.Err(); err != nil {
		return false, "", err
	}
	if !issued.IsZero() && issued.Before(m.epoch) {
		return false, "", ErrBeforeEpoch
	}
	if ttl <= 0 {
		ttl = time.Millisecond
	}
	now := m.now()
	m.spent.sweepIfFull(now)
	sh := m.spent.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if e, ok := sh.live(key, now); ok {
		return false, e.str, nil
	}
	if !sh.room(now) {
		return false, "", ErrStoreFull
	}
	sh.put(key, entry{str: value, exp: now.Add(ttl)})
	return true, value, nil
}

// Incr implements CounterStore.
func (m *memoryStore) Incr(ctx context.Context, key string, window time.Duration) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	now := m.now()
	sh := m.counters.shard("n:" + key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if e, ok := sh.live("n:"+key, now); ok {
		e.n++
		sh.put("n:"+key, e)
		return int64(e.n), nil
	}
	sh.room(now) // counters evict: room always succeeds
	sh.put("n:"+key, entry{n: 1, exp: now.Add(window)})
	return 1, nil
}

// Leak implements CounterStore.
func (m *memoryStore) Leak(ctx context.Context, key string, add, ratePerSec float64, ttl time.Duration) (float64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	now := m.now()
	k := "b:" + key
	sh := m.counters.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.live(k, now)
	if !ok {
		sh.room(now)
		e = entry{last: now}
	}
	e.n = leakLevel(e.n, now.Sub(e.last), ratePerSec) + add
	// Forgotten once unchanged for ttl (it has drained, or nearly, by then).
	e.last, e.exp = now, now.Add(ttl)
	sh.put(k, e)
	return e.n, nil
}

// leakLevel drains level by rate over elapsed.
func leakLevel(level float64, elapsed time.Duration, rate float64) float64 {
	return math.Max(0, level-elapsed.Seconds()*rate)
}

// SetState implements StateStore.
func (m *memoryStore) SetState(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := m.now()
	m.state.sweepIfFull(now)
	sh := m.state.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, ok := sh.live(key, now); !ok && !sh.room(now) {
		return ErrStoreFull
	}
	sh.put(key, entry{bytes: slices.Clone(value), exp: now.Add(ttl)})
	return nil
}

// GetState implements StateStore.
func (m *memoryStore) GetState(ctx context.Context, key string) ([]byte, error) {
	return m.readState(ctx, key, false)
}

// TakeState implements StateStore; the shard mutex makes get-and-delete atomic.
func (m *memoryStore) TakeState(ctx context.Context, key string) ([]byte, error) {
	return m.readState(ctx, key, true)
}

func (m *memoryStore) readState(ctx context.Context, key string, take bool) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sh := m.state.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.live(key, m.now())
	if !ok {
		return nil, ErrNotFound
	}
	if !take {
		return slices.Clone(e.bytes), nil
	}
	sh.del(key)
	return e.bytes, nil
}

// CreateSite implements SiteStore.
func (m *memoryStore) CreateSite(ctx context.Context, s SiteRecord) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.sites[s.SiteKey]; ok {
		return ErrExists
	}
	if _, ok := m.domains[s.Domain]; ok {
		return ErrExists
	}
	if len(m.sites) >= m.maxSites {
		return ErrStoreFull
	}
	m.sites[s.SiteKey] = cloneSite(s)
	m.domains[s.Domain] = s.SiteKey
	return nil
}

// GetSite implements SiteStore.
func (m *memoryStore) GetSite(ctx context.Context, siteKey string) (SiteRecord, error) {
	if err := ctx.Err(); err != nil {
		return SiteRecord{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sites[siteKey]
	if !ok {
		return SiteRecord{}, ErrNotFound
	}
	return cloneSite(s), nil
}

// GetSiteByDomain implements SiteStore.
func (m *memoryStore) GetSiteByDomain(ctx context.Context, domain string) (SiteRecord, error) {
	if err := ctx.Err(); err != nil {
		return SiteRecord{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.domains[domain]
	if !ok {
		return SiteRecord{}, ErrNotFound
	}
	return cloneSite(m.sites[k]), nil
}

// UpdateSite implements SiteStore.
func (m *memoryStore) UpdateSite(ctx context.Context, s SiteRecord, expectHash string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.sites[s.SiteKey]
	if !ok {
		return ErrNotFound
	}
	if subtle.ConstantTimeCompare([]byte(cur.SecretHash), []byte(expectHash)) != 1 {
		return ErrForbidden
	}
	s.Domain = cur.Domain
	m.sites[s.SiteKey] = cloneSite(s)
	return nil
}

// DeleteSite implements SiteStore.
func (m *memoryStore) DeleteSite(ctx context.Context, siteKey, secretHash string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.sites[siteKey]
	if !ok {
		return ErrNotFound
	}
	if subtle.ConstantTimeCompare([]byte(cur.SecretHash), []byte(secretHash)) != 1 {
		return ErrForbidden
	}
	delete(m.sites, siteKey)
	delete(m.domains, cur.Domain)
	return nil
}

// ListSites implements SiteStore.
func (m *memoryStore) ListSites(ctx context.Context) ([]SiteRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]SiteRecord, 0, len(m.sites))
	for _, s := range m.sites {
		out = append(out, cloneSite(s))
	}
	slices.SortFunc(out, func(a, b SiteRecord) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}

func cloneSite(s SiteRecord) SiteRecord {
	s.Origins = slices.Clone(s.Origins)
	s.SecretEnc = slices.Clone(s.SecretEnc)
	s.PrevSecretEnc = slices.Clone(s.PrevSecretEnc)
	return s
}

// expiring is a sharded map of expiring entries with one bound over all shards. Each
// shard keeps a min-heap of expiry times, so making room pops expired entries in O(log n)
// each instead of scanning the map.
type expiring struct {
	seed   maphash.Seed
	count  atomic.Int64 // entries in all shards
	max    int64
	evict  bool // at the bound, evict (counters) instead of refusing (spent keys, state)
	shards [memShards]memShard
}

const memShards = 32

type entry struct {
	exp   time.Time
	last  time.Time // leaky buckets: last update
	n     float64   // counters and bucket levels
	str   string    // spent keys: the stored value
	bytes []byte    // state values
}

type memShard struct {
	mu  sync.Mutex
	m   map[string]entry
	h   expHeap
	all *expiring
}

func newExpiring(limit int, evict bool) *expiring {
	e := &expiring{seed: maphash.MakeSeed(), max: int64(limit), evict: evict}
	for i := range e.shards {
		e.shards[i] = memShard{m: map[string]entry{}, all: e}
	}
	return e
}

// sweepIfFull drops expired entries in every shard when the store is at its bound, so a
// shard full of expired keys does not make another shard's insert fail. Called without
// any shard lock held.
func (e *expiring) sweepIfFull(now time.Time) {
	if e.count.Load() < e.max {
		return
	}
	for i := range e.shards {
		sh := &e.shards[i]
		sh.mu.Lock()
		sh.dropExpired(now)
		sh.mu.Unlock()
	}
}

func (e *expiring) shard(key string) *memShard {
	return &e.shards[maphash.String(e.seed, key)%memShards]
}

// live returns the entry for key if it has not expired.
func (s *memShard) live(key string, now time.Time) (entry, bool) {
	e, ok := s.m[key]
	if !ok || !now.Before(e.exp) {
		return entry{}, false
	}
	return e, true
}

// put stores e. A new key is scheduled in the heap; a key already present keeps its heap
// item, which reschedules itself when popped early (see room), so extending a counter or
// replacing a value pushes nothing.
func (s *memShard) put(key string, e entry) {
	if _, ok := s.m[key]; !ok {
		heap.Push(&s.h, expItem{key: key, exp: e.exp})
		s.all.count.Add(1)
	}
	s.m[key] = e
}

func (s *memShard) del(key string) {
	if _, ok := s.m[key]; ok {
		delete(s.m, key)
		s.all.count.Add(-1)
	}
}

// room drops this shard's expired entries and reports whether one more entry fits under
// the bound. Evicting stores always make room, dropping an arbitrary live entry of this
// shard when nothing has expired.
func (s *memShard) room(now time.Time) bool {
	s.dropExpired(now)
	if s.all.count.Load() < s.all.max {
		return true
	}
	if !s.all.evict {
		return false
	}
	for k := range s.m {
		s.del(k) // its heap item goes stale and is skipped when popped
		break
	}
	return true
}

func (s *memShard) dropExpired(now time.Time) {
	for len(s.h) > 0 && !now.Before(s.h[0].exp) {
		it := heap.Pop(&s.h).(expItem)
		e, ok := s.m[it.key]
		switch {
		case !ok:
		case !now.Before(e.exp):
			s.del(it.key)
		default:
			heap.Push(&s.h, expItem{key: it.key, exp: e.exp}) // extended since: reschedule
		}
	}
	// Items of evicted or taken entries stay until they pop; rebuild before they outgrow
	// the map (amortised: it takes as many inserts as the map holds to get here).
	if len(s.h) > 2*len(s.m)+64 {
		s.rebuild()
	}
}

func (s *memShard) rebuild() {
	s.h = s.h[:0]
	for k, e := range s.m {
		s.h = append(s.h, expItem{key: k, exp: e.exp})
	}
	heap.Init(&s.h)
}

type expItem struct {
	key string
	exp time.Time
}

type expHeap []expItem

func (h expHeap) Len() int           { return len(h) }
func (h expHeap) Less(i, j int) bool { return h[i].exp.Before(h[j].exp) }
func (h expHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expHeap) Push(x any)        { *h = append(*h, x.(expItem)) }
func (h *expHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}
