package middleware_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/middleware"
)

const (
	siteOrigin = "https://shop.example.com"
	openSecret = "open-secret-known-to-the-tests"
)

// fastPoW keeps tests quick while running the real PBKDF2 path.
var fastPoW = astracaph.PoWConfig{Algorithm: astracaph.PBKDF2SHA256, Cost: 2, CounterMin: 1, CounterMax: 30, V1MaxNumber: 500}

func newCaptcha(t testing.TB, opts ...astracaph.Option) *astracaph.Captcha {
	t.Helper()
	base := []astracaph.Option{
		astracaph.WithSecret([]byte("0123456789abcdef0123456789abcdef")), astracaph.WithPoW(fastPoW),
		astracaph.WithOpenSecret([]byte(openSecret)),
	}
	c, err := astracaph.New(append(base, opts...)...)
	require.NoError(t, err)
	return c
}

// solve is the browser's part: a solved raw ALTCHA payload.
func solve(t testing.TB, c *astracaph.Captcha) string {
	t.Helper()
	return solveFor(t, c, "")
}

// solveFor solves a challenge issued for siteKey ("" for open mode).
func solveFor(t testing.TB, c *astracaph.Captcha, siteKey string) string {
	t.Helper()
	ch, err := c.Challenge(context.Background(), astracaph.ChallengeRequest{SiteKey: siteKey, ClientIP: netip.MustParseAddr("198.51.100.7")})
	require.NoError(t, err)
	sol, err := astracaph.SolveChallenge(context.Background(), ch, astracaph.SolveOptions{})
	require.NoError(t, err)
	return astracaph.EncodePayload(ch, sol)
}

// issue runs the whole widget flow and returns a token bound to origin.
func issue(t testing.TB, c *astracaph.Captcha, origin string) string {
	t.Helper()
	d, err := c.Redeem(context.Background(), astracaph.RedeemRequest{Payload: solve(t, c), Origin: origin})
	require.NoError(t, err)
	require.Equal(t, astracaph.ActionPass, d.Action)
	return d.Token
}

// sign issues a real token (open mode, bound to siteOrigin) whose signed data carries the
// classification, reasons, fields and fields hash that edit sets: an engine on the same
// master secret signs whatever its risk function decides, as the server would.
func sign(t testing.TB, edit func(*astracaph.VerificationData)) string {
	t.Helper()
	want := astracaph.VerificationData{Score: 0.9}
	if edit != nil {
		edit(&want)
	}
	a := astracaph.Assessment{Action: astracaph.ActionPass, Score: want.Score, Reasons: want.Reasons, Classification: want.Classification}
	a.Signed = astracaph.SignedFields{Fields: want.Fields, FieldsHash: want.FieldsHash}
	c := newCaptcha(t, astracaph.WithRisk(func(context.Context, astracaph.RiskContext) (astracaph.Assessment, error) { return a, nil }))
	return issue(t, c, siteOrigin)
}

func formPost(vals url.Values) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/submit", strings.NewReader(vals.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Origin", siteOrigin)
	return r
}

// multipartPost builds a multipart form with fields and one file part.
func multipartPost(t testing.TB, fields [][2]string, file []byte) (*http.Request, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		require.NoError(t, mw.WriteField(f[0], f[1]))
	}
	fw, err := mw.CreateFormFile("upload", "data.bin")
	require.NoError(t, err)
	_, err = fw.Write(file)
	require.NoError(t, err)
	require.NoError(t, mw.Close())
	body := bytes.Clone(buf.Bytes())
	r := httptest.NewRequest(http.MethodPost, "/submit", &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.Header.Set("Origin", siteOrigin)
	return r, body
}

// recorder is a wrapped handler that records what it saw.
type recorder struct {
	calls  int
	body   []byte
	result astracaph.Result
	hasRes bool
	r      *http.Request
}

func (h *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.calls++
	h.r = r
	h.body, _ = io.ReadAll(r.Body)
	h.result, h.hasRes = middleware.ResultFromContext(r.Context())
	w.WriteHeader(http.StatusNoContent)
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// failure captures FailureReason from a custom error handler.
type failure struct {
	err    error
	result astracaph.Result
	hasRes bool
}

func capture(f *failure) middleware.Option {
	return middleware.WithErrorHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.err = middleware.FailureReason(r)
		f.result, f.hasRes = middleware.ResultFromContext(r.Context())
		w.WriteHeader(middleware.StatusCode(f.err))
	}))
}

func decodeJSON(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m), string(b))
	return m
}
