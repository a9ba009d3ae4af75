package middleware

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/astracat/astracaph"
	"github.com/stretchr/testify/require"
)

func FuzzParseForm(f *testing.F) {
	f.Add("application/x-www-form-urlencoded", []byte("astracaph-response=abc&name=Ada"))
	f.Add("application/x-www-form-urlencoded; charset=utf-8", []byte("a=%zz&b"))
	f.Add("multipart/form-data; boundary=xyz", []byte("--xyz\r\nContent-Disposition: form-data; name=\"altcha\"\r\n\r\ntok\r\n--xyz\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\r\nfile\r\n--xyz--\r\n"))
	f.Add("multipart/form-data; boundary=\"q\"", []byte("--q\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\na=3Db\r\n--q--"))
	f.Add("multipart/form-data", []byte("--x\r\n"))
	f.Add("text/plain", []byte("astracaph-response=abc"))
	f.Add(";;;", []byte{0xff})
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		form, err := parseForm(ct, body)
		if err != nil {
			return
		}
		tok := findToken(form, defaultFieldNames, http.Header{}, DefaultHeaderName)
		require.Equal(t, strings.TrimSpace(tok), tok, "untrimmed token")
		if tok != "" {
			found := false
			for _, n := range defaultFieldNames {
				if vs := form[n]; len(vs) > 0 && strings.TrimSpace(vs[0]) == tok {
					found = true
				}
			}
			require.True(t, found, "token %q not from a token field", tok)
		}
	})
}

func FuzzDecodeRemote(f *testing.F) {
	f.Add([]byte(`{"success":true,"hostname":"a.example","siteKey":"pk","score":0.5,"challenge_ts":"2026-01-01T00:00:00Z","error-codes":[]}`))
	f.Add([]byte(`{"success":false,"error-codes":["timeout-or-duplicate"]}`))
	f.Add([]byte(`{"success":false}`))
	f.Add([]byte(`{"success":"true"}`))
	f.Add([]byte(`{"hostname":"x"}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"success":true} x`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		res, err := decodeRemote(raw)
		if err != nil {
			require.False(t, res.Success, "an error must not come with success")
			return
		}
		if !res.Success {
			require.NotEmpty(t, res.ErrorCodes, "a refusal without an error code")
		}
	})
}

func FuzzTokenData(f *testing.F) {
	now := time.Unix(1_700_000_000, 0)
	tok, err := astracaph.SignServerPayload(astracaph.VerificationData{
		ID: "abc", Origin: "https://a.example", Time: now, Expire: now.Add(time.Minute), Fields: []string{"name"},
		FieldsHash: strings.Repeat("0", 64), Classification: "GOOD", Verified: true,
	}, []byte("key"), astracaph.SHA256)
	require.NoError(f, err)
	f.Add(tok)
	f.Add("eyJ2ZXJpZmljYXRpb25EYXRhIjoiaWQ9MSJ9")
	f.Add("not base64")
	f.Add("")
	f.Fuzz(func(t *testing.T, tok string) {
		if d, ok := tokenData(tok); !ok {
			require.Empty(t, d.ID, "data returned for an unreadable token")
			require.Empty(t, d.Origin, "data returned for an unreadable token")
		}
	})
}

// FuzzProtect runs whole requests built from fuzzed headers and bodies through Protect:
// without a validly signed token the wrapped handler must never run, and the answer must
// be one of the refusal statuses.
func FuzzProtect(f *testing.F) {
	c, err := astracaph.New(astracaph.WithSecret([]byte("0123456789abcdef0123456789abcdef")))
	require.NoError(f, err)
	f.Add("application/x-www-form-urlencoded", "astracaph-response=abc", "https://a.example", "", "application/json", "")
	f.Add("multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"altcha\"\r\n\r\neyJhbGdvcml0aG0iOiJTSEEtMjU2In0=\r\n--b--", "", "https://a.example/x", "text/html", "")
	f.Add("application/json", `{"a":1}`, "null", "::::", "*/*", "eyJ2ZXJpZmljYXRpb25EYXRhIjoiaWQ9MSJ9")
	f.Add("", "", "", "", "", "")
	f.Fuzz(func(t *testing.T, ct, body, origin, referer, accept, header string) {
		called := false
		next := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true })
		h := Protect(c, WithMaxBodyBytes(4096))(next)
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		for k, v := range map[string]string{"Content-Type": ct, "Origin": origin, "Referer": referer, "Accept": accept, DefaultHeaderName: header} {
			if v != "" && validHeaderValue(v) {
				r.Header.Set(k, v)
			}
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		require.False(t, called, "the wrapped handler ran without a valid token")
		require.Contains(t, []int{http.StatusForbidden, http.StatusBadRequest, http.StatusRequestEntityTooLarge}, w.Code)
	})
}

func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] == 0x7f {
			return false
		}
	}
	return true
}

func TestTokenDataRoundTrip(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	want := astracaph.VerificationData{
		ID: "abc", Origin: "https://a.example", Time: now, Fields: []string{"name", "email"},
		FieldsHash: strings.Repeat("ab", 32), Classification: "BAD", Reasons: []string{"spam.LINKS"}, Verified: true,
	}
	tok, err := astracaph.SignServerPayload(want, []byte("key"), astracaph.SHA256)
	require.NoError(t, err)
	got, ok := tokenData(tok)
	require.True(t, ok)
	require.Equal(t, want.ID, got.ID)
	require.Equal(t, want.Origin, got.Origin)
	require.Equal(t, want.FieldsHash, got.FieldsHash)
	require.Equal(t, []string{"name", "email"}, got.Fields)
	require.Equal(t, "BAD", got.Classification)
	require.True(t, got.Time.Equal(now), "time %v, want %v", got.Time, now)
	_, ok = tokenData(url.QueryEscape(tok) + "!")
	require.False(t, ok, "garbage parsed")
}
