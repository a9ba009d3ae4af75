package risk

// Pointer kinematics: the features a fitted logistic model turns into "this motion was
// scripted" (beh.SCRIPTED_MOTION), and into the graded behaviour signals B1, B2, B3 and
// their companions.
//
// Each feature is a number in [0, 1], 0 for anything a person does and 1 for the machine
// extreme:
//
//	line        a stroke of ≥100 px that never leaves its chord by more than 0.5 px (2 px → 0)
//	constSpeed  speed coefficient of variation ≤ 0.05 (0.3 → 0); people accelerate and brake
//	smooth      no jitter: interior samples sit on the line through their neighbours
//	            (median perpendicular offset / median step ≤ 0.01 → 1, 0.04 → 0)
//	regular     ≥10 intervals with the same length (CV ≤ 0.005 → 1, 0.015 → 0); browsers
//	            deliver pointer events on animation frames, so people land on 33/34 ms
//	            alternations, never on one exact value
//	zeroPress   a mouse click with press < 10 ms and dwell < 5 ms (or no pointer sample before it)
//	centre      a mouse click within ±0.5 px of the element's centre
//
// The weights (log-odds) and the intercept were fitted by testdata/kinematics on real
// human pointer approaches (SapiMouse) and on synthetic and Chromium-recorded bot traces;
// see kinematics_model.go for the figures and docs/risk.md for how to refit. The
// centre weight is not fitted (no public data set records where people click inside their
// targets): it is set from the likelihood ratio of a ±0.5 px hit on a 24 px box.

import "math"

// Kinematic feature indices.
const (
	kinLine = iota
	kinConstSpeed
	kinSmooth
	kinRegular
	kinZeroPress
	kinCentre
	numKin
)

// kinSig maps each kinematic feature to its reason code.
var kinSig = [numKin]sig{sigB1, sigBConst, sigBSmooth, sigB2, sigBZeroPress, sigB3}

// kinPointsPerLogOdds converts fitted log-odds into scorer points: the logistic of
// Thresholds uses Scale 1.5 points per unit of log-odds.
const kinPointsPerLogOdds = 1.5

const (
	kinMinMoves     = 3     // intervals in a stroke before its shape means anything
	kinMinLen       = 20.0  // px
	kinLineMinLen   = 100.0 // px
	kinRegularMin   = 10    // intervals
	kinRegularMinDt = 15.0  // ms
)

// Kinematics are the kinematic features of one telemetry document and the fitted
// model's verdict on them.
type Kinematics struct {
	Line, ConstSpeed, Smooth, Regular, ZeroPress, Centre float64 // each in [0, 1]
	// Z is the model's log-odds that the pointer was driven by a script; the scorer fires
	// beh.SCRIPTED_MOTION at Z ≥ KinematicsThreshold.
	Z float64
	// Judged reports whether the document had a stroke or a mouse click to judge at all.
	Judged bool
}

// KinematicsThreshold is the log-odds at which the fitted model calls a pointer
// scripted.
const KinematicsThreshold = kinThreshold

// KinematicFeatures computes the kinematic features of b with the default weights, as the
// scorer does (the fitting program and `astracaph risk eval` use it).
func KinematicFeatures(b *Behaviour) Kinematics {
	def := defaultWeightVector()
	x, judged := kinFeatures(b, false, &def)
	return kinVerdict(x, judged, &def)
}

func (k Kinematics) vector() [numKin]float64 {
	return [numKin]float64{k.Line, k.ConstSpeed, k.Smooth, k.Regular, k.ZeroPress, k.Centre}
}

func kinVerdict(x [numKin]float64, judged bool, w *[numSigs]float64) Kinematics {
	k := Kinematics{
		Line: x[kinLine], ConstSpeed: x[kinConstSpeed], Smooth: x[kinSmooth],
		Regular: x[kinRegular], ZeroPress: x[kinZeroPress], Centre: x[kinCentre], Judged: judged,
	}
	k.Z = kinZ(x, w)
	return k
}

// kinZ is the model's log-odds for feature vector x under the scorer's weights.
func kinZ(x [numKin]float64, w *[numSigs]float64) float64 {
	z := kinIntercept
	for i, v := range x {
		z += v * w[kinSig[i]] / kinPointsPerLogOdds
	}
	return z
}

func clamp01(x float64) float64 { return math.Max(0, math.Min(1, x)) }

// kinFeatures returns the feature vector of b: the worst stroke's motion features and
// the first mouse click's features. Under reduced timer precision (rfp) the timing features
// stay 0: 100 ms clocks make everyone regular.
func kinFeatures(b *Behaviour, rfp bool, w *[numSigs]float64) (x [numKin]float64, judged bool) {
	if b == nil {
		return x, false
	}
	ptr := b.Pointer
	best := -1.0
	start := 0
	for i := 1; i <= len(ptr); i++ {
		if i < len(ptr) && ptr[i][2]-ptr[i-1][2] <= strokePauseMs {
			continue
		}
		if s, ok := kinStroke(ptr[start:i], rfp); ok {
			judged = true
			score := 0.0
			for j := kinLine; j <= kinRegular; j++ {
				score += s[j] * w[kinSig[j]]
			}
			if score > best {
				best = score
				copy(x[:kinZeroPress], s[:kinZeroPress])
			}
		}
		start = i
	}
	if rfp {
		return x, judged
	}
	for i := range b.Clicks {
		c := &b.Clicks[i]
		if c.Detail == nil || *c.Detail == 0 || c.Type == "touch" {
			continue // keyboard or assistive activation, or a finger: never a scripted mouse
		}
		judged = true
		if c.MDU != nil && *c.MDU < 10 && (c.Dwell == nil || *c.Dwell < 5) {
			x[kinZeroPress] = 1
		}
		if c.DX != nil && c.DY != nil && math.Abs(*c.DX) <= centreTolPx && math.Abs(*c.DY) <= centreTolPx {
			x[kinCentre] = 1
		}
		break
	}
	return x, judged
}

// kinStroke computes the motion features of one stroke; ok is false when the stroke is
// too short to judge.
func kinStroke(p []Point, rfp bool) (x [numKin]float64, ok bool) {
	n := len(p) - 1 // intervals
	if n < kinMinMoves {
		return x, false
	}
	var steps, speeds, dts, devs [TelemetryMaxPointer]float64
	length := 0.0
	ns := 0
	for i := 1; i < len(p); i++ {
		dx, dy, dt := p[i][0]-p[i-1][0], p[i][1]-p[i-1][1], p[i][2]-p[i-1][2]
		d := math.Hypot(dx, dy)
		steps[i-1] = d
		dts[i-1] = dt
		length += d
		if dt > 0 {
			speeds[ns] = d / dt
			ns++
		}
	}
	if length < kinMinLen {
		return x, false
	}
	first, last := p[0], p[len(p)-1]
	cx, cy := last[0]-first[0], last[1]-first[1]
	chord := math.Hypot(cx, cy)
	if length >= kinLineMinLen && chord >= 0.5*length {
		maxDev := 0.0
		for _, q := range p {
			maxDev = math.Max(maxDev, math.Abs(cx*(first[1]-q[1])-(first[0]-q[0])*cy)/chord)
		}
		x[kinLine] = clamp01((2 - maxDev) / 1.5)
	}
	// Jitter: how far each interior sample sits off the line through its neighbours.
	nd := 0
	for i := 1; i+1 < len(p); i++ {
		a, b, c := p[i-1], p[i], p[i+1]
		lx, ly := c[0]-a[0], c[1]-a[1]
		if l := math.Hypot(lx, ly); l > 0 {
			devs[nd] = math.Abs(lx*(a[1]-b[1])-(a[0]-b[0])*ly) / l
		} else {
			devs[nd] = math.Hypot(b[0]-a[0], b[1]-a[1])
		}
		nd++
	}
	if ms := median(steps[:n]); ms > 0 {
		x[kinSmooth] = clamp01((0.04 - median(devs[:nd])/ms) / 0.03)
	}
	if rfp {
		return x, true
	}
	if ns >= kinMinMoves {
		if mean, sd := meanSD(speeds[:ns]); mean > 0 {
			x[kinConstSpeed] = clamp01((0.3 - sd/mean) / 0.25)
		}
	}
	if n >= kinRegularMin {
		if mean, sd := meanSD(dts[:n]); mean >= kinRegularMinDt {
			x[kinRegular] = clamp01((0.015 - sd/mean) / 0.01)
		}
	}
	return x, true
}

// median sorts v in place (insertion sort: at most 60 values) and returns its median.
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j] < v[j-1]; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
	return v[len(v)/2]
}
