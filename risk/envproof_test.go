package risk_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph/risk"
)

// Every program draws eight measurements from nine kinds; over many ids each kind appears.
func TestEnvProofCoversEveryMeasurement(t *testing.T) {
	key := []byte("env-proof-test-key")
	kinds := map[string]bool{}
	for i := range 200 {
		js, _ := risk.EnvProof(key, "id-"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+string(rune('a'+i/26)))
		for _, k := range []string{"padding-left':'", "'border-box'", "display:'flex'", "grid-template-columns", "calc(50%",
			"width:'min(", "position:'absolute'", ":nth-child(", "createTextNode"} {
			if strings.Contains(string(js), k) {
				kinds[k] = true
			}
		}
	}
	require.Len(t, kinds, 9)
}

// The answer is the one the script computes, checked in constant time; it depends on the key
// and the id, and nothing empty is ever valid.
func TestEnvProofValid(t *testing.T) {
	key := []byte("env-proof-test-key")
	_, answer := risk.EnvProof(key, "abc")
	require.Equal(t, answer, risk.EnvProofAnswer(key, "abc"))
	require.True(t, risk.EnvProofValid(key, "abc", answer))
	require.False(t, risk.EnvProofValid(key, "abd", answer), "another challenge's answer")
	require.False(t, risk.EnvProofValid([]byte("another key"), "abc", answer), "another secret's answer")
	require.False(t, risk.EnvProofValid(key, "abc", answer+"0"))
	require.False(t, risk.EnvProofValid(key, "", risk.EnvProofAnswer(key, "")), "no binding id")
	require.False(t, risk.EnvProofValid(key, "abc", ""), "no answer")
}
