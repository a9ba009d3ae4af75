package risk

import (
	"strings"
	"testing"
)

func TestParseRiskEvalCases(t *testing.T) {
	jsonl := "# people\n{\"v\":1}\n\n{\"label\":\"bot\",\"telemetry\":null,\"header\":{\"User-Agent\":\"curl/8\"},\"ipClass\":\"hosting\"}\n"
	cs, err := ParseEvalCases(strings.NewReader(jsonl))
	if err != nil || len(cs) != 2 || string(cs[0].Telemetry) != `{"v":1}` || cs[1].Label != "bot" || cs[1].IPClass != "hosting" {
		t.Fatalf("%+v %v", cs, err)
	}
	arr, err := ParseEvalCases(strings.NewReader(` [{"v":1},{"label":"x"}]`))
	if err != nil || len(arr) != 2 || arr[1].Label != "x" {
		t.Fatalf("%+v %v", arr, err)
	}
	if _, err := ParseEvalCases(strings.NewReader("{\"v\":1}\nnot json\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("error %v", err)
	}
	if cs, err := ParseEvalCases(strings.NewReader("")); err != nil || len(cs) != 0 {
		t.Fatal(cs, err)
	}
}

// The evaluator judges as a default server: absent telemetry steps up, a curl client is
// denied, the same document twice is a replay, and allowing the official widget makes
// absence neutral again.
func TestRiskEvaluator(t *testing.T) {
	var ev Evaluator
	var o EvalOutcome
	o.Count(ev.Eval(EvalCase{}))
	o.Count(ev.Eval(EvalCase{Header: map[string]string{"User-Agent": "curl/8.5.0"}}))
	if o.Visual != 1 || o.Deny != 1 || o.Reasons["tele.ABSENT"] != 2 {
		t.Fatalf("%+v", o)
	}
	doc := `{"v":1,"env":{"langs":2,"tz":"Europe/Berlin"},"beh":{"keys":{"n":4,"iki":[3,400,90000,100,900]},"act":{"n":4,"t":900}},` +
		`"ch":{"id":"c","rcv":1000,"sol":2400,"snd":2405}}`
	first, second := ev.Eval(EvalCase{Telemetry: []byte(doc)}), ev.Eval(EvalCase{Telemetry: []byte(doc)})
	if first.Action != ActionPass || second.Action != ActionStepUp || !hasReason(second, "beh.REPLAYED") {
		t.Fatalf("first %+v\nsecond %+v", first, second)
	}
	open := Evaluator{AllowALTCHAWidget: true}
	if a := open.Eval(EvalCase{}); a.Action != ActionPass {
		t.Fatalf("official widget allowed: %+v", a)
	}
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
			if a := ev.Eval(c); a.Band < 1 || a.Band > 5 {
				t.Fatalf("band %d", a.Band)
			}
		}
	})
}
