package spam

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func tinyCorpus() []Sample {
	return []Sample{
		{false, "are we still meeting for lunch tomorrow"},
		{false, "can you send me the report before the meeting"},
		{false, "thanks for the help with the report yesterday"},
		{false, "see you at lunch, I will bring the slides"},
		{true, "WINNER! claim your free prize now, call 09061701461"},
		{true, "free entry to win a prize, text WIN to 87121 now"},
		{true, "urgent! your mobile won £2000 cash prize, claim now"},
		{true, "you have won a free holiday, visit www.win-now.example to claim"},
	}
}

func TestSpamTokens(t *testing.T) {
	a := analyze("Call 09061701461 or +44-7700-900123 now! Win £150p at www.x.example, 2nite. ÉTÉ")
	want := []string{"call", "<phone>", "or", "<phone>", "now", "win", "<cur>", "000p", "at", "<url>", "0nite", "été"}
	require.Equal(t, want, a.tokens)
	require.Equal(t, []string{"room", "<num3>", "code", "<num8>"}, analyze("room 101, code 12345678901234567890").tokens, "number tokens")
}

func TestSpamBayesTrainAndScore(t *testing.T) {
	ctx := context.Background()
	m, err := Train(ctx, tinyCorpus(), TrainOptions{})
	require.NoError(t, err)
	require.Equal(t, ModelVersion, m.Version, "model header")
	require.Equal(t, [2]int{4, 4}, m.Docs, "model header")
	require.InDelta(t, math.Log(0.5), m.LogPrior[0], 1e-12, "model header")
	// Laplace: a token seen only in ham still has non-zero spam probability, and each class's
	// token distribution sums to less than 1 (unseen mass stays in the smoothing).
	lunch := m.Tokens["lunch"]
	assert.Greater(t, lunch[0], lunch[1], "lunch: %v", lunch)
	assert.False(t, math.IsInf(lunch[1], 0), "lunch: %v", lunch)
	var sum [2]float64
	for _, p := range m.Tokens {
		sum[0] += math.Exp(p[0])
		sum[1] += math.Exp(p[1])
	}
	assert.InDelta(t, 1, sum[0], 1e-9, "per-class token probabilities sum to 1 (ham)")
	assert.InDelta(t, 1, sum[1], 1e-9, "per-class token probabilities sum to 1 (spam)")
	assert.Greater(t, m.SpamProbability("claim your free prize now"), 0.9, "P(spam) of spammy text")
	assert.Less(t, m.SpamProbability("can we meet for lunch tomorrow"), 0.1, "P(spam) of hammy text")
	assert.InDelta(t, 0.5, m.SpamProbability("zzz unknown words only"), 1e-9, "unknown tokens must leave the prior (0.5)")

	f := testFilter(t, WithModel(m))
	r := f.Classify(ctx, text("claim your free prize now, call to win"))
	assert.Contains(t, r.Reasons, ReasonBayes, "spammy text: %+v", r)
	r = f.Classify(ctx, Input{Email: "x@mailinator.com", Fields: map[string]string{"m": "see you at lunch tomorrow with the report"}})
	assert.NotContains(t, r.Reasons, ReasonBayes, "hammy text must subtract 0.5 without a reason: %+v", r)
	assert.Equal(t, 1.5, r.Score, "hammy text must subtract 0.5 without a reason: %+v", r)

	// min-count prunes rare tokens.
	pruned, err := Train(ctx, tinyCorpus(), TrainOptions{MinCount: 2})
	if assert.NoError(t, err, "min-count 2") {
		assert.Less(t, len(pruned.Tokens), len(m.Tokens), "min-count 2")
	}
	_, err = Train(ctx, tinyCorpus()[:4], TrainOptions{})
	assert.ErrorIs(t, err, ErrModel, "one class only")
}

func TestSpamBayesBands(t *testing.T) {
	cases := map[float64]float64{0: -0.5, 0.049: -0.5, 0.05: 0, 0.5: 0, 0.6: 0.5, 0.8: 1, 0.95: 1.5, 0.99: 2, 1: 2}
	for p, want := range cases {
		assert.Equal(t, want, bayesPoints(p), "P=%v", p)
	}
}

func TestSpamModelJSONRoundTrip(t *testing.T) {
	m, err := Train(context.Background(), tinyCorpus(), TrainOptions{Alpha: 0.5})
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, m.WriteJSON(&buf))
	assert.True(t, strings.HasPrefix(buf.String(), `{"version":1,"classes":["ham","spam"],"alpha":0.5,`),
		"unexpected header: %.80s", buf.String())
	got, err := LoadModel(&buf)
	require.NoError(t, err)
	text := "claim your free prize at lunch"
	assert.Equal(t, m.SpamProbability(text), got.SpamProbability(text), "round trip changed the model")
	assert.Len(t, got.Tokens, len(m.Tokens), "round trip changed the model")
}

func TestLoadSpamModelRejects(t *testing.T) {
	bad := map[string]string{
		"empty":        ``,
		"not json":     `hello`,
		"version":      `{"version":2,"classes":["ham","spam"],"logPrior":[-0.1,-2],"tokens":{"a":[-1,-1]}}`,
		"classes":      `{"version":1,"classes":["spam","ham"],"logPrior":[-0.1,-2],"tokens":{"a":[-1,-1]}}`,
		"no tokens":    `{"version":1,"classes":["ham","spam"],"logPrior":[-0.1,-2],"tokens":{}}`,
		"positive log": `{"version":1,"classes":["ham","spam"],"logPrior":[-0.1,-2],"tokens":{"a":[1,-1]}}`,
		"bad prior":    `{"version":1,"classes":["ham","spam"],"logPrior":[0.5,-2],"tokens":{"a":[-1,-1]}}`,
		"unknown key":  `{"version":1,"classes":["ham","spam"],"logPrior":[-0.1,-2],"tokens":{"a":[-1,-1]},"x":1}`,
		"empty token":  `{"version":1,"classes":["ham","spam"],"logPrior":[-0.1,-2],"tokens":{"":[-1,-1]}}`,
	}
	for name, s := range bad {
		_, err := LoadModel(strings.NewReader(s))
		assert.ErrorIs(t, err, ErrModel, name)
	}
}

func FuzzLoadSpamModel(f *testing.F) {
	var buf bytes.Buffer
	m, _ := Train(context.Background(), tinyCorpus(), TrainOptions{})
	_ = m.WriteJSON(&buf)
	f.Add(buf.Bytes())
	f.Add([]byte(`{"version":1,"classes":["ham","spam"],"logPrior":[-0.1,-2],"tokens":{"a":[-1,-1]}}`))
	f.Add([]byte(`{"version":1,"tokens":{"a":[1e309,-1]}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := LoadModel(bytes.NewReader(data))
		if err != nil {
			return
		}
		// A model that loads must give a probability in [0,1] for any text.
		for _, text := range []string{"", "a", "free prize", string(data)} {
			p := m.SpamProbability(text)
			require.True(t, p >= 0 && p <= 1, "P(spam)=%v for %q", p, text)
		}
	})
}
