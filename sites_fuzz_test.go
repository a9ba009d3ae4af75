package astracaph_test

import (
	"strings"
	"testing"

	"github.com/astracat/astracaph"
	"github.com/stretchr/testify/require"
)

func FuzzNormalizeDomainOrigin(f *testing.F) {
	for _, s := range []string{"Example.COM", "https://münchen.de:8443/x?y", "[::1]:8080", "localhost:99999x", "xn--mnchen-3ya.de.", "http://a_b.example", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d, err := astracaph.NormalizeDomainForTest(s); err == nil {
			require.Equal(t, strings.ToLower(d), d, "NormalizeDomain(%q)", s)
			require.False(t, strings.ContainsAny(d, "/?#"), "NormalizeDomain(%q) = %q", s, d)
			d2, err := astracaph.NormalizeDomainForTest(d)
			require.NoError(t, err, "not idempotent: %q → %q", s, d)
			require.Equal(t, d, d2, "not idempotent: %q → %q", s, d)
		}
		if o, err := astracaph.NormalizeOrigin(s); err == nil {
			o2, err := astracaph.NormalizeOrigin(o)
			require.NoError(t, err, "origin not idempotent: %q → %q", s, o)
			require.Equal(t, o, o2, "origin not idempotent: %q → %q", s, o)
		}
	})
}
