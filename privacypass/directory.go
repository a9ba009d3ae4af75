package privacypass

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/cloudflare/circl/blindsign/blindrsa"
)

// Well-known paths of an issuer directory: RFC 9578 §4, and the pre-RFC path that some
// issuers still serve (tried after a 404 on the first).
const (
	DirectoryPath       = "/.well-known/private-token-issuer-directory"
	legacyDirectoryPath = "/.well-known/token-issuer-directory"
	directoryMediaType  = "application/private-token-issuer-directory"
)

// Directory is an issuer directory (RFC 9578 §4), the JSON an issuer serves at
// DirectoryPath and the format of a static keys file.
type Directory struct {
	IssuerRequestURI string         `json:"issuer-request-uri"`
	TokenKeys        []DirectoryKey `json:"token-keys"`
}

// DirectoryKey is one entry of "token-keys".
type DirectoryKey struct {
	TokenType uint16 `json:"token-type"`
	// TokenKey is the base64url SubjectPublicKeyInfo (see ParseTokenKey).
	TokenKey string `json:"token-key"`
	// NotBefore is a Unix time before which the key must not be used; 0 when absent.
	NotBefore int64 `json:"not-before,omitempty"`
}

// issuerKey is one usable type 0x0002 key of an issuer. It is immutable once published
// in a snapshot; retirement creates a new value.
type issuerKey struct {
	id        [KeyIDSize]byte
	raw       []byte
	verifier  blindrsa.Verifier
	notBefore time.Time
	retiredAt time.Time // zero while the issuer still publishes the key
}

// parseDirectory extracts the usable type 0x0002 keys of a directory. Entries of other
// token types are skipped silently (an issuer may serve several); invalid type 0x0002
// entries are skipped and counted, and a directory without a single usable key is an
// error so that it cannot replace good keys.
func parseDirectory(body []byte) (keys []*issuerKey, skipped int, err error) {
	var d Directory
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrDirectory, err)
	}
	seen := map[[KeyIDSize]byte]bool{}
	for _, k := range d.TokenKeys {
		if k.TokenType != TokenTypeBlindRSA {
			continue
		}
		key, err := newIssuerKey(k)
		if err != nil {
			skipped++
			continue
		}
		if !seen[key.id] {
			seen[key.id] = true
			keys = append(keys, key)
		}
	}
	if len(keys) == 0 {
		return nil, skipped, fmt.Errorf("%w: no usable token type 2 key (%d invalid)", ErrDirectory, skipped)
	}
	return keys, skipped, nil
}

func newIssuerKey(k DirectoryKey) (*issuerKey, error) {
	raw, err := decodeDirectoryBase64(k.TokenKey)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTokenKey, err)
	}
	pub, err := ParseTokenKey(raw)
	if err != nil {
		return nil, err
	}
	v, err := blindrsa.NewVerifier(blindrsa.SHA384PSSDeterministic, pub)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTokenKey, err)
	}
	key := &issuerKey{id: TokenKeyID(raw), raw: raw, verifier: v}
	if k.NotBefore > 0 {
		key.notBefore = time.Unix(k.NotBefore, 0)
	}
	return key, nil
}

// decodeDirectoryBase64 decodes a directory's token-key. The RFC says base64url; some
// issuers publish the standard alphabet, with or without padding. The directory comes
// from a configured issuer over TLS, so tolerance costs nothing here (the Authorization
// parser, fed by clients, stays strict).
func decodeDirectoryBase64(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	s = strings.NewReplacer("+", "-", "/", "_").Replace(s)
	return base64.RawURLEncoding.DecodeString(s)
}

// fetched is the outcome of one directory fetch.
type fetched struct {
	keys    []*issuerKey
	skipped int
	maxAge  time.Duration
	hasAge  bool
}

// fetchDirectory GETs the directory of issuer (with the legacy path after a 404) and
// parses it, reading at most maxBody bytes.
func (is *Issuers) fetchDirectory(ctx context.Context, issuer string) (fetched, error) {
	ctx, cancel := context.WithTimeout(ctx, is.cfg.fetchTimeout)
	defer cancel()
	res, err := is.get(ctx, "https://"+issuer+DirectoryPath)
	if err == nil && res.StatusCode == http.StatusNotFound {
		drain(res)
		res, err = is.get(ctx, "https://"+issuer+legacyDirectoryPath)
	}
	if err != nil {
		return fetched{}, fmt.Errorf("%w: %v", ErrDirectory, err)
	}
	defer drain(res)
	if res.Request != nil && res.Request.URL.Scheme != "https" {
		// Keys are trusted because TLS authenticated the issuer; a redirect to plain HTTP
		// would let anyone on the path substitute them.
		return fetched{}, fmt.Errorf("%w: redirected to %s", ErrDirectory, res.Request.URL.Redacted())
	}
	if res.StatusCode != http.StatusOK {
		return fetched{}, fmt.Errorf("%w: HTTP %d", ErrDirectory, res.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, is.cfg.maxBody+1))
	if err != nil {
		return fetched{}, fmt.Errorf("%w: %v", ErrDirectory, err)
	}
	if int64(len(body)) > is.cfg.maxBody {
		return fetched{}, fmt.Errorf("%w: larger than %d bytes", ErrDirectory, is.cfg.maxBody)
	}
	var f fetched
	if f.keys, f.skipped, err = parseDirectory(body); err != nil {
		return fetched{}, err
	}
	f.maxAge, f.hasAge = cacheMaxAge(res.Header.Values("Cache-Control"))
	return f, nil
}

func (is *Issuers) get(ctx context.Context, url string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", directoryMediaType+", application/json;q=0.9")
	return is.cfg.client.Do(req)
}

// drain reads a little of what is left so the connection can be reused, then closes.
func drain(res *http.Response) {
	_, _ = io.CopyN(io.Discard, res.Body, 4<<10)
	_ = res.Body.Close()
}

// readStaticDirectory reads a static keys file (the Directory JSON format).
func (is *Issuers) readStaticDirectory(path string) (fetched, error) {
	f, err := os.Open(path)
	if err != nil {
		return fetched{}, fmt.Errorf("%w: %v", ErrDirectory, err)
	}
	defer f.Close()
	body, err := io.ReadAll(io.LimitReader(f, is.cfg.maxBody+1))
	if err != nil {
		return fetched{}, fmt.Errorf("%w: %v", ErrDirectory, err)
	}
	if int64(len(body)) > is.cfg.maxBody {
		return fetched{}, fmt.Errorf("%w: %s is larger than %d bytes", ErrDirectory, path, is.cfg.maxBody)
	}
	var out fetched
	out.keys, out.skipped, err = parseDirectory(body)
	return out, err
}

// cacheMaxAge returns the max-age of Cache-Control field values; no-store and no-cache
// count as 0 (refresh as early as allowed).
func cacheMaxAge(values []string) (time.Duration, bool) {
	for _, v := range values {
		for _, d := range strings.Split(v, ",") {
			name, arg, _ := strings.Cut(strings.TrimSpace(d), "=")
			switch strings.ToLower(name) {
			case "no-store", "no-cache":
				return 0, true
			case "max-age":
				if age, err := parseDeltaSeconds(strings.Trim(arg, `"`), 365*24*time.Hour); err == nil {
					return age, true
				}
			}
		}
	}
	return 0, false
}
