package astracaph

// Offline evaluation of a SpamFilter on labelled samples: the confusion table (actual ham/spam
// × GOOD/NEUTRAL/BAD) and the rates that matter for a form filter.

import (
	"context"
	"fmt"
	"strings"
)

// SpamEvaluation holds the confusion table: Confusion[actual][predicted] with actual 0 = ham,
// 1 = spam and predicted 0 = GOOD, 1 = NEUTRAL, 2 = BAD.
type SpamEvaluation struct {
	Confusion [2][3]int
}

// EvaluateSpam classifies every sample as a one-field form ({"message": text}).
func EvaluateSpam(ctx context.Context, f *SpamFilter, samples []SpamSample) SpamEvaluation {
	var e SpamEvaluation
	for _, s := range samples {
		r := f.Classify(ctx, SpamInput{Fields: map[string]string{"message": s.Text}})
		e.Add(s.Spam, r.Class)
	}
	return e
}

// Add records one outcome.
func (e *SpamEvaluation) Add(spam bool, c SpamClass) {
	row, col := 0, 0
	if spam {
		row = 1
	}
	switch c {
	case SpamNeutral:
		col = 1
	case SpamBad:
		col = 2
	}
	e.Confusion[row][col]++
}

func spamRatio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func (e *SpamEvaluation) ham() int  { return e.Confusion[0][0] + e.Confusion[0][1] + e.Confusion[0][2] }
func (e *SpamEvaluation) spam() int { return e.Confusion[1][0] + e.Confusion[1][1] + e.Confusion[1][2] }

// PrecisionBad is the share of BAD verdicts that were spam.
func (e *SpamEvaluation) PrecisionBad() float64 {
	return spamRatio(e.Confusion[1][2], e.Confusion[0][2]+e.Confusion[1][2])
}

// PrecisionFlagged is the share of NEUTRAL-or-BAD verdicts that were spam.
func (e *SpamEvaluation) PrecisionFlagged() float64 {
	tp := e.Confusion[1][1] + e.Confusion[1][2]
	return spamRatio(tp, tp+e.Confusion[0][1]+e.Confusion[0][2])
}

// RecallBad is the share of spam classified BAD.
func (e *SpamEvaluation) RecallBad() float64 { return spamRatio(e.Confusion[1][2], e.spam()) }

// RecallFlagged is the share of spam classified NEUTRAL or BAD.
func (e *SpamEvaluation) RecallFlagged() float64 {
	return spamRatio(e.Confusion[1][1]+e.Confusion[1][2], e.spam())
}

// FPRBad is the share of ham classified BAD (the rate of blocked legitimate messages).
func (e *SpamEvaluation) FPRBad() float64 { return spamRatio(e.Confusion[0][2], e.ham()) }

// FPRFlagged is the share of ham classified NEUTRAL or BAD.
func (e *SpamEvaluation) FPRFlagged() float64 {
	return spamRatio(e.Confusion[0][1]+e.Confusion[0][2], e.ham())
}

// String renders the confusion table and the rates, as printed by `astracaph spam eval`.
func (e *SpamEvaluation) String() string {
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
