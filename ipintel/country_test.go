package ipintel

import (
	"bytes"
	"compress/gzip"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// Rows in the form of sapics/ip-location-db geo-whois-asn-country (CC0).
const countrySample = `1.0.0.0,1.0.0.255,AU
1.0.1.0,1.0.3.255,CN
# a comment
2.16.0.0,2.16.5.255,"DE"
2001:200::,2001:200:134:ffff:ffff:ffff:ffff:ffff,JP
2001:200:135::,2001:200:135:ffff:ffff:ffff:ffff:ffff,us
not,a,row
1.0.4.0,1.0.3.0,XX
1.2.3.4,1.2.3.5,ABC
`

func TestCountriesLookup(t *testing.T) {
	c, err := ParseCountries([]byte(countrySample))
	require.NoError(t, err)
	require.Equal(t, 5, c.Len())
	for addr, want := range map[string]string{
		"1.0.0.0": "AU", "1.0.0.255": "AU", "1.0.1.0": "CN", "1.0.3.255": "CN", "1.0.4.0": "",
		"0.255.255.255": "", "2.16.3.7": "DE", "2.16.6.0": "", "::ffff:1.0.2.9": "CN",
		"2001:200::1": "JP", "2001:200:135::9": "US", "2001:200:136::": "", "2001:1ff::": "",
	} {
		require.Equal(t, want, c.Country(netip.MustParseAddr(addr)), addr)
	}
	require.Empty(t, c.Country(netip.Addr{}))
	var nilC *Countries
	require.Empty(t, nilC.Country(netip.MustParseAddr("1.0.0.1")))
}

func TestCountriesRejectNonTables(t *testing.T) {
	for _, bad := range []string{"", "<html><body>rate limited</body></html>", "1.0.0.0,1.0.0.255,Australia\n"} {
		_, err := ParseCountries([]byte(bad))
		require.ErrorIs(t, err, ErrNoEntries, "%q", bad)
		require.Error(t, validate(FormatCountry, []byte(bad)))
	}
	require.NoError(t, validate(FormatCountry, []byte(countrySample)))
}

func TestOpenCountriesFilesAndReload(t *testing.T) {
	dir := t.TempDir()
	files := DefaultCountryFiles(dir)
	c, err := OpenCountries(files, nil)
	require.NoError(t, err, "absent files: an empty table, not an error")
	require.Empty(t, c.Country(netip.MustParseAddr("1.0.0.1")))

	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte("1.0.0.0,1.0.0.255,AU\n"))
	require.NoError(t, zw.Close())
	require.NoError(t, os.WriteFile(files[0], gz.Bytes(), 0o644))
	require.NoError(t, os.WriteFile(files[1], []byte("2001:200::,2001:200:ffff:ffff:ffff:ffff:ffff:ffff,JP\n"), 0o644))
	require.NoError(t, c.Reload())
	require.Equal(t, "AU", c.Country(netip.MustParseAddr("1.0.0.1")))
	require.Equal(t, "JP", c.Country(netip.MustParseAddr("2001:200::5")))

	// A broken file keeps the previous tables.
	require.NoError(t, os.WriteFile(files[0], []byte("garbage\n"), 0o644))
	require.Error(t, c.Reload())
	require.Equal(t, "AU", c.Country(netip.MustParseAddr("1.0.0.1")))
	_, err = OpenCountries([]string{filepath.Join(dir, "x"), files[0]}, nil)
	require.Error(t, err)
}

func FuzzParseCountries(f *testing.F) {
	f.Add([]byte(countrySample))
	f.Add([]byte("::,::,ZZ\n0.0.0.0,255.255.255.255,AA"))
	f.Add([]byte("\"1.0.0.0\",\"1.0.0.255\",\"au\"\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseCountries(data)
		if err != nil {
			return
		}
		for _, a := range []string{"0.0.0.0", "1.0.0.1", "255.255.255.255", "::", "2001:200::1", "ffff::"} {
			if cc := c.Country(netip.MustParseAddr(a)); cc != "" {
				require.Len(t, cc, 2, "country %q", cc)
			}
		}
	})
}
