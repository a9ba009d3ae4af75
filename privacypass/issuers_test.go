package privacypass

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseIssuerList(t *testing.T) {
	got, err := ParseIssuerList(" Demo-Pat.Issuer.Cloudflare.com , ,issuer.internal.example=/etc/astracaph/issuer.json,")
	require.NoError(t, err)
	assert.Equal(t, []IssuerConfig{
		{Name: "demo-pat.issuer.cloudflare.com"},
		{Name: "issuer.internal.example", StaticFile: "/etc/astracaph/issuer.json"},
	}, got)

	got, err = ParseIssuerList("")
	require.NoError(t, err)
	assert.Empty(t, got)

	for _, bad := range []string{"https://issuer.example", "a.example,A.example", "a.example=", "iss uer.example", "a/b"} {
		_, err := ParseIssuerList(bad)
		assert.ErrorIs(t, err, ErrConfig, bad)
	}
}

func TestIssuersFetchDirectoryAndIssueChallenges(t *testing.T) {
	f := newFixture(t, []string{issuerA, issuerB}, []int{0, 1})
	assert.Equal(t, []string{issuerA, issuerB}, f.is.Names())

	cs, err := f.is.Challenges(nil, 2*time.Minute, "Captcha.Site.Example")
	require.NoError(t, err)
	require.Len(t, cs, 2)
	assert.Equal(t, newTestKey(t, 0).raw, cs[0].Header.TokenKey, "each challenge advertises its issuer's key")
	assert.Equal(t, newTestKey(t, 1).raw, cs[1].Header.TokenKey)
	assert.Equal(t, cs[0].TokenChallenge.RedemptionContext, cs[1].TokenChallenge.RedemptionContext)
	assert.Equal(t, []string{"captcha.site.example"}, cs[0].TokenChallenge.OriginInfo)

	// The header a browser receives parses back to the same challenges.
	parsed, err := ParseWWWAuthenticate(HeaderValue(cs))
	require.NoError(t, err)
	require.Len(t, parsed, 2)
	assert.Equal(t, cs[0].Header, parsed[0])
	assert.Equal(t, cs[1].Header, parsed[1])

	for _, s := range f.is.Status() {
		assert.Equal(t, 1, s.Keys, s.Name)
		assert.Equal(t, f.clock.Now(), s.FetchedAt)
		assert.Empty(t, s.LastError)
	}
}

func TestIssuersWithoutKeysIssueNoChallenge(t *testing.T) {
	srv := newIssuerServer(t)
	srv.fail(issuerA, http.StatusServiceUnavailable)
	is, err := NewIssuers([]IssuerConfig{{Name: issuerA}}, WithHTTPClient(srv.client()))
	require.NoError(t, err)
	assert.False(t, is.Ready(), "nothing fetched yet")
	require.ErrorIs(t, is.Refresh(context.Background()), ErrDirectory)
	assert.False(t, is.Ready())
	_, err = is.Challenges(nil, time.Minute, originA)
	assert.ErrorIs(t, err, ErrNoIssuerKey, "the caller falls back to the proof of work")

	srv.set(issuerA, directoryJSON(t, newTestKey(t, 0).entry(0)))
	require.NoError(t, is.Refresh(context.Background()))
	assert.True(t, is.Ready())
}

// A directory refresh that fails (server error, garbage, no usable key, oversized body)
// keeps serving the last good keys, and says so in the log and the status.
func TestIssuersRefreshFailureKeepsLastGoodKeys(t *testing.T) {
	f := newFixture(t, []string{issuerA}, []int{0}, WithMaxDirectorySize(4096))
	c := f.challenge(t, issuerA, originA)
	good := directoryJSON(t, newTestKey(t, 0).entry(0))

	failures := map[string]func(){
		"HTTP 503":       func() { f.srv.fail(issuerA, http.StatusServiceUnavailable) },
		"not JSON":       func() { f.srv.set(issuerA, []byte("<html>maintenance</html>")) },
		"no usable key":  func() { f.srv.set(issuerA, directoryJSON(t, DirectoryKey{TokenType: 2, TokenKey: "AAAA"})) },
		"only type 1":    func() { f.srv.set(issuerA, directoryJSON(t, DirectoryKey{TokenType: 1, TokenKey: "AAAA"})) },
		"oversized body": func() { f.srv.set(issuerA, append(good, []byte(strings.Repeat(" ", 5000))...)) },
	}
	n := 0
	for name, breakIt := range failures {
		t.Run(name, func(t *testing.T) {
			breakIt()
			err := f.is.Refresh(context.Background())
			require.ErrorIs(t, err, ErrDirectory)
			n++
			st := f.is.Status()[0]
			assert.Equal(t, 1, st.Keys, "the last good key is kept")
			assert.Equal(t, n, st.Failures)
			assert.NotEmpty(t, st.LastError)
			assert.Equal(t, f.clock.Now().Add(5*time.Minute), st.NextRefresh, "retried after the minimum interval")

			tok := mint(t, c.Header, newTestKey(t, 0).sk)
			_, err = f.is.Verify(tok, c.TokenChallenge)
			assert.NoError(t, err, "tokens under the kept key still verify")
			_, err = f.is.Challenges(nil, time.Minute, originA)
			assert.NoError(t, err, "challenges are still issued")
		})
	}
	assert.Contains(t, f.logs.String(), "keeping the last good keys")
	assert.Contains(t, f.logs.String(), "issuer="+issuerA)

	f.srv.set(issuerA, good)
	require.NoError(t, f.is.Refresh(context.Background()))
	st := f.is.Status()[0]
	assert.Zero(t, st.Failures)
	assert.Empty(t, st.LastError)
}

func TestIssuersHonourCacheControlWithinBounds(t *testing.T) {
	cases := []struct {
		header string
		want   time.Duration
	}{
		{"", time.Hour},                         // default
		{"public, max-age=7200", 2 * time.Hour}, // honoured
		{"max-age=60", 5 * time.Minute},         // raised to the minimum
		{"max-age=9999999", 24 * time.Hour},     // lowered to the maximum
		{`max-age="1800", must-revalidate`, 30 * time.Minute},
		{"no-store", 5 * time.Minute},
		{"max-age=abc", time.Hour},
	}
	for _, c := range cases {
		t.Run(c.header, func(t *testing.T) {
			f := newFixture(t, []string{issuerA}, []int{0})
			f.srv.setCacheControl(c.header)
			require.NoError(t, f.is.Refresh(context.Background()))
			assert.Equal(t, f.clock.Now().Add(c.want), f.is.Status()[0].NextRefresh)
		})
	}
}

func TestIssuersLegacyDirectoryPath(t *testing.T) {
	srv := newIssuerServer(t)
	srv.set(issuerA, directoryJSON(t, newTestKey(t, 0).entry(0)))
	srv.legacyOnly[issuerA] = true
	is, err := NewIssuers([]IssuerConfig{{Name: issuerA}}, WithHTTPClient(srv.client()))
	require.NoError(t, err)
	require.NoError(t, is.Refresh(context.Background()))
	assert.Equal(t, 1, is.Status()[0].Keys)
	assert.Equal(t, 2, srv.hitCount(issuerA), "RFC path first, then the pre-RFC one")
}

// Keys rotate: the new key is advertised at once; tokens under the withdrawn key verify
// for the grace period (a challenge issued just before the rotation advertised it), and
// are refused as expired afterwards.
func TestIssuersKeyRotation(t *testing.T) {
	f := newFixture(t, []string{issuerA}, []int{0}, WithKeyGrace(10*time.Minute))
	old := f.challenge(t, issuerA, originA)
	oldTok := mint(t, old.Header, newTestKey(t, 0).sk)

	f.srv.set(issuerA, directoryJSON(t, newTestKey(t, 1).entry(0)))
	require.NoError(t, f.is.Refresh(context.Background()))
	assert.Contains(t, f.logs.String(), "key withdrawn")

	cur := f.challenge(t, issuerA, originA)
	assert.Equal(t, newTestKey(t, 1).raw, cur.Header.TokenKey)
	_, err := f.is.Verify(mint(t, cur.Header, newTestKey(t, 1).sk), cur.TokenChallenge)
	require.NoError(t, err)

	f.clock.Advance(9 * time.Minute)
	_, err = f.is.Verify(oldTok, old.TokenChallenge)
	require.NoError(t, err, "within the grace period")

	f.clock.Advance(2 * time.Minute)
	_, err = f.is.Verify(oldTok, old.TokenChallenge)
	assert.ErrorIs(t, err, ErrKeyExpired)
	assert.Equal(t, 1, f.is.Status()[0].Keys, "a withdrawn key is not counted as published")
}

func TestIssuersNotBefore(t *testing.T) {
	f := newFixture(t, []string{issuerA}, []int{0})
	later := f.clock.Now().Add(time.Hour).Unix()
	f.srv.set(issuerA, directoryJSON(t, newTestKey(t, 0).entry(0), newTestKey(t, 1).entry(later)))
	require.NoError(t, f.is.Refresh(context.Background()))

	c := f.challenge(t, issuerA, originA)
	assert.Equal(t, newTestKey(t, 0).raw, c.Header.TokenKey, "a key is not advertised before its not-before")
	f.srv.set(issuerA, directoryJSON(t, newTestKey(t, 1).entry(later)))
	require.NoError(t, f.is.Refresh(context.Background()))
	assert.False(t, f.is.Ready(), "only a future key: nothing to advertise yet")
	f.srv.set(issuerA, directoryJSON(t, newTestKey(t, 0).entry(0), newTestKey(t, 1).entry(later)))
	require.NoError(t, f.is.Refresh(context.Background()))

	early := c.Header
	early.TokenKey = newTestKey(t, 1).raw
	_, err := f.is.Verify(mint(t, early, newTestKey(t, 1).sk), c.TokenChallenge)
	assert.ErrorIs(t, err, ErrKeyNotYetValid)

	f.clock.Advance(time.Hour)
	c = f.challenge(t, issuerA, originA)
	assert.Equal(t, newTestKey(t, 1).raw, c.Header.TokenKey, "then the newest valid key is advertised")
}

// Air-gapped deployments read keys from a file in the directory format; a refresh
// re-reads it, and a broken file keeps the previous keys.
func TestIssuersStaticFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "issuer.json")
	require.NoError(t, os.WriteFile(path, directoryJSON(t, newTestKey(t, 2).entry(0)), 0o600))
	is, err := NewIssuers([]IssuerConfig{{Name: "issuer.internal.example", StaticFile: path}},
		WithHTTPClient(&http.Client{Transport: failingTransport{t}}))
	require.NoError(t, err)

	c, err := is.Challenges(nil, time.Minute, originA)
	require.NoError(t, err, "keys are available without any refresh")
	_, err = is.Verify(mint(t, c[0].Header, newTestKey(t, 2).sk), c[0].TokenChallenge)
	require.NoError(t, err)

	require.NoError(t, os.WriteFile(path, directoryJSON(t, newTestKey(t, 3).entry(0)), 0o600))
	require.NoError(t, is.Refresh(context.Background()))
	c, err = is.Challenges(nil, time.Minute, originA)
	require.NoError(t, err)
	assert.Equal(t, newTestKey(t, 3).raw, c[0].Header.TokenKey)

	require.NoError(t, os.WriteFile(path, []byte("{"), 0o600))
	require.ErrorIs(t, is.Refresh(context.Background()), ErrDirectory)
	assert.Equal(t, 1, is.Status()[0].Keys)
	assert.True(t, is.Status()[0].Static)

	_, err = NewIssuers([]IssuerConfig{{Name: "issuer.internal.example", StaticFile: filepath.Join(t.TempDir(), "missing.json")}})
	assert.ErrorIs(t, err, ErrDirectory, "a missing static file is a configuration error at start")
}

type failingTransport struct{ t testing.TB }

func (f failingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	assert.Failf(f.t, "unexpected fetch for a static issuer", "%s", r.URL)
	return nil, http.ErrNotSupported
}

func TestNewIssuersRejectsBadOptions(t *testing.T) {
	for name, o := range map[string]Option{
		"refresh bounds": WithRefresh(time.Hour, time.Minute, time.Minute),
		"zero min":       WithRefresh(0, time.Hour, time.Hour),
		"size":           WithMaxDirectorySize(0),
		"grace":          WithKeyGrace(-time.Second),
		"client":         WithHTTPClient(nil),
		"clock":          WithClock(nil),
	} {
		_, err := NewIssuers(nil, o)
		assert.ErrorIs(t, err, ErrConfig, name)
	}
	_, err := NewIssuers([]IssuerConfig{{Name: issuerA}, {Name: strings.ToUpper(issuerA)}})
	assert.ErrorIs(t, err, ErrConfig, "duplicate issuer")
}

// Run refreshes on schedule and stops with its context. The wait is bounded generously:
// the assertion is that refreshes happen, not how fast.
func TestIssuersRun(t *testing.T) {
	srv := newIssuerServer(t)
	srv.set(issuerA, directoryJSON(t, newTestKey(t, 0).entry(0)))
	is, err := NewIssuers([]IssuerConfig{{Name: issuerA}}, WithHTTPClient(srv.client()),
		WithRefresh(20*time.Millisecond, time.Second, 20*time.Millisecond))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- is.Run(ctx) }()
	require.Eventually(t, func() bool { return srv.hitCount(issuerA) >= 3 }, 30*time.Second, 10*time.Millisecond)
	assert.Equal(t, 1, is.Status()[0].Keys)
	cancel()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, context.Canceled)
	case <-time.After(30 * time.Second):
		require.Fail(t, "Run did not return after cancel")
	}
}

// A server that waited for the keys at start (Refresh) and then runs the refresh loop does
// not fetch every directory a second time: Run fetches only what is due.
func TestIssuersRunAfterRefreshFetchesOnlyWhenDue(t *testing.T) {
	f := newFixture(t, []string{issuerA}, []int{0})
	require.Equal(t, 1, f.srv.hitCount(issuerA))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.is.Run(ctx) }()
	time.Sleep(100 * time.Millisecond) // time for a (wrong) immediate fetch
	cancel()
	<-done
	assert.Equal(t, 1, f.srv.hitCount(issuerA), "the next refresh is an hour away")
}

// Attack: an issuer (or anyone who can make it answer) redirects the directory fetch to
// plain HTTP, where keys could be substituted on the path.
func TestIssuersRefuseRedirectToPlainHTTP(t *testing.T) {
	srv := newIssuerServer(t)
	srv.plain = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(directoryJSON(t, newTestKey(t, 3).entry(0)))
	}))
	t.Cleanup(srv.plain.Close)
	srv.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://"+issuerA+DirectoryPath, http.StatusFound)
	})
	is, err := NewIssuers([]IssuerConfig{{Name: issuerA}}, WithHTTPClient(srv.client()))
	require.NoError(t, err)
	err = is.Refresh(context.Background())
	require.ErrorIs(t, err, ErrDirectory)
	assert.Contains(t, err.Error(), "redirected to http://")
	assert.Zero(t, is.Status()[0].Keys)
}
