package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/astracat/astracaph/spam"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// spamFixture is a small hand-written corpus (not from any third-party dataset): the spam
// lines share prize/claim/call vocabulary, the ham lines everyday chat. The duplicate last
// line must be dropped by the loader.
const spamFixture = `Label	SMS
ham	are we still on for lunch tomorrow at noon
ham	can you send me the slides before the meeting
ham	thanks for yesterday, the dinner was lovely
ham	I will be late, the bus is stuck in traffic
ham	see you at the gym after work
ham	did you finish the report for monday
ham	mum says dinner is at seven tonight
ham	the meeting moved to room 4, see you there
spam	WINNER! claim your cash prize now, call 09061701461
spam	you have won a free holiday, claim at www.win-prize.example
spam	URGENT: your mobile number won £2000, call now to claim
spam	free entry to win a prize, text WIN to 87121 now
spam	claim your free prize today, reply CLAIM to 80062
spam	congratulations you won a cash prize, call 09050000327 now
spam	congratulations you won a cash prize, call 09050000327 now
`

func spamRun(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"spam"}, args...), strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestSpamTrainEvalCLI(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "fixture.tsv")
	require.NoError(t, os.WriteFile(data, []byte(spamFixture), 0o600))
	model := filepath.Join(dir, "model.json")

	code, out, errs := spamRun(t, "", "train", "-data", data, "-out", model)
	require.Equal(t, 0, code, "train: stderr %q", errs)
	assert.Contains(t, out, "trained on 8 ham + 6 spam", "train output (duplicate must be dropped: 6 distinct spam)")
	fh, err := os.Open(model)
	require.NoError(t, err)
	m, err := spam.LoadModel(fh)
	fh.Close()
	require.NoError(t, err, "written model does not load")
	assert.Equal(t, [2]int{8, 6}, m.Docs, "model's docs")
	assert.GreaterOrEqual(t, m.SpamProbability("claim your prize now"), 0.9, "P(spam|prize)")

	code, out, errs = spamRun(t, "", "eval", "-data", data, "-model", model)
	require.Equal(t, 0, code, "eval: stderr %q", errs)
	t.Log("\n" + out)
	ham, spam := spamRow(t, out, "ham"), spamRow(t, out, "spam")
	require.Equal(t, 8, ham[0]+ham[1]+ham[2], "confusion row ham %v: 8 messages", ham)
	require.Equal(t, 6, spam[0]+spam[1]+spam[2], "confusion row spam %v: 6 messages", spam)
	// On its own training data the model must separate this easy fixture.
	assert.Zero(t, ham[2], "ham %v spam %v: want no ham BAD", ham, spam)
	assert.GreaterOrEqual(t, spam[2], 5, "ham %v spam %v: want ≥5 spam BAD", ham, spam)
	for _, want := range []string{"precision", "recall", "FPR(ham)", "GOOD", "NEUTRAL", "BAD"} {
		assert.Contains(t, out, want, "eval output")
	}

	// Without a model: heuristics only, the output names it.
	code, out, _ = spamRun(t, "", "eval", "-data", data)
	assert.Equal(t, 0, code, "eval without model: %q", out)
	assert.Contains(t, out, "model: none", "eval without model")
	// -holdout: train and eval see disjoint parts.
	code, out, errs = spamRun(t, "", "train", "-data", data, "-out", model, "-holdout", "0.5", "-seed", "3")
	assert.Equal(t, 0, code, "train -holdout: %q %q", out, errs)
	assert.Contains(t, out, "trained on 4 ham + 3 spam", "train -holdout")
	code, out, _ = spamRun(t, "", "eval", "-data", data, "-model", model, "-holdout", "0.5", "-seed", "3")
	assert.Equal(t, 0, code, "eval -holdout: %q", out)
	assert.True(t, strings.HasPrefix(out, "7 messages"), "eval -holdout: %q", out)
}

// spamRow parses one row of the confusion table.
func spamRow(t *testing.T, out, label string) [3]int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + label + `\s+(\d+)\s+(\d+)\s+(\d+)\s+\d+$`).FindStringSubmatch(out)
	require.NotNil(t, m, "no %s row in %q", label, out)
	var r [3]int
	for i := range r {
		r[i], _ = strconv.Atoi(m[i+1])
	}
	return r
}

func TestSpamCheckCLI(t *testing.T) {
	code, out, errs := spamRun(t, "Buy viagra now at our online pharmacy", "check", "-email", "x@mailinator.com", "-lang", "en-US,en")
	require.Equal(t, 0, code, "stderr: %s", errs)
	var r spam.Result
	require.NoError(t, json.Unmarshal([]byte(out), &r), "%q", out)
	assert.Equal(t, spam.Bad, r.Class, "got %+v", r)
	assert.GreaterOrEqual(t, len(r.Reasons), 2, "got %+v", r)
}

func TestSpamCLIErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.tsv")
	os.WriteFile(bad, []byte("ham\tok\nnot a label line\n"), 0o600)
	onlyHam := filepath.Join(dir, "ham.tsv")
	os.WriteFile(onlyHam, []byte("ham\tok\nham\tfine\n"), 0o600)
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{nil, 2, "usage"},
		{[]string{"bogus"}, 2, "unknown command"},
		{[]string{"train", "-data", bad}, 2, "needs -data and -out"},
		{[]string{"train", "-data", bad, "-out", filepath.Join(dir, "m.json")}, 1, "line 2"},
		{[]string{"train", "-data", onlyHam, "-out", filepath.Join(dir, "m.json")}, 1, "both ham and spam"},
		{[]string{"train", "-data", filepath.Join(dir, "missing.tsv"), "-out", filepath.Join(dir, "m.json")}, 1, "no such file"},
		{[]string{"eval"}, 2, "needs -data"},
		{[]string{"eval", "-data", onlyHam, "-model", bad}, 1, "model"},
		{[]string{"eval", "-data", onlyHam, "-holdout", "1"}, 2, "-holdout"},
		{[]string{"eval", "-nope"}, 2, "flag provided but not defined"},
	}
	for _, c := range cases {
		code, _, errs := spamRun(t, "", c.args...)
		assert.Equal(t, c.code, code, "%v: exit code", c.args)
		assert.Contains(t, errs, c.msg, "%v: stderr", c.args)
	}
	_, err := os.Stat(filepath.Join(dir, "m.json"))
	assert.True(t, os.IsNotExist(err), "a failed train left a model file behind")
}
