package spam

// Labelled data for training and evaluation: the `label<TAB>text` TSV of the SMS Spam
// Collection (and anything in the same shape), de-duplication and a seeded stratified split.

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
)

// Sample is one labelled text.
type Sample struct {
	Spam bool
	Text string
}

// tsvMaxLine bounds one record (the SMS corpus tops out under 1 KB).
const tsvMaxLine = 1 << 20

// ReadTSV reads `label<TAB>text` lines. Labels are ham or spam (any case); the text is
// everything after the first tab (it may contain quotes, so no CSV quoting is applied). A first
// line whose label is neither (a header such as "Label\tSMS") is skipped; blank lines are
// ignored; any other malformed line is an error naming its line number.
func ReadTSV(r io.Reader) ([]Sample, error) {
	var out []Sample
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), tsvMaxLine)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSuffix(sc.Text(), "\r")
		if strings.TrimSpace(s) == "" {
			continue
		}
		label, text, ok := strings.Cut(s, "\t")
		var spam bool
		switch strings.ToLower(strings.TrimSpace(label)) {
		case "ham":
		case "spam":
			spam = true
		default:
			if line == 1 {
				continue // header
			}
			ok = false
		}
		if !ok {
			return nil, fmt.Errorf("%w: line %d: want ham|spam<TAB>text", ErrTSV, line)
		}
		out = append(out, Sample{Spam: spam, Text: text})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTSV, err)
	}
	return out, nil
}

// Dedup drops exact duplicate texts, keeping the first occurrence, so copies cannot land
// on both sides of a train/test split.
func Dedup(samples []Sample) []Sample {
	seen := make(map[string]bool, len(samples))
	out := make([]Sample, 0, len(samples))
	for _, s := range samples {
		if !seen[s.Text] {
			seen[s.Text] = true
			out = append(out, s)
		}
	}
	return out
}

// Split shuffles each class with a PCG seeded by seed and holds out the given fraction of
// each (stratified), returning (train, test). The same inputs always give the same split.
func Split(samples []Sample, holdout float64, seed uint64) (train, test []Sample) {
	holdout = min(max(holdout, 0), 1)
	var byClass [2][]Sample
	for _, s := range samples {
		c := 0
		if s.Spam {
			c = 1
		}
		byClass[c] = append(byClass[c], s)
	}
	rng := rand.New(rand.NewPCG(seed, 0x5ba3)) // second word fixed: the seed alone picks the split
	for _, group := range byClass {
		rng.Shuffle(len(group), func(i, j int) { group[i], group[j] = group[j], group[i] })
		k := int(float64(len(group))*holdout + 0.5)
		test = append(test, group[:k]...)
		train = append(train, group[k:]...)
	}
	return train, test
}
