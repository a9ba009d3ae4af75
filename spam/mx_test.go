package spam

import (
	"context"
	"errors"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeResolver answers from maps; names in neither map are NXDOMAIN, names in fail time out.
type fakeResolver struct {
	mx    map[string][]string
	addrs map[string][]string
	fail  map[string]bool

	mu    sync.Mutex
	calls int
}

func (r *fakeResolver) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	r.mu.Lock()
	r.calls++
	r.mu.Unlock()
	if r.fail[name] {
		<-ctx.Done() // behave like a resolver that never answers
		return nil, &net.DNSError{Err: "i/o timeout", Name: name, IsTimeout: true}
	}
	hosts, ok := r.mx[name]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
	}
	out := make([]*net.MX, len(hosts))
	for i, h := range hosts {
		out[i] = &net.MX{Host: h, Pref: 10}
	}
	return out, nil
}

func (r *fakeResolver) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	ips, ok := r.addrs[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	out := make([]net.IPAddr, len(ips))
	for i, ip := range ips {
		out[i] = net.IPAddr{IP: net.ParseIP(ip)}
	}
	return out, nil
}

func TestSpamNoMX(t *testing.T) {
	res := &fakeResolver{
		mx:    map[string][]string{"good.example": {"mx1.good.example."}, "nullmx.example": {"."}},
		addrs: map[string][]string{"aonly.example": {"192.0.2.1"}},
		fail:  map[string]bool{"slow.example": true},
	}
	f := testFilter(t, WithMXLookup(res), WithMXLimits(20*time.Millisecond, 0, 0))
	cases := map[string]bool{
		"good.example":    false, // has MX
		"aonly.example":   false, // no MX, falls back to A (RFC 5321)
		"nullmx.example":  true,  // RFC 7505 null MX
		"missing.example": true,  // NXDOMAIN
		"slow.example":    false, // timeout: inconclusive, no points
	}
	for domain, want := range cases {
		r := f.Classify(context.Background(), Input{Email: "someone@" + domain})
		assert.Equal(t, want, slices.Contains(r.Reasons, ReasonEmailNoMX), "%s: NO_MX (%+v)", domain, r)
	}
	// Off by default: no lookups at all.
	off := testFilter(t, WithMXLimits(20*time.Millisecond, 0, 0))
	before := res.calls
	r := off.Classify(context.Background(), Input{Email: "x@missing.example"})
	assert.NotContains(t, r.Reasons, ReasonEmailNoMX, "MX lookup ran while disabled")
	assert.Equal(t, before, res.calls, "MX lookup ran while disabled")
}

func TestSpamMXCache(t *testing.T) {
	res := &fakeResolver{mx: map[string][]string{"a.example": {"mx.a.example."}}, fail: map[string]bool{"slow.example": true}}
	c := newMXChecker(res, 10*time.Millisecond, time.Minute, 3)
	now := time.Unix(1_700_000_000, 0)
	c.now = func() time.Time { return now }
	ctx := context.Background()
	log := testFilter(t).log

	c.noMail(ctx, "a.example", log)
	c.noMail(ctx, "a.example", log)
	require.Equal(t, 1, res.calls, "cached answer looked up again")
	now = now.Add(2 * time.Minute) // past the TTL
	c.noMail(ctx, "a.example", log)
	require.Equal(t, 2, res.calls, "expired entry not refreshed")
	// Inconclusive answers are not cached.
	c.noMail(ctx, "slow.example", log)
	c.noMail(ctx, "slow.example", log)
	require.Equal(t, 4, res.calls, "timeout was cached")
	// The cache stays bounded.
	for _, d := range []string{"b.example", "c.example", "d.example", "e.example", "f.example"} {
		c.noMail(ctx, d, log)
		require.LessOrEqual(t, len(c.cache), 3, "cache entries, bound is 3")
	}
}

func TestSpamNotFound(t *testing.T) {
	require.False(t, notFound(errors.New("x")), "notFound misclassifies errors")
	require.True(t, notFound(&net.DNSError{IsNotFound: true}), "notFound misclassifies errors")
}

func TestSpamNoMXSkipsFreeMail(t *testing.T) {
	res := &fakeResolver{}
	f := testFilter(t, WithMXLookup(res))
	r := f.Classify(context.Background(), Input{Email: "someone@gmail.com"})
	assert.Zero(t, res.calls, "free-mail domain looked up")
	assert.NotContains(t, r.Reasons, ReasonEmailNoMX, "free-mail domain looked up")
}
