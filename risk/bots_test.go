package risk

// Synthetic bots (docs/risk-notes.md, "Testing the scorer"): seeded generators for the classic
// scripted behaviours. Each behaviour signal must fire on ≥95% of ≥1000 generated cases, none may
// deny on its own, and the human-like generator must rarely trip them. The fitted model's
// families and real people are in humans_test.go.

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const botCases = 1000

func botInput(b *Behaviour) Input {
	in := baseInput()
	in.Telemetry.Beh = b
	return in
}

func rate(t *testing.T, name, code string, gen func(r *rand.Rand) Input, seed uint64) float64 {
	t.Helper()
	var s Scorer
	r := newRNG(seed)
	hits := 0
	for range botCases {
		a := s.Score(gen(r))
		if hasReason(a, code) {
			hits++
		}
		require.NotEqual(t, ActionDeny, a.Action, "%s: behaviour alone denied: %+v", name, a)
		require.False(t, a.Hard, "%s: behaviour alone counted as hard: %+v", name, a)
	}
	return float64(hits) / botCases
}

// Straight lines at constant speed: Playwright/Puppeteer mouse.move(x, y, {steps}) with a delay.
func genStraight(r *rand.Rand) Input {
	n := 6 + r.IntN(50)
	speed := 0.2 + r.Float64()*1.3 // px/ms
	dt := 50 + r.Float64()*60
	p := pathStraight(r, n, r.Float64()*300, r.Float64()*300, r.Float64()*2*math.Pi, speed, dt, 3, 0.25)
	return botInput(&Behaviour{Pointer: p})
}

// Fixed-interval events: a loop with sleep(d), positions anywhere (random targets).
func genFixedInterval(r *rand.Rand) Input {
	n := 11 + r.IntN(50)
	dt := 80 + r.Float64()*220
	t := r.Float64() * 1000
	p := make([]Point, n)
	for i := range p {
		p[i] = Point{round1(r.Float64() * 400), round1(r.Float64() * 300), round1(t)}
		t += dt + (r.Float64()*2-1)*0.8
	}
	return botInput(&Behaviour{Pointer: p})
}

// element.click()-style CDP clicks: centre, no dwell, instant up.
func genCentreClick(r *rand.Rand) Input {
	c := Click{
		DX: new(round1((r.Float64()*2 - 1) * 0.4)), DY: new(round1((r.Float64()*2 - 1) * 0.4)),
		Dwell: new(r.Float64() * 0.9), MDU: new(r.Float64() * 4.9), Detail: new(1), Trusted: new(true), Type: "mouse",
	}
	b := &Behaviour{Clicks: []Click{c}}
	if r.IntN(2) == 0 { // sometimes with a straight approach first
		b.Pointer = pathStraight(r, 6+r.IntN(20), r.Float64()*300, r.Float64()*300, r.Float64()*6, 0.5, 60, 2, 0.25)
		c.T = new(b.Pointer[len(b.Pointer)-1][2])
		b.Clicks[0] = c
	}
	return botInput(b)
}

func TestRiskSyntheticBots(t *testing.T) {
	for _, tc := range []struct {
		name string
		code string
		gen  func(*rand.Rand) Input
	}{
		{"straight constant-speed", "beh.STRAIGHT_PATH", genStraight},
		{"straight constant-speed", "beh.SCRIPTED_MOTION", genStraight},
		{"fixed interval", "beh.FIXED_INTERVAL", genFixedInterval},
		{"centre click zero dwell", "beh.CENTER_CLICK", genCentreClick},
		{"centre click zero dwell", "beh.SCRIPTED_MOTION", genCentreClick},
	} {
		got := rate(t, tc.name, tc.code, tc.gen, 42)
		t.Logf("%-24s %s fired on %.1f%% of %d", tc.name, tc.code, got*100, botCases)
		assert.GreaterOrEqual(t, got, 0.95, "%s: %s firing rate", tc.name, tc.code)
	}
}

// The other side: human-like movement (curved, minimum-jerk, irregular sampling) rarely trips
// B1/B2 and mostly earns the human-pointer evidence. Not real human data (Balabit/SapiMouse are
// evaluated out of tree), but it pins the detectors against the obvious false positive.
func TestRiskHumanLikePaths(t *testing.T) {
	var s Scorer
	r := newRNG(99)
	var b1, b2, g1, scripted int
	for range botCases {
		a := s.Score(botInput(&Behaviour{Pointer: pathHuman(r)}))
		if hasReason(a, "beh.SCRIPTED_MOTION") {
			scripted++
		}
		if hasReason(a, "beh.STRAIGHT_PATH") {
			b1++
		}
		if hasReason(a, "beh.FIXED_INTERVAL") {
			b2++
		}
		if hasReason(a, "human.POINTER") {
			g1++
		}
	}
	t.Logf("human-like: B1 %d, B2 %d, scripted %d, G1 %d of %d", b1, b2, scripted, g1, botCases)
	assert.LessOrEqual(t, b1+b2+scripted, botCases/100, "B1/B2/scripted motion fired on human-like paths (at most 1%)")
	assert.GreaterOrEqual(t, g1, botCases*8/10, "human evidence on human-like paths, of %d", botCases)
}
