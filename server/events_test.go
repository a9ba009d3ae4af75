package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSandboxEvents(t *testing.T) {
	e := newEnv(t)
	ts := httptest.NewServer(e.srv)
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+"/sandbox/events", nil)
	require.NoError(t, err)
	res, err := ts.Client().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "text/event-stream", res.Header.Get("Content-Type"))
	require.Equal(t, "no-store", res.Header.Get("Cache-Control"))

	lines := make(chan string, 16)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	next := func() string {
		t.Helper()
		select {
		case l, ok := <-lines:
			require.True(t, ok, "stream ended")
			return l
		case <-ctx.Done():
			require.Fail(t, "timed out waiting for the event stream")
			return ""
		}
	}
	// The greeting comment is written after subscribing: events from now on are ours.
	require.True(t, strings.HasPrefix(next(), ":"))

	c, err := ts.Client().Get(ts.URL + "/api/v1/challenge")
	require.NoError(t, err)
	c.Body.Close()
	require.Equal(t, http.StatusOK, c.StatusCode)

	var data string
	for data == "" {
		if l := next(); strings.HasPrefix(l, "data: ") {
			data = strings.TrimPrefix(l, "data: ")
		}
	}
	var ev map[string]any
	require.NoError(t, json.Unmarshal([]byte(data), &ev), data)
	require.Equal(t, "challenge", ev["kind"])
	require.Equal(t, "/api/v1/challenge", ev["path"])
	require.EqualValues(t, http.StatusOK, ev["status"])
	require.NotContains(t, ev, "ClientIP", "addresses are not streamed")
	_, err = time.Parse(time.RFC3339Nano, ev["time"].(string))
	require.NoError(t, err)
}

func TestSandboxEventsOnlyOwnClient(t *testing.T) {
	// Another client's request must not reach this subscriber: its challenge comes in
	// through the handler directly from a different address, then ours follows.
	e := newEnv(t)
	ts := httptest.NewServer(e.srv)
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+"/sandbox/events", nil)
	require.NoError(t, err)
	res, err := ts.Client().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	rd := bufio.NewReader(res.Body)
	greeting, err := rd.ReadString('\n')
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(greeting, ":"))

	require.Equal(t, http.StatusOK, e.do(http.MethodGet, "/api/v1/challenge?other=1", nil, withRemote("203.0.113.77:1")).Code)
	r := e.do(http.MethodPost, "/api/v1/challenge", map[string]any{"payload": "x"}, withRemote("127.0.0.1:9"))
	require.Equal(t, http.StatusBadRequest, r.Code)
	for {
		l, err := rd.ReadString('\n')
		require.NoError(t, err)
		if strings.HasPrefix(l, "data: ") {
			var ev map[string]any
			require.NoError(t, json.Unmarshal([]byte(strings.TrimPrefix(l, "data: ")), &ev))
			require.Equal(t, "redeem", ev["kind"], "the other client's challenge event leaked: %s", l)
			require.EqualValues(t, http.StatusBadRequest, ev["status"])
			return
		}
	}
}
