package astracaph

import (
	"context"
	"errors"
	"math"
	"net/netip"
	"time"
)

// Recent failures per client prefix (signal V2): redemptions that failed verification or were
// denied, and wrong answers to visual steps. They drain from a leaky bucket, one every
// failureDrain, so a person who mistyped a code twice is forgiven within minutes while a
// script retrying in a loop keeps a full bucket. Counting is on only with the risk engine.

const (
	failureDrain = 5 * time.Minute
	failureTTL   = time.Hour
)

func failureKey(a netip.Addr) string { return "fail:" + ClientPrefix(a) }

// recordFailure counts one failure for the client's prefix. Store errors are logged and
// otherwise ignored: a failure count is advice, and the request has already failed.
func (c *Captcha) recordFailure(ctx context.Context, ip netip.Addr) {
	if !c.countFailures || !ip.IsValid() {
		return
	}
	if _, err := c.store.Leak(ctx, failureKey(ip), 1, 1/failureDrain.Seconds(), failureTTL); err != nil {
		c.log.WarnContext(ctx, "astracaph: recording a failure", "err", err)
	}
}

// recentFailures returns how many failures of the client's prefix have not drained yet.
func (c *Captcha) recentFailures(ctx context.Context, ip netip.Addr) (int, error) {
	if !ip.IsValid() {
		return 0, nil
	}
	lvl, err := c.store.Leak(ctx, failureKey(ip), 0, 1/failureDrain.Seconds(), failureTTL)
	if err != nil {
		return 0, err
	}
	return int(math.Ceil(lvl - 1e-9)), nil
}

// redeemFailed counts a redemption that the client got wrong (not an infrastructure error).
func (c *Captcha) redeemFailed(ctx context.Context, ip netip.Addr, err error) {
	for _, e := range []error{ErrInvalidSolution, ErrChallengeExpired, ErrChallengeUsed, ErrMalformedPayload,
		ErrSiteMismatch, ErrOriginNotAllowed, ErrUnknownAlgorithm, ErrTestPayload} {
		if errors.Is(err, e) {
			c.recordFailure(ctx, ip)
			return
		}
	}
}
