package ipintel

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeUpstream serves the testdata files under their upstream-like paths plus failure modes.
func fakeUpstream(t *testing.T) *httptest.Server {
	files := map[string]string{
		"/torbulkexitlist":         "torbulkexitlist.txt",
		"/exit-addresses":          "exit-addresses.txt",
		"/datacenter/ipv4.txt":     "datacenter.txt",
		"/vpn/ipv4.txt":            "vpn.txt",
		"/bad-asn-list.csv":        "bad-asn-list.csv",
		"/ip-ranges.json":          "aws-ip-ranges.json",
		"/cloud.json":              "google-cloud.json",
		"/public_ip_ranges.json":   "oracle-public-ip-ranges.json",
		"/disposable_email.conf":   "",
		"/country-ipv4.csv":        "",
		"/country-ipv6.csv":        "",
		"/html-error-with-200.txt": "",
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/disposable_email.conf":
			w.Write([]byte("0-mail.com\n027168.com\n"))
			return
		case "/country-ipv4.csv":
			w.Write([]byte("1.0.0.0,1.0.0.255,AU\n198.51.100.0,198.51.100.255,FR\n"))
			return
		case "/country-ipv6.csv":
			w.Write([]byte("<html><body>Rate limited</body></html>\n"))
			return
		case "/html-error-with-200.txt":
			w.Write([]byte("<html><body>Service Unavailable</body></html>\n"))
			return
		case "/empty":
			return
		case "/huge":
			w.Write([]byte(strings.Repeat("10.0.0.0/8\n", 1000)))
			return
		case "/slow":
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		name, ok := files[r.URL.Path]
		if !ok {
			http.Error(w, "gone", http.StatusInternalServerError)
			return
		}
		http.ServeFile(w, r, filepath.Join("testdata", name))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestUpdate(t *testing.T) {
	srv := fakeUpstream(t)
	dir := t.TempDir()
	// Files from an earlier run that the failing downloads must leave alone.
	old := map[string]string{
		"x4bnet-vpn-ipv6.txt": "2001:db8:100:5::/64\n",
		"broken.txt":          "198.51.100.0/24\n",
		"html.txt":            "198.51.100.0/24\n",
		"empty.txt":           "198.51.100.0/24\n",
		"huge.txt":            "198.51.100.0/24\n",
		"slow.txt":            "198.51.100.0/24\n",
	}
	for f, c := range old {
		writeFile(t, dir, f, c)
	}
	dls := DefaultDownloads()
	for i := range dls {
		path := map[string]string{
			"tor-bulk-exit-list": "/torbulkexitlist", "tor-exit-addresses": "/exit-addresses",
			"x4bnet-datacenter-ipv4": "/datacenter/ipv4.txt", "x4bnet-datacenter-ipv6": "/datacenter/ipv4.txt",
			"x4bnet-vpn-ipv4": "/vpn/ipv4.txt", "x4bnet-vpn-ipv6": "/missing/ipv6.txt",
			"bad-asn-list": "/bad-asn-list.csv", "aws": "/ip-ranges.json", "google-cloud": "/cloud.json",
			"oracle": "/public_ip_ranges.json", "disposable-email": "/disposable_email.conf",
			"country-ipv4": "/country-ipv4.csv", "country-ipv6": "/country-ipv6.csv",
		}[dls[i].Name]
		require.NotEmpty(t, path, "no fake upstream for %s", dls[i].Name)
		dls[i].URL = srv.URL + path
	}
	dls = append(dls,
		Download{Name: "broken", URL: srv.URL + "/missing", File: "broken.txt", Format: FormatCIDR},
		Download{Name: "html", URL: srv.URL + "/html-error-with-200.txt", File: "html.txt", Format: FormatCIDR},
		Download{Name: "empty", URL: srv.URL + "/empty", File: "empty.txt"},
		Download{Name: "huge", URL: srv.URL + "/huge", File: "huge.txt", MaxBytes: 100},
		Download{Name: "slow", URL: srv.URL + "/slow", File: "slow.txt", Timeout: 50 * time.Millisecond},
		Download{Name: "escape", URL: srv.URL + "/vpn/ipv4.txt", File: "../escape.txt"},
	)
	res := UpdateEach(context.Background(), dir, dls, srv.Client())
	wantErr := map[string]error{
		"x4bnet-vpn-ipv6": ErrBadStatus, "broken": ErrBadStatus, "html": ErrNoEntries, "empty": ErrNoEntries,
		"huge": ErrTooLarge, "slow": context.DeadlineExceeded, "escape": ErrConfig, "country-ipv6": ErrNoEntries,
	}
	for _, r := range res {
		if want := wantErr[r.Name]; want != nil {
			assert.ErrorIs(t, r.Err, want, r.Name)
		} else if assert.NoError(t, r.Err, r.Name) {
			assert.NotZero(t, r.Bytes, "%s: 0 bytes", r.Name)
		}
	}
	for f, c := range old {
		b, _ := os.ReadFile(filepath.Join(dir, f))
		assert.Equal(t, c, string(b), "%s was replaced after a failed download", f)
	}
	_, err := os.Stat(filepath.Join(filepath.Dir(dir), "escape.txt"))
	assert.Error(t, err, "download escaped the target directory")
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		assert.False(t, strings.HasSuffix(e.Name(), ".tmp"), "temporary file left behind: %s", e.Name())
	}
	b, _ := os.ReadFile(filepath.Join(dir, FileDisposableEmail))
	assert.Equal(t, "0-mail.com\n027168.com\n", string(b), "disposable list")
	// The country table landed where Countries reads it; the HTML "table" did not.
	cs, err := OpenCountries(DefaultCountryFiles(dir), nil)
	require.NoError(t, err)
	assert.Equal(t, "FR", cs.Country(netip.MustParseAddr("198.51.100.7")), "country of 198.51.100.7 after update")

	// DefaultSources reads what Update wrote.
	c := newClassifier(t, Options{Sources: DefaultSources(dir)})
	for ip, want := range map[string]Class{
		"198.51.100.200": ClassTor, "192.0.2.21": ClassTor, "198.51.100.130": ClassVPN,
		"2001:db8:100:5::1": ClassVPN, // from the kept old ipv6 file
		"198.51.100.5":      ClassHosting, "10.20.0.1": ClassHosting, "10.30.0.1": ClassHosting,
		"10.40.0.1": ClassHosting, "8.8.8.8": ClassUnknown,
	} {
		got := c.Classify(netip.MustParseAddr(ip))
		assert.Equal(t, want, got.Class, "after update, %s: got %+v", ip, got)
	}

	err = Update(context.Background(), dir, dls, srv.Client())
	assert.ErrorIs(t, err, ErrBadStatus, "Update's joined error")
	assert.ErrorIs(t, err, ErrTooLarge, "Update's joined error")
	assert.NoError(t, Update(context.Background(), dir, dls[:2], srv.Client()), "Update of good sources")
}
