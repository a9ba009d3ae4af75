package risk

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRiskPoWMultiplier(t *testing.T) {
	band := func(b int) Assessment { return Assessment{Band: b, Action: bandAction(b)} }
	cases := []struct {
		a     Assessment
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
		{band(1), 9, "", 16},       // 2^min(level, 4)
		{band(1), -3, "", 1},       // nonsense levels are neutral
		{band(1), 4, IPMobile, 4},  // CGNAT halves the level
		{band(2), 2, "", 32},       //
		{band(4), 4, "", 256},      // capped
		{Assessment{}, 0, "", 0},   // zero value: no band, nothing issued
		{band(3), 0, IPMobile, 48}, //
	}
	for _, c := range cases {
		assert.Equal(t, c.want, PoWMultiplier(c.a, c.level, c.class), "band %d level %d %q", c.a.Band, c.level, c.class)
	}
	require.Equal(t, 4, VelocityMultiplier(2, ""), "velocity multiplier")
	require.Equal(t, 8, VelocityMultiplier(7, IPMobile), "velocity multiplier on mobile")
	// End to end: a scored assessment drives the multiplier monotonically with risk.
	var s Scorer
	prev := 0
	for _, in := range []Input{{}, {IPClass: IPHosting}, {IPClass: IPHosting, VelocityLevel: 3}} {
		m := PoWMultiplier(s.Score(in), in.VelocityLevel, in.IPClass)
		require.GreaterOrEqual(t, m, prev, "multiplier fell")
		prev = m
	}
	require.Zero(t, PoWMultiplier(s.Score(headlessDefault()), 0, IPHosting), "denied client's multiplier")
}

// One vocabulary with the engine: the actions are spelled as astracaph.Decision spells them,
// in JSON too.
func TestRiskActionString(t *testing.T) {
	for a, want := range map[Action]string{ActionPass: "pass", ActionHarderPoW: "harder-pow", ActionStepUp: "step-up", ActionDeny: "deny"} {
		assert.Equal(t, want, string(a))
	}
	b, err := json.Marshal(Assessment{Band: 2, Action: ActionHarderPoW, Reasons: []string{"net.TOR"}})
	require.NoError(t, err)
	require.Equal(t, `{"points":0,"risk":0,"score":0,"band":2,"action":"harder-pow","hard":false,"privacy":false,"reasons":["net.TOR"]}`, string(b))
}

func TestRiskInteractionHash(t *testing.T) {
	var s Scorer
	p := pathHuman(newRNG(5))
	a := s.Score(botInput(&Behaviour{Pointer: p}))
	require.Len(t, a.InteractionHash, 32)
	// A replay shifted in space and time matches.
	q := make([]Point, len(p))
	for i := range p {
		q[i] = Point{p[i][0] + 400, p[i][1] - 120, p[i][2] + 5000}
	}
	require.Equal(t, a.InteractionHash, s.Score(botInput(&Behaviour{Pointer: q})).InteractionHash, "shifted replay not recognised")
	// A different movement does not.
	require.NotEqual(t, a.InteractionHash, s.Score(botInput(&Behaviour{Pointer: pathHuman(newRNG(6))})).InteractionHash,
		"different paths collide")
	// Too few samples: no hash, so keyboard and touch users never collide.
	require.Empty(t, s.Score(botInput(&Behaviour{Pointer: p[:hashMinSamples-1]})).InteractionHash, "short stream hashed")
	// A keyboard or screen-reader activation without typing is not distinctive: not hashed
	// unless the widget's own timings make the document unique.
	require.Empty(t, s.Score(personaScreenReader()).InteractionHash, "screen-reader activation hashed")
	sr := personaScreenReader()
	sr.Telemetry.Ch = &Binding{ID: "c", Rcv: new(812.0), Sol: new(2210.0), Snd: new(2214.0)}
	h1 := s.Score(sr).InteractionHash
	sr.Telemetry.Ch.Rcv = new(813.0)
	require.NotEmpty(t, h1, "the widget's timings must identify an otherwise indistinct document")
	require.NotEqual(t, h1, s.Score(sr).InteractionHash, "the widget's timings must identify an otherwise indistinct document")
	// Typing rhythm is distinctive; another rhythm is another stream.
	k1 := s.Score(personaKeyboardOnly()).InteractionHash
	other := personaKeyboardOnly()
	other.Telemetry.Beh.Keys.IKI = []float64{13, 421, 12 * 90000, 120, 1400}
	require.NotEmpty(t, k1, "typing rhythms must hash")
	require.NotEqual(t, k1, s.Score(other).InteractionHash, "typing rhythms must differ")
}
