package visual

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAlphabetHasNoConfusables(t *testing.T) {
	// Visual look-alikes and letters whose names rhyme with another member.
	for _, c := range "0Oo1IlLi5Ss2Zz8BGbgqQDUVuvCcEePpTtXxNnFfAaJj" {
		assert.NotContains(t, Alphabet, string(c))
	}
	seen := map[rune]bool{}
	for _, c := range Alphabet {
		assert.False(t, seen[c], "duplicate %q", c)
		seen[c] = true
		assert.Equal(t, strings.ToUpper(string(c)), string(c), "alphabet is stored upper case")
	}
}

func TestNewCodeUsesAlphabetAndLength(t *testing.T) {
	for n := MinCodeLen; n <= MaxCodeLen; n++ {
		code, err := NewCode(nil, n)
		require.NoError(t, err)
		assert.Len(t, code, n)
		assert.NoError(t, validateCode(code))
	}
	for _, n := range []int{-1, 0, MinCodeLen - 1, MaxCodeLen + 1} {
		_, err := NewCode(nil, n)
		assert.ErrorIs(t, err, ErrCodeLength, "n=%d", n)
	}
}

func TestNewCodeRejectsBiasedBytes(t *testing.T) {
	// 253, 254 and 255 would favour the first three characters if reduced
	// modulo len(Alphabet); they must be skipped.
	limit := 256 - 256%len(Alphabet)
	src := []byte{byte(limit - 1), byte(limit), 255, 0, byte(len(Alphabet) + 1), byte(limit + 1), 2, 3}
	code, err := NewCode(bytes.NewReader(src), 5)
	require.NoError(t, err)
	want := string([]byte{
		Alphabet[(limit-1)%len(Alphabet)], Alphabet[0], Alphabet[1], Alphabet[2], Alphabet[3],
	})
	assert.Equal(t, want, code)
}

func TestNewCodeReaderError(t *testing.T) {
	_, err := NewCode(bytes.NewReader([]byte{1, 2}), 5)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	// A reader that only ever yields rejected bytes runs dry, not forever.
	_, err = NewCode(bytes.NewReader(bytes.Repeat([]byte{255}, 64)), 5)
	assert.True(t, errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF), "%v", err)
}

func TestNewCodeRoughlyUniform(t *testing.T) {
	// Fixed-seed source: the statistic is deterministic, so the bound can
	// be strict without flakiness. 46.9 is the 1e-6 tail of chi-square
	// with 10 degrees of freedom.
	src := rand.NewChaCha8([32]byte{1, 2, 3})
	counts := map[rune]int{}
	const codes = 6000
	for i := 0; i < codes; i++ {
		code, err := NewCode(src, 6)
		require.NoError(t, err)
		for _, c := range code {
			counts[c]++
		}
	}
	expected := float64(codes*6) / float64(len(Alphabet))
	var chi2 float64
	for _, c := range Alphabet {
		d := float64(counts[c]) - expected
		chi2 += d * d / expected
	}
	assert.Len(t, counts, len(Alphabet))
	assert.Less(t, chi2, 46.9)
}

func TestEqual(t *testing.T) {
	assert.True(t, Equal("HK3M9", "HK3M9"))
	assert.True(t, Equal("HK3M9", "hk3m9"))
	assert.True(t, Equal("HK3M9", " hk3-m9\n"))
	assert.False(t, Equal("HK3M9", "HK3M"))
	assert.False(t, Equal("HK3M9", "HK3M99"))
	assert.False(t, Equal("HK3M9", "HK3M6"))
	assert.False(t, Equal("", ""))
	assert.Equal(t, "ABC", Normalize("a b-c"))
}

func FuzzEqual(f *testing.F) {
	f.Add("HK3M9", "hk3m9")
	f.Add("HK3M9", "hk 3m9")
	f.Add("", "\xff")
	f.Fuzz(func(t *testing.T, code, answer string) {
		require.Equal(t, code != "" && Normalize(answer) == code, Equal(code, answer), "Equal(%q, %q)", code, answer)
	})
}

func BenchmarkNewCode(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewCode(nil, 6); err != nil { // guarded: require costs a t.Helper call
			require.NoError(b, err)
		}
	}
}
