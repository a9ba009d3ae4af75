package spam

// The optional email.NO_MX check: a domain with no MX record and no address record (or a
// null MX, RFC 7505) cannot receive mail. Only definite answers count; timeouts and server
// failures add nothing, and only definite answers are cached.

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"
)

// Resolver is the part of *net.Resolver the MX check uses; tests inject a fake.
type Resolver interface {
	LookupMX(ctx context.Context, name string) ([]*net.MX, error)
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
}

type mxEntry struct {
	noMail  bool
	expires time.Time
}

type mxChecker struct {
	res     Resolver
	timeout time.Duration
	ttl     time.Duration
	max     int
	now     func() time.Time

	mu    sync.Mutex
	cache map[string]mxEntry
}

func newMXChecker(res Resolver, timeout, ttl time.Duration, size int) *mxChecker {
	if res == nil {
		res = net.DefaultResolver
	}
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	if ttl <= 0 {
		ttl = time.Hour
	}
	if size <= 0 {
		size = 10000
	}
	return &mxChecker{res: res, timeout: timeout, ttl: ttl, max: size, now: time.Now,
		cache: make(map[string]mxEntry)}
}

// noMail reports whether domain definitely cannot receive mail.
func (c *mxChecker) noMail(ctx context.Context, domain string, log *slog.Logger) bool {
	now := c.now()
	c.mu.Lock()
	e, ok := c.cache[domain]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.noMail
	}
	noMail, definite := c.lookup(ctx, domain)
	if !definite {
		log.DebugContext(ctx, "astracaph: spam: MX lookup inconclusive", "domain", domain)
		return false
	}
	c.store(domain, mxEntry{noMail: noMail, expires: now.Add(c.ttl)}, now)
	return noMail
}

func (c *mxChecker) lookup(ctx context.Context, domain string) (noMail, definite bool) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	mx, err := c.res.LookupMX(ctx, domain)
	switch {
	case err == nil && len(mx) == 1 && (mx[0].Host == "." || mx[0].Host == ""):
		return true, true // null MX: "this domain accepts no mail"
	case err == nil && len(mx) > 0:
		return false, true
	case err != nil && !notFound(err):
		return false, false
	}
	// No MX: mail falls back to the A/AAAA records (RFC 5321 §5.1).
	addrs, err := c.res.LookupIPAddr(ctx, domain)
	switch {
	case err == nil && len(addrs) > 0:
		return false, true
	case err == nil || notFound(err):
		return true, true
	default:
		return false, false
	}
}

func notFound(err error) bool {
	var de *net.DNSError
	return errors.As(err, &de) && de.IsNotFound
}

// store inserts an entry, keeping the cache bounded: expired entries go first, then arbitrary
// ones (map order, an eighth of the cache at once so the scan is amortised), which is good
// enough for a cache of DNS answers.
func (c *mxChecker) store(domain string, e mxEntry, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.cache[domain]; !ok && len(c.cache) >= c.max {
		for k, v := range c.cache {
			if !now.Before(v.expires) {
				delete(c.cache, k)
			}
		}
		for k := range c.cache {
			if len(c.cache) < c.max-c.max/8 {
				break
			}
			delete(c.cache, k)
		}
	}
	c.cache[domain] = e
}
