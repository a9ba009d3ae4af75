package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The committed risk/tzcountry.go is exactly what the committed tzdata files generate: the
// table has a source, and an edit by hand (or a new tzdata without go generate) fails here.
func TestCommittedTableIsGenerated(t *testing.T) {
	want, err := generateFiles("../../../testdata/tzdata/zone.tab", "../../../testdata/tzdata/links.zi")
	require.NoError(t, err)
	got, err := os.ReadFile("../../../tzcountry.go")
	require.NoError(t, err)
	require.Equal(t, string(want), string(got), "risk/tzcountry.go differs from its source: run go generate ./risk")
}

func TestGenerate(t *testing.T) {
	zoneTab := "# comment\nDE\t+5230+01322\tEurope/Berlin\tmost of Germany\nUS\t+404251-0740023\tAmerica/New_York\tEastern (most areas)\n" +
		"ER\t+1520+03853\tAfrica/Asmara\n"
	links := "# version 2099z\n" +
		"L America/New_York US/Eastern\n" + // a link takes its zone's country
		"L Europe/Berlin Europe/Busingen\n" +
		"L Africa/Nairobi Africa/Asmara\n" + // zone.tab wins over a link
		"L Etc/UTC UTC\n" + // a link to a zone without a country is left out
		"R d 1916 o - Jun 14 23s 1 S\n" // other lines are ignored
	src, err := generate(strings.NewReader(zoneTab), strings.NewReader(links))
	require.NoError(t, err)
	s := string(src)
	require.Contains(t, s, "from tzdata 2099z")
	require.Contains(t, s, `"US/Eastern":       "US",`)
	require.Contains(t, s, `"Europe/Busingen":  "DE",`)
	require.Contains(t, s, `"Africa/Asmara":    "ER",`)
	require.NotContains(t, s, `"UTC"`)
	require.Less(t, strings.Index(s, `"Africa/Asmara"`), strings.Index(s, `"US/Eastern"`), "sorted")

	_, err = generate(strings.NewReader("XX\tbroken\n"), strings.NewReader(links))
	require.Error(t, err)
	_, err = generate(strings.NewReader(zoneTab), strings.NewReader("L a b\n"))
	require.ErrorContains(t, err, "version")
}
