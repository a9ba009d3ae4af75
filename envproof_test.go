package astracaph_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
)

func TestEnvProofScript(t *testing.T) {
	c := newCaptcha(t)
	js, err := c.EnvProofScript("abc")
	require.NoError(t, err)
	again, _ := c.EnvProofScript("abc")
	require.Equal(t, js, again, "derived, not stored: every server sharing the secret serves the same check")
	other, _ := c.EnvProofScript("abd")
	require.NotEqual(t, js, other)
	require.NotEqual(t, c.EnvProofAnswer("abc"), c.EnvProofAnswer("abd"))
	require.Regexp(t, `^[0-9]+$`, c.EnvProofAnswer("abc"))
	for _, banned := range []string{"eval(", "Function(", "innerHTML", "setAttribute('style'", "<style"} {
		require.NotContains(t, string(js), banned, "strict CSP: no eval, no inline styles")
	}
	require.Contains(t, string(js), `detail:{id:"abc"`)

	// Another master secret, other programs: the answers cannot be precomputed from the source.
	c2, err := astracaph.New(astracaph.WithSecret([]byte("another-secret-0123456789abcdef")))
	require.NoError(t, err)
	require.NotEqual(t, c.EnvProofAnswer("abc"), c2.EnvProofAnswer("abc"))

	// Ids are escaped into the script.
	js, err = c.EnvProofScript(`x"</script><script>alert(1)</script>` + "\u2028")
	require.NoError(t, err)
	require.NotContains(t, string(js), "</script>")
	require.NotContains(t, string(js), "\u2028")
	for _, bad := range []string{"", strings.Repeat("a", astracaph.TelemetryMaxString+1)} {
		_, err := c.EnvProofScript(bad)
		require.ErrorIs(t, err, astracaph.ErrBadProofID)
	}
}

// Every program draws eight measurements from nine kinds; over many ids each kind appears.
func TestEnvProofCoversEveryMeasurement(t *testing.T) {
	c := newCaptcha(t)
	kinds := map[string]bool{}
	for i := range 200 {
		js, err := c.EnvProofScript("id-" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('a'+i/26)))
		require.NoError(t, err)
		for _, k := range []string{"padding-left':'", "'border-box'", "display:'flex'", "grid-template-columns", "calc(50%",
			"width:'min(", "position:'absolute'", ":nth-child(", "createTextNode"} {
			if strings.Contains(string(js), k) {
				kinds[k] = true
			}
		}
	}
	require.Len(t, kinds, 9)
}
