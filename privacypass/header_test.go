package privacypass

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func rfcToken(t testing.TB) (Token, []byte) {
	t.Helper()
	v := loadRFCVector(t)
	tok, err := ParseToken(v.Token)
	require.NoError(t, err)
	return tok, v.Token
}

func TestWWWAuthenticateRoundTrip(t *testing.T) {
	v := loadRFCVector(t)
	w := WWWAuthenticate{Challenge: v.Challenge, TokenKey: v.PKS, MaxAge: 300 * time.Second}
	s := w.String()
	assert.True(t, strings.HasPrefix(s, `PrivateToken challenge="`), s)
	assert.Contains(t, s, `, max-age=300`)

	got, err := ParseWWWAuthenticate(s)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, w, got[0])

	w.MaxAge = 0
	assert.NotContains(t, w.String(), "max-age")
}

func TestParseWWWAuthenticateAmongOtherSchemes(t *testing.T) {
	v := loadRFCVector(t)
	ch := base64.RawURLEncoding.EncodeToString(v.Challenge)
	key := base64.URLEncoding.EncodeToString(v.PKS)
	require.True(t, strings.HasSuffix(base64.URLEncoding.EncodeToString(v.Challenge), "="), "padded and unpadded forms both occur")
	header := `Basic realm="a, b", PrivateToken challenge=` + ch + `, token-key="` + key + `", max-age="10", ext=1, ` +
		`Negotiate abc==, privatetoken CHALLENGE = "` + base64.URLEncoding.EncodeToString(v.Challenge) + `"`
	got, err := ParseWWWAuthenticate(header)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, v.Challenge, got[0].Challenge)
	assert.Equal(t, v.PKS, got[0].TokenKey)
	assert.Equal(t, 10*time.Second, got[0].MaxAge)
	assert.Equal(t, v.Challenge, got[1].Challenge)
	assert.Nil(t, got[1].TokenKey)

	for name, bad := range map[string]string{
		"no challenge":        `PrivateToken token-key="abc"`,
		"challenge not b64":   `PrivateToken challenge="!!!"`,
		"challenge not a TC":  `PrivateToken challenge="AAAA"`,
		"bad max-age":         `PrivateToken challenge="` + ch + `", max-age=-1`,
		"repeated challenge":  `PrivateToken challenge="` + ch + `", Challenge="` + ch + `"`,
		"token68 form":        `PrivateToken ` + ch,
		"unterminated quote":  `PrivateToken challenge="` + ch,
		"scheme without a SP": `PrivateToken"x"`,
		"unquoted padding":    `PrivateToken challenge=` + base64.URLEncoding.EncodeToString(v.Challenge),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseWWWAuthenticate(bad)
			assert.Error(t, err)
		})
	}
}

func TestParseAuthorization(t *testing.T) {
	tok, raw := rfcToken(t)
	// A type 2 token is 354 bytes, a multiple of 3: its base64url never has padding
	// (padded challenges and keys are exercised in the WWW-Authenticate tests).
	padded := base64.URLEncoding.EncodeToString(raw)
	unpadded := base64.RawURLEncoding.EncodeToString(raw)

	ok := map[string]string{
		"our own format":              tok.Authorization(),
		"quoted padded":               `PrivateToken token="` + padded + `"`,
		"quoted unpadded":             `PrivateToken token="` + unpadded + `"`,
		"unquoted unpadded":           `PrivateToken token=` + unpadded,
		"case-insensitive":            `privatetoken TOKEN="` + padded + `"`,
		"spaces around =":             `PrivateToken token = "` + padded + `"`,
		"unknown param ignored":       `PrivateToken ext="x", token="` + padded + `", other=1`,
		"folded after Basic":          `Basic dXNlcjpwYXNz, PrivateToken token="` + padded + `"`,
		"folded before Bearer params": `PrivateToken token="` + padded + `", Bearer realm="x"`,
		"empty list elements":         ` , PrivateToken token="` + padded + `" ,, `,
		"quoted-pair in value":        `PrivateToken token="` + unpadded[:10] + `\` + unpadded[10:] + `"`,
	}
	for name, h := range ok {
		t.Run(name, func(t *testing.T) {
			got, err := ParseAuthorization(h)
			require.NoError(t, err)
			assert.Equal(t, tok, got)
		})
	}

	bad := map[string]struct {
		header string
		want   error
	}{
		"empty":                  {"", ErrNoToken},
		"other scheme only":      {`Bearer abc`, ErrNoToken},
		"no token param":         {`PrivateToken other="x"`, ErrMalformedHeader},
		"repeated token":         {`PrivateToken token="` + padded + `", token="` + padded + `"`, ErrMalformedHeader},
		"two credentials":        {`PrivateToken token="` + padded + `", PrivateToken token="` + padded + `"`, ErrMalformedHeader},
		"token68":                {`PrivateToken ` + unpadded, ErrMalformedHeader},
		"stray padding":          {`PrivateToken token="` + unpadded + `="`, ErrMalformedToken},
		"control char in quotes": {"PrivateToken token=\"ab\x01\"", ErrMalformedHeader},
		"bad quoted-pair":        {"PrivateToken token=\"ab\\\x01\"", ErrMalformedHeader},
		"missing value":          {`PrivateToken token=`, ErrMalformedHeader},
		"missing comma":          {`PrivateToken token="a" other="b"`, ErrMalformedHeader},
		"too long":               {`PrivateToken token="` + strings.Repeat("A", maxHeaderLen) + `"`, ErrMalformedHeader},
		"standard alphabet":      {`PrivateToken token="` + strings.NewReplacer("-", "+", "_", "/").Replace(padded) + `"`, ErrMalformedToken},
		"truncated token":        {`PrivateToken token="` + base64.RawURLEncoding.EncodeToString(raw[:100]) + `"`, ErrMalformedToken},
		"type 1 token":           {`PrivateToken token="` + base64.RawURLEncoding.EncodeToString(append([]byte{0, 1}, raw[2:]...)) + `"`, ErrTokenType},
	}
	for name, c := range bad {
		t.Run(name, func(t *testing.T) {
			_, err := ParseAuthorization(c.header)
			assert.ErrorIs(t, err, c.want)
		})
	}
}

func TestTokenFromRequest(t *testing.T) {
	tok, _ := rfcToken(t)
	r, _ := http.NewRequest(http.MethodGet, "https://captcha.site.example/", nil)
	_, err := TokenFromRequest(r)
	assert.ErrorIs(t, err, ErrNoToken)

	r.Header.Add("Authorization", "Basic dXNlcjpwYXNz")
	r.Header.Add("Authorization", tok.Authorization())
	got, err := TokenFromRequest(r)
	require.NoError(t, err)
	assert.Equal(t, tok, got)

	r.Header.Add("Authorization", tok.Authorization())
	_, err = TokenFromRequest(r)
	assert.ErrorIs(t, err, ErrMalformedHeader, "two PrivateToken credentials are ambiguous")
}
