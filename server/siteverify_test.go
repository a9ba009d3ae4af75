package server_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
)

// siteverifyPaths maps each drop-in path to its dialect.
var siteverifyPaths = map[string]string{
	"/api/v1/siteverify":        "turnstile",
	"/turnstile/v0/siteverify":  "turnstile",
	"/recaptcha/api/siteverify": "recaptcha",
	"/hcaptcha/siteverify":      "hcaptcha",
}

// encodings send the same fields form-encoded and as JSON (docs/protocol-notes.md, "Siteverify contracts").
var encodings = map[string]func(f map[string]string) any{
	"form": func(f map[string]string) any {
		v := url.Values{}
		for k, s := range f {
			v.Set(k, s)
		}
		return v
	},
	"json": func(f map[string]string) any { return f },
}

func siteverify(t *testing.T, e *env, path, enc string, f map[string]string) (int, map[string]any) {
	t.Helper()
	r := e.do(http.MethodPost, path, encodings[enc](f))
	requireJSON(t, r)
	m := r.JSON(t)
	require.IsType(t, false, m["success"], r.String())
	return r.Code, m
}

func TestSiteverifyDialects(t *testing.T) {
	e := newEnv(t)
	key, secret := e.site("shop.example")
	for path, dialect := range siteverifyPaths {
		for enc := range encodings {
			t.Run(path+"/"+enc, func(t *testing.T) {
				tok := e.token(key, "https://shop.example")
				code, m := siteverify(t, e, path, enc, map[string]string{"secret": secret, "response": tok, "remoteip": "198.51.100.7"})
				require.Equal(t, http.StatusOK, code, m)
				require.Equal(t, true, m["success"], m)
				require.Equal(t, "shop.example", m["hostname"])
				require.Equal(t, []any{}, m["error-codes"])
				require.EqualValues(t, 1, m["score"])
				require.Equal(t, []any{}, m["score_reason"])
				ts, err := time.Parse(time.RFC3339, m["challenge_ts"].(string))
				require.NoError(t, err)
				require.WithinDuration(t, time.Now(), ts, 10*time.Second)
				switch dialect {
				case "turnstile":
					require.Contains(t, m, "action")
					require.Contains(t, m, "cdata")
					require.Contains(t, m, "metadata")
				case "recaptcha":
					require.Contains(t, m, "action")
					require.NotContains(t, m, "cdata")
				case "hcaptcha":
					require.NotContains(t, m, "action")
					require.NotContains(t, m, "cdata")
				}

				// A reused token is a 200 failure in the dialect's vocabulary.
				code, m = siteverify(t, e, path, enc, map[string]string{"secret": secret, "response": tok})
				require.Equal(t, http.StatusOK, code)
				require.Equal(t, false, m["success"])
				want := astracaph.CodeTimeoutDuplicate
				if dialect == "hcaptcha" {
					want = "already-seen-response"
				}
				require.Equal(t, []any{want}, m["error-codes"])

				// An invalid token is a 200 failure too (clients that fail open keep working).
				code, m = siteverify(t, e, path, enc, map[string]string{"secret": secret, "response": "bm90LWEtdG9rZW4="})
				require.Equal(t, http.StatusOK, code)
				require.Equal(t, []any{astracaph.CodeInvalidResponse}, m["error-codes"])

				// Auth and format errors are 4xx.
				code, m = siteverify(t, e, path, enc, map[string]string{"response": tok})
				require.Equal(t, http.StatusUnauthorized, code)
				require.Equal(t, []any{astracaph.CodeMissingSecret}, m["error-codes"])
				fresh := e.token(key, "https://shop.example")
				code, m = siteverify(t, e, path, enc, map[string]string{"secret": "sk_live_wrong", "response": fresh})
				require.Equal(t, http.StatusForbidden, code)
				require.Equal(t, false, m["success"])
				require.Equal(t, []any{astracaph.CodeInvalidSecret}, m["error-codes"])
				code, m = siteverify(t, e, path, enc, map[string]string{"secret": secret})
				require.Equal(t, http.StatusBadRequest, code)
				require.Equal(t, []any{astracaph.CodeMissingResponse}, m["error-codes"])
				// The rejected secret did not consume the fresh token.
				code, m = siteverify(t, e, path, enc, map[string]string{"secret": secret, "response": fresh})
				require.Equal(t, http.StatusOK, code)
				require.Equal(t, true, m["success"], m)
			})
		}
	}
}

func TestSiteverifyIdempotencyKey(t *testing.T) {
	e := newEnv(t)
	key, secret := e.site("shop.example")
	for enc := range encodings {
		tok := e.token(key, "https://shop.example")
		f := map[string]string{"secret": secret, "response": tok, "idempotency_key": "4a1d0d5c-0000-4000-8000-000000000001"}
		for range 3 {
			code, m := siteverify(t, e, "/turnstile/v0/siteverify", enc, f)
			require.Equal(t, http.StatusOK, code)
			require.Equal(t, true, m["success"], "a retry with the same key re-validates: %v", m)
		}
		f["idempotency_key"] = "4a1d0d5c-0000-4000-8000-000000000002"
		_, m := siteverify(t, e, "/turnstile/v0/siteverify", enc, f)
		require.Equal(t, false, m["success"])
		require.Equal(t, []any{astracaph.CodeTimeoutDuplicate}, m["error-codes"])
		delete(f, "idempotency_key")
		_, m = siteverify(t, e, "/turnstile/v0/siteverify", enc, f)
		require.Equal(t, false, m["success"])
	}
}

func TestSiteverifyJSONScalars(t *testing.T) {
	// JSON clients may send numbers (an integer idempotency key): they count as text.
	e := newEnv(t)
	key, secret := e.site("shop.example")
	tok := e.token(key, "https://shop.example")
	body := map[string]any{"secret": secret, "response": tok, "idempotency_key": 12345, "remoteip": nil, "extra": []int{1}}
	for range 2 {
		r := e.do(http.MethodPost, "/api/v1/siteverify", body)
		require.Equal(t, http.StatusOK, r.Code, r.String())
		require.Equal(t, true, r.JSON(t)["success"], r.String())
	}
	body["idempotency_key"] = 12346
	require.Equal(t, false, e.do(http.MethodPost, "/api/v1/siteverify", body).JSON(t)["success"])
	requireError(t, e.do(http.MethodPost, "/api/v1/siteverify", `["secret"]`, withCT("application/json")), http.StatusBadRequest, "bad-request")
}

func TestSiteverifyTestSecrets(t *testing.T) {
	e := newEnv(t)
	for path, dialect := range siteverifyPaths {
		for enc := range encodings {
			// Turnstile's dummy secrets accept any response, like Cloudflare's.
			code, m := siteverify(t, e, path, enc, map[string]string{"secret": astracaph.TestSecretPass, "response": astracaph.TestToken})
			require.Equal(t, http.StatusOK, code)
			require.Equal(t, true, m["success"], m)
			require.Equal(t, "example.com", m["hostname"])
			code, m = siteverify(t, e, path, enc, map[string]string{"secret": astracaph.TestSecretPass, "response": "anything"})
			require.Equal(t, http.StatusOK, code)
			require.Equal(t, true, m["success"], m)

			code, m = siteverify(t, e, path, enc, map[string]string{"secret": astracaph.TestSecretFail, "response": astracaph.TestToken})
			require.Equal(t, http.StatusOK, code)
			require.Equal(t, false, m["success"])
			require.Equal(t, []any{astracaph.CodeInvalidResponse}, m["error-codes"])

			code, m = siteverify(t, e, path, enc, map[string]string{"secret": astracaph.TestSecretSpent, "response": astracaph.TestToken})
			require.Equal(t, http.StatusOK, code)
			want := astracaph.CodeTimeoutDuplicate
			if dialect == "hcaptcha" {
				want = "already-seen-response"
			}
			require.Equal(t, []any{want}, m["error-codes"])
		}
	}
	// The dummy token does not pass with a real secret.
	_, secret := e.site("shop.example")
	_, m := siteverify(t, e, "/api/v1/siteverify", "form", map[string]string{"secret": secret, "response": astracaph.TestToken})
	require.Equal(t, false, m["success"])
}

func TestSiteverifyHCaptchaSitekey(t *testing.T) {
	e := newEnv(t)
	a, secret := e.site("a.example")
	b, _ := e.site("b.example")
	tok := e.token(a, "https://a.example")
	_, m := siteverify(t, e, "/hcaptcha/siteverify", "form", map[string]string{"secret": secret, "response": tok, "sitekey": b})
	require.Equal(t, false, m["success"])
	require.Equal(t, []any{astracaph.CodeSiteKeyMismatch}, m["error-codes"])
	_, m = siteverify(t, e, "/hcaptcha/siteverify", "form", map[string]string{"secret": secret, "response": tok, "sitekey": a})
	require.Equal(t, true, m["success"], m)
}

func TestSiteverifyOpenSecret(t *testing.T) {
	open := "open-secret-known-to-the-backend"
	e := newEnv(t, astracaph.WithOpenSecret([]byte(open)))
	tok := e.token("", "https://blog.example")
	_, m := siteverify(t, e, "/api/v1/siteverify", "json", map[string]string{"secret": open, "response": tok})
	require.Equal(t, true, m["success"], m)
	require.Equal(t, "blog.example", m["hostname"])
}

func TestSiteverifyRequestErrors(t *testing.T) {
	e := newEnv(t)
	key, secret := e.site("shop.example")
	for path := range siteverifyPaths {
		requireError(t, e.do(http.MethodPost, path, "secret=x", withCT("text/plain")), http.StatusUnsupportedMediaType, "unsupported-media-type")
		requireError(t, e.do(http.MethodPost, path, `{"secret":`, withCT("application/json")), http.StatusBadRequest, "bad-request")
		r := e.do(http.MethodGet, path, nil)
		requireError(t, r, http.StatusMethodNotAllowed, "method-not-allowed")
		require.Equal(t, "POST", r.Header.Get("Allow"))
		// A response over 16 KiB is refused before any work.
		code, m := siteverify(t, e, path, "form", map[string]string{"secret": secret, "response": string(bytes.Repeat([]byte("a"), 17<<10))})
		require.Equal(t, http.StatusBadRequest, code)
		require.Equal(t, []any{"bad-request"}, m["error-codes"])
	}

	// multipart/form-data is accepted too.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	require.NoError(t, mw.WriteField("secret", secret))
	require.NoError(t, mw.WriteField("response", e.token(key, "https://shop.example")))
	require.NoError(t, mw.Close())
	r := e.do(http.MethodPost, "/api/v1/siteverify", buf.String(), withCT(mw.FormDataContentType()))
	require.Equal(t, http.StatusOK, r.Code, r.String())
	require.Equal(t, true, r.JSON(t)["success"], r.String())

	// A store outage is a retryable 503 internal-error, and the token survives it.
	tok := e.token(key, "https://shop.example")
	e.store.down.Store(true)
	code, m := siteverify(t, e, "/api/v1/siteverify", "form", map[string]string{"secret": secret, "response": tok})
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.Equal(t, []any{astracaph.CodeInternalError}, m["error-codes"])
	e.store.down.Store(false)
	_, m = siteverify(t, e, "/api/v1/siteverify", "form", map[string]string{"secret": secret, "response": tok})
	require.Equal(t, true, m["success"], m)
}
