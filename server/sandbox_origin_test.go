package server_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSandboxedFrameOfOwnPageBindsToOwnOrigin(t *testing.T) {
	e := newEnv(t)
	body := `{"payload":"` + e.solve("") + `","origin":"null"}`
	req := httptest.NewRequest(http.MethodPost, "http://captcha.test/api/v1/challenge", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "null")
	req.Header.Set("Referer", "http://captcha.test/sandbox")
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	// A sandboxed frame on a foreign page gets no origin (open mode needs one).
	req = httptest.NewRequest(http.MethodPost, "http://captcha.test/api/v1/challenge", strings.NewReader(`{"payload":"`+e.solve("")+`","origin":"null"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "null")
	req.Header.Set("Referer", "https://elsewhere.example/page")
	rec = httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
}
