package astracaph_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/astracat/astracaph"
	"github.com/stretchr/testify/require"
)

// altchaLibGoFixture is one payload made by altcha-lib-go (testdata/altcha-lib-go).
type altchaLibGoFixture struct {
	Name, Kind, Encoding, Payload, JSON string
	HMACKey, KeySigKey, HMACAlgorithm   string
	Node, Want                          fixtureVerdict
}

// fixtureVerdict: Verified for v1 and server payloads, Fast (with the key-signature
// secret) and Slow (re-deriving) for v2.
type fixtureVerdict struct {
	Verified, Fast, Slow bool
}

func loadAltchaLibGoFixtures(t *testing.T) []altchaLibGoFixture {
	t.Helper()
	b, err := os.ReadFile("testdata/altcha-lib-go/payloads.json")
	require.NoError(t, err)
	var f struct{ Fixtures []altchaLibGoFixture }
	require.NoError(t, json.Unmarshal(b, &f))
	require.NotEmpty(t, f.Fixtures)
	return f.Fixtures
}

// verifyFixture returns AstraCaph's verdict on a fixture.
func verifyFixture(t *testing.T, f altchaLibGoFixture) fixtureVerdict {
	t.Helper()
	switch f.Kind {
	case "v1", "v2":
		o := astracaph.VerifyOptions{HMACKey: []byte(f.HMACKey), HMACAlgorithm: astracaph.Algorithm(f.HMACAlgorithm)}
		slow, err := astracaph.VerifySolution(f.Payload, o)
		require.NoError(t, err, "%s: %s", f.Name, f.JSON)
		o.KeySignatureKey = []byte(f.KeySigKey)
		fast, err := astracaph.VerifySolution(f.Payload, o)
		require.NoError(t, err, "%s: %s", f.Name, f.JSON)
		require.Equal(t, map[string]int{"v1": 1, "v2": 2}[f.Kind], slow.Version)
		return fixtureVerdict{Verified: slow.Verified, Fast: fast.Verified, Slow: slow.Verified}
	case "server":
		res, err := astracaph.VerifyServerSignature(f.Payload, []byte(f.HMACKey))
		require.NoError(t, err, "%s: %s", f.Name, f.JSON)
		return fixtureVerdict{Verified: res.Verified}
	}
	require.Failf(t, "unknown fixture kind", "%q", f.Kind)
	return fixtureVerdict{}
}

// TestAltchaLibGoFixtures: payloads from the official Go library (json.Marshal escapes,
// struct member order, UTF-8 base64, "Scrypt"/"Argon2id" spellings) verify as recorded,
// and wherever the Node library accepts one, AstraCaph does too.
func TestAltchaLibGoFixtures(t *testing.T) {
	for _, f := range loadAltchaLibGoFixtures(t) {
		t.Run(f.Name, func(t *testing.T) {
			got := verifyFixture(t, f)
			if f.Kind == "v2" {
				require.Equal(t, f.Want.Fast, got.Fast, "key-signature path: %s", f.JSON)
				require.Equal(t, f.Want.Slow, got.Slow, "re-derive path: %s", f.JSON)
				require.True(t, !f.Node.Fast || got.Fast, "altcha-lib accepts it on the key-signature path")
				require.True(t, !f.Node.Slow || got.Slow, "altcha-lib accepts it on the re-derive path")
				return
			}
			require.Equal(t, f.Want.Verified, got.Verified, f.JSON)
			require.True(t, !f.Node.Verified || got.Verified, "altcha-lib accepts it")
		})
	}
}
