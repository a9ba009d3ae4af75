package spam

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkSpamClassify: a 1 KB two-field message with an e-mail address, every offline signal
// on (Bayes model, duplicate counter), no MX lookups.
func BenchmarkSpamClassify(b *testing.B) {
	var corpus []Sample
	for range 20 {
		corpus = append(corpus, tinyCorpus()...)
	}
	m, err := Train(context.Background(), corpus, TrainOptions{})
	require.NoError(b, err)
	f := testFilter(b, WithModel(m), WithDuplicates(newSpamFakeCounter()))
	para := "Hello team, I would like to ask about the pricing of your premium plan for our company. " +
		"We are 25 people and need SSO, see https://example.com/docs for what we use today. "
	msg := strings.Repeat(para, 1024/len(para)+1)[:1024]
	in := Input{
		Fields:    map[string]string{"name": "Ann Example", "message": msg},
		Email:     "ann.example@example.com",
		Languages: []string{"en-US", "en"},
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		f.Classify(ctx, in)
	}
}
