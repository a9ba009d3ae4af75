package attack

import (
	"context"
	"fmt"
	"io/fs"
	"math"
	"math/cmplx"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/astracat/astracaph/internal/visual"
)

// bankSpeeds are the playback speeds every sample is resampled at (the renderer changes
// speed by resampling, which scales time and frequency together): 0.85 to 1.2 in steps of
// 1.25 %, fine enough for waveforms to stay aligned over a whole word.
var bankSpeeds = func() []float64 {
	var s []float64
	for v := 0.85; v < 1.2001; v += 0.0125 {
		s = append(s, v)
	}
	return s
}()

// template is one public voice sample at one speed, labelled by the first character of
// its file name.
type template struct {
	label int // index in visual.Alphabet
	wave  []float64
	cep   [][nCep]float64 // mean-normalised (segment matching)
	raw   [][nCep]float64 // not normalised (spotting)

	spec   []complex128 // conjugate spectrum of wave at nccSize (waveform matching)
	energy float64
}

// LoadTemplates reads every WAV under dir whose name starts with an alphabet character
// and resamples each at bankSpeeds.
func LoadTemplates(dir string) ([]template, error) {
	var out []template
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".wav") {
			return err
		}
		label := strings.IndexByte(visual.Alphabet, strings.ToUpper(d.Name())[0])
		if label < 0 {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		x, sr, err := decodeWAV(b)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if sr != rate {
			return fmt.Errorf("%s: %d Hz, want %d", path, sr, rate)
		}
		files++
		for _, sp := range bankSpeeds {
			w := resample(x, sp)
			lm, _ := frames(w)
			tp := template{label: label, wave: w, cep: cepstra(lm, true), raw: cepstra(lm, false)}
			tp.spec = make([]complex128, nccSize)
			for i, v := range w {
				tp.spec[i] = complex(v, 0)
				tp.energy += v * v
			}
			fft(tp.spec)
			for i := range tp.spec {
				tp.spec[i] = cmplx.Conj(tp.spec[i])
			}
			out = append(out, tp)
		}
		return nil
	})
	if err == nil && files < len(visual.Alphabet) {
		err = fmt.Errorf("attack: only %d voice samples under %s", files, dir)
	}
	return out, err
}

// resample plays x at speed (linear interpolation), as the renderer does.
func resample(x []float64, speed float64) []float64 {
	n := int(float64(len(x)-1) / speed)
	out := make([]float64, max(0, n))
	for j := range out {
		p := float64(j) * speed
		k := int(p)
		t := p - float64(k)
		out[j] = x[k] + (x[min(k+1, len(x)-1)]-x[k])*t
	}
	return out
}

// Template is the attack built on the public voice samples.
type Template struct {
	Length    int
	Templates []template
	Mode      TemplateMode
}

// TemplateMode is how the template attack finds and compares characters.
type TemplateMode int

// Template modes.
const (
	// Segment cuts the clip by loudness and compares MFCC sequences (DTW).
	Segment TemplateMode = iota
	// Wave cuts the clip by loudness and cross-correlates waveforms.
	Wave
	// Spot searches every sample anywhere in the clip (subsequence DTW on MFCCs).
	Spot
)

// Name implements Solver.
func (t Template) Name() string {
	return [...]string{"template-segment", "template-wave", "template-spot"}[t.Mode]
}

// Medium implements Solver.
func (Template) Medium() Medium { return Audio }

// Solve implements Solver.
func (t Template) Solve(_ context.Context, wav []byte) ([]string, error) {
	x, sr, err := decodeWAV(wav)
	if err != nil {
		return nil, err
	}
	if sr != rate {
		return nil, fmt.Errorf("attack: %d Hz clip", sr)
	}
	lm, level := frames(x)
	var cost [][]float64
	switch t.Mode {
	case Spot:
		cost = t.spotCosts(cepstra(lm, false))
	case Wave:
		cost = t.waveCosts(x, level)
	default:
		cost = t.segmentCosts(lm, level)
	}
	if len(cost) != t.Length {
		return nil, nil
	}
	return bestSequences(cost, 3), nil
}

// segmentCosts cuts the clip into Length loud segments and scores every label on each.
func (t Template) segmentCosts(lm [][nMel]float64, level []float64) [][]float64 {
	segs := segment(level, t.Length)
	cost := make([][]float64, len(segs))
	for i, s := range segs {
		c := cepstra(lm[s[0]:s[1]], true)
		cost[i] = make([]float64, len(visual.Alphabet))
		for l := range cost[i] {
			cost[i][l] = math.Inf(1)
		}
		for _, tp := range t.Templates {
			cost[i][tp.label] = min(cost[i][tp.label], dtw(c, tp.cep))
		}
	}
	return cost
}

// segment finds n loud spans of frames: above the midpoint (in dB) between the quiet and
// the loud end of the clip, short gaps merged, short blips dropped, then the loudest n
// kept or the longest split at its quietest frame until there are n.
func segment(level []float64, n int) [][2]int {
	if len(level) == 0 {
		return nil
	}
	db := make([]float64, len(level))
	for i := range level {
		var s float64
		k := 0
		for j := max(0, i-2); j <= min(len(level)-1, i+2); j++ {
			s += level[j]
			k++
		}
		db[i] = 20 * math.Log10(s/float64(k)+1e-6)
	}
	sorted := slices.Clone(db)
	slices.Sort(sorted)
	lo, hi := sorted[len(sorted)/10], sorted[len(sorted)*95/100]
	thr := (lo + hi) / 2
	var runs [][2]int
	for i := 0; i < len(db); {
		if db[i] < thr {
			i++
			continue
		}
		j := i
		for j < len(db) && db[j] >= thr {
			j++
		}
		if len(runs) > 0 && i-runs[len(runs)-1][1] < 8 {
			runs[len(runs)-1][1] = j
		} else {
			runs = append(runs, [2]int{i, j})
		}
		i = j
	}
	runs = slices.DeleteFunc(runs, func(r [2]int) bool { return r[1]-r[0] < 8 })
	energy := func(r [2]int) float64 {
		var s float64
		for _, v := range level[r[0]:r[1]] {
			s += v * v
		}
		return s
	}
	for len(runs) > n {
		weakest := 0
		for i := range runs {
			if energy(runs[i]) < energy(runs[weakest]) {
				weakest = i
			}
		}
		runs = slices.Delete(runs, weakest, weakest+1)
	}
	for len(runs) > 0 && len(runs) < n {
		longest := 0
		for i := range runs {
			if runs[i][1]-runs[i][0] > runs[longest][1]-runs[longest][0] {
				longest = i
			}
		}
		r := runs[longest]
		if r[1]-r[0] < 16 {
			break
		}
		cut, lowest := r[0]+(r[1]-r[0])/2, math.Inf(1)
		for k := r[0] + (r[1]-r[0])/5; k < r[1]-(r[1]-r[0])/5; k++ {
			if db[k] < lowest {
				cut, lowest = k, db[k]
			}
		}
		runs = slices.Replace(runs, longest, longest+1, [2]int{r[0], cut}, [2]int{cut, r[1]})
	}
	for i := range runs { // a little context on both sides
		runs[i] = [2]int{max(0, runs[i][0]-3), min(len(level), runs[i][1]+3)}
	}
	return runs
}

// detection is a template found in the clip: frames [start, end) and its cost.
type detection struct {
	label      int
	start, end int
	cost       float64
}

// spotCosts searches every template anywhere in the clip (subsequence DTW, clip/template
// slope between 1/2 and 2), picks the Length non-overlapping detections with the lowest
// total cost, and scores every label on each picked span.
func (t Template) spotCosts(clip [][nCep]float64) [][]float64 {
	n := len(clip)
	var dets []detection
	type best struct {
		cost  float64
		start int
	}
	perLabel := make([][]best, len(visual.Alphabet))
	for l := range perLabel {
		perLabel[l] = make([]best, n)
		for j := range perLabel[l] {
			perLabel[l][j].cost = math.Inf(1)
		}
	}
	rows := [3][]float64{make([]float64, n), make([]float64, n), make([]float64, n)}
	starts := [3][]int{make([]int, n), make([]int, n), make([]int, n)}
	for _, tp := range t.Templates {
		m := len(tp.raw)
		if m == 0 {
			continue
		}
		for i := 0; i < m; i++ {
			cur, p1, p2 := i%3, (i+2)%3, (i+1)%3
			for j := 0; j < n; j++ {
				d := dist(&tp.raw[i], &clip[j])
				if i == 0 {
					rows[cur][j], starts[cur][j] = d, j
					continue
				}
				c, s := math.Inf(1), 0
				if j >= 1 && rows[p1][j-1] < c {
					c, s = rows[p1][j-1], starts[p1][j-1]
				}
				if j >= 2 && rows[p1][j-2] < c {
					c, s = rows[p1][j-2], starts[p1][j-2]
				}
				if i >= 2 && j >= 1 && rows[p2][j-1] < c {
					c, s = rows[p2][j-1], starts[p2][j-1]
				}
				rows[cur][j], starts[cur][j] = c+d, s
			}
		}
		last := (m - 1) % 3
		for j := 0; j < n; j++ {
			if c := rows[last][j] / float64(m); c < perLabel[tp.label][j].cost {
				perLabel[tp.label][j] = best{c, starts[last][j]}
			}
		}
	}
	// Local minima per label become detections.
	for l, row := range perLabel {
		for j := range row {
			if math.IsInf(row[j].cost, 1) {
				continue
			}
			w := max(3, (j-row[j].start)/2)
			isMin := true
			for k := max(0, j-w); k <= min(n-1, j+w) && isMin; k++ {
				isMin = row[k].cost >= row[j].cost || k == j
			}
			if isMin {
				dets = append(dets, detection{l, row[j].start, j + 1, row[j].cost})
			}
		}
	}
	slices.SortFunc(dets, func(a, b detection) int {
		switch {
		case a.cost < b.cost:
			return -1
		case a.cost > b.cost:
			return 1
		}
		return 0
	})
	if len(dets) > 300 {
		dets = dets[:300]
	}
	picked := pickNonOverlapping(dets, t.Length)
	if len(picked) != t.Length {
		return nil
	}
	cost := make([][]float64, len(picked))
	for i, p := range picked {
		cost[i] = make([]float64, len(visual.Alphabet))
		for l := range cost[i] {
			cost[i][l] = p.cost + 5 // labels not seen here: clearly worse
		}
		for _, d := range dets {
			ov := min(d.end, p.end) - max(d.start, p.start)
			if 2*ov > min(d.end-d.start, p.end-p.start) && d.cost < cost[i][d.label] {
				cost[i][d.label] = d.cost
			}
		}
	}
	return cost
}

// pickNonOverlapping chooses k detections in time order, overlapping by at most 5 frames,
// with the lowest total cost.
func pickNonOverlapping(dets []detection, k int) []detection {
	d := slices.Clone(dets)
	slices.SortFunc(d, func(a, b detection) int { return a.end - b.end })
	n := len(d)
	inf := math.Inf(1)
	dp := make([][]float64, k+1)
	from := make([][]int, k+1)
	for c := range dp {
		dp[c] = make([]float64, n)
		from[c] = make([]int, n)
		for i := range dp[c] {
			dp[c][i] = inf
		}
	}
	for i := range d {
		dp[1][i] = d[i].cost
		from[1][i] = -1
	}
	for c := 2; c <= k; c++ {
		for i := range d {
			for j := 0; j < i; j++ {
				if d[j].end <= d[i].start+5 && dp[c-1][j]+d[i].cost < dp[c][i] {
					dp[c][i], from[c][i] = dp[c-1][j]+d[i].cost, j
				}
			}
		}
	}
	end := -1
	for i := range d {
		if dp[k][i] < inf && (end < 0 || dp[k][i] < dp[k][end]) {
			end = i
		}
	}
	if end < 0 {
		return nil
	}
	out := make([]detection, k)
	for c, i := k, end; c >= 1; c-- {
		out[c-1] = d[i]
		i = from[c][i]
	}
	return out
}

// nccSize is the transform length of the waveform matcher: a segment with its slack
// plus the longest resampled sample fit in it.
const nccSize = 1 << 14

// waveCosts cuts the clip by loudness and scores every label on each segment by the best
// normalised cross-correlation of any of its resampled samples anywhere in the segment.
func (t Template) waveCosts(x, level []float64) [][]float64 {
	segs := segment(level, t.Length)
	cost := make([][]float64, len(segs))
	fa := make([]complex128, nccSize)
	prod := make([]complex128, nccSize)
	for i, s := range segs {
		cost[i] = make([]float64, len(visual.Alphabet))
		for l := range cost[i] {
			cost[i][l] = 1
		}
		// Frames to samples, with slack for a sample longer than the loud part.
		lo, hi := max(0, s[0]*hop-rate/8), min(len(x), s[1]*hop+frameLen+rate/8)
		seg := x[lo:min(hi, lo+nccSize/2)]
		clear(fa)
		for k, v := range seg {
			fa[k] = complex(v, 0)
		}
		fft(fa)
		pre := make([]float64, len(seg)+1)
		for k, v := range seg {
			pre[k+1] = pre[k] + v*v
		}
		for _, tp := range t.Templates {
			if c := 1 - maxNCC(fa, prod, pre, tp); c < cost[i][tp.label] {
				cost[i][tp.label] = c
			}
		}
	}
	return cost
}

// maxNCC is the largest normalised cross-correlation of the template against the segment
// (spectrum fa, prefix sums of squares pre) at any lag where at least 80 % of the
// template lies inside the segment. prod is scratch space.
func maxNCC(fa, prod []complex128, pre []float64, tp template) float64 {
	if tp.energy == 0 {
		return 0
	}
	// Inverse by conjugation: ifft(z) = conj(fft(conj(z)))/n.
	for i := range fa {
		prod[i] = cmplx.Conj(fa[i] * tp.spec[i])
	}
	fft(prod)
	n, m, lx := len(fa), len(tp.wave), len(pre)-1
	best := 0.0
	for lag := -m / 5; lag <= lx-4*m/5; lag++ {
		a, b := max(0, lag), min(lx, lag+m)
		if 5*(b-a) < 4*m {
			continue
		}
		xe := pre[b] - pre[a]
		if xe <= 0 {
			continue
		}
		idx := lag
		if idx < 0 {
			idx += n
		}
		if v := real(prod[idx]) / float64(n) / math.Sqrt(xe*tp.energy); v > best {
			best = v
		}
	}
	return best
}
