package privacypass

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/astracat/astracaph/internal/testenv"
	"github.com/cloudflare/circl/blindsign/blindrsa"
	"github.com/stretchr/testify/require"
)

// testKey is one issuer key pair with its published encoding.
type testKey struct {
	sk  *rsa.PrivateKey
	raw []byte // the SubjectPublicKeyInfo as published
}

func newTestKey(t testing.TB, i int) testKey {
	t.Helper()
	sk := testenv.RSAKey(i)
	raw, err := MarshalTokenKey(&sk.PublicKey)
	require.NoError(t, err)
	return testKey{sk: sk, raw: raw}
}

func (k testKey) entry(notBefore int64) DirectoryKey {
	return DirectoryKey{TokenType: TokenTypeBlindRSA, TokenKey: base64.RawURLEncoding.EncodeToString(k.raw), NotBefore: notBefore}
}

func directoryJSON(t testing.TB, keys ...DirectoryKey) []byte {
	t.Helper()
	b, err := json.Marshal(Directory{IssuerRequestURI: "https://issuer.example.com/token-request", TokenKeys: keys})
	require.NoError(t, err)
	return b
}

// mint plays the client, the attester and the issuer of RFC 9578's publicly verifiable
// issuance for one challenge header, with circl's blind RSA: the client blinds the token
// input under the key the challenge advertises, the issuer signs blindly with sk, the
// client finalizes. The result is a real token, as Safari would send.
func mint(t testing.TB, w WWWAuthenticate, sk *rsa.PrivateKey) Token {
	t.Helper()
	pub, err := ParseTokenKey(w.TokenKey)
	require.NoError(t, err)
	tok := Token{TokenType: TokenTypeBlindRSA, ChallengeDigest: sha256.Sum256(w.Challenge), TokenKeyID: TokenKeyID(w.TokenKey)}
	_, err = rand.Read(tok.Nonce[:])
	require.NoError(t, err)

	client, err := blindrsa.NewClient(blindrsa.SHA384PSSDeterministic, pub)
	require.NoError(t, err)
	prepared, err := client.Prepare(rand.Reader, tok.TokenInput())
	require.NoError(t, err)
	blinded, state, err := client.Blind(rand.Reader, prepared)
	require.NoError(t, err)
	blindSig, err := blindrsa.NewSigner(sk).BlindSign(blinded)
	require.NoError(t, err)
	sig, err := client.Finalize(state, blindSig)
	require.NoError(t, err)
	copy(tok.Authenticator[:], sig)
	return tok
}

// issuerServer is a loopback HTTPS server that answers as every issuer host: the test
// client dials it whatever the host, and its certificate covers *.example.com.
type issuerServer struct {
	srv   *httptest.Server
	plain *httptest.Server // answers plain-HTTP requests, when set

	mu           sync.Mutex
	dirs         map[string][]byte // host → directory body
	status       map[string]int    // host → forced status
	legacyOnly   map[string]bool   // host → serve only the pre-RFC path
	cacheControl string
	hits         map[string]int
}

func newIssuerServer(t testing.TB) *issuerServer {
	t.Helper()
	s := &issuerServer{dirs: map[string][]byte{}, status: map[string]int{}, legacyOnly: map[string]bool{}, hits: map[string]int{}}
	s.srv = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *issuerServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	host := r.Host
	s.hits[host]++
	want := DirectoryPath
	if s.legacyOnly[host] {
		want = legacyDirectoryPath
	}
	if r.URL.Path != want {
		http.NotFound(w, r)
		return
	}
	if code := s.status[host]; code != 0 {
		http.Error(w, "unavailable", code)
		return
	}
	body, ok := s.dirs[host]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if s.cacheControl != "" {
		w.Header().Set("Cache-Control", s.cacheControl)
	}
	w.Header().Set("Content-Type", directoryMediaType)
	_, _ = w.Write(body)
}

func (s *issuerServer) set(host string, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dirs[host] = body
	delete(s.status, host)
}

func (s *issuerServer) fail(host string, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status[host] = code
}

func (s *issuerServer) setCacheControl(v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cacheControl = v
}

func (s *issuerServer) hitCount(host string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[host]
}

// client trusts the server's certificate and dials it for every host name.
func (s *issuerServer) client() *http.Client {
	tr := s.srv.Client().Transport.(*http.Transport).Clone()
	addr := s.srv.Listener.Addr().String()
	tr.DialContext = func(ctx context.Context, network, target string) (net.Conn, error) {
		var d net.Dialer
		if strings.HasSuffix(target, ":80") && s.plain != nil {
			return d.DialContext(ctx, network, s.plain.Listener.Addr().String())
		}
		return d.DialContext(ctx, network, addr)
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// testClock is a settable clock.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock { return &testClock{now: time.Unix(1_800_000_000, 0)} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// logBuffer collects log output from concurrent writers.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

var errStoreDown = errors.New("store down")

// mapStore is a minimal single-use store with the ConsumeOnce contract of the engine's
// stores; fail makes it report an infrastructure error.
type mapStore struct {
	mu   sync.Mutex
	m    map[string]string
	fail bool
}

func (s *mapStore) ConsumeOnce(_ context.Context, key, value string, _ time.Time, _ time.Duration) (bool, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail {
		return false, "", errStoreDown
	}
	if s.m == nil {
		s.m = map[string]string{}
	}
	if v, ok := s.m[key]; ok {
		return false, v, nil
	}
	s.m[key] = value
	return true, value, nil
}

// fixture is a configured Issuers fed by a loopback issuer server.
type fixture struct {
	srv   *issuerServer
	clock *testClock
	logs  *logBuffer
	is    *Issuers
}

const (
	issuerA = "issuer.example.com"
	issuerB = "other-issuer.example.com"
	originA = "captcha.site.example"
	originB = "captcha.elsewhere.example"
)

// newFixture serves key index keyIdx for each name and refreshes once.
func newFixture(t testing.TB, names []string, keyIdx []int, opts ...Option) *fixture {
	t.Helper()
	f := &fixture{srv: newIssuerServer(t), clock: newTestClock(), logs: &logBuffer{}}
	var cfgs []IssuerConfig
	for i, n := range names {
		f.srv.set(n, directoryJSON(t, newTestKey(t, keyIdx[i]).entry(0)))
		cfgs = append(cfgs, IssuerConfig{Name: n})
	}
	base := []Option{WithHTTPClient(f.srv.client()), WithClock(f.clock.Now), WithLogger(f.logs.logger())}
	is, err := NewIssuers(cfgs, append(base, opts...)...)
	require.NoError(t, err)
	require.NoError(t, is.Refresh(context.Background()))
	f.is = is
	return f
}

// challenge issues the challenges for origin and returns the one of issuer.
func (f *fixture) challenge(t testing.TB, issuer, origin string) Challenge {
	t.Helper()
	cs, err := f.is.Challenges(nil, 5*time.Minute, origin)
	require.NoError(t, err)
	for _, c := range cs {
		if c.TokenChallenge.IssuerName == issuer {
			return c
		}
	}
	require.Failf(t, "no challenge", "no challenge for %s", issuer)
	return Challenge{}
}
