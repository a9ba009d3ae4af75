package server_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/server"
)

func TestSitesLifecycle(t *testing.T) {
	e := newEnv(t)
	r := e.do(http.MethodPost, "/api/v1/sites", map[string]any{"domain": "https://Shop.Example:8443/path", "name": "Shop", "origins": []string{"https://partner.example"}})
	require.Equal(t, http.StatusCreated, r.Code, r.String())
	requireJSON(t, r)
	m := r.JSON(t)
	key, _ := m["siteKey"].(string)
	secret, _ := m["secret"].(string)
	require.True(t, strings.HasPrefix(key, "pk_live_"), key)
	require.True(t, strings.HasPrefix(secret, "sk_live_"), secret)
	require.Equal(t, "shop.example", m["domain"])
	require.Equal(t, "Shop", m["name"])
	require.Equal(t, []any{"https://partner.example"}, m["origins"])
	created, err := time.Parse(time.RFC3339, m["createdAt"].(string))
	require.NoError(t, err)
	require.WithinDuration(t, time.Now(), created, 10*time.Second)

	// The public view never shows the secret.
	g := e.do(http.MethodGet, "/api/v1/sites/"+key, nil)
	require.Equal(t, http.StatusOK, g.Code, g.String())
	requireJSON(t, g)
	gm := g.JSON(t)
	require.Equal(t, key, gm["siteKey"])
	require.Equal(t, "shop.example", gm["domain"])
	require.Equal(t, "Shop", gm["name"])
	require.NotContains(t, gm, "secret")
	require.NotContains(t, string(g.Body), secret)
	require.NotContains(t, string(g.Body), secret[len("sk_live_"):])
	require.NotContains(t, strings.ToLower(string(g.Body)), "secret")

	// Duplicates and bad input.
	requireError(t, e.do(http.MethodPost, "/api/v1/sites", map[string]any{"domain": "SHOP.example."}), http.StatusConflict, "site-exists")
	for _, d := range []string{"", "not a domain", "nodot", "https://"} {
		requireError(t, e.do(http.MethodPost, "/api/v1/sites", map[string]any{"domain": d}), http.StatusBadRequest, "invalid-domain")
	}
	requireError(t, e.do(http.MethodPost, "/api/v1/sites", map[string]any{"domain": "o.example", "origins": []string{"ftp://x"}}), http.StatusBadRequest, "invalid-domain")
	requireError(t, e.do(http.MethodPost, "/api/v1/sites", "domain=x.example", withCT("application/x-www-form-urlencoded")), http.StatusUnsupportedMediaType, "unsupported-media-type")

	// Deletion needs the right secret.
	requireError(t, e.do(http.MethodDelete, "/api/v1/sites", map[string]any{"domain": "shop.example", "secret": "sk_live_wrong"}), http.StatusForbidden, "forbidden")
	require.Equal(t, http.StatusOK, e.do(http.MethodGet, "/api/v1/sites/"+key, nil).Code, "a refused delete leaves the site")
	requireError(t, e.do(http.MethodDelete, "/api/v1/sites", map[string]any{"domain": "shop.example"}), http.StatusBadRequest, "bad-request")
	requireError(t, e.do(http.MethodDelete, "/api/v1/sites", map[string]any{"domain": "bad domain", "secret": secret}), http.StatusBadRequest, "invalid-domain")
	requireError(t, e.do(http.MethodDelete, "/api/v1/sites", map[string]any{"domain": "other.example", "secret": secret}), http.StatusNotFound, "site-not-found")
	d := e.do(http.MethodDelete, "/api/v1/sites", map[string]any{"domain": "shop.example", "secret": secret})
	require.Equal(t, http.StatusOK, d.Code, d.String())
	requireJSON(t, d)
	require.Equal(t, true, d.JSON(t)["success"])
	requireError(t, e.do(http.MethodGet, "/api/v1/sites/"+key, nil), http.StatusNotFound, "site-not-found")
	requireError(t, e.do(http.MethodDelete, "/api/v1/sites", map[string]any{"domain": "shop.example", "secret": secret}), http.StatusNotFound, "site-not-found")
	// The domain is free again.
	e.site("shop.example")

	// Methods.
	r = e.do(http.MethodPut, "/api/v1/sites", map[string]any{})
	requireError(t, r, http.StatusMethodNotAllowed, "method-not-allowed")
	require.Equal(t, "DELETE, POST", r.Header.Get("Allow"))
	r = e.do(http.MethodPost, "/api/v1/sites/"+key, map[string]any{})
	requireError(t, r, http.StatusMethodNotAllowed, "method-not-allowed")
	require.Equal(t, "GET, HEAD", r.Header.Get("Allow"))
}

func TestSitesStoreOutage(t *testing.T) {
	e := newEnv(t, withNoLimits())
	key, secret := e.site("shop.example")
	e.store.down.Store(true)
	requireError(t, e.do(http.MethodPost, "/api/v1/sites", map[string]any{"domain": "new.example"}), http.StatusServiceUnavailable, "unavailable")
	requireError(t, e.do(http.MethodGet, "/api/v1/sites/"+key, nil), http.StatusServiceUnavailable, "unavailable")
	requireError(t, e.do(http.MethodDelete, "/api/v1/sites", map[string]any{"domain": "shop.example", "secret": secret}), http.StatusServiceUnavailable, "unavailable")
	e.store.down.Store(false)
	require.Equal(t, http.StatusOK, e.do(http.MethodGet, "/api/v1/sites/"+key, nil).Code)
}

func TestSitesEvents(t *testing.T) {
	var obs observed
	e := newEnv(t, withObserver(&obs))
	e.site("ev.example")
	ev := obs.last(t)
	require.Equal(t, "sites", ev.Kind)
	require.Equal(t, http.StatusCreated, ev.Status)
	requireError(t, e.do(http.MethodPost, "/api/v1/sites", map[string]any{"domain": "ev.example"}), http.StatusConflict, "site-exists")
	ev = obs.last(t)
	require.Equal(t, http.StatusConflict, ev.Status)
	require.Equal(t, "site-exists", ev.Error)
}

func TestSecretsNeverLogged(t *testing.T) {
	var logs bytes.Buffer
	l := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := newEnv(t, astracaph.WithLogger(l), server.WithLogger(l))
	key, secret := e.site("log.example")
	tok := e.token(key, "https://log.example")
	require.Equal(t, true, e.do(http.MethodPost, "/api/v1/verify", map[string]any{"token": tok, "secret": secret}).JSON(t)["success"])
	e.do(http.MethodPost, "/api/v1/siteverify", url.Values{"secret": {secret}, "response": {tok}})
	e.store.down.Store(true)
	e.do(http.MethodPost, "/api/v1/siteverify", url.Values{"secret": {secret}, "response": {tok}})
	e.do(http.MethodDelete, "/api/v1/sites", map[string]any{"domain": "log.example", "secret": secret})
	e.store.down.Store(false)
	require.Equal(t, http.StatusOK, e.do(http.MethodDelete, "/api/v1/sites", map[string]any{"domain": "log.example", "secret": secret}).Code)
	require.NotEmpty(t, logs.String(), "the flow logs something")
	require.NotContains(t, logs.String(), secret[len("sk_live_"):])
	require.NotContains(t, logs.String(), tok)
}
