package spam

// text.DUPLICATE: the same normalised text submitted many times in a short window, across all
// submitters, is a campaign. Counting happens in a shared store so it works across servers.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Counter counts events per key in a sliding or fixed window and returns the count
// including this one. The lead's store (memory or Redis) satisfies it.
type Counter interface {
	Incr(ctx context.Context, key string, window time.Duration) (int64, error)
}

// dupMinChars: texts shorter than this ("thanks", "hello") repeat innocently.
const dupMinChars = 20

// DuplicateKey is the store key for a text: "spam:dup:" + hex SHA-256 (first 16 bytes) of
// its words, lower-cased and joined by single spaces, so case, punctuation and spacing
// changes do not dodge the count. It returns "" for texts too short to count.
func DuplicateKey(text string) string {
	a := analyze(text)
	return dupKey(&a)
}

func dupKey(a *analysis) string {
	n := 0
	for _, w := range a.words {
		n += len(w) + 1
	}
	if n-1 < dupMinChars {
		return ""
	}
	// a.buf is pooled with the analysis, so the normalised text costs no allocation.
	b := a.buf[:0]
	for i, w := range a.words {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, w...)
	}
	a.buf = b
	sum := sha256.Sum256(b)
	return "spam:dup:" + hex.EncodeToString(sum[:16])
}

func (f *Filter) checkDuplicate(ctx context.Context, s *tally, a *analysis) {
	if f.counter == nil {
		return
	}
	key := dupKey(a)
	if key == "" {
		return
	}
	n, err := f.counter.Incr(ctx, key, f.dupWindow)
	if err != nil {
		// A store outage must not block form submissions: skip this signal only.
		f.log.WarnContext(ctx, "astracaph: spam: duplicate counter failed", "err", err)
		return
	}
	if n >= f.dupMin {
		s.add(ReasonDuplicate, ptsDuplicate)
	}
}
