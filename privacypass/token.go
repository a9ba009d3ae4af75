package privacypass

import (
	"encoding/binary"
	"fmt"
)

// tokenSize is the encoded size of a type 0x0002 token.
const tokenSize = 2 + NonceSize + 32 + KeyIDSize + AuthenticatorSize

// tokenInputSize is the signed prefix: everything but the authenticator.
const tokenInputSize = tokenSize - AuthenticatorSize

// Token is a redeemed Privacy Pass token (RFC 9577 §2.2):
//
//	struct {
//	    uint16 token_type = 0x0002;
//	    uint8 nonce[32];
//	    uint8 challenge_digest[32];
//	    uint8 token_key_id[32];
//	    uint8 authenticator[Nk];   // Nk = 256
//	} Token;
//
// The authenticator is the issuer's RSA-PSS signature over the preceding fields, obtained
// blindly: the issuer never saw the nonce or the challenge digest, which is why a token
// cannot be linked to its issuance.
type Token struct {
	TokenType       uint16
	Nonce           [NonceSize]byte
	ChallengeDigest [32]byte
	TokenKeyID      [KeyIDSize]byte
	Authenticator   [AuthenticatorSize]byte
}

// ParseToken decodes an encoded type 0x0002 token; other token types are refused with
// ErrTokenType (their sizes differ, so they cannot be decoded here).
func ParseToken(b []byte) (Token, error) {
	var t Token
	if len(b) < 2 {
		return t, fmt.Errorf("%w: truncated", ErrMalformedToken)
	}
	if tt := binary.BigEndian.Uint16(b); tt != TokenTypeBlindRSA {
		return t, fmt.Errorf("%w: 0x%04x", ErrTokenType, tt)
	}
	if len(b) != tokenSize {
		return t, fmt.Errorf("%w: %d bytes, want %d", ErrMalformedToken, len(b), tokenSize)
	}
	t.TokenType = TokenTypeBlindRSA
	b = b[2:]
	b = b[copy(t.Nonce[:], b):]
	b = b[copy(t.ChallengeDigest[:], b):]
	b = b[copy(t.TokenKeyID[:], b):]
	copy(t.Authenticator[:], b)
	return t, nil
}

// MarshalBinary encodes t.
func (t Token) MarshalBinary() ([]byte, error) {
	b := t.appendInput(make([]byte, 0, tokenSize))
	return append(b, t.Authenticator[:]...), nil
}

// TokenInput is the message the issuer signed: the token without its authenticator.
func (t Token) TokenInput() []byte {
	return t.appendInput(make([]byte, 0, tokenInputSize))
}

func (t Token) appendInput(b []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, t.TokenType)
	b = append(b, t.Nonce[:]...)
	b = append(b, t.ChallengeDigest[:]...)
	return append(b, t.TokenKeyID[:]...)
}
