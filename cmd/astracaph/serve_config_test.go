package main

import (
	"context"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParsePrefixes(t *testing.T) {
	ps, err := parsePrefixes(" 10.0.0.0/8, 192.0.2.7 ,::ffff:198.51.100.1, 2001:db8::/32,")
	require.NoError(t, err)
	require.Equal(t, []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32"),
		netip.MustParsePrefix("198.51.100.1/32"), netip.MustParsePrefix("2001:db8::/32"),
	}, ps)
	for _, bad := range []string{"10.0.0.0/33", "not-an-ip", "1.2.3.4/x"} {
		_, err := parsePrefixes(bad)
		require.Error(t, err, bad)
	}
}

func FuzzParsePrefixes(f *testing.F) {
	for _, s := range []string{"10.0.0.0/8,192.0.2.7", "::1", "2001:db8::/32, fe80::1%eth0", "", ",,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ps, err := parsePrefixes(s)
		if err != nil {
			return
		}
		for _, p := range ps {
			if !p.IsValid() || p != p.Masked() {
				t.Fatalf("parsePrefixes(%q) returned %v", s, p)
			}
		}
		if len(ps) > strings.Count(s, ",")+1 {
			t.Fatalf("more prefixes than fields in %q", s)
		}
	})
}

func TestServeAllowAltchaWidget(t *testing.T) {
	c, err := parseServeFlags(nil, io.Discard)
	require.NoError(t, err)
	require.False(t, c.allowAltcha, "the official widget is not allowed by default")
	c, err = parseServeFlags([]string{"-allow-altcha-widget"}, io.Discard)
	require.NoError(t, err)
	require.True(t, c.allowAltcha)
	t.Setenv("ASTRACAPH_ALLOW_ALTCHA_WIDGET", "1")
	c, err = parseServeFlags(nil, io.Discard)
	require.NoError(t, err)
	require.True(t, c.allowAltcha)
	rc, stop, err := riskConfig(context.Background(), c, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	stop()
	require.True(t, rc.AllowALTCHAWidget)
}

func TestServeCountriesFromDataDir(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "geo-whois-asn-country-ipv4.csv"), []byte("198.51.100.0,198.51.100.255,FR\n"), 0o644))
	rc, stop, err := riskConfig(context.Background(), serveConfig{dataDir: dir}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer stop()
	require.NotNil(t, rc.Country)
	require.Equal(t, "FR", rc.Country(netip.MustParseAddr("198.51.100.9")))
	require.Empty(t, rc.Country(netip.MustParseAddr("203.0.113.9")))
}
