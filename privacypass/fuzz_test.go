package privacypass

import (
	"encoding/base64"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// knownError reports whether err is one of the sentinels a parser may return, so a fuzzer
// finding an unclassified error (or a panic) fails.
func knownError(err error, sentinels ...error) bool {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

func FuzzParseAuthorization(f *testing.F) {
	v := loadRFCVector(f)
	tok, err := ParseToken(v.Token)
	require.NoError(f, err)
	unpadded := base64.RawURLEncoding.EncodeToString(v.Token)
	for _, s := range []string{
		tok.Authorization(),
		`PrivateToken token=` + unpadded,
		`privatetoken  TOKEN = "` + unpadded + `" , ext="a\"b"`,
		`Basic dXNlcjpwYXNz, PrivateToken token="` + unpadded + `", Bearer realm="x"`,
		`PrivateToken token="` + unpadded + `", PrivateToken token="` + unpadded + `"`,
		`PrivateToken ` + unpadded,
		`PrivateToken token="AAAA"`,
		`PrivateToken token=`,
		`Negotiate abc==, , ,`,
		`PrivateToken token="\`,
		"PrivateToken token=\"\x80\xff\"",
		``,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseAuthorization(s)
		if err != nil {
			assert.True(t, knownError(err, ErrNoToken, ErrMalformedHeader, ErrMalformedToken, ErrTokenType), "unclassified error %v", err)
			return
		}
		again, err := ParseAuthorization(got.Authorization())
		require.NoError(t, err)
		assert.Equal(t, got, again)
	})
}

func FuzzParseWWWAuthenticate(f *testing.F) {
	v := loadRFCVector(f)
	w := WWWAuthenticate{Challenge: v.Challenge, TokenKey: v.PKS, MaxAge: 60e9}
	ch := base64.RawURLEncoding.EncodeToString(v.Challenge)
	for _, s := range []string{
		w.String(),
		`PrivateToken challenge=` + ch,
		`Basic realm="x, y", PrivateToken challenge="` + ch + `", token-key="AAAA", max-age=10, privatetoken challenge=` + ch,
		`PrivateToken challenge="` + ch + `", max-age=99999999999`,
		`PrivateToken challenge="AAIAAA=="`,
		`PrivateToken challenge`,
		`PrivateToken challenge="` + ch + `", Challenge="` + ch + `"`,
		`, ,Basic`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseWWWAuthenticate(s)
		if err != nil {
			assert.True(t, knownError(err, ErrMalformedHeader, ErrMalformedChallenge), "unclassified error %v", err)
			return
		}
		for _, w := range got {
			_, err := ParseTokenChallenge(w.Challenge)
			require.NoError(t, err)
			again, err := ParseWWWAuthenticate(w.String())
			require.NoError(t, err)
			require.Len(t, again, 1)
			assert.Equal(t, w.Challenge, again[0].Challenge)
			assert.Equal(t, len(w.TokenKey), len(again[0].TokenKey))
			assert.Equal(t, w.MaxAge, again[0].MaxAge)
		}
	})
}

func FuzzParseTokenChallenge(f *testing.F) {
	v := loadRFCVector(f)
	f.Add(v.Challenge)
	for _, tc := range []TokenChallenge{
		{TokenType: 2, IssuerName: "issuer.example"},
		{TokenType: 2, IssuerName: "issuer.example", OriginInfo: []string{"a.example", "b.example:8443"}},
		{TokenType: 1, IssuerName: "[::1]:443", RedemptionContext: make([]byte, 32), OriginInfo: []string{"x"}},
	} {
		b, err := tc.MarshalBinary()
		require.NoError(f, err)
		f.Add(b)
	}
	f.Add([]byte{0, 2, 0, 1, 'a', 33})
	f.Add([]byte{0, 2, 0, 1, 'a', 0, 0, 2, 'a', ','})
	f.Fuzz(func(t *testing.T, b []byte) {
		tc, err := ParseTokenChallenge(b)
		if err != nil {
			assert.ErrorIs(t, err, ErrMalformedChallenge)
			return
		}
		enc, err := tc.MarshalBinary()
		require.NoError(t, err)
		assert.Equal(t, b, enc, "decoding is canonical: one encoding per challenge")
	})
}

func FuzzParseTokenKey(f *testing.F) {
	v := loadRFCVector(f)
	f.Add(v.PKS)
	f.Add(v.PKS[:40])
	f.Add([]byte{0x30, 0x03, 0x30, 0x01, 0x06})
	f.Fuzz(func(t *testing.T, der []byte) {
		pub, err := ParseTokenKey(der)
		if err != nil {
			assert.ErrorIs(t, err, ErrTokenKey)
			return
		}
		assert.Equal(t, rsaModulusBits, pub.N.BitLen())
	})
}
