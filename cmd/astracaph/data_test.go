package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/astracat/astracaph/ipintel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every default source is redirected to a local server, so the test never reaches the internet.
func TestDataUpdate(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/tor":
			w.Write([]byte("192.0.2.10\n"))
		case "/cidr":
			w.Write([]byte("198.51.100.0/24\n"))
		case "/asn":
			w.Write([]byte("ASN,Entity\n\"62026\",\"SkyparkCDN Ltd.\"\n"))
		case "/json":
			w.Write([]byte(`{"prefixes":[{"ip_prefix":"10.0.0.0/8"}],"regions":[{"cidrs":[{"cidr":"10.1.0.0/16"}]}]}`))
		case "/email":
			w.Write([]byte("0-mail.com\n"))
		case "/country":
			w.Write([]byte("198.51.100.0,198.51.100.255,FR\n"))
		default:
			http.Error(w, "nope", http.StatusBadGateway)
		}
	}))
	defer srv.Close()
	dir := filepath.Join(t.TempDir(), "data")
	var args []string
	for _, d := range ipintel.DefaultDownloads() {
		path := map[ipintel.Format]string{ipintel.FormatTor: "/tor", ipintel.FormatCIDR: "/cidr",
			ipintel.FormatASNList: "/asn", ipintel.FormatAWS: "/json", ipintel.FormatGoogle: "/json",
			ipintel.FormatOracle: "/json", ipintel.FormatCountry: "/country", "": "/email"}[d.Format]
		if d.Name == "x4bnet-vpn-ipv6" {
			path = "/broken"
		}
		args = append(args, "-source", d.Name+"="+srv.URL+path)
	}
	var out, errb bytes.Buffer
	code := cmdData(context.Background(), append([]string{"update", "-dir", dir}, args...), nil, &out, &errb)
	require.Equal(t, 1, code, "exit code with one failing source; stderr: %s", errb.String())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, len(ipintel.DefaultDownloads()), "one output line per file:\n%s", out.String())
	for _, l := range lines {
		if strings.Contains(l, "x4bnet-vpn-ipv6") {
			assert.True(t, strings.HasPrefix(l, "FAIL"), "unexpected line: %q", l)
		} else {
			assert.True(t, strings.HasPrefix(l, "ok"), "unexpected line: %q", l)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, ipintel.FileDisposableEmail))
	if assert.NoError(t, err, "disposable list") {
		assert.Equal(t, "0-mail.com\n", string(b), "disposable list")
	}

	// All good now (-only keeps the failing source out) → exit 0.
	out.Reset()
	code = cmdData(context.Background(), append([]string{"update", "-dir", dir, "-only", "tor-bulk-exit-list,aws"}, args...), nil, &out, &errb)
	require.Equal(t, 0, code, "-only: output:\n%s", out.String())
	require.Equal(t, 2, strings.Count(out.String(), "\n"), "-only: output:\n%s", out.String())
}

func TestDataUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		nil,
		{"fetch"},
		{"update"},
		{"update", "-dir", t.TempDir(), "-source", "nosuch=http://127.0.0.1:1/"},
		{"update", "-dir", t.TempDir(), "-source", "missing-equals"},
		{"update", "-dir", t.TempDir(), "-only", "nosuch"},
	} {
		var out, errb bytes.Buffer
		assert.Equal(t, 2, cmdData(context.Background(), args, nil, &out, &errb), "%q: exit code", args)
	}
}
