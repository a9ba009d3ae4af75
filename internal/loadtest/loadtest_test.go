package loadtest

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/server"
	"github.com/stretchr/testify/require"
)

func TestSummarize(t *testing.T) {
	var s []time.Duration
	for i := 100; i >= 1; i-- {
		s = append(s, time.Duration(i)*time.Millisecond)
	}
	l := summarize(s)
	require.Equal(t, Latency{P50: 50, P90: 90, P99: 99, Max: 100}, l)
	require.Equal(t, Latency{}, summarize(nil))
}

func TestClassifyFailure(t *testing.T) {
	require.Equal(t, "verify 200 timeout-or-duplicate", classifyFailure("verify", 200, []byte(`{"success":false,"error-codes":["timeout-or-duplicate"]}`)))
	require.Equal(t, "redeem 429 rate-limited", classifyFailure("redeem", 429, []byte(`{"success":false,"error":"rate-limited"}`)))
	require.Equal(t, "redeem 200 step-visual", classifyFailure("redeem", 200, []byte(`{"success":false,"step":"visual"}`)))
	require.Equal(t, "challenge 502", classifyFailure("challenge", 502, []byte(`<html>bad gateway`)))
	require.Equal(t, "verify 500", classifyFailure("verify", 500, []byte(`{"error":"has spaces in it"}`)))
}

// FuzzClassifyFailure: the report key of any server answer is bounded and single-line.
func FuzzClassifyFailure(f *testing.F) {
	f.Add(200, []byte(`{"error-codes":["x"]}`))
	f.Add(403, []byte(`{"error":"denied","step":"visual"}`))
	f.Add(500, []byte(`{"error-codes":[]}`))
	f.Add(429, []byte("\xff"))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		k := classifyFailure("verify", status, body)
		require.True(t, strings.HasPrefix(k, "verify "), "bad key %q", k)
		require.LessOrEqual(t, len(k), 7+20+1+40, "bad key %q", k)
		require.False(t, strings.ContainsAny(k, "\n\t"), "bad key %q", k)
	})
}

func TestParseTarget(t *testing.T) {
	u, err := ParseTarget("http://127.0.0.1:8080/")
	require.NoError(t, err)
	require.Equal(t, "http://127.0.0.1:8080", u.String(), "no trailing slash: step paths are appended")
	for _, bad := range []string{"ftp://x", "not a url", "http://", "127.0.0.1:8080"} {
		_, err := ParseTarget(bad)
		require.Error(t, err, bad)
	}
}

func TestConfigValidate(t *testing.T) {
	target, err := ParseTarget("http://127.0.0.1:8080")
	require.NoError(t, err)
	good := Options{Targets: []*url.URL{target}, Mode: "verify", Concurrency: 4, N: 10, Origin: "https://load.example"}
	require.NoError(t, good.Validate())
	for name, edit := range map[string]func(*Options){
		"no target":       func(c *Options) { c.Targets = nil },
		"bad target":      func(c *Options) { c.Targets = []*url.URL{{Scheme: "ftp", Host: "x"}} },
		"bad mode":        func(c *Options) { c.Mode = "bogus" },
		"no workers":      func(c *Options) { c.Concurrency = 0 },
		"too many":        func(c *Options) { c.Concurrency = 5000 },
		"negative budget": func(c *Options) { c.N = -1 },
		"endless":         func(c *Options) { c.N, c.Duration = 0, 0 },
		"bad origin":      func(c *Options) { c.Origin = "nope" },
	} {
		c := good
		edit(&c)
		require.Error(t, c.Validate(), name)
		_, err := Run(context.Background(), c)
		require.Error(t, err, "Run validates too: %s", name)
	}
}

// Run as a library: a challenge run against one server counts every request, with no
// errors, and reports its latency.
func TestRunChallenges(t *testing.T) {
	engine, err := astracaph.New(astracaph.WithSecret([]byte("load-test-master-secret")))
	require.NoError(t, err)
	srv := httptest.NewServer(server.New(engine, server.WithLimits(server.Limits{})))
	defer srv.Close()
	target, err := ParseTarget(srv.URL)
	require.NoError(t, err)
	rep, err := Run(context.Background(), Options{Targets: []*url.URL{target}, Mode: "challenge", Concurrency: 2, N: 20,
		Origin: "https://load.example", Timeout: 10 * time.Second})
	require.NoError(t, err)
	require.EqualValues(t, 20, rep.Requests)
	require.Zero(t, rep.ErrorTotal, rep.Errors)
	require.Equal(t, srv.URL, rep.URL)
	require.Positive(t, rep.Latency.Max)
	require.LessOrEqual(t, rep.Latency.P50, rep.Latency.Max)
}
