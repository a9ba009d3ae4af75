package astracaph

import (
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/idna"
)

// FuzzPlainHostIsIDNA: whenever plainHost lets a host skip IDNA, IDNA lookup agrees that
// the host is valid and maps it to itself, so the fast path changes no answer.
func FuzzPlainHostIsIDNA(f *testing.F) {
	for _, s := range []string{"example.com", "shop.example.org", "localhost", "a-b.c", "xn--mnchen-3ya.de", "ab--cd.example",
		"-a.example", "a-.example", "a..b", "a_b.example", "münchen.de", "1.2.3.4", "x.y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !plainHost(s) {
			return
		}
		a, err := idna.Lookup.ToASCII(s)
		require.NoError(t, err, "%q", s)
		require.Equal(t, s, a)
		require.True(t, validLabels(a), "%q", s)
	})
}

// TestPlainHostLeavesTheRestToIDNA: punycode labels, hyphens in the wrong places,
// underscores and anything non-ASCII take the IDNA path.
func TestPlainHostLeavesTheRestToIDNA(t *testing.T) {
	for _, s := range []string{"shop.example", "localhost", "a1-b2.example.co.uk"} {
		require.True(t, plainHost(s), s)
	}
	for _, s := range []string{"xn--mnchen-3ya.de", "ab--cd.example", "-a.example", "a-.example", "a..b", ".a.b", "a.b.",
		"a_b.example", "münchen.de", "Example.com", "example", ""} {
		require.False(t, plainHost(s), s)
	}
}
