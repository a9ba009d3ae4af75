package risk

// Behaviour signals (B4–B10; B1–B3 come from kinematics.go) and human evidence (G1, G2)
// from the interaction streams, plus the behaviour hash used against session replay (B10).
//
// Absence is neutral throughout: no pointer data, a click with detail 0 (keyboard or
// screen-reader activation) or a missing aggregate never adds points. Under Tor Browser / RFP the
// page's timers are quantised to 100 ms, which makes every timing look machine-regular, so the
// timing-based signals (constant speed, fixed interval, zero dwell, B8) are skipped there.

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
)

// Detector parameters. They describe the detectors, not the policy, so they are constants;
// the policy lives in the weights and thresholds.
const (
	strokePauseMs  = 300 // a gap longer than this starts a new stroke
	centreTolPx    = 0.5 // B3
	tooFastMs      = 800 // B6
	minKeys        = 10  // B8
	keyCV          = 0.05
	humanMinMoves  = 6    // G1
	humanMinLen    = 30.0 // px
	humanSpeedCV   = 0.25 // G1: humans accelerate and decelerate
	humanAngleStd  = 0.02 // rad; G1: humans curve
	hashMinSamples = 8    // fewer samples are not distinctive (all keyboard users would collide)
	hashMinKeys    = 3    // key intervals before the typing rhythm is distinctive
	hashQuantPx    = 4
	hashQuantMs    = 50
)

// stroke summarises one stroke of the pointer stream.
type stroke struct {
	moves    int
	length   float64
	straight float64 // chord / path length
	speedCV  float64
	angleStd float64
	accelDec bool // peak speed inside the stroke, both ends clearly slower
}

func (ev *evaluation) behaviour(b *Behaviour, in *Input, w *[numSigs]float64) {
	if in.ReplayedInteraction {
		ev.fire(sigB10)
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
		ev.fire(sigE7)
	}

	// Kinematics: graded signals from the fitted model's features, and its verdict.
	x, judged := kinFeatures(b, ev.rfp, w)
	ev.kin = kinVerdict(x, judged, w)
	for i, v := range x {
		if v >= 0.5 {
			ev.x[kinSig[i]] = v
		}
	}
	if judged && ev.kin.Z >= kinThreshold {
		ev.fire(sigBScripted)
	}

	ptr := b.Pointer
	for i := range b.Clicks {
		c := &b.Clicks[i]
		if c.Detail != nil && *c.Detail > 0 && c.Type == "mouse" && !movedBefore(ptr, c.T) {
			ev.fire(sigB4)
		}
	}

	if tc := b.Touch; tc != nil && ev.ua.mobile && tc.N >= 3 && tc.RadiusDistinct <= 1 {
		ev.fire(sigB5)
	}
	filled := b.Fields != nil && *b.Fields > 0
	if tt := b.Times; filled && tt != nil && tt.Ready != nil && tt.Submit != nil && *tt.Submit-*tt.Ready < tooFastMs {
		ev.fire(sigB6)
	}
	k := b.Keys
	if filled && k != nil && k.N == 0 && k.Paste == 0 && k.Ins == 0 {
		ev.fire(sigB7)
	}
	if k != nil && !ev.rfp && fixedTyping(k.IKI) {
		ev.fire(sigB8)
	}
	if b.Focus != nil && b.Focus.N == 0 && k != nil && k.N == 0 && len(ptr) == 0 && len(b.Clicks) == 0 &&
		(b.Touch == nil || b.Touch.N == 0) {
		ev.fire(sigB9)
	}

	// Human evidence: never on a stroke the kinematic model finds machine-like.
	st := longestStroke(ptr)
	machine := x[kinLine] >= 0.5 || x[kinConstSpeed] >= 0.5 || x[kinRegular] >= 0.5 || x[kinSmooth] >= 0.5
	if trusted && !machine && ev.kin.Z < kinThreshold && st.moves >= humanMinMoves && st.length >= humanMinLen &&
		st.speedCV >= humanSpeedCV && st.accelDec && st.angleStd >= humanAngleStd && st.straight < 0.995 {
		ev.fire(sigG1)
	}
	if tc := b.Touch; trusted && tc != nil && tc.N >= 1 && tc.RadiusDistinct >= 2 {
		ev.fire(sigG1Touch)
	}
	if f := b.Focus; trusted && f != nil && f.ViaKey >= 2 && k != nil && k.N >= 1 {
		ev.fire(sigG2)
	}
}

// movedBefore reports whether a pointer sample precedes a click at time t (any sample when t is
// unknown).
func movedBefore(ptr []Point, t *float64) bool {
	if len(ptr) == 0 {
		return false
	}
	if t == nil {
		return true
	}
	return ptr[0][2] <= *t
}

// longestStroke splits the stream at pauses and summarises the stroke with the most samples.
func longestStroke(ptr []Point) stroke {
	bestStart, bestEnd := 0, 0
	start := 0
	for i := 1; i <= len(ptr); i++ {
		if i == len(ptr) || ptr[i][2]-ptr[i-1][2] > strokePauseMs {
			if i-start > bestEnd-bestStart {
				bestStart, bestEnd = start, i
			}
			start = i
		}
	}
	return summariseStroke(ptr[bestStart:bestEnd])
}

func summariseStroke(p []Point) stroke {
	var st stroke
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
	mean, sd := meanSD(speeds[:ns])
	if mean > 0 {
		st.speedCV = sd / mean
	}
	_, st.angleStd = meanSD(angles[:na])
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

func meanSD(v []float64) (mean, sd float64) {
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

// fixedTyping is B8 over the online metric [n, mean, M2, min, max] (Welford).
func fixedTyping(iki []float64) bool {
	if len(iki) != 5 {
		return false
	}
	n, mean, m2, lo, hi := iki[0], iki[1], iki[2], iki[3], iki[4]
	if n < minKeys || mean <= 0 || lo > mean || mean > hi {
		return false // too few keys, or an incoherent metric: neutral
	}
	return math.Sqrt(m2/(n-1))/mean < keyCV
}

// interactionHash identifies a behaviour stream against replay (B10): the pointer
// trajectory relative to its first sample, quantised to 4 px and 50 ms so that a recording
// shifted in space or time still matches; the clicks' offsets, dwell and press times; the key
// aggregates and the activation count. When none of that is distinctive (a keyboard or
// screen-reader activation without typing), the widget's own timings (t, ch times) are added,
// so one document still earns one token. Truncated SHA-256, hex; empty when there is nothing
// to identify.
func interactionHash(t *Telemetry) string {
	if t == nil || t.Beh == nil {
		return ""
	}
	b := t.Beh
	var buf [(TelemetryMaxPointer*3 + TelemetryMaxClicks*4 + 5 + TelemetryMaxSpecial + 12) * 4]byte
	n := 0
	put := func(v float64) { // quantised values are small: 32 bits each (saturating)
		binary.LittleEndian.PutUint32(buf[n:], uint32(int32(max(math.MinInt32, min(math.MaxInt32, math.Round(v))))))
		n += 4
	}
	opt := func(p *float64) {
		if p != nil {
			put(*p * 10)
		} else {
			put(-1)
		}
	}
	distinctive := false
	if ptr := b.Pointer; len(ptr) >= hashMinSamples {
		distinctive = true
		x0, y0, t0 := ptr[0][0], ptr[0][1], ptr[0][2]
		for _, p := range ptr {
			put((p[0] - x0) / hashQuantPx)
			put((p[1] - y0) / hashQuantPx)
			put((p[2] - t0) / hashQuantMs)
		}
	}
	for i := range b.Clicks {
		c := &b.Clicks[i]
		if c.DX != nil && c.DY != nil && c.Dwell != nil && c.MDU != nil {
			distinctive = true
		}
		opt(c.DX)
		opt(c.DY)
		opt(c.Dwell)
		opt(c.MDU)
	}
	if k := b.Keys; k != nil {
		put(float64(k.N))
		if len(k.IKI) == 5 {
			if k.IKI[0] >= hashMinKeys {
				distinctive = true
			}
			for _, v := range k.IKI {
				put(v * 10)
			}
		}
		for _, v := range k.Special {
			put(float64(v))
		}
	}
	if a := b.Act; a != nil {
		put(float64(a.N))
	}
	if !distinctive {
		added := false
		if tt := b.Times; tt != nil {
			opt(tt.First)
			opt(tt.Submit)
			added = tt.First != nil || tt.Submit != nil
		}
		if c := t.Ch; c != nil && (c.Rcv != nil || c.Snd != nil) {
			opt(c.Rcv)
			opt(c.Sol)
			opt(c.Snd)
			added = true
		}
		if a := b.Act; a != nil && a.T != nil {
			opt(a.T)
			added = true
		}
		if !added {
			return ""
		}
	}
	sum := sha256.Sum256(buf[:n])
	return hex.EncodeToString(sum[:16])
}
