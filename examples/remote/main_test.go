package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/server"
)

// TestRemoteExample follows the steps of the package doc against an in-process AstraCaph
// server: register the site over HTTP, serve the page with the site key, get a token the way
// the widget does for the page's origin, and post the form — the backend verifies it remotely
// with the secret, once.
func TestRemoteExample(t *testing.T) {
	c, err := astracaph.New(astracaph.WithSecret([]byte("remote-example-secret-0123456789")),
		astracaph.WithPoW(astracaph.PoWConfig{Algorithm: astracaph.PBKDF2SHA256, Cost: 2, CounterMin: 1, CounterMax: 20}))
	require.NoError(t, err)
	api := httptest.NewServer(server.New(c))
	t.Cleanup(api.Close)

	post := func(path, body string) map[string]any {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, api.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", "http://localhost:8093") // the page's origin, as the browser sends it
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var m map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&m))
		return m
	}
	site := post("/api/v1/sites", `{"domain":"localhost","name":"remote example"}`)
	siteKey, secret := site["siteKey"].(string), site["secret"].(string)
	require.NotEmpty(t, secret)

	backend := httptest.NewServer(newMux(api.URL+"/", siteKey, secret, api.Client()))
	t.Cleanup(backend.Close)
	resp, err := http.Get(backend.URL + "/")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Contains(t, string(body), `data-sitekey="`+siteKey+`"`)
	require.Contains(t, string(body), `src="`+api.URL+`/api/v1/widget.js"`)
	require.NotContains(t, string(body), secret, "the secret never reaches the page")

	token := func() string {
		resp, err := http.Get(api.URL + "/api/v1/challenge?siteKey=" + siteKey)
		require.NoError(t, err)
		var ch astracaph.Challenge
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&ch))
		resp.Body.Close()
		sol, err := astracaph.SolveChallenge(context.Background(), ch, astracaph.SolveOptions{})
		require.NoError(t, err)
		m := post("/api/v1/challenge", `{"payload":"`+astracaph.EncodePayload(ch, sol)+`","siteKey":"`+siteKey+`"}`)
		tok, _ := m["token"].(string)
		require.NotEmpty(t, tok, "%v", m)
		return tok
	}
	comment := func(tok string) (int, string) {
		form := url.Values{"comment": {"Nice post"}, "astracaph-response": {tok}}
		req, err := http.NewRequest(http.MethodPost, backend.URL+"/comment", strings.NewReader(form.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "http://localhost:8093")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	tok := token()
	code, out := comment(tok)
	require.Equal(t, http.StatusOK, code, out)
	require.Contains(t, out, "comment accepted")
	code, _ = comment(tok)
	require.NotEqual(t, http.StatusOK, code, "a token is accepted once")
	code, _ = comment("")
	require.NotEqual(t, http.StatusOK, code, "no token, no comment")
}
