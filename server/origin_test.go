package server

import (
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRequestOrigin(t *testing.T) {
	for _, c := range []struct {
		name, host, header, claimed, want string
	}{
		{"browser header wins over a claim", "captcha.example", "https://shop.example", "https://evil.example", "https://shop.example"},
		{"own frame speaks for its parent", "captcha.example", "https://captcha.example", "https://shop.example", "https://shop.example"},
		{"own page without a claim", "captcha.example", "https://captcha.example", "", "https://captcha.example"},
		{"own page, host case", "Captcha.Example:8443", "https://captcha.example:8443", "https://shop.example", "https://shop.example"},
		{"other port is another origin", "captcha.example:8443", "https://captcha.example", "https://shop.example", "https://captcha.example"},
		{"no header: the claim", "captcha.example", "", "https://shop.example", "https://shop.example"},
		{"sandboxed frame: the claim", "captcha.example", "null", "https://shop.example", "https://shop.example"},
		{"null claim is no claim", "captcha.example", "", "null", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "http://"+c.host+"/api/v1/challenge", nil)
			r.Host = c.host
			if c.header != "" {
				r.Header.Set("Origin", c.header)
			}
			require.Equal(t, c.want, requestOrigin(r, c.claimed))
		})
	}
}
