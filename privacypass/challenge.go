package privacypass

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
)

// Sizes of the publicly verifiable token type (RFC 9578 §6, token type 0x0002).
const (
	// TokenTypeBlindRSA is token type 0x0002: publicly verifiable tokens signed with
	// RSABSSA-SHA384-PSS-Deterministic under a 2048-bit key.
	TokenTypeBlindRSA uint16 = 0x0002
	// RedemptionContextSize is the size of a non-empty redemption_context.
	RedemptionContextSize = 32
	// NonceSize is the size of the client's token nonce.
	NonceSize = 32
	// KeyIDSize is the size of token_key_id, SHA-256 of the issuer's encoded key.
	KeyIDSize = 32
	// AuthenticatorSize is Nk, the RSA signature size of a 2048-bit key.
	AuthenticatorSize = 256
)

// maxNameLen bounds one issuer or origin name (a DNS name is at most 253 octets, plus a
// port).
const maxNameLen = 261

// TokenChallenge is the structure an origin sends (base64url, in WWW-Authenticate) and a
// token commits to through its challenge digest (RFC 9577 §2.1):
//
//	struct {
//	    uint16 token_type;
//	    opaque issuer_name<1..2^16-1>;
//	    opaque redemption_context<0..32>;
//	    opaque origin_info<0..2^16-1>;
//	} TokenChallenge;
type TokenChallenge struct {
	TokenType uint16
	// IssuerName is the issuer's host name, as in its directory URL.
	IssuerName string
	// RedemptionContext is empty or RedemptionContextSize bytes. This package always
	// issues a fresh one per challenge, which makes tokens interactive (they cannot be
	// fetched ahead of time) and unlinkable across challenges.
	RedemptionContext []byte
	// OriginInfo names the origins the token may be redeemed at (host names; joined with
	// "," on the wire). Empty means any origin, which this package never issues.
	OriginInfo []string
}

// NewTokenChallenge returns a type 0x0002 challenge for issuer with a fresh random
// redemption context, bound to the origin host names (lower-cased).
func NewTokenChallenge(issuer string, origins ...string) (TokenChallenge, error) {
	ctx, err := NewRedemptionContext(nil)
	if err != nil {
		return TokenChallenge{}, err
	}
	return newTokenChallenge(issuer, ctx, origins)
}

func newTokenChallenge(issuer string, redemptionContext []byte, origins []string) (TokenChallenge, error) {
	if len(origins) == 0 {
		return TokenChallenge{}, fmt.Errorf("%w: at least one origin is required", ErrMalformedChallenge)
	}
	c := TokenChallenge{
		TokenType:         TokenTypeBlindRSA,
		IssuerName:        strings.ToLower(issuer),
		RedemptionContext: redemptionContext,
		OriginInfo:        make([]string, len(origins)),
	}
	for i, o := range origins {
		c.OriginInfo[i] = strings.ToLower(o)
	}
	if err := c.validate(); err != nil {
		return TokenChallenge{}, err
	}
	return c, nil
}

// NewRedemptionContext returns RedemptionContextSize random bytes read from r (crypto/rand
// when r is nil).
func NewRedemptionContext(r io.Reader) ([]byte, error) {
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, RedemptionContextSize)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("astracaph: redemption context: %w", err)
	}
	return b, nil
}

// DeriveRedemptionContext maps binding (for example the signature of a challenge the
// server already signed, which is random and unique) to a redemption context, so a
// stateless server can rebuild the TokenChallenge at redemption instead of storing it. It
// is as fresh and as unlinkable as binding is.
func DeriveRedemptionContext(binding []byte) []byte {
	h := sha256.New()
	h.Write([]byte("astracaph privacy pass redemption context\x00"))
	h.Write(binding)
	return h.Sum(nil)
}

// validate checks the fields against the wire limits and the name syntax.
func (c TokenChallenge) validate() error {
	if !validName(c.IssuerName) {
		return fmt.Errorf("%w: issuer name %q", ErrMalformedChallenge, c.IssuerName)
	}
	if n := len(c.RedemptionContext); n != 0 && n != RedemptionContextSize {
		return fmt.Errorf("%w: redemption context of %d bytes", ErrMalformedChallenge, n)
	}
	total := 0
	for _, o := range c.OriginInfo {
		if !validName(o) {
			return fmt.Errorf("%w: origin name %q", ErrMalformedChallenge, o)
		}
		total += len(o) + 1
	}
	if total > 0xffff+1 {
		return fmt.Errorf("%w: origin_info too long", ErrMalformedChallenge)
	}
	return nil
}

// validName accepts a host name, optionally with a port or as a bracketed IPv6 literal:
// the characters that can appear in an authority's host and port, and never the ","
// that separates origin names.
func validName(s string) bool {
	if len(s) == 0 || len(s) > maxNameLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-', c == '.', c == '_', c == ':', c == '[', c == ']':
		default:
			return false
		}
	}
	return true
}

// MarshalBinary encodes c as a TokenChallenge.
func (c TokenChallenge) MarshalBinary() ([]byte, error) {
	return c.AppendBinary(nil)
}

// AppendBinary appends the encoding of c to b.
func (c TokenChallenge) AppendBinary(b []byte) ([]byte, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	b = binary.BigEndian.AppendUint16(b, c.TokenType)
	b = binary.BigEndian.AppendUint16(b, uint16(len(c.IssuerName)))
	b = append(b, c.IssuerName...)
	b = append(b, byte(len(c.RedemptionContext)))
	b = append(b, c.RedemptionContext...)
	n := 0
	for i, o := range c.OriginInfo {
		if i > 0 {
			n++
		}
		n += len(o)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(n))
	for i, o := range c.OriginInfo {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, o...)
	}
	return b, nil
}

// Digest is SHA-256 of the encoded challenge: the challenge_digest a token for c carries.
func (c TokenChallenge) Digest() ([sha256.Size]byte, error) {
	var buf [512]byte // most challenges fit: no allocation on the verify path
	enc, err := c.AppendBinary(buf[:0])
	if err != nil {
		return [sha256.Size]byte{}, err
	}
	return sha256.Sum256(enc), nil
}

// ParseTokenChallenge decodes an encoded TokenChallenge. It is strict: lengths must fit,
// the redemption context is empty or 32 bytes, names use host-name characters, and
// nothing may follow the structure. Any token type decodes (the verifier checks it).
func ParseTokenChallenge(b []byte) (TokenChallenge, error) {
	var c TokenChallenge
	bad := func(what string) (TokenChallenge, error) {
		return TokenChallenge{}, fmt.Errorf("%w: %s", ErrMalformedChallenge, what)
	}
	if len(b) < 4 {
		return bad("truncated")
	}
	c.TokenType = binary.BigEndian.Uint16(b)
	n := int(binary.BigEndian.Uint16(b[2:]))
	b = b[4:]
	if n == 0 || len(b) < n {
		return bad("issuer_name length")
	}
	c.IssuerName, b = string(b[:n]), b[n:]
	if len(b) < 1 {
		return bad("truncated")
	}
	n, b = int(b[0]), b[1:]
	if (n != 0 && n != RedemptionContextSize) || len(b) < n {
		return bad("redemption_context length")
	}
	if n > 0 {
		c.RedemptionContext = append([]byte(nil), b[:n]...)
	}
	b = b[n:]
	if len(b) < 2 {
		return bad("truncated")
	}
	n, b = int(binary.BigEndian.Uint16(b)), b[2:]
	if len(b) != n {
		return bad("origin_info length or trailing data")
	}
	if n > 0 {
		c.OriginInfo = strings.Split(string(b), ",")
	}
	if err := c.validate(); err != nil {
		return TokenChallenge{}, err
	}
	return c, nil
}
