package astracaph

import (
	"context"
	"time"
)

// Store is everything the engine keeps between requests. One value is shared by every
// server that must agree: with the memory store that is one process, with redisstore it
// is every process pointing at the same Redis.
//
// Every method takes a context and returns an error for infrastructure failures; the
// engine fails closed on them (a token is never accepted when its consumption could not
// be recorded). Implementations must pass storetest.Run.
type Store interface {
	ReplayStore
	SiteStore
	CounterStore
	StateStore
	// Ping reports whether the store is reachable (health checks).
	Ping(ctx context.Context) error
}

// ReplayStore records single-use identifiers (challenge ids, token ids).
//
// A store that loses data (a restarted memory store, Redis restarted without persistence,
// FLUSHALL, evicted keys) would forget which items were spent and let them be used again.
// So every store has an epoch: the moment from which it is sure to remember every spent
// key. ConsumeOnce is told when the item was issued and refuses anything issued before the
// epoch with ErrBeforeEpoch — in the same atomic step as the consumption, so no window
// opens between a data loss and its detection.
type ReplayStore interface {
	// ConsumeOnce atomically records key with value for ttl if it is absent. It returns
	// first=true when this call recorded it; otherwise first=false and the value stored by
	// the call that did (so an idempotent retry carrying the same value can be told from a
	// replay). Exactly one of any number of concurrent calls for a key gets first=true.
	// When issued is not zero and lies before the store's epoch, it returns
	// ErrBeforeEpoch and records nothing; a zero issued skips that check (for records whose
	// loss is harmless).
	ConsumeOnce(ctx context.Context, key, value string, issued time.Time, ttl time.Duration) (first bool, stored string, err error)
}

// EpochStarter is implemented by stores whose epoch starts on first use (Redis: a fresh
// server and a flushed one look the same). The engine calls InitEpoch once before it
// issues its first challenge, so the first redemptions of a fresh deployment are not
// refused as issued before the epoch. Stores that know their epoch from the start (the
// memory store) need not implement it.
type EpochStarter interface {
	InitEpoch(ctx context.Context) (time.Time, error)
}

// CounterStore holds rate and velocity buckets.
type CounterStore interface {
	// Incr adds one to the fixed-window counter key and returns the new count; the window
	// starts with the first increment and lasts window.
	Incr(ctx context.Context, key string, window time.Duration) (int64, error)
	// Leak adds add to a leaky bucket that drains at ratePerSec and returns the level after
	// adding. The bucket is forgotten once empty for ttl.
	Leak(ctx context.Context, key string, add, ratePerSec float64, ttl time.Duration) (float64, error)
}

// SiteRecord is a registered site as stored. Secrets are never stored in plain text:
// SecretEnc is AES-GCM ciphertext under a key derived from the master secret, and
// SecretHash is an HMAC verifier used for constant-time comparisons (see sites.go).
type SiteRecord struct {
	SiteKey    string    `json:"siteKey"`
	Domain     string    `json:"domain"`
	Name       string    `json:"name"`
	Origins    []string  `json:"origins,omitempty"`
	CreatedAt  time.Time `json:"createdAt"`
	SecretEnc  []byte    `json:"secretEnc"`
	SecretHash string    `json:"secretHash"`
	// The previous secret keeps verifying until PrevUntil (rotation overlap).
	PrevSecretEnc  []byte    `json:"prevSecretEnc,omitempty"`
	PrevSecretHash string    `json:"prevSecretHash,omitempty"`
	PrevUntil      time.Time `json:"prevUntil,omitempty"`
	PoWVersion     int       `json:"powVersion,omitempty"` // 1 serves legacy PoW v1 challenges
	// AllowALTCHAWidget accepts the official ALTCHA widget (no telemetry) for this site.
	AllowALTCHAWidget bool `json:"allowAltchaWidget,omitempty"`
}

// SiteStore persists sites, indexed by site key and by domain.
type SiteStore interface {
	// CreateSite stores a new site; ErrExists when the site key or the domain is taken.
	CreateSite(ctx context.Context, s SiteRecord) error
	// GetSite returns the site with siteKey, or ErrNotFound.
	GetSite(ctx context.Context, siteKey string) (SiteRecord, error)
	// GetSiteByDomain returns the site registered for domain, or ErrNotFound.
	GetSiteByDomain(ctx context.Context, domain string) (SiteRecord, error)
	// UpdateSite replaces an existing site whose SecretHash is still expectHash (optimistic
	// concurrency for rotation); ErrNotFound or ErrForbidden otherwise. The domain
	// cannot change.
	UpdateSite(ctx context.Context, s SiteRecord, expectHash string) error
	// DeleteSite removes the site only when secretHash equals its current SecretHash;
	// ErrNotFound or ErrForbidden otherwise.
	DeleteSite(ctx context.Context, siteKey, secretHash string) error
	// ListSites returns every site (operators' tooling).
	ListSites(ctx context.Context) ([]SiteRecord, error)
}

// StateStore keeps small short-lived server-side values, such as the answer of a visual
// challenge, which must never travel to the client.
type StateStore interface {
	// SetState stores value under key for ttl, replacing any previous value.
	SetState(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// GetState returns the value, or ErrNotFound when absent or expired.
	GetState(ctx context.Context, key string) ([]byte, error)
	// TakeState atomically returns and deletes the value (GETDEL), or ErrNotFound: of any
	// number of concurrent calls for one key, exactly one gets the value.
	TakeState(ctx context.Context, key string) ([]byte, error)
}
