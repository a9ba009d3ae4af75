package attack

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/astracat/astracaph/internal/visual"
)

// costs builds a cost matrix where want[i] costs 0 and everything else 10, except the
// given runner-ups.
func costs(want string, runner map[int][2]any) [][]float64 {
	c := make([][]float64, len(want))
	for i := range c {
		c[i] = make([]float64, len(visual.Alphabet))
		for j := range c[i] {
			c[i][j] = 10
		}
		c[i][strings.IndexByte(visual.Alphabet, want[i])] = 0
		if r, ok := runner[i]; ok {
			c[i][strings.IndexByte(visual.Alphabet, r[0].(byte))] = r[1].(float64)
		}
	}
	return c
}

func TestBestSequences(t *testing.T) {
	c := costs("HK3M9W", map[int][2]any{2: {byte('4'), 1.0}, 5: {byte('Y'), 0.5}})
	// Best, then the cheapest single change (position 5), then the next (position 2).
	assert.Equal(t, []string{"HK3M9W", "HK3M9Y", "HK4M9W"}, bestSequences(c, 3))
	assert.Equal(t, []string{"HK3M9W"}, bestSequences(c, 1))
	assert.Nil(t, bestSequences(nil, 3))
}

func TestVote(t *testing.T) {
	// The most frequent reading wins; wrong lengths only count through windows or padding.
	got := vote([]string{"HK3M9W", "HK3M9Y", "HK3M9W", "HK3M", "HK3M9WW"}, 6, 3)
	assert.Equal(t, "HK3M9W", got[0])
	assert.Len(t, got, 3)
	assert.Contains(t, got, "HK3M9Y")
	// Only wrong lengths: still guesses of the right length.
	got = vote([]string{"HK3M9", "7HK3M9W"}, 6, 3)
	assert.NotEmpty(t, got)
	for _, g := range got {
		assert.Len(t, g, 6)
	}
	assert.Nil(t, vote(nil, 6, 3))
}

func TestClean(t *testing.T) {
	assert.Equal(t, "HK3M", clean(" h-k 3\nm!0"))
}
