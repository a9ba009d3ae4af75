package privacypass

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

// The RFC 9577 Appendix A vectors give, for each TokenChallenge, the token authenticator
// input whose bytes 34..66 are SHA-256 of the encoded challenge.
func TestTokenChallengeDigestRFC9577Vectors(t *testing.T) {
	const rc = "476ac2c935f458e9b2d7af32dacfbd22dd6023ef5887a789f1abe004e79bb5bb"
	cases := []struct {
		name, rc  string
		origins   []string
		digestHex string
	}{
		{"origin and context", rc, []string{"origin.example"}, "8e1d5518ec82964255526efd8f9db88205a8ddd3ffb1db298fcc3ad36c42388f"},
		{"origin, empty context", "", []string{"origin.example"}, "11e15c91a7c2ad02abd66645802373db1d823bea80f08d452541fb2b62b5898b"},
		{"no origin, empty context", "", nil, "b741ec1b6fd05f1e95f8982906aec1612896d9ca97d53eef94ad3c9fe023f7a4"},
		{"no origin, context", rc, nil, "b85fb5bc06edeb0e8e8bdb5b3bea8c4fa40837c82e8bcaf5882c81e14817ea18"},
		{"two origins", rc, []string{"foo.example", "bar.example"}, "a2a775866b6ae0f98944910c8f48728d8a2735b9157762ddbf803f70e2e8ba3e"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tc := TokenChallenge{TokenType: TokenTypeBlindRSA, IssuerName: "issuer.example", RedemptionContext: mustHex(t, c.rc), OriginInfo: c.origins}
			if len(tc.RedemptionContext) == 0 {
				tc.RedemptionContext = nil
			}
			d, err := tc.Digest()
			require.NoError(t, err)
			assert.Equal(t, c.digestHex, hex.EncodeToString(d[:]))

			enc, err := tc.MarshalBinary()
			require.NoError(t, err)
			back, err := ParseTokenChallenge(enc)
			require.NoError(t, err)
			assert.Equal(t, tc, back)
		})
	}
}

func TestNewTokenChallengeIsFreshAndBound(t *testing.T) {
	a, err := NewTokenChallenge("Issuer.Example.com", "Captcha.Site.Example")
	require.NoError(t, err)
	b, err := NewTokenChallenge("issuer.example.com", "captcha.site.example")
	require.NoError(t, err)
	assert.Equal(t, "issuer.example.com", a.IssuerName)
	assert.Equal(t, []string{"captcha.site.example"}, a.OriginInfo)
	assert.Len(t, a.RedemptionContext, RedemptionContextSize)
	assert.NotEqual(t, a.RedemptionContext, b.RedemptionContext, "each challenge gets its own redemption context")
	da, _ := a.Digest()
	db, _ := b.Digest()
	assert.NotEqual(t, da, db)

	_, err = NewTokenChallenge("issuer.example.com")
	assert.ErrorIs(t, err, ErrMalformedChallenge, "a challenge without an origin would be redeemable anywhere")
}

func TestDeriveRedemptionContext(t *testing.T) {
	a := DeriveRedemptionContext([]byte("signature-1"))
	assert.Len(t, a, RedemptionContextSize)
	assert.Equal(t, a, DeriveRedemptionContext([]byte("signature-1")))
	assert.NotEqual(t, a, DeriveRedemptionContext([]byte("signature-2")))
}

func TestParseTokenChallengeRejects(t *testing.T) {
	good, err := TokenChallenge{TokenType: 2, IssuerName: "issuer.example", RedemptionContext: bytes.Repeat([]byte{7}, 32), OriginInfo: []string{"a.example"}}.MarshalBinary()
	require.NoError(t, err)
	_, err = ParseTokenChallenge(good)
	require.NoError(t, err)

	enc := func(issuer string, rc []byte, origin string) []byte {
		b := []byte{0, 2, byte(len(issuer) >> 8), byte(len(issuer))}
		b = append(b, issuer...)
		b = append(b, byte(len(rc)))
		b = append(b, rc...)
		b = append(b, byte(len(origin)>>8), byte(len(origin)))
		return append(b, origin...)
	}
	cases := map[string][]byte{
		"empty":                     nil,
		"truncated type":            {0},
		"truncated issuer":          good[:10],
		"truncated origin":          good[:len(good)-1],
		"trailing byte":             append(append([]byte{}, good...), 0),
		"empty issuer":              enc("", nil, "a.example"),
		"16-byte context":           enc("issuer.example", make([]byte, 16), "a.example"),
		"33-byte context length":    append(enc("issuer.example", nil, "")[:18], 33),
		"space in issuer":           enc("issuer example", nil, "a.example"),
		"empty origin between ','":  enc("issuer.example", nil, "a.example,,b.example"),
		"trailing ',' in origin":    enc("issuer.example", nil, "a.example,"),
		"control char in origin":    enc("issuer.example", nil, "a.example\n"),
		"overlong issuer name":      enc(strings.Repeat("a", 300), nil, "a.example"),
		"quote in origin (header)":  enc("issuer.example", nil, `a"b`),
		"comma-less garbage origin": enc("issuer.example", nil, "a/b"),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParseTokenChallenge(b)
			assert.ErrorIs(t, err, ErrMalformedChallenge)
		})
	}
}

func TestTokenChallengeMarshalRejectsInvalid(t *testing.T) {
	_, err := TokenChallenge{TokenType: 2, IssuerName: "i.example", RedemptionContext: []byte{1, 2, 3}, OriginInfo: []string{"o.example"}}.MarshalBinary()
	assert.ErrorIs(t, err, ErrMalformedChallenge)
	_, err = TokenChallenge{TokenType: 2, IssuerName: "i.example", OriginInfo: []string{"a,b"}}.MarshalBinary()
	assert.ErrorIs(t, err, ErrMalformedChallenge, "a ',' inside a name would change the list")
}
