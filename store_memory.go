package astracaph

import (
	"context"
	"crypto/subtle"
	"math"
	"slices"
	"sync"
	"time"

	gocache "github.com/patrickmn/go-cache"
)

// MemoryStore is the default in-process Store. It is bounded: at most MaxEntries
// single-use keys and counters, and as many leaky buckets. At the bound it first drops
// expired entries; if the store is still full, ConsumeOnce, Incr and Leak return
// ErrStoreFull, so a flood makes new redemptions fail closed (HTTP 503) instead of
// growing memory without limit or forgetting which tokens were spent.
type MemoryStore struct {
	max     int
	keys    *gocache.Cache // consume-once keys and counters
	mu      sync.Mutex     // guards buckets and sites
	buckets map[string]*memBucket
	sites   map[string]SiteRecord
	domains map[string]string
	now     func() time.Time
}

type memBucket struct {
	level float64
	last  time.Time
	ttl   time.Duration
}

// DefaultMemoryEntries is the default bound of a MemoryStore (≈150 MB at the bound).
const DefaultMemoryEntries = 1_000_000

// NewMemoryStore returns a MemoryStore bounded to maxEntries (0 = DefaultMemoryEntries).
func NewMemoryStore(maxEntries int) *MemoryStore {
	if maxEntries <= 0 {
		maxEntries = DefaultMemoryEntries
	}
	return &MemoryStore{
		max:     maxEntries,
		keys:    gocache.New(gocache.NoExpiration, time.Minute),
		buckets: map[string]*memBucket{},
		sites:   map[string]SiteRecord{},
		domains: map[string]string{},
		now:     time.Now,
	}
}

// Ping always succeeds.
func (m *MemoryStore) Ping(context.Context) error { return nil }

func (m *MemoryStore) roomForKey() bool {
	if m.keys.ItemCount() < m.max {
		return true
	}
	m.keys.DeleteExpired()
	return m.keys.ItemCount() < m.max
}

// ConsumeOnce implements ReplayStore with go-cache's atomic Add.
func (m *MemoryStore) ConsumeOnce(ctx context.Context, key, value string, ttl time.Duration) (bool, string, error) {
	if err := ctx.Err(); err != nil {
		return false, "", err
	}
	if ttl <= 0 {
		ttl = time.Millisecond
	}
	if !m.roomForKey() {
		if v, ok := m.keys.Get("c:" + key); ok {
			return false, v.(string), nil
		}
		return false, "", ErrStoreFull
	}
	if err := m.keys.Add("c:"+key, value, ttl); err == nil {
		return true, value, nil
	}
	if v, ok := m.keys.Get("c:" + key); ok {
		return false, v.(string), nil
	}
	// Expired between Add and Get: the key is free again, try once more.
	if err := m.keys.Add("c:"+key, value, ttl); err == nil {
		return true, value, nil
	}
	return false, "", nil
}

// Incr implements CounterStore.
func (m *MemoryStore) Incr(ctx context.Context, key string, window time.Duration) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	for range 3 {
		if n, err := m.keys.IncrementInt64("n:"+key, 1); err == nil {
			return n, nil
		}
		if !m.roomForKey() {
			return 0, ErrStoreFull
		}
		if err := m.keys.Add("n:"+key, int64(1), window); err == nil {
			return 1, nil
		}
	}
	return 0, ErrStore
}

// Leak implements CounterStore.
func (m *MemoryStore) Leak(ctx context.Context, key string, add, ratePerSec float64, ttl time.Duration) (float64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.buckets[key]
	if b == nil {
		if len(m.buckets) >= m.max {
			for k, v := range m.buckets {
				if now.Sub(v.last) > v.ttl {
					delete(m.buckets, k)
				}
			}
			if len(m.buckets) >= m.max {
				return 0, ErrStoreFull
			}
		}
		b = &memBucket{last: now}
		m.buckets[key] = b
	}
	b.level = leakLevel(b.level, now.Sub(b.last), ratePerSec) + add
	b.last, b.ttl = now, ttl
	return b.level, nil
}

// leakLevel drains level by rate over elapsed.
func leakLevel(level float64, elapsed time.Duration, rate float64) float64 {
	return math.Max(0, level-elapsed.Seconds()*rate)
}

// CreateSite implements SiteStore.
func (m *MemoryStore) CreateSite(ctx context.Context, s SiteRecord) error {
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
	m.sites[s.SiteKey] = cloneSite(s)
	m.domains[s.Domain] = s.SiteKey
	return nil
}

// GetSite implements SiteStore.
func (m *MemoryStore) GetSite(ctx context.Context, siteKey string) (SiteRecord, error) {
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
func (m *MemoryStore) GetSiteByDomain(ctx context.Context, domain string) (SiteRecord, error) {
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
func (m *MemoryStore) UpdateSite(ctx context.Context, s SiteRecord, expectHash string) error {
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
		return ErrSecretInvalid
	}
	s.Domain = cur.Domain
	m.sites[s.SiteKey] = cloneSite(s)
	return nil
}

// DeleteSite implements SiteStore.
func (m *MemoryStore) DeleteSite(ctx context.Context, siteKey, secretHash string) error {
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
		return ErrSecretInvalid
	}
	delete(m.sites, siteKey)
	delete(m.domains, cur.Domain)
	return nil
}

// ListSites implements SiteStore.
func (m *MemoryStore) ListSites(ctx context.Context) ([]SiteRecord, error) {
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

// SetState implements StateStore.
func (m *MemoryStore) SetState(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !m.roomForKey() {
		return ErrStoreFull
	}
	m.keys.Set("s:"+key, slices.Clone(value), ttl)
	return nil
}

// GetState implements StateStore.
func (m *MemoryStore) GetState(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	v, ok := m.keys.Get("s:" + key)
	if !ok {
		return nil, ErrNotFound
	}
	return slices.Clone(v.([]byte)), nil
}

// TakeState implements StateStore; the shard mutex makes get-and-delete atomic.
func (m *MemoryStore) TakeState(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.keys.Get("s:" + key)
	if !ok {
		return nil, ErrNotFound
	}
	m.keys.Delete("s:" + key)
	return v.([]byte), nil
}
