package spam

// Offline evaluation of a Filter on labelled samples: the confusion table (actual ham/spam
// × GOOD/NEUTRAL/BAD) and the rates that matter for a form filter.

import (
	"context"
	"fmt"
	"strings"
)

// Evaluation holds the confusion table: Confusion[actual][predicted] with actual 0 = ham,
// 1 = spam and predicted 0 = GOOD, 1 = NEUTRAL, 2 = BAD.
type Evaluation struct {
	Confusion [2][3]int
}

// Evaluate classifies every sample as a one-field form ({"message": text}).
func Evaluate(ctx context.Context, f *Filter, samples []Sample) Evaluation {
	var e Evaluation
	for _, s := range samples {
		r := f.Classify(ctx, Input{Fields: map[string]string{"message": s.Text}})
		e.Add(s.Spam, r.Class)
	}
	return e
}

// Add records one outcome.
func (e *Evaluation) Add(spam bool, c Class) {
	row, col := 0, 0
	if spam {
		row = 1
	}
	switch c {
	case Neutral:
		col = 1
	case Bad:
		col = 2
	}
	e.Confusion[row][col]++
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func (e *Evaluation) ham() int  { return e.Confusion[0][0] + e.Confusion[0][1] + e.Confusion[0][2] }
func (e *Evaluation) spam() int { return e.Confusion[1][0] + e.Confusion[1][1] + e.Confusion[1][2] }

// PrecisionBad is the share of BAD verdicts that were spam.
func (e *Evaluation) PrecisionBad() float64 {
	return ratio(e.Confusion[1][2], e.Confusion[0][2]+e.Confusion[1][2])
}

// PrecisionFlagged is the share of NEUTRAL-or-BAD verdicts that were spam.
func (e *Evaluation) PrecisionFlagged() float64 {
	tp := e.Confusion[1][1] + e.Confusion[1][2]
	return ratio(tp, tp+e.Confusion[0][1]+e.Confusion[0][2])
}

// RecallBad is the share of spam classified BAD.
func (e *Evaluation) RecallBad() float64 { return ratio(e.Confusion[1][2], e.spam()) }

// RecallFlagged is the share of spam classified NEUTRAL or BAD.
func (e *Evaluation) RecallFlagged() float64 {
	return ratio(e.Confusion[1][1]+e.Confusion[1][2], e.spam())
}

// FPRBad is the share of ham classified BAD (the rate of blocked legitimate messages).
func (e *Evaluation) FPRBad() float64 { return ratio(e.Confusion[0][2], e.ham()) }

// FPRFlagged is the share of ham classified NEUTRAL or BAD.
func (e *Evaluation) FPRFlagged() float64 {
	return ratio(e.Confusion[0][1]+e.Confusion[0][2], e.ham())
}

// String renders the confusion table and the rates, as printed by `astracaph spam eval`.
func (e *Evaluation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-12s %8s %8s %8s %8s\n", "actual\\pred", "GOOD", "NEUTRAL", "BAD", "total")
	for i, name := range []string{"ham", "spam"} {
		c := e.Confusion[i]
		fmt.Fprintf(&b, "%-12s %8d %8d %8d %8d\n", name, c[0], c[1], c[2], c[0]+c[1]+c[2])
	}
	fmt.Fprintf(&b, "at BAD:            precision %.4f  recall %.4f  FPR(ham) %.4f\n",
		e.PrecisionBad(), e.RecallBad(), e.FPRBad())
	fmt.Fprintf(&b, "at NEUTRAL or BAD: precision %.4f  recall %.4f  FPR(ham) %.4f\n",
		e.PrecisionFlagged(), e.RecallFlagged(), e.FPRFlagged())
	return b.String()
}
