package astracaph

import (
	"encoding/json"
	"testing"
)

func TestRiskPoWMultiplier(t *testing.T) {
	band := func(b int) RiskAssessment { return RiskAssessment{Band: b, Action: riskBandAction(b)} }
	cases := []struct {
		a     RiskAssessment
		level int
		class string
		want  int
	}{
		{band(1), 0, "", 1},
		{band(2), 0, "", 8},
		{band(3), 0, "", 48},
		{band(4), 0, "", 96},
		{band(5), 0, "", 0},
		{band(1), 1, "", 2},
		{band(1), 3, "", 8},
		{band(1), 4, "", 16},
		{band(1), 9, "", 16},           // 2^min(level, 4)
		{band(1), -3, "", 1},           // nonsense levels are neutral
		{band(1), 4, RiskIPMobile, 4},  // CGNAT halves the level
		{band(2), 2, "", 32},           //
		{band(4), 4, "", 256},          // capped
		{RiskAssessment{}, 0, "", 0},   // zero value: no band, nothing issued
		{band(3), 0, RiskIPMobile, 48}, //
	}
	for _, c := range cases {
		if got := RiskPoWMultiplier(c.a, c.level, c.class); got != c.want {
			t.Errorf("band %d level %d %q: %d, want %d", c.a.Band, c.level, c.class, got, c.want)
		}
	}
	if RiskVelocityMultiplier(2, "") != 4 || RiskVelocityMultiplier(7, RiskIPMobile) != 8 {
		t.Fatal("velocity multiplier")
	}
	// End to end: a scored assessment drives the multiplier monotonically with risk.
	var s RiskScorer
	prev := 0
	for _, in := range []RiskInput{{}, {IPClass: RiskIPHosting}, {IPClass: RiskIPHosting, VelocityLevel: 3}} {
		m := RiskPoWMultiplier(s.Score(in), in.VelocityLevel, in.IPClass)
		if m < prev {
			t.Fatalf("multiplier fell from %d to %d", prev, m)
		}
		prev = m
	}
	if m := RiskPoWMultiplier(s.Score(headlessDefault()), 0, RiskIPHosting); m != 0 {
		t.Fatalf("denied client got multiplier %d", m)
	}
}

func TestRiskActionString(t *testing.T) {
	for a, want := range map[RiskAction]string{RiskPass: "pass", RiskHarderPoW: "harder_pow", RiskStepUp: "step_up", RiskDeny: "deny", 9: "unknown"} {
		if a.String() != want {
			t.Errorf("%d: %q", a, a.String())
		}
	}
	b, err := json.Marshal(RiskAssessment{Band: 2, Action: RiskHarderPoW, Reasons: []string{"net.TOR"}})
	if err != nil || string(b) != `{"points":0,"risk":0,"score":0,"band":2,"action":"harder_pow","hard":false,"privacy":false,"reasons":["net.TOR"]}` {
		t.Fatalf("%s %v", b, err)
	}
}

func TestRiskInteractionHash(t *testing.T) {
	var s RiskScorer
	p := pathHuman(newRNG(5))
	a := s.Score(botInput(&TelemetryBehaviour{Pointer: p}))
	if len(a.InteractionHash) != 32 {
		t.Fatalf("hash %q", a.InteractionHash)
	}
	// A replay shifted in space and time matches.
	q := make([]TelemetryPoint, len(p))
	for i := range p {
		q[i] = TelemetryPoint{p[i][0] + 400, p[i][1] - 120, p[i][2] + 5000}
	}
	if b := s.Score(botInput(&TelemetryBehaviour{Pointer: q})); b.InteractionHash != a.InteractionHash {
		t.Fatal("shifted replay not recognised")
	}
	// A different movement does not.
	if c := s.Score(botInput(&TelemetryBehaviour{Pointer: pathHuman(newRNG(6))})); c.InteractionHash == a.InteractionHash {
		t.Fatal("different paths collide")
	}
	// Too few samples: no hash, so keyboard and touch users never collide.
	if d := s.Score(botInput(&TelemetryBehaviour{Pointer: p[:riskHashMinSamples-1]})); d.InteractionHash != "" {
		t.Fatal("short stream hashed")
	}
	// A keyboard or screen-reader activation without typing is not distinctive: not hashed
	// unless the widget's own timings make the document unique.
	if e := s.Score(personaScreenReader()); e.InteractionHash != "" {
		t.Fatal("screen-reader activation hashed")
	}
	sr := personaScreenReader()
	sr.Telemetry.Ch = &TelemetryChallenge{ID: "c", Rcv: new(812.0), Sol: new(2210.0), Snd: new(2214.0)}
	h1 := s.Score(sr).InteractionHash
	sr.Telemetry.Ch.Rcv = new(813.0)
	if h1 == "" || h1 == s.Score(sr).InteractionHash {
		t.Fatal("the widget's timings must identify an otherwise indistinct document")
	}
	// Typing rhythm is distinctive; another rhythm is another stream.
	k1 := s.Score(personaKeyboardOnly()).InteractionHash
	other := personaKeyboardOnly()
	other.Telemetry.Beh.Keys.IKI = []float64{13, 421, 12 * 90000, 120, 1400}
	if k1 == "" || k1 == s.Score(other).InteractionHash {
		t.Fatal("typing rhythms must hash, and differ")
	}
}
