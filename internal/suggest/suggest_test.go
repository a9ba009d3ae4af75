package suggest

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestClosest(t *testing.T) {
	fields := []string{"name", "siteKey", "secret", "domain", "origins", "createdAt"}
	for word, want := range map[string]string{
		"nmae":     "name", // swapped letters
		"Name":     "name", // case
		"sitekey":  "siteKey",
		"site_key": "siteKey",
		"origin":   "origins",
		"secrte":   "secret",
		"created":  "createdAt",
		"creator":  "",
		"color":    "",
		"x":        "",
		"":         "",
		"domains":  "domain",
	} {
		require.Equal(t, want, Closest(word, fields), word)
	}
	require.Empty(t, Closest("name", nil))
	require.Equal(t, "ASTRACAPH_POW_COST", Closest("ASTRACAPH_POW_COTS", []string{"ASTRACAPH_POW_COST", "ASTRACAPH_ADDR"}))
}

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"a", "", 1}, {"", "abc", 3}, {"kitten", "sitting", 3}, {"ab", "ba", 1}, {"abc", "abc", 0}, {"ca", "abc", 3}} {
		require.Equal(t, c.d, distance(c.a, c.b), "%q %q", c.a, c.b)
		require.Equal(t, c.d, distance(c.b, c.a), "%q %q", c.b, c.a)
	}
}

func FuzzClosest(f *testing.F) {
	f.Add("nmae", "name")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, a, b string) {
		d := distance(a, b)
		require.Equal(t, d, distance(b, a))
		require.LessOrEqual(t, d, max(len(a), len(b)))
		if got := Closest(a, []string{b}); got != "" {
			require.Equal(t, b, got)
		}
	})
}
