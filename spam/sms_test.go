package spam

import (
	"context"
	"os"
	"testing"

	"github.com/astracat/astracaph/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sMSSeed fixes the 80/20 split used for the acceptance figures.
const sMSSeed = 1

func loadSMS(t testing.TB) []Sample {
	t.Helper()
	fh, err := os.Open(testenv.SharedData(t, "sms-spam-collection/SMSSpamCollection.tsv"))
	require.NoError(t, err)
	defer fh.Close()
	all, err := ReadTSV(fh)
	require.NoError(t, err)
	require.Len(t, all, 5574, "README says 5,574 messages")
	all = Dedup(all)
	require.Len(t, all, 5171, "README says 5,171 distinct texts")
	return all
}

// Acceptance: on the SMS Spam Collection (duplicates removed, seeded stratified 80/20 split,
// model trained on the 80% only), the held-out 20% must show FPR on ham at BAD ≤ 1% and spam
// recall at NEUTRAL-or-BAD ≥ 85%.
//
// The thresholds (1.0/2.0) and points are the a-priori values of docs/risk-notes.md, "Spam heuristics"; they were not
// tuned on the held-out part. The 5-fold cross-validation on the training split below is the
// check they were judged by, and it is logged for the record.
func TestSpamSMSCollection(t *testing.T) {
	ctx := context.Background()
	train, test := Split(loadSMS(t), 0.2, sMSSeed)

	var cv Evaluation
	for k := range 5 {
		var tr, va []Sample
		for i, s := range train {
			if i%5 == k {
				va = append(va, s)
			} else {
				tr = append(tr, s)
			}
		}
		m, err := Train(ctx, tr, TrainOptions{})
		require.NoError(t, err)
		e := Evaluate(ctx, testFilter(t, WithModel(m)), va)
		for i := range 2 {
			for j := range 3 {
				cv.Confusion[i][j] += e.Confusion[i][j]
			}
		}
	}
	t.Logf("5-fold cross-validation on the training split (%d messages):\n%s", len(train), cv.String())

	m, err := Train(ctx, train, TrainOptions{})
	require.NoError(t, err)
	e := Evaluate(ctx, testFilter(t, WithModel(m)), test)
	t.Logf("held-out test split (%d messages, seed %d):\n%s", len(test), sMSSeed, e.String())
	assert.LessOrEqual(t, e.FPRBad(), 0.01, "FPR on ham at BAD")
	assert.GreaterOrEqual(t, e.RecallFlagged(), 0.85, "spam recall at NEUTRAL-or-BAD")

	// Without the model the heuristics alone must not block SMS ham (they target web forms).
	h := Evaluate(ctx, testFilter(t), test)
	t.Logf("heuristics only:\n%s", h.String())
	assert.LessOrEqual(t, h.FPRBad(), 0.01, "heuristics alone: FPR at BAD")
}
