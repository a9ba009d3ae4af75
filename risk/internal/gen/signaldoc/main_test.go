package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph/risk"
)

const docPath = "../../../../docs/risk.md"

// The committed docs/risk.md carries the catalogue the signal table renders: a weight, a
// code or a description changed in risk/weights.go without `go generate ./risk` fails here.
func TestSignalCatalogueIsCurrent(t *testing.T) {
	doc, err := os.ReadFile(docPath)
	require.NoError(t, err)
	want, err := splice(doc, render(risk.Signals(), risk.DefaultThresholds()))
	require.NoError(t, err)
	require.Equal(t, string(want), string(doc), "docs/risk.md's signal catalogue is out of date: run go generate ./risk")
}

// Every reason code the scorer can emit is documented once, with its points and class.
func TestSignalCatalogueListsEveryCode(t *testing.T) {
	block := render(risk.Signals(), risk.DefaultThresholds())
	for _, code := range risk.ReasonCodes() {
		require.Equal(t, 1, strings.Count(block, "| `"+code+"` |"), code)
	}
	require.Contains(t, block, "| `env.WEBDRIVER` | E1 | hard | +6 |")
	require.Contains(t, block, "| `net.MOBILE` | N5 | net | −0.5 |")
	require.Contains(t, block, "| `vel.TOO_MUCH_TRAFFIC` | V1 | vel | +1 per level |")
	require.Contains(t, block, "| human | floor −3 |")
	require.Contains(t, block, "| environment (`env`) | cap +5 |")
}

func TestSplice(t *testing.T) {
	doc := "a\n" + begin + "\nold\n" + end + "\nb\n"
	out, err := splice([]byte(doc), "new\n")
	require.NoError(t, err)
	require.Equal(t, "a\n"+begin+"\nnew\n"+end+"\nb\n", string(out))
	for _, bad := range []string{"no markers", end + begin, begin + begin + end} {
		_, err := splice([]byte(bad), "x")
		require.Error(t, err, bad)
	}
}
