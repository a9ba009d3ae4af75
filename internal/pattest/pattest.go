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
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/cloudflare/circl/blindsign/blindrsa"
	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph/internal/testenv"
	"github.com/astracat/astracaph/privacypass"
)

// Issuer names the test certificate covers (*.example.com).
const (
	IssuerA = "issuer.example.com"
	IssuerB = "other-issuer.example.com"
	// Rogue is an issuer no test configures.
	Rogue = "rogue-issuer.example.com"
)

// Key returns test key i (0–3).
func Key(i int) *rsa.PrivateKey { return testenv.RSAKey(i) }

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
	auth, err := s.Respond(wwwAuthenticate, issuer)
	require.NoError(t, err)
	return auth
}

// Respond is Answer for a goroutine other than the test's: it returns its failure.
func (s *Server) Respond(wwwAuthenticate, issuer string) (string, error) {
	s.mu.Lock()
	key := s.keys[issuer]
	s.mu.Unlock()
	if key == nil {
		return "", fmt.Errorf("pattest: issuer %s is not served", issuer)
	}
	w, err := pick(wwwAuthenticate, issuer)
	if err != nil {
		return "", err
	}
	tok, err := mint(w, key)
	return tok.Authorization(), err
}

// Pick returns the challenge of issuer in a WWW-Authenticate value.
func Pick(t testing.TB, wwwAuthenticate, issuer string) privacypass.WWWAuthenticate {
	t.Helper()
	w, err := pick(wwwAuthenticate, issuer)
	require.NoError(t, err)
	return w
}

func pick(wwwAuthenticate, issuer string) (privacypass.WWWAuthenticate, error) {
	ws, err := privacypass.ParseWWWAuthenticate(wwwAuthenticate)
	if err != nil {
		return privacypass.WWWAuthenticate{}, err
	}
	for _, w := range ws {
		if tc, err := privacypass.ParseTokenChallenge(w.Challenge); err == nil && tc.IssuerName == issuer {
			return w, nil
		}
	}
	return privacypass.WWWAuthenticate{}, fmt.Errorf("pattest: no challenge for %s in %q", issuer, wwwAuthenticate)
}

// Mint runs RFC 9578's publicly verifiable issuance for challenge w: the client blinds the
// token input (naming the key w advertises) under sk's public key, the issuer signs it
// blindly with sk, the client finalizes. With sk not the advertised key's, the result is a
// token that names the advertised key but is signed by another: wrongly signed.
func Mint(t testing.TB, w privacypass.WWWAuthenticate, sk *rsa.PrivateKey) privacypass.Token {
	t.Helper()
	tok, err := mint(w, sk)
	require.NoError(t, err)
	return tok
}

func mint(w privacypass.WWWAuthenticate, sk *rsa.PrivateKey) (privacypass.Token, error) {
	tok := privacypass.Token{TokenType: privacypass.TokenTypeBlindRSA, ChallengeDigest: sha256.Sum256(w.Challenge), TokenKeyID: privacypass.TokenKeyID(w.TokenKey)}
	if _, err := rand.Read(tok.Nonce[:]); err != nil {
		return tok, err
	}
	client, err := blindrsa.NewClient(blindrsa.SHA384PSSDeterministic, &sk.PublicKey)
	if err != nil {
		return tok, err
	}
	prepared, err := client.Prepare(rand.Reader, tok.TokenInput())
	if err != nil {
		return tok, err
	}
	blinded, state, err := client.Blind(rand.Reader, prepared)
	if err != nil {
		return tok, err
	}
	blindSig, err := blindrsa.NewSigner(sk).BlindSign(blinded)
	if err != nil {
		return tok, err
	}
	sig, err := client.Finalize(state, blindSig)
	if err != nil {
		return tok, err
	}
	copy(tok.Authenticator[:], sig)
	return tok, nil
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
