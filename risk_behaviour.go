package astracaph

// Behaviour signals (B1–B10) and human evidence (G1, G2) from the interaction streams, plus the
// quantised-trajectory hash used against session replay (B10).
//
// Absence is neutral throughout (§1.4 rule 1): no pointer data, a click with detail 0 (keyboard or
// screen-reader activation) or a missing aggregate never adds points. Under Tor Browser / RFP the
// page's timers are quantised to 100 ms, which makes every timing look machine-regular, so the
// timing-based signals (B1, B2, B3, B8) are skipped there.

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
)

// Detector parameters from docs/risk-notes.md, "Signal catalogue". They describe the detectors, not the policy, so they are
// constants; the policy lives in the weights and thresholds.
const (
	riskStrokePauseMs    = 300  // a gap longer than this starts a new stroke
	riskMinStrokeMoves   = 5    // B1 needs ≥5 moves
	riskMinStrokeLen     = 20.0 // px; shorter strokes are jitter, their straightness means nothing
	riskStraightness     = 0.99 // B1
	riskSpeedCV          = 0.1  // B1
	riskMinIntervals     = 10   // B2
	riskIntervalCV       = 0.05 // B2
	riskSampleFloorMs    = 50   // the widget keeps pointer samples ≥50 ms apart (ALTCHA HIS)
	riskIntervalAboveMin = 1.5  // B2 only when mean dt ≥ 1.5 × floor: at the floor the regularity is our sampler's
	riskCentreTolPx      = 0.5  // B3
	riskCentreMaxMDUMs   = 5    // B3
	riskTooFastMs        = 800  // B6
	riskMinKeys          = 10   // B8
	riskKeyCV            = 0.05 // B8
	riskHumanMinMoves    = 6    // G1
	riskHumanMinLen      = 30.0 // px
	riskHumanSpeedCV     = 0.25 // G1: humans accelerate and decelerate
	riskHumanAngleStd    = 0.02 // rad; G1: humans curve
	riskHashMinSamples   = 8    // fewer samples are not distinctive (all keyboard users would collide)
	riskHashQuantPx      = 4
	riskHashQuantMs      = 50
)

// riskStroke summarises one stroke of the pointer stream.
type riskStroke struct {
	moves    int
	length   float64
	straight float64 // chord / path length
	speedCV  float64
	angleStd float64
	accelDec bool // peak speed inside the stroke, both ends clearly slower
}

func (ev *riskEval) behaviour(b *TelemetryBehaviour, in *RiskInput) {
	if in.ReplayedInteraction {
		ev.fire(riskB10)
	}
	if b == nil {
		return
	}
	trusted := b.Untrusted == 0
	for i := range b.Clicks {
		if c := &b.Clicks[i]; c.Trusted != nil && !*c.Trusted {
			trusted = false
		}
	}
	if !trusted {
		ev.fire(riskE7)
	}

	ptr := b.Pointer
	st := riskLongestStroke(ptr)
	b1 := !ev.rfp && st.moves >= riskMinStrokeMoves && st.length >= riskMinStrokeLen &&
		st.straight > riskStraightness && st.speedCV < riskSpeedCV
	if b1 {
		ev.fire(riskB1)
	}
	b2 := !ev.rfp && riskFixedInterval(ptr)
	if b2 {
		ev.fire(riskB2)
	}

	for i := range b.Clicks {
		c := &b.Clicks[i]
		keyboard := c.Detail != nil && *c.Detail == 0
		if keyboard {
			continue // keyboard / AT activation is never evidence of a bot (§1.4 rule 2)
		}
		if !ev.rfp && c.DX != nil && c.DY != nil && c.Dwell != nil && c.MDU != nil &&
			math.Abs(*c.DX) <= riskCentreTolPx && math.Abs(*c.DY) <= riskCentreTolPx &&
			*c.Dwell < 1 && *c.MDU < riskCentreMaxMDUMs {
			ev.fire(riskB3)
		}
		if c.Detail != nil && *c.Detail > 0 && c.Type == "mouse" && !riskMovedBefore(ptr, c.T) {
			ev.fire(riskB4)
		}
	}

	if tc := b.Touch; tc != nil && ev.ua.mobile && tc.N >= 3 && tc.RadiusDistinct <= 1 {
		ev.fire(riskB5)
	}
	filled := b.Fields != nil && *b.Fields > 0
	if tt := b.Times; filled && tt != nil && tt.Ready != nil && tt.Submit != nil && *tt.Submit-*tt.Ready < riskTooFastMs {
		ev.fire(riskB6)
	}
	k := b.Keys
	if filled && k != nil && k.N == 0 && k.Paste == 0 && k.Ins == 0 {
		ev.fire(riskB7)
	}
	if k != nil && !ev.rfp && riskFixedTyping(k.IKI) {
		ev.fire(riskB8)
	}
	if b.Focus != nil && b.Focus.N == 0 && k != nil && k.N == 0 && len(ptr) == 0 && len(b.Clicks) == 0 &&
		(b.Touch == nil || b.Touch.N == 0) {
		ev.fire(riskB9)
	}

	// Human evidence.
	if trusted && !b1 && !b2 && st.moves >= riskHumanMinMoves && st.length >= riskHumanMinLen &&
		st.speedCV >= riskHumanSpeedCV && st.accelDec && st.angleStd >= riskHumanAngleStd && st.straight < 0.995 {
		ev.fire(riskG1)
	}
	if tc := b.Touch; trusted && tc != nil && tc.N >= 1 && tc.RadiusDistinct >= 2 {
		ev.fire(riskG1Touch)
	}
	if f := b.Focus; trusted && f != nil && f.ViaKey >= 2 && k != nil && k.N >= 1 {
		ev.fire(riskG2)
	}

	ev.hash = riskInteractionHash(ptr, b.Clicks)
}

// riskMovedBefore reports whether a pointer sample precedes a click at time t (any sample when t is
// unknown).
func riskMovedBefore(ptr []TelemetryPoint, t *float64) bool {
	if len(ptr) == 0 {
		return false
	}
	if t == nil {
		return true
	}
	return ptr[0][2] <= *t
}

// riskLongestStroke splits the stream at pauses and summarises the stroke with the most samples.
func riskLongestStroke(ptr []TelemetryPoint) riskStroke {
	bestStart, bestEnd := 0, 0
	start := 0
	for i := 1; i <= len(ptr); i++ {
		if i == len(ptr) || ptr[i][2]-ptr[i-1][2] > riskStrokePauseMs {
			if i-start > bestEnd-bestStart {
				bestStart, bestEnd = start, i
			}
			start = i
		}
	}
	return riskSummariseStroke(ptr[bestStart:bestEnd])
}

func riskSummariseStroke(p []TelemetryPoint) riskStroke {
	var st riskStroke
	if len(p) < 2 {
		return st
	}
	var speeds [TelemetryMaxPointer]float64
	var angles [TelemetryMaxPointer]float64
	ns, na := 0, 0
	prevAngle, havePrev := 0.0, false
	for i := 1; i < len(p); i++ {
		dx, dy, dt := p[i][0]-p[i-1][0], p[i][1]-p[i-1][1], p[i][2]-p[i-1][2]
		d := math.Hypot(dx, dy)
		st.length += d
		if dt > 0 {
			speeds[ns] = d / dt
			ns++
		}
		if d > 0 {
			a := math.Atan2(dy, dx)
			if havePrev {
				turn := a - prevAngle
				for turn > math.Pi {
					turn -= 2 * math.Pi
				}
				for turn < -math.Pi {
					turn += 2 * math.Pi
				}
				angles[na] = turn
				na++
			}
			prevAngle, havePrev = a, true
		}
	}
	st.moves = ns
	if st.length > 0 {
		last := p[len(p)-1]
		st.straight = math.Hypot(last[0]-p[0][0], last[1]-p[0][1]) / st.length
	}
	mean, sd := riskMeanSD(speeds[:ns])
	if mean > 0 {
		st.speedCV = sd / mean
	}
	_, st.angleStd = riskMeanSD(angles[:na])
	if ns >= 3 {
		peak := 0
		for i := 1; i < ns; i++ {
			if speeds[i] > speeds[peak] {
				peak = i
			}
		}
		st.accelDec = peak > 0 && peak < ns-1 && speeds[0] < 0.8*speeds[peak] && speeds[ns-1] < 0.8*speeds[peak]
	}
	return st
}

func riskMeanSD(v []float64) (mean, sd float64) {
	if len(v) == 0 {
		return 0, 0
	}
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	if len(v) < 2 {
		return mean, 0
	}
	var ss float64
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(v)-1))
}

// riskFixedInterval is B2 over the whole pointer stream.
func riskFixedInterval(ptr []TelemetryPoint) bool {
	if len(ptr)-1 < riskMinIntervals {
		return false
	}
	var dts [TelemetryMaxPointer]float64
	n := 0
	for i := 1; i < len(ptr); i++ {
		dts[n] = ptr[i][2] - ptr[i-1][2]
		n++
	}
	mean, sd := riskMeanSD(dts[:n])
	return mean >= riskIntervalAboveMin*riskSampleFloorMs && sd/mean < riskIntervalCV
}

// riskFixedTyping is B8 over the online metric [n, mean, M2, min, max] (Welford).
func riskFixedTyping(iki []float64) bool {
	if len(iki) != 5 {
		return false
	}
	n, mean, m2, lo, hi := iki[0], iki[1], iki[2], iki[3], iki[4]
	if n < riskMinKeys || mean <= 0 || lo > mean || mean > hi {
		return false // too few keys, or an incoherent metric: neutral
	}
	return math.Sqrt(m2/(n-1))/mean < riskKeyCV
}

// riskInteractionHash hashes the trajectory relative to its first sample, quantised to 4 px and
// 50 ms so that a replayed recording matches even when shifted in space or time, plus the click
// offsets. Truncated SHA-256, hex.
func riskInteractionHash(ptr []TelemetryPoint, clicks []TelemetryClick) string {
	if len(ptr) < riskHashMinSamples {
		return ""
	}
	var buf [(TelemetryMaxPointer*3 + TelemetryMaxClicks*2) * 4]byte
	n := 0
	put := func(v float64) {
		binary.LittleEndian.PutUint32(buf[n:], uint32(int32(math.Round(v))))
		n += 4
	}
	x0, y0, t0 := ptr[0][0], ptr[0][1], ptr[0][2]
	for _, p := range ptr {
		put((p[0] - x0) / riskHashQuantPx)
		put((p[1] - y0) / riskHashQuantPx)
		put((p[2] - t0) / riskHashQuantMs)
	}
	for i := range clicks {
		c := &clicks[i]
		if c.DX != nil && c.DY != nil {
			put(*c.DX)
			put(*c.DY)
		}
	}
	sum := sha256.Sum256(buf[:n])
	return hex.EncodeToString(sum[:16])
}
