package spam

import (
	"bytes"
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
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
	if !slices.Equal(a.tokens, want) {
		t.Fatalf("tokens %q\nwant   %q", a.tokens, want)
	}
	if a := analyze("room 101, code 12345678901234567890"); !slices.Equal(a.tokens, []string{"room", "<num3>", "code", "<num8>"}) {
		t.Fatalf("number tokens %q", a.tokens)
	}
}

func TestSpamBayesTrainAndScore(t *testing.T) {
	ctx := context.Background()
	m, err := Train(ctx, tinyCorpus(), TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Version != ModelVersion || m.Docs != [2]int{4, 4} || math.Abs(m.LogPrior[0]-math.Log(0.5)) > 1e-12 {
		t.Fatalf("model header %+v", m)
	}
	// Laplace: a token seen only in ham still has non-zero spam probability, and each class's
	// token distribution sums to less than 1 (unseen mass stays in the smoothing).
	if p := m.Tokens["lunch"]; !(p[0] > p[1]) || math.IsInf(p[1], 0) {
		t.Errorf("lunch: %v", p)
	}
	var sum [2]float64
	for _, p := range m.Tokens {
		sum[0] += math.Exp(p[0])
		sum[1] += math.Exp(p[1])
	}
	if math.Abs(sum[0]-1) > 1e-9 || math.Abs(sum[1]-1) > 1e-9 {
		t.Errorf("per-class token probabilities sum to %v, want 1", sum)
	}
	p := m.SpamProbability("claim your free prize now")
	hamP := m.SpamProbability("can we meet for lunch tomorrow")
	if !(p > 0.9 && hamP < 0.1) {
		t.Errorf("P(spam): spammy %v, hammy %v", p, hamP)
	}
	if p := m.SpamProbability("zzz unknown words only"); math.Abs(p-0.5) > 1e-9 {
		t.Errorf("unknown tokens must leave the prior (0.5), got %v", p)
	}

	f := testFilter(t, WithModel(m))
	if r := f.Classify(ctx, text("claim your free prize now, call to win")); !slices.Contains(r.Reasons, ReasonBayes) {
		t.Errorf("spammy text: %+v", r)
	}
	r := f.Classify(ctx, Input{Email: "x@mailinator.com", Fields: map[string]string{"m": "see you at lunch tomorrow with the report"}})
	if slices.Contains(r.Reasons, ReasonBayes) || r.Score != 1.5 {
		t.Errorf("hammy text must subtract 0.5 without a reason: %+v", r)
	}

	// min-count prunes rare tokens.
	pruned, err := Train(ctx, tinyCorpus(), TrainOptions{MinCount: 2})
	if err != nil || len(pruned.Tokens) >= len(m.Tokens) {
		t.Errorf("min-count 2: %d tokens vs %d (err %v)", len(pruned.Tokens), len(m.Tokens), err)
	}
	if _, err := Train(ctx, tinyCorpus()[:4], TrainOptions{}); !errors.Is(err, ErrModel) {
		t.Errorf("one class only: err %v", err)
	}
}

func TestSpamBayesBands(t *testing.T) {
	cases := map[float64]float64{0: -0.5, 0.049: -0.5, 0.05: 0, 0.5: 0, 0.6: 0.5, 0.8: 1, 0.95: 1.5, 0.99: 2, 1: 2}
	for p, want := range cases {
		if got := bayesPoints(p); got != want {
			t.Errorf("P=%v: %v points, want %v", p, got, want)
		}
	}
}

func TestSpamModelJSONRoundTrip(t *testing.T) {
	m, err := Train(context.Background(), tinyCorpus(), TrainOptions{Alpha: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), `{"version":1,"classes":["ham","spam"],"alpha":0.5,`) {
		t.Errorf("unexpected header: %.80s", buf.String())
	}
	got, err := LoadModel(&buf)
	if err != nil {
		t.Fatal(err)
	}
	text := "claim your free prize at lunch"
	if got.SpamProbability(text) != m.SpamProbability(text) || len(got.Tokens) != len(m.Tokens) {
		t.Error("round trip changed the model")
	}
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
		if _, err := LoadModel(strings.NewReader(s)); !errors.Is(err, ErrModel) {
			t.Errorf("%s: err %v, want ErrModel", name, err)
		}
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
			if p := m.SpamProbability(text); !(p >= 0 && p <= 1) {
				t.Fatalf("P(spam)=%v for %q", p, text)
			}
		}
	})
}
