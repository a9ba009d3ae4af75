package spam

// text.BAYES: a multinomial naive Bayes model over the tokens of analyze (lower-case words,
// numbers normalised by length, URLs, phone numbers and currency signs as single tokens),
// trained with Laplace smoothing and stored as log-probabilities in versioned JSON.
// Models are trained by the operator (`astracaph spam train`); none is shipped.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
)

// ModelVersion is the model file format version written and accepted.
const ModelVersion = 1

// Limits for loading a model file (outside input).
const (
	modelMaxBytes  = 256 << 20
	modelMaxTokens = 5_000_000
	modelMaxToken  = 256
)

// Model is a trained naive Bayes model. Index 0 of each pair is ham, 1 is spam.
// It is read-only after training or loading and safe for concurrent use.
type Model struct {
	Version  int                   `json:"version"`
	Classes  [2]string             `json:"classes"` // always ["ham","spam"]
	Alpha    float64               `json:"alpha"`
	Docs     [2]int                `json:"docs"`     // training documents per class
	LogPrior [2]float64            `json:"logPrior"` // log P(class)
	Tokens   map[string][2]float64 `json:"tokens"`   // log P(token | class)
}

// TrainOptions tunes Train. Zero values mean Alpha 1 (Laplace) and MinCount 1.
type TrainOptions struct {
	Alpha    float64
	MinCount int // drop tokens seen fewer times than this over the whole corpus
}

// Train trains a model on labelled samples; both classes must be present.
func Train(ctx context.Context, samples []Sample, opts TrainOptions) (*Model, error) {
	alpha := opts.Alpha
	if alpha == 0 {
		alpha = 1
	}
	if !(alpha > 0) || math.IsInf(alpha, 0) {
		return nil, fmt.Errorf("%w: alpha must be > 0", ErrModel)
	}
	minCount := max(opts.MinCount, 1)
	counts := make(map[string]*[2]int)
	var docs [2]int
	for i, s := range samples {
		if i%1024 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		c := 0
		if s.Spam {
			c = 1
		}
		docs[c]++
		a := analyze(s.Text)
		for _, t := range a.tokens {
			p := counts[t]
			if p == nil {
				p = new([2]int)
				counts[t] = p
			}
			p[c]++
		}
	}
	if docs[0] == 0 || docs[1] == 0 {
		return nil, fmt.Errorf("%w: training data needs both ham and spam (got %d ham, %d spam)", ErrModel, docs[0], docs[1])
	}
	var total [2]float64
	vocab := 0
	for t, p := range counts {
		if p[0]+p[1] < minCount {
			delete(counts, t)
			continue
		}
		vocab++
		total[0] += float64(p[0])
		total[1] += float64(p[1])
	}
	m := &Model{
		Version: ModelVersion,
		Classes: [2]string{"ham", "spam"},
		Alpha:   alpha,
		Docs:    docs,
		Tokens:  make(map[string][2]float64, vocab),
	}
	n := float64(docs[0] + docs[1])
	m.LogPrior = [2]float64{math.Log(float64(docs[0]) / n), math.Log(float64(docs[1]) / n)}
	denom := [2]float64{total[0] + alpha*float64(vocab), total[1] + alpha*float64(vocab)}
	for t, p := range counts {
		m.Tokens[t] = [2]float64{
			math.Log((float64(p[0]) + alpha) / denom[0]),
			math.Log((float64(p[1]) + alpha) / denom[1]),
		}
	}
	return m, nil
}

// SpamProbability returns P(spam | text).
func (m *Model) SpamProbability(text string) float64 {
	a := analyze(text)
	return m.probability(a.tokens)
}

// probability sums log-likelihoods of known tokens; unknown tokens carry no evidence.
func (m *Model) probability(tokens []string) float64 {
	lh, ls := m.LogPrior[0], m.LogPrior[1]
	for _, t := range tokens {
		if p, ok := m.Tokens[t]; ok {
			lh += p[0]
			ls += p[1]
		}
	}
	return 1 / (1 + math.Exp(lh-ls))
}

// WriteJSON writes the model file (tokens sorted by encoding/json, so output is reproducible).
func (m *Model) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	if err := enc.Encode(m); err != nil {
		return fmt.Errorf("%w: %w", ErrModel, err)
	}
	return nil
}

// LoadModel reads and validates a model written by WriteJSON.
func LoadModel(r io.Reader) (*Model, error) {
	var m Model
	dec := json.NewDecoder(io.LimitReader(r, modelMaxBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrModel, err)
	}
	if m.Version != ModelVersion {
		return nil, fmt.Errorf("%w: unsupported version %d (want %d)", ErrModel, m.Version, ModelVersion)
	}
	if m.Classes != [2]string{"ham", "spam"} {
		return nil, fmt.Errorf("%w: classes must be [\"ham\",\"spam\"]", ErrModel)
	}
	if len(m.Tokens) == 0 || len(m.Tokens) > modelMaxTokens {
		return nil, fmt.Errorf("%w: %d tokens", ErrModel, len(m.Tokens))
	}
	// Real log-probabilities are far above -1000; the bound keeps sums finite (no -Inf - -Inf).
	okLog := func(v float64) bool { return v <= 0 && v >= -1000 }
	if !okLog(m.LogPrior[0]) || !okLog(m.LogPrior[1]) {
		return nil, fmt.Errorf("%w: bad logPrior", ErrModel)
	}
	for t, p := range m.Tokens {
		if t == "" || len(t) > modelMaxToken || !okLog(p[0]) || !okLog(p[1]) {
			return nil, fmt.Errorf("%w: bad token entry %.40q", ErrModel, t)
		}
	}
	return &m, nil
}

// bayesBands are SpamAssassin's BAYES_* bands (docs/risk-notes.md, "Spam heuristics"): P(spam) from → points.
var bayesBands = []struct{ from, pts float64 }{
	{0.99, 2.0}, {0.95, 1.5}, {0.80, 1.0}, {0.60, 0.5}, {0.05, 0}, {0, -0.5},
}

func bayesPoints(p float64) float64 {
	for _, b := range bayesBands {
		if p >= b.from {
			return b.pts
		}
	}
	return -0.5
}

func (f *Filter) checkBayes(s *tally, a *analysis) {
	if f.model == nil || len(a.tokens) == 0 {
		return
	}
	pts := bayesPoints(f.model.probability(a.tokens))
	if pts > 0 {
		s.add(ReasonBayes, pts)
	} else if pts < 0 {
		// Strong ham evidence lowers the score without being reported as a reason.
		s.total += pts * s.scaleOf(ReasonBayes)
	}
}

func (s *tally) scaleOf(code string) float64 {
	if k, ok := s.f.scale[code]; ok {
		return k
	}
	return 1
}
