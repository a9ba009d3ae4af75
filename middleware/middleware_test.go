package middleware_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/middleware"
)

func TestEveryTokenSource(t *testing.T) {
	c := newCaptcha(t)
	for _, field := range []string{"astracaph-response", "altcha", "cf-turnstile-response", "h-captcha-response", "g-recaptcha-response"} {
		t.Run(field, func(t *testing.T) {
			h := &recorder{}
			w := serve(middleware.Protect(c)(h), formPost(url.Values{field: {issue(t, c, siteOrigin)}, "name": {"Ada"}}))
			require.Equal(t, http.StatusNoContent, w.Code, w.Body.String())
			require.True(t, h.hasRes)
			require.True(t, h.result.Success)
			require.Equal(t, siteOrigin, h.result.Origin)
			require.Equal(t, "shop.example.com", h.result.Hostname)
		})
	}
	t.Run("header", func(t *testing.T) {
		h := &recorder{}
		body := `{"comment":"hello"}`
		r := httptest.NewRequest(http.MethodPost, "/api/comments", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Origin", siteOrigin)
		r.Header.Set("X-AstraCaph-Token", issue(t, c, siteOrigin))
		w := serve(middleware.Protect(c)(h), r)
		require.Equal(t, http.StatusNoContent, w.Code, w.Body.String())
		require.True(t, h.result.Success)
		require.Equal(t, body, string(h.body))
	})
	t.Run("raw ALTCHA payload", func(t *testing.T) {
		h := &recorder{}
		payload := solve(t, c)
		require.False(t, astracaph.IsServerPayload(payload))
		prot := middleware.Protect(c)(h)
		w := serve(prot, formPost(url.Values{"altcha": {payload}}))
		require.Equal(t, http.StatusNoContent, w.Code, w.Body.String())
		require.True(t, h.result.Success)
		require.Equal(t, siteOrigin, h.result.Origin)
		// The payload's challenge is spent: a second submission fails.
		var f failure
		w = serve(middleware.Protect(c, capture(&f))(h), formPost(url.Values{"altcha": {payload}}))
		require.Equal(t, http.StatusForbidden, w.Code)
		require.ErrorIs(t, f.err, middleware.ErrTokenInvalid)
		requireCodes(t, f.err, astracaph.CodeTimeoutDuplicate)
		require.Equal(t, 1, h.calls)
	})
	t.Run("raw payload for another origin", func(t *testing.T) {
		// A raw payload is bound to the origin of the request that submits it.
		h := &recorder{}
		r := formPost(url.Values{"altcha": {solve(t, c)}})
		r.Header.Set("Origin", "https://other.example")
		w := serve(middleware.Protect(c)(h), r)
		require.Equal(t, http.StatusNoContent, w.Code)
		require.Equal(t, "https://other.example", h.result.Origin)
	})
}

func TestFieldOrderAndCustomNames(t *testing.T) {
	c := newCaptcha(t)
	h := &recorder{}
	// The first field in order decides: a valid token behind an invalid one does not count.
	var f failure
	w := serve(middleware.Protect(c, capture(&f))(h), formPost(url.Values{"astracaph-response": {"garbage"}, "altcha": {issue(t, c, siteOrigin)}}))
	require.Equal(t, http.StatusForbidden, w.Code)
	require.ErrorIs(t, f.err, middleware.ErrTokenInvalid)
	w = serve(middleware.Protect(c)(h), formPost(url.Values{"astracaph-response": {issue(t, c, siteOrigin)}, "altcha": {"garbage"}}))
	require.Equal(t, http.StatusNoContent, w.Code)
	// A form field beats the header.
	r := formPost(url.Values{"astracaph-response": {issue(t, c, siteOrigin)}})
	r.Header.Set("X-AstraCaph-Token", "garbage")
	require.Equal(t, http.StatusNoContent, serve(middleware.Protect(c)(h), r).Code)

	custom := middleware.Protect(c, middleware.WithFieldNames("my-captcha"), middleware.WithHeaderName("X-Captcha"), capture(&f))(h)
	require.Equal(t, http.StatusNoContent, serve(custom, formPost(url.Values{"my-captcha": {issue(t, c, siteOrigin)}})).Code)
	w = serve(custom, formPost(url.Values{"astracaph-response": {issue(t, c, siteOrigin)}}))
	require.Equal(t, http.StatusForbidden, w.Code, "default names are replaced")
	require.ErrorIs(t, f.err, middleware.ErrTokenMissing)
	r = formPost(url.Values{"name": {"Ada"}})
	r.Header.Set("X-Captcha", issue(t, c, siteOrigin))
	require.Equal(t, http.StatusNoContent, serve(custom, r).Code)
	r = formPost(url.Values{"name": {"Ada"}})
	r.Header.Set("X-AstraCaph-Token", issue(t, c, siteOrigin))
	require.Equal(t, http.StatusForbidden, serve(custom, r).Code)
	// The query string is never a token source.
	r = formPost(url.Values{"name": {"Ada"}})
	r.URL.RawQuery = url.Values{"astracaph-response": {issue(t, c, siteOrigin)}}.Encode()
	require.Equal(t, http.StatusForbidden, serve(middleware.Protect(c)(h), r).Code)
}

// formChecker asserts the wrapped handler sees an unparsed request whose form parses.
type formChecker struct {
	t     *testing.T
	calls int
	check func(r *http.Request)
}

func (h *formChecker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.calls++
	require.Nil(h.t, r.Form)
	require.Nil(h.t, r.PostForm)
	require.Nil(h.t, r.MultipartForm)
	h.check(r)
	w.WriteHeader(http.StatusNoContent)
}

func TestWrappedHandlerGetsWholeBody(t *testing.T) {
	c := newCaptcha(t)
	file := make([]byte, 200<<10)
	_, _ = rand.Read(file)

	t.Run("urlencoded read", func(t *testing.T) {
		vals := url.Values{"astracaph-response": {issue(t, c, siteOrigin)}, "name": {"Ada Lovelace"}, "message": {"a\r\nb & c=d"}}
		h := &recorder{}
		require.Equal(t, http.StatusNoContent, serve(middleware.Protect(c)(h), formPost(vals)).Code)
		require.Equal(t, vals.Encode(), string(h.body))
		require.Equal(t, int64(len(vals.Encode())), h.r.ContentLength)
	})
	t.Run("urlencoded parse", func(t *testing.T) {
		tok := issue(t, c, siteOrigin)
		h := &formChecker{t: t, check: func(r *http.Request) {
			require.Equal(t, "Ada", r.FormValue("name"))
			require.Equal(t, tok, r.PostFormValue("astracaph-response"))
		}}
		require.Equal(t, http.StatusNoContent, serve(middleware.Protect(c)(h), formPost(url.Values{"astracaph-response": {tok}, "name": {"Ada"}})).Code)
		require.Equal(t, 1, h.calls)
	})
	t.Run("multipart read", func(t *testing.T) {
		r, body := multipartPost(t, [][2]string{{"name", "Ada"}, {"astracaph-response", issue(t, c, siteOrigin)}}, file)
		h := &recorder{}
		require.Equal(t, http.StatusNoContent, serve(middleware.Protect(c)(h), r).Code)
		require.True(t, bytes.Equal(body, h.body), "the body must reach the handler byte for byte")
	})
	t.Run("multipart parse", func(t *testing.T) {
		r, _ := multipartPost(t, [][2]string{{"astracaph-response", issue(t, c, siteOrigin)}, {"name", "Ada"}}, file)
		h := &formChecker{t: t, check: func(r *http.Request) {
			require.NoError(t, r.ParseMultipartForm(1<<20))
			require.Equal(t, "Ada", r.FormValue("name"))
			f, _, err := r.FormFile("upload")
			require.NoError(t, err)
			got, err := io.ReadAll(f)
			require.NoError(t, err)
			require.True(t, bytes.Equal(file, got))
		}}
		require.Equal(t, http.StatusNoContent, serve(middleware.Protect(c)(h), r).Code)
		require.Equal(t, 1, h.calls)
	})
	t.Run("chunked body", func(t *testing.T) {
		vals := url.Values{"astracaph-response": {issue(t, c, siteOrigin)}, "name": {"Ada"}}
		r := httptest.NewRequest(http.MethodPost, "/submit", io.MultiReader(strings.NewReader(vals.Encode())))
		require.Equal(t, int64(-1), r.ContentLength)
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Origin", siteOrigin)
		h := &recorder{}
		require.Equal(t, http.StatusNoContent, serve(middleware.Protect(c)(h), r).Code)
		require.Equal(t, vals.Encode(), string(h.body))
		require.Equal(t, int64(len(vals.Encode())), h.r.ContentLength)
	})
}

func requireCodes(t *testing.T, err error, codes ...string) {
	t.Helper()
	f, ok := errors.AsType[*middleware.Failure](err)
	require.True(t, ok, "%T %v", err, err)
	require.Equal(t, codes, f.Codes)
}

func TestTokenIsSingleUse(t *testing.T) {
	c := newCaptcha(t)
	h := &recorder{}
	var f failure
	prot := middleware.Protect(c, capture(&f))(h)
	tok := issue(t, c, siteOrigin)
	require.Equal(t, http.StatusNoContent, serve(prot, formPost(url.Values{"astracaph-response": {tok}})).Code)
	require.Equal(t, http.StatusForbidden, serve(prot, formPost(url.Values{"astracaph-response": {tok}})).Code)
	require.ErrorIs(t, f.err, middleware.ErrTokenInvalid)
	requireCodes(t, f.err, astracaph.CodeTimeoutDuplicate)
	require.True(t, f.hasRes, "the error handler sees the verifier's result")
	require.False(t, f.result.Success)
	require.Equal(t, 1, h.calls)
}

func TestOriginBinding(t *testing.T) {
	c := newCaptcha(t)
	h := &recorder{}
	var f failure
	prot := middleware.Protect(c, capture(&f))(h)
	tok := issue(t, c, siteOrigin)

	r := formPost(url.Values{"astracaph-response": {tok}})
	r.Header.Set("Origin", "https://evil.example")
	require.Equal(t, http.StatusForbidden, serve(prot, r).Code)
	require.ErrorIs(t, f.err, middleware.ErrTokenInvalid)
	requireCodes(t, f.err, astracaph.CodeOriginMismatch)

	// Without Origin, the Referer's origin binds.
	r = formPost(url.Values{"astracaph-response": {tok}})
	r.Header.Del("Origin")
	r.Header.Set("Referer", "https://evil.example/form?next=https://shop.example.com")
	require.Equal(t, http.StatusForbidden, serve(prot, r).Code)
	requireCodes(t, f.err, astracaph.CodeOriginMismatch)
	r = formPost(url.Values{"astracaph-response": {tok}})
	r.Header.Set("Origin", "null")
	r.Header.Set("Referer", siteOrigin+"/contact?x=1")
	require.Equal(t, http.StatusNoContent, serve(prot, r).Code, "the wrong-origin attempts did not spend the token")

	// Nothing to bind to.
	r = formPost(url.Values{"astracaph-response": {issue(t, c, siteOrigin)}})
	r.Header.Del("Origin")
	require.Equal(t, http.StatusForbidden, serve(prot, r).Code)
	require.ErrorIs(t, f.err, middleware.ErrOriginUnknown)
	requireCodes(t, f.err, middleware.CodeMissingOrigin)

	// A configured origin takes precedence over the headers.
	pinned := middleware.Protect(c, middleware.WithExpectedOrigin(siteOrigin), capture(&f))(h)
	r = formPost(url.Values{"astracaph-response": {issue(t, c, siteOrigin)}})
	r.Header.Del("Origin")
	require.Equal(t, http.StatusNoContent, serve(pinned, r).Code)
	r = formPost(url.Values{"astracaph-response": {issue(t, c, "https://evil.example")}})
	r.Header.Set("Origin", "https://evil.example")
	require.Equal(t, http.StatusForbidden, serve(pinned, r).Code)
	requireCodes(t, f.err, astracaph.CodeOriginMismatch)
}

func TestMissingToken(t *testing.T) {
	c := newCaptcha(t)
	h := &recorder{}
	var f failure
	prot := middleware.Protect(c, capture(&f))(h)
	for name, r := range map[string]*http.Request{
		"no field":    formPost(url.Values{"name": {"Ada"}}),
		"empty field": formPost(url.Values{"astracaph-response": {"  "}}),
		"no body":     httptest.NewRequest(http.MethodDelete, "/item/1", nil),
	} {
		f = failure{}
		require.Equal(t, http.StatusForbidden, serve(prot, r).Code, name)
		require.ErrorIs(t, f.err, middleware.ErrTokenMissing, name)
		requireCodes(t, f.err, astracaph.CodeMissingResponse)
		require.False(t, f.hasRes)
	}
	require.Zero(t, h.calls)
}

func TestSkipAndMethods(t *testing.T) {
	c := newCaptcha(t)
	var seen *http.Request
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r
		_, has := middleware.ResultFromContext(r.Context())
		require.False(t, has)
		w.WriteHeader(http.StatusTeapot)
	})
	prot := middleware.Protect(c)(next)
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodOptions} {
		r := httptest.NewRequest(m, "/form", strings.NewReader("unread"))
		require.Equal(t, http.StatusTeapot, serve(prot, r).Code, m)
		require.Same(t, r, seen, "%s passes through untouched", m)
	}
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		require.Equal(t, http.StatusForbidden, serve(prot, httptest.NewRequest(m, "/form", nil)).Code, m)
	}

	skip := middleware.Protect(c, middleware.WithSkip(func(r *http.Request) bool { return r.URL.Path == "/webhook" }))(next)
	r := httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader("x=1"))
	require.Equal(t, http.StatusTeapot, serve(skip, r).Code)
	require.Same(t, r, seen)
	require.Equal(t, http.StatusForbidden, serve(skip, httptest.NewRequest(http.MethodPost, "/form", nil)).Code)

	onlyPut := middleware.Protect(c, middleware.WithMethods("put"))(next)
	require.Equal(t, http.StatusTeapot, serve(onlyPut, httptest.NewRequest(http.MethodPost, "/form", nil)).Code)
	require.Equal(t, http.StatusForbidden, serve(onlyPut, httptest.NewRequest(http.MethodPut, "/form", nil)).Code)
}

func TestDefaultErrorBodies(t *testing.T) {
	c := newCaptcha(t)
	prot := middleware.Protect(c)(&recorder{})
	for _, tc := range []struct {
		accept string
		json   bool
	}{
		{"application/json", true},
		{"application/json, text/plain, */*", true},
		{"text/html;q=0.5, application/json", true},
		{"application/problem+json", true},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", false},
		{"*/*", false},
		{"", false},
		{"text/plain, application/json", false},
		{"application/json;q=0, text/plain;q=0.1", false},
	} {
		r := formPost(url.Values{"name": {"Ada"}})
		if tc.accept != "" {
			r.Header.Set("Accept", tc.accept)
		}
		w := serve(prot, r)
		require.Equal(t, http.StatusForbidden, w.Code)
		require.Equal(t, "no-store", w.Header().Get("Cache-Control"))
		if tc.json {
			require.Equal(t, "application/json; charset=utf-8", w.Header().Get("Content-Type"), tc.accept)
			m := decodeJSON(t, w.Body.Bytes())
			require.Equal(t, false, m["success"])
			require.Equal(t, "captcha-failed", m["error"])
			require.Equal(t, "captcha token missing", m["message"])
			require.Equal(t, []any{astracaph.CodeMissingResponse}, m["error-codes"])
		} else {
			require.Equal(t, "text/plain; charset=utf-8", w.Header().Get("Content-Type"), tc.accept)
			require.Contains(t, w.Body.String(), "captcha token missing")
			require.Contains(t, w.Body.String(), astracaph.CodeMissingResponse)
		}
	}
}

func TestCustomErrorHandler(t *testing.T) {
	c := newCaptcha(t)
	var got error
	eh := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = middleware.FailureReason(r)
		http.Redirect(w, r, "/form?captcha=failed", http.StatusSeeOther)
	})
	w := serve(middleware.Protect(c, middleware.WithErrorHandler(eh))(&recorder{}), formPost(url.Values{"astracaph-response": {"not-a-token"}}))
	require.Equal(t, http.StatusSeeOther, w.Code)
	require.ErrorIs(t, got, middleware.ErrTokenInvalid)
	require.NotErrorIs(t, got, middleware.ErrTokenMissing)
	f, ok := errors.AsType[*middleware.Failure](got)
	require.True(t, ok)
	require.Equal(t, []string{astracaph.CodeInvalidResponse}, f.Codes)
	require.Equal(t, http.StatusForbidden, middleware.StatusCode(got))
	require.Nil(t, middleware.FailureReason(httptest.NewRequest(http.MethodGet, "/", nil)))
}

func TestBodyTooLarge(t *testing.T) {
	c := newCaptcha(t)
	h := &recorder{}
	big := url.Values{"astracaph-response": {issue(t, c, siteOrigin)}, "pad": {strings.Repeat("x", 4096)}}.Encode()
	var f failure
	for name, opts := range map[string][]middleware.Option{
		"default handler": {middleware.WithMaxBodyBytes(1024)},
		"custom handler":  {middleware.WithMaxBodyBytes(1024), capture(&f)},
	} {
		for _, chunked := range []bool{false, true} {
			var body io.Reader = strings.NewReader(big)
			if chunked {
				body = io.MultiReader(body) // unknown length: the limit applies while reading
			}
			r := httptest.NewRequest(http.MethodPost, "/submit", body)
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.Header.Set("Origin", siteOrigin)
			r.Header.Set("Accept", "application/json")
			w := serve(middleware.Protect(c, opts...)(h), r)
			require.Equal(t, http.StatusRequestEntityTooLarge, w.Code, name)
			if name == "custom handler" {
				require.ErrorIs(t, f.err, middleware.ErrBodyTooLarge)
			} else {
				require.Equal(t, []any{middleware.CodeBodyTooLarge}, decodeJSON(t, w.Body.Bytes())["error-codes"])
			}
		}
	}
	require.Zero(t, h.calls)
	// Within the limit the same request passes.
	require.Equal(t, http.StatusNoContent, serve(middleware.Protect(c, middleware.WithMaxBodyBytes(8192))(h), formPost(mustParse(t, big))).Code)
}

func mustParse(t *testing.T, s string) url.Values {
	v, err := url.ParseQuery(s)
	require.NoError(t, err)
	return v
}

func TestMalformedBody(t *testing.T) {
	c := newCaptcha(t)
	var f failure
	prot := middleware.Protect(c, capture(&f))(&recorder{})
	for name, tc := range map[string][2]string{
		"bad escape":         {"application/x-www-form-urlencoded", "astracaph-response=%zz"},
		"multipart no bound": {"multipart/form-data", "--x\r\n"},
		"multipart garbage":  {"multipart/form-data; boundary=xyz", "--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunterminated"},
	} {
		r := httptest.NewRequest(http.MethodPost, "/submit", strings.NewReader(tc[1]))
		r.Header.Set("Content-Type", tc[0])
		r.Header.Set("Origin", siteOrigin)
		require.Equal(t, http.StatusBadRequest, serve(prot, r).Code, name)
		require.ErrorIs(t, f.err, middleware.ErrMalformedBody, name)
	}
}

func TestRejectSpam(t *testing.T) {
	c := newCaptcha(t)
	h := &recorder{}
	var f failure
	bad := func(d *astracaph.VerificationData) { d.Classification = "BAD"; d.Reasons = []string{"spam.KEYWORDS"} }
	strict := middleware.Protect(c, middleware.WithRejectSpam(), capture(&f))(h)

	require.Equal(t, http.StatusForbidden, serve(strict, formPost(url.Values{"astracaph-response": {sign(t, bad)}})).Code)
	require.ErrorIs(t, f.err, middleware.ErrSpam)
	requireCodes(t, f.err, middleware.CodeSpam)
	require.Equal(t, []string{"spam.KEYWORDS"}, f.result.Reasons)
	good := func(d *astracaph.VerificationData) { d.Classification = "GOOD" }
	require.Equal(t, http.StatusNoContent, serve(strict, formPost(url.Values{"astracaph-response": {sign(t, good)}})).Code)
	require.Equal(t, http.StatusNoContent, serve(strict, formPost(url.Values{"astracaph-response": {sign(t, nil)}})).Code)

	// Without the option a BAD token passes and the handler sees the classification.
	lax := middleware.Protect(c)(h)
	require.Equal(t, http.StatusNoContent, serve(lax, formPost(url.Values{"astracaph-response": {sign(t, bad)}})).Code)
	require.Equal(t, "BAD", h.result.Classification)
}

func TestCheckFieldsHash(t *testing.T) {
	c := newCaptcha(t)
	h := &recorder{}
	var f failure
	prot := middleware.Protect(c, middleware.WithCheckFieldsHash(), capture(&f))(h)
	form := url.Values{"name": {"Ada"}, "message": {"line one\r\nline two"}, "extra": {"not hashed"}}
	fields := []string{"name", "message", "missing"}
	hashed := func(alg astracaph.Algorithm) func(*astracaph.VerificationData) {
		return func(d *astracaph.VerificationData) {
			d.Fields, d.FieldsHash = fields, astracaph.FieldsHash(form, fields, alg)
		}
	}
	with := func(tok string, edit func(url.Values)) url.Values {
		v := url.Values{"astracaph-response": {tok}}
		for k, vs := range form {
			v[k] = append([]string(nil), vs...)
		}
		if edit != nil {
			edit(v)
		}
		return v
	}

	for _, alg := range []astracaph.Algorithm{astracaph.SHA256, astracaph.SHA512, astracaph.SHA1} {
		require.Equal(t, http.StatusNoContent, serve(prot, formPost(with(sign(t, hashed(alg)), nil))).Code, alg)
	}
	// Fields not hashed may change.
	require.Equal(t, http.StatusNoContent, serve(prot, formPost(with(sign(t, hashed(astracaph.SHA256)), func(v url.Values) { v.Set("extra", "changed") }))).Code)
	// A changed hashed field fails.
	w := serve(prot, formPost(with(sign(t, hashed(astracaph.SHA256)), func(v url.Values) { v.Set("message", "buy pills") })))
	require.Equal(t, http.StatusForbidden, w.Code)
	require.ErrorIs(t, f.err, middleware.ErrFieldsMismatch)
	requireCodes(t, f.err, middleware.CodeFieldsMismatch)
	// A field the hash counted as empty must stay empty.
	require.Equal(t, http.StatusForbidden, serve(prot, formPost(with(sign(t, hashed(astracaph.SHA256)), func(v url.Values) { v.Set("missing", "x") }))).Code)
	// Half the information cannot be checked.
	onlyFields := func(d *astracaph.VerificationData) { d.Fields = fields }
	require.Equal(t, http.StatusForbidden, serve(prot, formPost(with(sign(t, onlyFields), nil))).Code)
	onlyHash := func(d *astracaph.VerificationData) { d.FieldsHash = astracaph.FieldsHash(form, fields, "") }
	require.Equal(t, http.StatusForbidden, serve(prot, formPost(with(sign(t, onlyHash), nil))).Code)
	// Tokens without a fields hash pass.
	require.Equal(t, http.StatusNoContent, serve(prot, formPost(with(sign(t, nil), func(v url.Values) { v.Set("message", "x") }))).Code)
	// Multipart forms are checked too.
	r, _ := multipartPost(t, [][2]string{{"astracaph-response", sign(t, hashed(astracaph.SHA256))}, {"name", "Ada"}, {"message", "line one\r\nline two"}}, []byte("file"))
	require.Equal(t, http.StatusNoContent, serve(prot, r).Code)
	r, _ = multipartPost(t, [][2]string{{"astracaph-response", sign(t, hashed(astracaph.SHA256))}, {"name", "Eve"}, {"message", "line one\r\nline two"}}, []byte("file"))
	require.Equal(t, http.StatusForbidden, serve(prot, r).Code)
	// Without the option a changed form passes.
	lax := middleware.Protect(c)(h)
	require.Equal(t, http.StatusNoContent, serve(lax, formPost(with(sign(t, hashed(astracaph.SHA256)), func(v url.Values) { v.Set("message", "buy pills") }))).Code)
}

// flakyStore fails token consumption while down is set.
type flakyStore struct {
	astracaph.Store
	down atomic.Bool
}

func (s *flakyStore) ConsumeOnce(ctx context.Context, key, value string, issued time.Time, ttl time.Duration) (bool, string, error) {
	if s.down.Load() && strings.HasPrefix(key, "tk:") {
		return false, "", astracaph.ErrStore
	}
	return s.Store.ConsumeOnce(ctx, key, value, issued, ttl)
}

func TestStoreFailureIsUnavailable(t *testing.T) {
	st := &flakyStore{Store: astracaph.NewMemoryStore(astracaph.MemoryOptions{})}
	c := newCaptcha(t, astracaph.WithStore(st))
	h := &recorder{}
	var logs bytes.Buffer
	tok := issue(t, c, siteOrigin)
	st.down.Store(true)
	w := serve(middleware.Protect(c, middleware.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))(h), formPost(url.Values{"astracaph-response": {tok}}))
	require.Equal(t, http.StatusServiceUnavailable, w.Code)
	require.Zero(t, h.calls)
	var f failure
	serve(middleware.Protect(c, capture(&f))(h), formPost(url.Values{"astracaph-response": {tok}}))
	require.ErrorIs(t, f.err, middleware.ErrUnavailable)
	require.ErrorIs(t, f.err, astracaph.ErrStore, "the cause is kept for logs")
	require.Contains(t, logs.String(), "level=ERROR")
	require.NotContains(t, logs.String(), tok)
	// The token was not spent: it verifies once the store is back.
	st.down.Store(false)
	require.Equal(t, http.StatusNoContent, serve(middleware.Protect(c)(h), formPost(url.Values{"astracaph-response": {tok}})).Code)
}

func TestRawPayloadDecisions(t *testing.T) {
	stepUp := func(ctx context.Context, rc astracaph.RiskContext) (astracaph.Assessment, error) {
		if rc.Request.Fields["name"] == "boom" {
			return astracaph.Assessment{}, errors.New("risk engine down")
		}
		if _, leaked := rc.Request.Fields["altcha"]; leaked {
			return astracaph.Assessment{Action: astracaph.ActionDeny, Reasons: []string{"test.TOKEN_FIELD_LEAKED"}}, nil
		}
		return astracaph.Assessment{Action: astracaph.ActionStepUp, Score: 0.3, Reasons: []string{"net.HOSTING"}}, nil
	}
	c := newCaptcha(t, astracaph.WithRisk(stepUp))
	h := &recorder{}
	var f failure
	prot := middleware.Protect(c, capture(&f))(h)
	require.Equal(t, http.StatusForbidden, serve(prot, formPost(url.Values{"altcha": {solve(t, c)}, "name": {"Ada"}})).Code)
	require.ErrorIs(t, f.err, middleware.ErrDenied)
	requireCodes(t, f.err, "net.HOSTING")
	require.True(t, f.hasRes)
	require.InDelta(t, 0.3, f.result.Score, 1e-9)

	require.Equal(t, http.StatusServiceUnavailable, serve(prot, formPost(url.Values{"altcha": {solve(t, c)}, "name": {"boom"}})).Code)
	require.ErrorIs(t, f.err, middleware.ErrUnavailable)
	require.Zero(t, h.calls)
}

func TestLogsNeverCarryTokens(t *testing.T) {
	c := newCaptcha(t)
	var logs bytes.Buffer
	prot := middleware.Protect(c, middleware.WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))(&recorder{})
	tok := issue(t, c, siteOrigin)
	serve(prot, formPost(url.Values{"astracaph-response": {tok}}))
	serve(prot, formPost(url.Values{"astracaph-response": {tok}}))
	require.Contains(t, logs.String(), astracaph.CodeTimeoutDuplicate)
	require.NotContains(t, logs.String(), tok)
}

func TestProtectNeedsAVerifier(t *testing.T) {
	require.Panics(t, func() { middleware.Protect(nil) })
	require.NotPanics(t, func() { middleware.Protect(nil, middleware.WithRemote("http://127.0.0.1:1", "sk", nil)) })
}

func TestSiteKeyOption(t *testing.T) {
	c := newCaptcha(t)
	s, err := c.RegisterSite(context.Background(), astracaph.SiteRequest{Domain: "shop.example.com"})
	require.NoError(t, err)
	h := &recorder{}
	var f failure
	prot := middleware.Protect(c, middleware.WithSiteKey(s.SiteKey), capture(&f))(h)
	require.Equal(t, http.StatusForbidden, serve(prot, formPost(url.Values{"astracaph-response": {issue(t, c, siteOrigin)}})).Code, "open-mode token")
	requireCodes(t, f.err, astracaph.CodeSiteKeyMismatch)
	ch, err := c.Challenge(context.Background(), astracaph.ChallengeRequest{SiteKey: s.SiteKey})
	require.NoError(t, err)
	sol, err := astracaph.SolveChallenge(context.Background(), ch, astracaph.SolveOptions{})
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, serve(prot, formPost(url.Values{"altcha": {astracaph.EncodePayload(ch, sol)}})).Code)
	require.Equal(t, s.SiteKey, h.result.SiteKey)
}
