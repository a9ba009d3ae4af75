package spam

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadSpamTSV(t *testing.T) {
	in := "Label\tSMS\nham\tGo until jurong point, \"crazy\"\r\nspam\tFREE entry\twith a tab\n\nSPAM\tWin\n"
	got, err := ReadTSV(strings.NewReader(in))
	require.NoError(t, err)
	want := []Sample{{false, `Go until jurong point, "crazy"`}, {true, "FREE entry\twith a tab"}, {true, "Win"}}
	require.Equal(t, want, got)
	// Without a header, the first line is data.
	got, err = ReadTSV(strings.NewReader("spam\tx\n"))
	require.NoError(t, err, "no header")
	require.Len(t, got, 1, "no header")
	for _, bad := range []string{"ham\tok\nmaybe\tx\n", "ham\tok\nno tab here\n", "Label\tSMS\nLabel\tSMS\n"} {
		_, err := ReadTSV(strings.NewReader(bad))
		if assert.ErrorIs(t, err, ErrTSV, "%q", bad) {
			assert.ErrorContains(t, err, "line 2", "%q", bad)
		}
	}
	_, err = ReadTSV(strings.NewReader("ham\t" + strings.Repeat("x", tsvMaxLine+1)))
	assert.ErrorIs(t, err, ErrTSV, "over-long line")
}

func TestSpamDedupAndSplit(t *testing.T) {
	var s []Sample
	for i := range 100 {
		s = append(s, Sample{Spam: i%10 == 0, Text: strings.Repeat("x", i%50+1)})
	}
	d := Dedup(s)
	require.Len(t, d, 50, "dedup")
	train, test := Split(slices.Clone(d), 0.2, 7)
	require.Len(t, train, 40, "split")
	require.Len(t, test, 10, "split")
	spam := func(x []Sample) (n int) {
		for _, v := range x {
			if v.Spam {
				n++
			}
		}
		return n
	}
	// Stratified: 5 spam → 1 held out.
	assert.Equal(t, 1, spam(test), "stratification: spam in test")
	assert.Equal(t, 4, spam(train), "stratification: spam in train")
	train2, test2 := Split(slices.Clone(d), 0.2, 7)
	_, test3 := Split(slices.Clone(d), 0.2, 8)
	assert.Equal(t, test, test2, "same seed gave a different split")
	assert.Equal(t, train, train2, "same seed gave a different split")
	assert.NotEqual(t, test, test3, "different seeds gave the same split")
}

func FuzzReadSpamTSV(f *testing.F) {
	f.Add("Label\tSMS\nham\thello\nspam\tWIN £100 now\n")
	f.Add("spam\t\"quoted\ttext\"\r\n\n")
	f.Add("ham\n")
	f.Add("\xff\xfe\tx")
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ReadTSV(strings.NewReader(in))
		if err != nil {
			return
		}
		// Every sample came from one line of input.
		for _, s := range got {
			require.NotContains(t, s.Text, "\n", "sample not from a single input line")
			require.Contains(t, in, s.Text, "sample not from a single input line")
		}
	})
}
