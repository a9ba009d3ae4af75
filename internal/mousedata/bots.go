package mousedata

import (
	"math"
	"math/rand/v2"
)

// BotKind names a family of scripted pointer trajectories.
type BotKind string

// Bot families. The function-based shapes and velocity profiles follow the BeCAPTCHA-Mouse
// generator definitions (linear, quadratic and exponential shapes × constant, logarithmic
// and Gaussian speed); the Bézier families are what "human-like" cursor libraries draw.
const (
	BotLineConst   BotKind = "line-const"   // straight line, constant speed (mouse.move with steps)
	BotLineVarying BotKind = "line-varying" // straight line, logarithmic, Gaussian or minimum-jerk speed
	BotCurveConst  BotKind = "curve-const"  // quadratic or exponential shape, constant speed
	BotBezier      BotKind = "bezier"       // cubic Bézier, minimum-jerk timing, no noise
	BotTeleport    BotKind = "teleport"     // no movement, an instant click (element.click()-style CDP)
	// BotHumanLike is the e2e stealth persona's driver: a bowed Bézier with minimum-jerk
	// timing, 0.6 px tremor and 14–30 ms jittered intervals, a settle, a small correction and
	// a real press. It is a hard negative: the model is not trained to catch it.
	BotHumanLike BotKind = "human-like"
)

// TrainingBots are the families the kinematic model is fitted to catch.
var TrainingBots = []BotKind{BotLineConst, BotLineVarying, BotCurveConst, BotBezier, BotTeleport}

// Bot generates one approach of kind.
func Bot(r *rand.Rand, kind BotKind) Approach {
	a := Approach{Source: "bot/" + string(kind)}
	if kind == BotTeleport {
		t := 1000 + r.Float64()*3000
		a.Press, a.Release = t, t+float64(r.IntN(3))
		a.DX, a.DY = ptrTo(0.0), ptrTo(0.0)
		return a
	}
	if kind == BotHumanLike {
		return humanLike(r)
	}
	x0, y0 := r.Float64()*1200, r.Float64()*800
	dist := 80 + r.Float64()*900
	ang := r.Float64() * 2 * math.Pi
	dx, dy := dist*math.Cos(ang), dist*math.Sin(ang)
	n := 6 + r.IntN(60)
	// Timing: a scripted client writing telemetry picks one interval; a browser driven over
	// CDP delivers moves on animation frames (16.7 ms multiples, ms-rounded).
	dt := 10 + r.Float64()*60
	frames := r.IntN(2) == 0
	if frames {
		dt = 16.667 * float64(1+r.IntN(3))
	}
	vel := 0
	shape := 0
	switch kind {
	case BotLineVarying:
		vel = 1 + r.IntN(3)
	case BotCurveConst:
		shape = 1 + r.IntN(2)
	case BotBezier:
		shape, vel = 3, 3
	}
	bend := r.Float64()*0.6 - 0.3
	t0 := 1000 + r.Float64()*2000
	for i := 0; i <= n; i++ {
		s := ease(vel, float64(i)/float64(n))
		var x, y float64
		switch shape {
		case 0:
			x, y = x0+dx*s, y0+dy*s
		case 1: // quadratic bow
			off := bend * 4 * s * (1 - s)
			x, y = x0+dx*s-dy*off, y0+dy*s+dx*off
		case 2: // exponential in one axis
			e := (math.Exp(3*s) - 1) / (math.Exp(3) - 1)
			x, y = x0+dx*s, y0+dy*e
		default:
			x, y = bezier(x0, y0, dx, dy, bend, s)
		}
		t := t0 + float64(i)*dt
		if frames {
			t = math.Round(t)
		}
		a.Moves = append(a.Moves, [3]float64{math.Round(x), math.Round(y), t})
	}
	last := a.Moves[len(a.Moves)-1][2]
	if r.IntN(2) == 0 { // an instant click
		a.Press = last + float64(r.IntN(3))
		a.Release = a.Press + float64(r.IntN(4))
		a.DX, a.DY = ptrTo(0.0), ptrTo(0.0)
	} else { // a click that waits like a person
		a.Press = last + 50 + r.Float64()*200
		a.Release = a.Press + 50 + r.Float64()*80
		a.DX, a.DY = ptrTo(r.Float64()*16-8), ptrTo(r.Float64()*16-8)
	}
	return a
}

// humanLike reproduces e2e/risk_test.go's humanClick on a 1024×768 page: from (60, 600) to a
// point off the centre of a 24 px box near the top left.
func humanLike(r *rand.Rand) Approach {
	a := Approach{Source: "bot/" + string(BotHumanLike)}
	x0, y0 := 60.0, 600.0
	bx, by := 20+r.Float64()*40, 40+r.Float64()*80
	x3, y3 := bx+24*(0.3+0.35*r.Float64()), by+24*(0.35+0.3*r.Float64())
	dx, dy := x3-x0, y3-y0
	x1, y1 := x0+dx*0.3-dy*0.25, y0+dy*0.3+dx*0.25
	x2, y2 := x0+dx*0.75-dy*0.1, y0+dy*0.75+dx*0.1
	t := 1000 + r.Float64()*2000
	const steps = 45
	for i := 0; i <= steps; i++ {
		tau := float64(i) / steps
		s := ease(3, tau)
		u := 1 - s
		x := u*u*u*x0 + 3*u*u*s*x1 + 3*u*s*s*x2 + s*s*s*x3
		y := u*u*u*y0 + 3*u*u*s*y1 + 3*u*s*s*y2 + s*s*s*y3
		if i < steps {
			x += r.NormFloat64() * 0.6
			y += r.NormFloat64() * 0.6
		}
		a.Moves = append(a.Moves, [3]float64{x, y, t})
		t += 14 + float64(r.IntN(16)) + 1 + r.Float64()*2 // sleep plus dispatch latency
	}
	t += 120 + float64(r.IntN(80))
	a.Moves = append(a.Moves, [3]float64{x3 + math.Copysign(0.8, r.Float64()-0.5), y3, t})
	a.Press = t + 60 + float64(r.IntN(60))
	a.Release = a.Press + 70 + float64(r.IntN(50))
	a.DX, a.DY = ptrTo(x3-bx-12), ptrTo(y3-by-12)
	return a
}

func bezier(x0, y0, dx, dy, bend, s float64) (float64, float64) {
	cx1, cy1 := x0+dx*0.3-dy*bend, y0+dy*0.3+dx*bend
	cx2, cy2 := x0+dx*0.7-dy*bend*0.4, y0+dy*0.7+dx*bend*0.4
	x1, y1 := x0+dx, y0+dy
	u := 1 - s
	return u*u*u*x0 + 3*u*u*s*cx1 + 3*u*s*s*cx2 + s*s*s*x1, u*u*u*y0 + 3*u*u*s*cy1 + 3*u*s*s*cy2 + s*s*s*y1
}

// ease maps normalised time to normalised distance: 0 constant, 1 logarithmic, 2 Gaussian
// speed, 3 minimum jerk.
func ease(kind int, tau float64) float64 {
	switch kind {
	case 1:
		return math.Log1p(9*tau) / math.Log(10)
	case 2:
		g := func(v float64) float64 { return 0.5 * (1 + math.Erf((v-0.5)/(0.2*math.Sqrt2))) }
		return (g(tau) - g(0)) / (g(1) - g(0))
	case 3:
		return tau * tau * tau * (10 - 15*tau + 6*tau*tau)
	}
	return tau
}
