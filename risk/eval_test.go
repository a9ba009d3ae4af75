package risk

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseRiskEvalCases(t *testing.T) {
	jsonl := "# people\n{\"v\":1}\n\n{\"label\":\"bot\",\"telemetry\":null,\"header\":{\"User-Agent\":\"curl/8\"},\"ipClass\":\"hosting\"}\n"
	cs, err := ParseEvalCases(strings.NewReader(jsonl))
	require.NoError(t, err)
	require.Len(t, cs, 2)
	require.Equal(t, `{"v":1}`, string(cs[0].Telemetry))
	require.Equal(t, "bot", cs[1].Label)
	require.Equal(t, "hosting", cs[1].IPClass)
	arr, err := ParseEvalCases(strings.NewReader(` [{"v":1},{"label":"x"}]`))
	require.NoError(t, err)
	require.Len(t, arr, 2)
	require.Equal(t, "x", arr[1].Label)
	_, err = ParseEvalCases(strings.NewReader("{\"v\":1}\nnot json\n"))
	require.ErrorContains(t, err, "line 2")
	cs, err = ParseEvalCases(strings.NewReader(""))
	require.NoError(t, err)
	require.Empty(t, cs)
}

// The evaluator judges as a default server: absent telemetry steps up, a curl client is
// denied, the same document twice is a replay, and allowing the official widget makes
// absence neutral again.
func TestRiskEvaluator(t *testing.T) {
	var ev Evaluator
	var o EvalOutcome
	o.Count(ev.Eval(EvalCase{}))
	o.Count(ev.Eval(EvalCase{Header: map[string]string{"User-Agent": "curl/8.5.0"}}))
	require.Equal(t, 1, o.Visual, "%+v", o)
	require.Equal(t, 1, o.Deny, "%+v", o)
	require.Equal(t, 2, o.Reasons["tele.ABSENT"], "%+v", o)
	doc := `{"v":1,"env":{"langs":2,"tz":"Europe/Berlin"},"beh":{"keys":{"n":4,"iki":[3,400,90000,100,900]},"act":{"n":4,"t":900}},` +
		`"ch":{"id":"c","rcv":1000,"sol":2400,"snd":2405}}`
	first, second := ev.Eval(EvalCase{Telemetry: []byte(doc)}), ev.Eval(EvalCase{Telemetry: []byte(doc)})
	require.Equal(t, ActionPass, first.Action, "first %+v", first)
	require.Equal(t, ActionStepUp, second.Action, "second %+v", second)
	require.Contains(t, second.Reasons, "beh.REPLAYED")
	open := Evaluator{AllowALTCHAWidget: true}
	require.Equal(t, ActionPass, open.Eval(EvalCase{}).Action, "official widget allowed")
}

func FuzzParseRiskEvalCases(f *testing.F) {
	f.Add("{\"v\":1}\n{\"label\":\"a\",\"telemetry\":{\"v\":1,\"beh\":{\"act\":{\"n\":1}}}}\n")
	f.Add(`[{"v":1},{"header":{"User-Agent":"x"}}]`)
	f.Add("# c\n\n{\"telemetry\":\"not a doc\"}")
	f.Fuzz(func(t *testing.T, s string) {
		cs, err := ParseEvalCases(strings.NewReader(s))
		if err != nil {
			return
		}
		var ev Evaluator
		for _, c := range cs {
			a := ev.Eval(c)
			require.True(t, a.Band >= 1 && a.Band <= 5, "band %d", a.Band)
		}
	})
}
