// Package pattest plays Privacy Pass issuers and clients for tests of Private Access Tokens
// (docs/privacypass.md): a loopback HTTPS server that answers as any issuer host under
// example.com with that issuer's directory, RSA keys generated in the test binary, and the
// client side that answers a WWW-Authenticate challenge with a real token — what Safari,
// Apple's attester and the issuer do together, with circl's blind RSA.
package pattest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/cloudflare/circl/blindsign/blindrsa"
	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph/privacypass"
)

// Issuer names the test certificate covers (*.example.com).
const (
	IssuerA = "issuer.example.com"
	IssuerB = "other-issuer.example.com"
	// Rogue is an issuer no test configures.
	Rogue = "rogue-issuer.example.com"
)

// testKeys are generated once per test binary: 2048-bit generation is slow on a loaded
// machine, and tests need only a few distinct keys.
var testKeys = sync.OnceValue(func() []*rsa.PrivateKey {
	keys := make([]*rsa.PrivateKey, 4)
	for i := range keys {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		keys[i] = k
	}
	return keys
})

// Key returns test key i (0–3).
func Key(i int) *rsa.PrivateKey { return testKeys()[i] }

// Server is a loopback issuer server: every host it is asked for gets its directory, or an
// error while Fail is in force.
type Server struct {
	srv *httptest.Server

	mu     sync.Mutex
	keys   map[string]*rsa.PrivateKey // issuer host → signing key
	status map[string]int             // issuer host → forced status
}

// keyOf gives the named issuers keys of their own (Key(3) is nobody's): any server that
// serves IssuerA signs with the same key, and Rogue's key is no trusted issuer's.
var keyOf = map[string]int{IssuerA: 0, IssuerB: 1, Rogue: 2}

// Start serves a directory for each name: IssuerA, IssuerB and Rogue with Key(0), Key(1)
// and Key(2), any other i-th name with Key(i).
func Start(t testing.TB, names ...string) *Server {
	t.Helper()
	s := &Server{keys: map[string]*rsa.PrivateKey{}, status: map[string]int{}}
	for i, n := range names {
		if k, ok := keyOf[n]; ok {
			i = k
		}
		s.keys[n] = Key(i)
	}
	s.srv = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	key, status := s.keys[r.Host], s.status[r.Host]
	s.mu.Unlock()
	switch {
	case r.URL.Path != privacypass.DirectoryPath || key == nil:
		http.NotFound(w, r)
	case status != 0:
		http.Error(w, "unavailable", status)
	default:
		body, err := Directory(&key.PublicKey)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/private-token-issuer-directory")
		_, _ = w.Write(body)
	}
}

// Fail makes the directory of name answer status (a failing refresh); 0 restores it.
func (s *Server) Fail(name string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status[name] = status
}

// Client trusts the server's certificate and dials it for every host name.
func (s *Server) Client() *http.Client {
	tr := s.srv.Client().Transport.(*http.Transport).Clone()
	addr := s.srv.Listener.Addr().String()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// Issuers configures the issuers names, fetching from this server, with opts, and fetches
// their directories once.
func (s *Server) Issuers(t testing.TB, names []string, opts ...privacypass.Option) *privacypass.Issuers {
	t.Helper()
	cfgs := make([]privacypass.IssuerConfig, len(names))
	for i, n := range names {
		cfgs[i] = privacypass.IssuerConfig{Name: n}
	}
	is, err := privacypass.NewIssuers(cfgs, append([]privacypass.Option{privacypass.WithHTTPClient(s.Client())}, opts...)...)
	require.NoError(t, err)
	require.NoError(t, is.Refresh(context.Background()))
	return is
}

// Answer plays Safari for a 401: from the WWW-Authenticate value, it takes the challenge
// of issuer, gets a token for it signed with that issuer's key, and returns the
// Authorization value of the retried request.
func (s *Server) Answer(t testing.TB, wwwAuthenticate, issuer string) string {
	t.Helper()
	s.mu.Lock()
	key := s.keys[issuer]
	s.mu.Unlock()
	require.NotNil(t, key, "issuer %s is not served", issuer)
	return Mint(t, Pick(t, wwwAuthenticate, issuer), key).Authorization()
}

// Pick returns the challenge of issuer in a WWW-Authenticate value.
func Pick(t testing.TB, wwwAuthenticate, issuer string) privacypass.WWWAuthenticate {
	t.Helper()
	ws, err := privacypass.ParseWWWAuthenticate(wwwAuthenticate)
	require.NoError(t, err)
	for _, w := range ws {
		tc, err := privacypass.ParseTokenChallenge(w.Challenge)
		require.NoError(t, err)
		if tc.IssuerName == issuer {
			return w
		}
	}
	t.Fatalf("no challenge for %s in %q", issuer, wwwAuthenticate)
	return privacypass.WWWAuthenticate{}
}

// Mint runs RFC 9578's publicly verifiable issuance for challenge w: the client blinds the
// token input (naming the key w advertises) under sk's public key, the issuer signs it
// blindly with sk, the client finalizes. With sk not the advertised key's, the result is a
// token that names the advertised key but is signed by another: wrongly signed.
func Mint(t testing.TB, w privacypass.WWWAuthenticate, sk *rsa.PrivateKey) privacypass.Token {
	t.Helper()
	tok := privacypass.Token{TokenType: privacypass.TokenTypeBlindRSA, ChallengeDigest: sha256.Sum256(w.Challenge), TokenKeyID: privacypass.TokenKeyID(w.TokenKey)}
	_, err := rand.Read(tok.Nonce[:])
	require.NoError(t, err)
	client, err := blindrsa.NewClient(blindrsa.SHA384PSSDeterministic, &sk.PublicKey)
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

// Directory is the issuer directory JSON publishing pub (also a static keys file).
func Directory(pub *rsa.PublicKey) ([]byte, error) {
	raw, err := privacypass.MarshalTokenKey(pub)
	if err != nil {
		return nil, err
	}
	return json.Marshal(privacypass.Directory{
		IssuerRequestURI: "https://issuer.example.com/token-request",
		TokenKeys:        []privacypass.DirectoryKey{{TokenType: privacypass.TokenTypeBlindRSA, TokenKey: base64.RawURLEncoding.EncodeToString(raw)}},
	})
}
