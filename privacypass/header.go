package privacypass

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// AuthScheme is the HTTP authentication scheme of RFC 9577.
const AuthScheme = "PrivateToken"

// maxMaxAge bounds the max-age a parsed challenge may carry (one day; challenges are
// interactive and short-lived).
const maxMaxAge = 24 * time.Hour

// WWWAuthenticate is one PrivateToken challenge as sent in a WWW-Authenticate header:
//
//	PrivateToken challenge="<base64url TokenChallenge>", token-key="<base64url key>", max-age=300
type WWWAuthenticate struct {
	// Challenge is the encoded TokenChallenge. The digest of these exact bytes is what a
	// token commits to.
	Challenge []byte
	// TokenKey is the issuer key the client should get a token under (the encoded
	// SubjectPublicKeyInfo, as in the issuer's directory).
	TokenKey []byte
	// MaxAge is how long the origin accepts a token for this challenge; 0 omits it.
	MaxAge time.Duration
}

// String formats w as a WWW-Authenticate field value. Values are padded base64url in
// quotes, which every reading of RFC 4648 and RFC 9110 accepts.
func (w WWWAuthenticate) String() string {
	var b strings.Builder
	b.Grow(len(AuthScheme) + 40 + base64.URLEncoding.EncodedLen(len(w.Challenge)) + base64.URLEncoding.EncodedLen(len(w.TokenKey)))
	b.WriteString(AuthScheme)
	b.WriteString(` challenge="`)
	b.WriteString(base64.URLEncoding.EncodeToString(w.Challenge))
	b.WriteString(`", token-key="`)
	b.WriteString(base64.URLEncoding.EncodeToString(w.TokenKey))
	b.WriteByte('"')
	if s := int64(w.MaxAge / time.Second); s > 0 {
		b.WriteString(", max-age=")
		b.WriteString(strconv.FormatInt(s, 10))
	}
	return b.String()
}

// ParseWWWAuthenticate returns the PrivateToken challenges in a WWW-Authenticate field
// value, which may also carry other schemes (ignored). Each challenge must have a
// "challenge" that decodes as a TokenChallenge; "token-key" and "max-age" are optional,
// and unknown parameters are ignored, as RFC 9577 §2.1 asks of clients.
func ParseWWWAuthenticate(value string) ([]WWWAuthenticate, error) {
	items, err := parseAuthList(value)
	if err != nil {
		return nil, err
	}
	var out []WWWAuthenticate
	for _, it := range items {
		if !strings.EqualFold(it.scheme, AuthScheme) {
			continue
		}
		if it.token68 != "" {
			return nil, fmt.Errorf("%w: PrivateToken takes parameters, not a token68", ErrMalformedHeader)
		}
		var w WWWAuthenticate
		c, ok := it.param("challenge")
		if !ok {
			return nil, fmt.Errorf("%w: PrivateToken challenge without a challenge", ErrMalformedHeader)
		}
		if w.Challenge, err = decodeBase64URL(c); err != nil {
			return nil, fmt.Errorf("%w: challenge: %v", ErrMalformedHeader, err)
		}
		if _, err := ParseTokenChallenge(w.Challenge); err != nil {
			return nil, err
		}
		if k, ok := it.param("token-key"); ok {
			if w.TokenKey, err = decodeBase64URL(k); err != nil {
				return nil, fmt.Errorf("%w: token-key: %v", ErrMalformedHeader, err)
			}
		}
		if m, ok := it.param("max-age"); ok {
			if w.MaxAge, err = parseDeltaSeconds(m, maxMaxAge); err != nil {
				return nil, fmt.Errorf("%w: max-age: %v", ErrMalformedHeader, err)
			}
		}
		out = append(out, w)
	}
	return out, nil
}

// Authorization formats t as an Authorization field value (what a client sends).
func (t Token) Authorization() string {
	b, _ := t.MarshalBinary()
	return AuthScheme + ` token="` + base64.URLEncoding.EncodeToString(b) + `"`
}

// ParseAuthorization extracts the one PrivateToken credential from an Authorization field
// value (which may hold other schemes, folded by a proxy) and decodes its token. It
// returns ErrNoToken when there is none, ErrMalformedHeader for bad syntax, a missing
// "token" parameter or more than one PrivateToken credential, and ErrMalformedToken or
// ErrTokenType for a token that does not decode.
func ParseAuthorization(value string) (Token, error) {
	items, err := parseAuthList(value)
	if err != nil {
		return Token{}, err
	}
	var found *authItem
	for i := range items {
		if !strings.EqualFold(items[i].scheme, AuthScheme) {
			continue
		}
		if found != nil {
			return Token{}, fmt.Errorf("%w: more than one PrivateToken credential", ErrMalformedHeader)
		}
		found = &items[i]
	}
	if found == nil {
		return Token{}, ErrNoToken
	}
	if found.token68 != "" {
		return Token{}, fmt.Errorf("%w: PrivateToken takes parameters, not a token68", ErrMalformedHeader)
	}
	v, ok := found.param("token")
	if !ok {
		return Token{}, fmt.Errorf("%w: PrivateToken credential without a token", ErrMalformedHeader)
	}
	raw, err := decodeBase64URL(v)
	if err != nil {
		return Token{}, fmt.Errorf("%w: %v", ErrMalformedToken, err)
	}
	return ParseToken(raw)
}

// TokenFromRequest is ParseAuthorization over every Authorization field line of r.
func TokenFromRequest(r *http.Request) (Token, error) {
	lines := r.Header.Values("Authorization")
	switch len(lines) {
	case 0:
		return Token{}, ErrNoToken
	case 1:
		return ParseAuthorization(lines[0])
	}
	return ParseAuthorization(strings.Join(lines, ", "))
}

// decodeBase64URL decodes base64url with or without padding; the standard alphabet's "+"
// and "/" are refused, as are non-canonical trailing bits.
func decodeBase64URL(s string) ([]byte, error) {
	if strings.HasSuffix(s, "=") {
		return base64.URLEncoding.Strict().DecodeString(s)
	}
	return base64.RawURLEncoding.Strict().DecodeString(s)
}

// parseDeltaSeconds parses RFC 9111 delta-seconds (1*DIGIT) up to limit.
func parseDeltaSeconds(s string, limit time.Duration) (time.Duration, error) {
	if s == "" || len(s) > 10 || strings.Trim(s, "0123456789") != "" {
		return 0, errors.New("not delta-seconds")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, err
	}
	if d := time.Duration(n) * time.Second; d <= limit {
		return d, nil
	}
	return limit, nil
}
