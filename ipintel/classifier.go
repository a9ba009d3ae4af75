package ipintel

import (
	"context"
	"log/slog"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Classifier answers Classify from an immutable snapshot of all sources. It is safe for
// concurrent use; Reload and Watch replace the snapshot atomically.
type Classifier struct {
	cfg   Options
	log   *slog.Logger
	snap  atomic.Pointer[snapshot]
	guard *GuardedProvider // nil when offline only

	reloadMu sync.Mutex  // serialises reloads; never taken by lookups
	tried    []fileStamp // file versions of the last reload attempt (under reloadMu)
}

// New loads every source of cfg and returns a ready Classifier, or the first load error.
func New(ctx context.Context, cfg Options) (*Classifier, error) {
	c := &Classifier{cfg: cfg, log: cfg.Logger}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if cfg.Provider != nil {
		c.guard = Guard(cfg.Provider, cfg.ProviderOptions)
	}
	if err := c.Reload(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Classify returns the offline classification of addr (IPv4-mapped IPv6 is unmapped). It
// takes no lock and does not allocate on the list path.
func (c *Classifier) Classify(addr netip.Addr) Info {
	s := c.snap.Load()
	if s == nil || !addr.IsValid() {
		return Info{Class: ClassUnknown} // zero Classifier (not from New) or zero Addr
	}
	return s.classify(addr.Unmap().WithZone(""))
}

// Lookup is Classify plus the optional online Provider: the stronger class wins and the
// provider's sources are appended. Without a provider it equals Classify. A provider error
// (including ErrCircuitOpen) is returned along with the offline answer, which stays usable.
func (c *Classifier) Lookup(ctx context.Context, addr netip.Addr) (Info, error) {
	off := c.Classify(addr)
	if c.guard == nil || !addr.IsValid() {
		return off, nil
	}
	on, err := c.guard.Lookup(ctx, addr.Unmap().WithZone(""))
	if err != nil {
		return off, err
	}
	return merge(off, on), nil
}

func merge(off, on Info) Info {
	out := off
	if on.Class.Rank() > off.Class.Rank() {
		out.Class = on.Class
	}
	if out.ASN == 0 {
		out.ASN, out.Org = on.ASN, on.Org
	}
	if len(on.Sources) > 0 {
		out.Sources = append(slices.Clip(off.Sources), on.Sources...)
	}
	return out
}

// Stats reports how each source of the current snapshot loaded.
func (c *Classifier) Stats() []SourceStat {
	if s := c.snap.Load(); s != nil {
		return slices.Clone(s.stats)
	}
	return nil
}

// Reload rebuilds the snapshot from all sources and swaps it in. On error the previous
// snapshot stays in service and the error is logged and returned.
func (c *Classifier) Reload(ctx context.Context) error {
	c.reloadMu.Lock()
	defer c.reloadMu.Unlock()
	return c.reloadLocked(ctx)
}

func (c *Classifier) reloadLocked(ctx context.Context) error {
	start := time.Now()
	s, err := build(ctx, c.cfg, c.log)
	if err != nil {
		c.tried = c.currentStamps()
		c.log.Error("ipintel: reload failed, keeping previous lists", "err", err)
		return err
	}
	c.snap.Store(s)
	c.tried = s.stamps
	c.log.Info("ipintel: lists loaded", "prefixes", s.prefixes.Size(), "asns", len(s.asnMask),
		"asn_databases", len(s.dbs), "took", time.Since(start))
	return nil
}

func (c *Classifier) currentStamps() []fileStamp {
	var out []fileStamp
	for _, src := range c.cfg.Sources {
		if src.Path != "" {
			out = append(out, stampFile(src.Path))
		}
	}
	return out
}

// Watch checks the size and mtime of every file source each interval and reloads when one
// changed (or appeared, or vanished) since the last attempt, so a broken file is retried only
// once it changes again. It blocks until ctx is done and returns ctx.Err(). URL sources are
// refreshed only by an explicit Reload.
func (c *Classifier) Watch(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		c.reloadMu.Lock()
		if changed(c.tried, c.currentStamps()) {
			_ = c.reloadLocked(ctx) // logged; the old snapshot keeps serving
		}
		c.reloadMu.Unlock()
	}
}

func changed(old, cur []fileStamp) bool {
	return !slices.EqualFunc(old, cur, func(a, b fileStamp) bool {
		return a.path == b.path && a.exists == b.exists && a.size == b.size && a.modTime.Equal(b.modTime)
	})
}
