package spam

import (
	"context"
	"os"
	"testing"

	"github.com/astracat/astracaph/internal/testenv"
)

// sMSSeed fixes the 80/20 split used for the acceptance figures.
const sMSSeed = 1

func loadSMS(t testing.TB) []Sample {
	t.Helper()
	fh, err := os.Open(testenv.SharedData(t, "sms-spam-collection/SMSSpamCollection.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	all, err := ReadTSV(fh)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 5574 {
		t.Fatalf("read %d messages, README says 5,574", len(all))
	}
	all = Dedup(all)
	if len(all) != 5171 {
		t.Fatalf("%d distinct texts, README says 5,171", len(all))
	}
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
		if err != nil {
			t.Fatal(err)
		}
		e := Evaluate(ctx, testFilter(t, WithModel(m)), va)
		for i := range 2 {
			for j := range 3 {
				cv.Confusion[i][j] += e.Confusion[i][j]
			}
		}
	}
	t.Logf("5-fold cross-validation on the training split (%d messages):\n%s", len(train), cv.String())

	m, err := Train(ctx, train, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e := Evaluate(ctx, testFilter(t, WithModel(m)), test)
	t.Logf("held-out test split (%d messages, seed %d):\n%s", len(test), sMSSeed, e.String())
	if fpr := e.FPRBad(); fpr > 0.01 {
		t.Errorf("FPR on ham at BAD = %.4f, want ≤ 0.01", fpr)
	}
	if rec := e.RecallFlagged(); rec < 0.85 {
		t.Errorf("spam recall at NEUTRAL-or-BAD = %.4f, want ≥ 0.85", rec)
	}

	// Without the model the heuristics alone must not block SMS ham (they target web forms).
	h := Evaluate(ctx, testFilter(t), test)
	t.Logf("heuristics only:\n%s", h.String())
	if h.FPRBad() > 0.01 {
		t.Errorf("heuristics alone: FPR at BAD %.4f", h.FPRBad())
	}
}
