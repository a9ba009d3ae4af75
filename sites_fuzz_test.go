package astracaph_test

import (
	"strings"
	"testing"

	"github.com/astracat/astracaph"
)

func FuzzNormalizeDomainOrigin(f *testing.F) {
	for _, s := range []string{"Example.COM", "https://münchen.de:8443/x?y", "[::1]:8080", "localhost:99999x", "xn--mnchen-3ya.de.", "http://a_b.example", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d, err := astracaph.NormalizeDomainForTest(s); err == nil {
			if d != strings.ToLower(d) || strings.ContainsAny(d, "/?#") {
				t.Fatalf("NormalizeDomain(%q) = %q", s, d)
			}
			if d2, err := astracaph.NormalizeDomainForTest(d); err != nil || d2 != d {
				t.Fatalf("not idempotent: %q → %q → %q (%v)", s, d, d2, err)
			}
		}
		if o, err := astracaph.NormalizeOrigin(s); err == nil {
			if o2, err := astracaph.NormalizeOrigin(o); err != nil || o2 != o {
				t.Fatalf("origin not idempotent: %q → %q → %q (%v)", s, o, o2, err)
			}
		}
	})
}
