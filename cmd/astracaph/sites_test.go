package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph/internal/testenv"
)

// TestSitesCommand runs add, list, rotate and delete against a real Redis, the way an
// operator manages the sites of a fleet of servers.
func TestSitesCommand(t *testing.T) {
	addr, _ := testenv.StartRedis(t)
	t.Setenv("REDIS_URL", "redis://"+addr)
	t.Setenv("ASTRACAPH_TOKEN_SECRET", "fleet-master-secret-0123456789")

	code, out, stderr := runCLI(t, "", "sites", "add", "-domain", "Shop.Example.com", "-name", "Shop", "-origins", "https://app.example.net")
	require.Equal(t, 0, code, stderr)
	var creds struct {
		SiteKey, Secret, Domain string
		Origins                 []string
	}
	require.NoError(t, json.Unmarshal([]byte(out), &creds))
	require.Equal(t, "shop.example.com", creds.Domain)
	require.Regexp(t, `^sk_live_`, creds.Secret)

	code, out, _ = runCLI(t, "", "sites", "list")
	require.Equal(t, 0, code)
	require.Contains(t, out, creds.SiteKey)
	require.NotContains(t, out, creds.Secret, "list never shows secrets")

	code, _, _ = runCLI(t, "", "sites", "rotate", "-domain", "shop.example.com", "-secret", "sk_live_wrong")
	require.Equal(t, 1, code)
	code, out, stderr = runCLI(t, "", "sites", "rotate", "-domain", "shop.example.com", "-secret", creds.Secret)
	require.Equal(t, 0, code, stderr)
	var rotated struct{ Secret string }
	require.NoError(t, json.Unmarshal([]byte(out), &rotated))
	require.NotEqual(t, creds.Secret, rotated.Secret)

	code, _, _ = runCLI(t, "", "sites", "delete", "-domain", "shop.example.com", "-secret", creds.Secret)
	require.Equal(t, 1, code, "the old secret cannot delete")
	code, _, stderr = runCLI(t, "", "sites", "delete", "-domain", "shop.example.com", "-secret", rotated.Secret)
	require.Equal(t, 0, code, stderr)
	code, out, _ = runCLI(t, "", "sites", "list")
	require.Equal(t, 0, code)
	require.NotContains(t, out, creds.SiteKey)

	// A site can be named by its key too (it failed before with "invalid domain").
	code, out, stderr = runCLI(t, "", "sites", "add", "-domain", "blog.example.org")
	require.Equal(t, 0, code, stderr)
	require.NoError(t, json.Unmarshal([]byte(out), &creds))
	code, _, stderr = runCLI(t, "", "sites", "delete", "-site-key", creds.SiteKey, "-secret", creds.Secret)
	require.Equal(t, 0, code, stderr)
	code, out, _ = runCLI(t, "", "sites", "list")
	require.Equal(t, 0, code)
	require.NotContains(t, out, creds.SiteKey)
	code, _, stderr = runCLI(t, "", "sites", "delete", "-secret", creds.Secret)
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "-domain or -site-key")
}

func TestSitesCommandNeedsSharedStore(t *testing.T) {
	t.Setenv("REDIS_URL", "")
	code, _, stderr := runCLI(t, "", "sites", "list")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "REDIS_URL")
}
