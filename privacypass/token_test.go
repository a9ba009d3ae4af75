package privacypass

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseTokenRoundTrip(t *testing.T) {
	v := loadRFCVector(t)
	tok, err := ParseToken(v.Token)
	require.NoError(t, err)
	assert.Equal(t, TokenTypeBlindRSA, tok.TokenType)
	back, err := tok.MarshalBinary()
	require.NoError(t, err)
	assert.Equal(t, v.Token, back)
	assert.Equal(t, v.Token[:tokenInputSize], tok.TokenInput())
}

func TestParseTokenRejects(t *testing.T) {
	v := loadRFCVector(t)
	_, err := ParseToken(v.Token[:len(v.Token)-1])
	assert.ErrorIs(t, err, ErrMalformedToken)
	_, err = ParseToken(append(append([]byte{}, v.Token...), 0))
	assert.ErrorIs(t, err, ErrMalformedToken)
	_, err = ParseToken([]byte{0})
	assert.ErrorIs(t, err, ErrMalformedToken)
	private := append([]byte{0, 1}, v.Token[2:]...)
	_, err = ParseToken(private)
	assert.ErrorIs(t, err, ErrTokenType, "type 0x0001 (privately verifiable) is not accepted")
}

// The RFC's own token, under the RFC's key and challenge, verifies through the whole path
// (static directory file, key ID lookup, circl's RSA-PSS verification): a known-answer
// test that does not depend on our own minting.
func TestVerifyRFC9578Vector(t *testing.T) {
	v := loadRFCVector(t)
	dir := Directory{TokenKeys: []DirectoryKey{{TokenType: 2, TokenKey: base64.RawURLEncoding.EncodeToString(v.PKS)}}}
	b, err := json.Marshal(dir)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "issuer.json")
	require.NoError(t, os.WriteFile(path, b, 0o600))

	is, err := NewIssuers([]IssuerConfig{{Name: "issuer.example", StaticFile: path}})
	require.NoError(t, err)
	tc, err := ParseTokenChallenge(v.Challenge)
	require.NoError(t, err)
	tok, err := ParseToken(v.Token)
	require.NoError(t, err)

	r, err := is.Verify(tok, tc)
	require.NoError(t, err)
	assert.Equal(t, "issuer.example", r.Issuer)
	assert.Equal(t, tok.Nonce, r.Nonce)

	tok.Authenticator[100] ^= 1
	_, err = is.Verify(tok, tc)
	assert.ErrorIs(t, err, ErrBadSignature)
}
