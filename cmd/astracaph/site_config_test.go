package main

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
)

// Regressions: a misspelt field ("nmae") was silently ignored, and a single object instead
// of an array gave a raw Go unmarshalling error.
func TestParseSiteConfigIsStrict(t *testing.T) {
	ok := `[{"name":"Blog","siteKey":"pk_live_x","secret":"sk_live_0123456789abcdef","domain":"blog.example","origins":["https://blog.example"],"createdAt":"2026-01-01T00:00:00Z"}]`
	sites, err := parseSiteConfig([]byte("  \n" + ok + "\n"))
	require.NoError(t, err)
	require.Len(t, sites, 1)
	require.Equal(t, "Blog", sites[0].Name)

	for doc, want := range map[string]string{
		`[{"nmae":"Blog"}]`:                 `unknown field "nmae" in a site (did you mean "name"?)`,
		`[{"site_key":"pk"}]`:               `did you mean "siteKey"?`,
		`[{"colour":"red"}]`:                `unknown field "colour" in a site (known fields: siteKey, domain, name, origins, createdAt, powVersion, allowAltchaWidget, secret)`,
		`{"name":"Blog","siteKey":"pk"}`:    "expected a JSON array of sites ([{…}, …]), got a single object; wrap it in [ ]",
		`"[]"`:                              "got a string",
		`[{"origins":"https://a.example"}]`: `field "origins" of a site must be an array of strings, got a JSON string`,
		`[{"name":1}]`:                      `field "name" of a site must be a string, got a JSON number`,
		`[{"createdAt":"yesterday"}]`:       "ASTRACAPH_SITE_CONFIG",
		`[["Blog"]]`:                        "each element of the array must be a site object, got a JSON array",
		`[] []`:                             "unexpected data after the array",
		`[{"name":"a"}`:                     "the JSON ends early",
		`[{"name":"a"},]`:                   "invalid JSON at byte",
		``:                                  "empty document",
		`{`:                                 "got a single object",
	} {
		_, err := parseSiteConfig([]byte(doc))
		require.ErrorIs(t, err, errSiteConfig, doc)
		require.Contains(t, err.Error(), want, doc)
		require.NotContains(t, err.Error(), "json: cannot unmarshal", doc)
	}
}

func FuzzParseSiteConfig(f *testing.F) {
	f.Add(`[{"name":"Blog","siteKey":"pk_live_x","secret":"sk_live_0123456789abcdef","origins":["https://blog.example"],"createdAt":"2026-01-01T00:00:00Z"}]`)
	f.Add(`[]`)
	f.Add(`{`)
	f.Fuzz(func(t *testing.T, s string) {
		sites, err := parseSiteConfig([]byte(s))
		if err != nil {
			return
		}
		c, err := astracaph.New(astracaph.WithSecret([]byte("0123456789abcdef0123456789abcdef")))
		require.NoError(t, err)
		_ = c.SeedSites(t.Context(), sites) // must not panic; errors are fine
	})
}
