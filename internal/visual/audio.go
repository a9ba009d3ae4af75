package visual

import (
	"embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sync"
)

// AudioSampleRate is the sample rate of RenderWAV output (16-bit mono PCM).
const AudioSampleRate = 8000

//go:embed voice/*.wav
var voiceFS embed.FS

// voice is one synthetic speaker of the embedded samples (voice/<char>_<name>.wav).
type voice struct {
	name string
	high bool // a higher (female) register; the babble is always of the other register
}

// voiceTable lists the speakers; voice/gen.sh makes their samples.
var voiceTable = [...]voice{{"m1", false}, {"m2", false}, {"f1", true}, {"f2", true}}

// samples holds one decoded recording per voice and character.
type samples [len(voiceTable)][len(Alphabet)][]float32

// voices decodes the embedded samples once; the table is read-only afterwards.
var voices = sync.OnceValues(loadVoices)

func loadVoices() (*samples, error) {
	v := new(samples)
	for vi, vc := range voiceTable {
		for i := 0; i < len(Alphabet); i++ {
			name := "voice/" + Alphabet[i:i+1] + "_" + vc.name + ".wav"
			b, err := voiceFS.ReadFile(name)
			if err != nil {
				return nil, fmt.Errorf("astracaph: visual: %w", err)
			}
			pcm, err := wavData(b)
			if err != nil {
				return nil, fmt.Errorf("astracaph: visual: %s: %w", name, err)
			}
			s := make([]float32, len(pcm)/2)
			for j := range s {
				s[j] = float32(int16(binary.LittleEndian.Uint16(pcm[2*j:]))) / 32768
			}
			v[vi][i] = s
		}
	}
	return v, nil
}

// wavData returns the PCM payload of a canonical 8 kHz 16-bit mono WAV.
func wavData(b []byte) ([]byte, error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, errors.New("not a RIFF/WAVE file")
	}
	var fmtOK bool
	for p := 12; p+8 <= len(b); {
		id, size := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:]))
		if size > len(b)-p-8 {
			return nil, errors.New("truncated chunk")
		}
		body := b[p+8 : p+8+size]
		switch id {
		case "fmt ":
			fmtOK = size >= 16 && binary.LittleEndian.Uint16(body[0:]) == 1 &&
				binary.LittleEndian.Uint16(body[2:]) == 1 &&
				binary.LittleEndian.Uint32(body[4:]) == AudioSampleRate &&
				binary.LittleEndian.Uint16(body[14:]) == 16
		case "data":
			if !fmtOK {
				return nil, errors.New("want PCM 8 kHz 16-bit mono before data")
			}
			return body, nil
		}
		p += 8 + size + size&1
	}
	return nil, errors.New("no data chunk")
}

// RenderWAV writes code spoken character by character as a WAV file
// (AudioSampleRate, 16-bit mono PCM). Like RenderPNG, every random choice
// derives from the secret seed, so the same character never yields the same
// samples twice across challenges:
//
//   - the code is spoken by one voice per clip (a listener follows one
//     speaker), each character with its own pitch and intonation (a gliding
//     resampling factor) and, independently, its own duration (time-stretched
//     with WSOLA), phase dispersion (all-pass filters), loudness and gap;
//   - a second voice of the other register babbles reversed speech, as loud
//     as the code, from the start of the clip to its end, so neither
//     silences nor loudness mark where the characters are;
//   - soft background noise.
//
// See docs/visual.md for the attacks this is measured against.
func RenderWAV(w io.Writer, code string, seed []byte) error {
	return RenderWAVParts(w, code, seed, PartAll)
}

// WAVPart selects tracks of a clip for RenderWAVParts.
type WAVPart uint8

// Tracks of a clip.
const (
	PartCode   WAVPart = 1 << iota // the spoken code
	PartBabble                     // the reversed-speech babble
	PartNoise                      // the background noise
	PartAll    = PartCode | PartBabble | PartNoise
)

// RenderWAVParts renders only the selected tracks of the clip RenderWAV
// renders for (code, seed), with the same timing and levels. It exists for
// diagnostics and the attack suite (internal/visual/attack: what the code
// track alone gives away); serve only RenderWAV output.
func RenderWAVParts(w io.Writer, code string, seed []byte, parts WAVPart) error {
	if err := validateCode(code); err != nil {
		return err
	}
	t, err := renderTracks(code, seed)
	if err != nil {
		return err
	}
	// One gain for the whole clip, from the full mix, keeps the proportions
	// and never clips.
	var peak float32
	for i, c := range t.code {
		full := c + t.babble[i] + t.noise[i]
		peak = max(peak, full, -full)
	}
	buf := t.code // the tracks are not used again: mix in place
	if parts&PartCode == 0 {
		clear(buf)
	}
	if parts&PartBabble != 0 {
		for i, b := range t.babble {
			buf[i] += b
		}
	}
	if parts&PartNoise != 0 {
		for i, n := range t.noise {
			buf[i] += n
		}
	}
	gain := float32(1)
	if peak > 0.9 {
		gain = 0.9 / peak
	}
	out := make([]byte, 44+2*len(buf))
	putWAVHeader(out, len(buf))
	for i, x := range buf {
		binary.LittleEndian.PutUint16(out[44+2*i:], uint16(int16(max(-1, min(1, x*gain))*32767)))
	}
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("astracaph: visual: writing wav: %w", err)
	}
	return nil
}

// tracks are the parts of a clip before mixing; spans are the code characters'
// [start, end) sample ranges. Tests read them to check the mix.
type tracks struct {
	code, babble, noise []float32
	spans               [][2]int
	codeVoice, babbler  int
}

func renderTracks(code string, seed []byte) (*tracks, error) {
	v, err := voices()
	if err != nil {
		return nil, err
	}
	rng := newRNG("astracaph/visual/wav/v2", seed)
	sec := func(lo, hi float64) int { return int(AudioSampleRate * (lo + (hi-lo)*rng.Float64())) }
	t := &tracks{codeVoice: rng.IntN(len(voiceTable))}
	others := make([]int, 0, len(voiceTable))
	for i, vc := range voiceTable {
		if vc.high != voiceTable[t.codeVoice].high {
			others = append(others, i)
		}
	}
	t.babbler = others[rng.IntN(len(others))]

	// The code: one voice, a base pitch for the clip, every character varied
	// around it.
	basePitch := float64(span(rng, 0.92, 1.08))
	type piece struct {
		s    []float32
		at   int
		gain float32
	}
	parts := make([]piece, 0, len(code))
	pos := sec(0.45, 0.75)
	var gains float32
	for i := 0; i < len(code); i++ {
		s := v[t.codeVoice][alphabetIndex(code[i])]
		bent := bend(rng, s, basePitch*float64(span(rng, 0.95, 1.05)), false)
		// Never about the sample's own length: 0.82–0.94 or 1.08–1.22 of it.
		dur := span(rng, 1.08, 1.22)
		if rng.IntN(2) == 0 {
			dur = span(rng, 0.82, 0.94)
		}
		out := stretch(bent, int(float32(len(s))*dur))
		disperse(rng, out)
		g := span(rng, 0.85, 1)
		gains += g
		parts = append(parts, piece{out, pos, g})
		t.spans = append(t.spans, [2]int{pos, pos + len(out)})
		pos += len(out) + sec(0.3, 0.6)
	}
	total := pos + sec(0.3, 0.5)
	t.code = make([]float32, total)
	for _, p := range parts {
		for j, x := range p.s {
			t.code[p.at+j] += p.gain * x
		}
	}

	// The babble: reversed characters of the other voice back to back over the
	// whole clip, each about as loud as an average code character.
	t.babble = make([]float32, total)
	level := gains / float32(len(code))
	for at := sec(0, 0.1); at < total; at += sec(-0.06, 0.03) {
		s := v[t.babbler][rng.IntN(len(Alphabet))]
		b := bend(rng, s, float64(span(rng, 0.85, 1.2)), true)
		g := level * span(rng, 0.8, 1)
		n := min(len(b), total-at)
		for j := 0; j < n; j++ {
			t.babble[at+j] += g * b[j]
		}
		at += n
	}
	t.noise = make([]float32, total)
	addNoise(rng, t.noise)
	return t, nil
}

// bend resamples s (optionally reversed) at a speed that glides around speed:
// an intonation ramp (rising or falling by 3–7 % across the word) and a slow
// vibrato of a few per cent. Pitch and formants follow the speed, and the
// playback position drifts by tens of milliseconds from where any
// fixed-speed copy of the sample would be, so no such copy lines up with it.
func bend(rng *rand.Rand, s []float32, speed float64, reverse bool) []float32 {
	depth := float64(span(rng, 0.015, 0.04))
	omega := 2 * math.Pi * float64(span(rng, 2, 5)) / AudioSampleRate
	phase := float64(span(rng, 0, 2*math.Pi))
	ramp := float64(span(rng, 0.03, 0.07))
	if rng.IntN(2) == 0 {
		ramp = -ramp
	}
	n := float64(len(s)) / speed // the expected output length
	out := make([]float32, 0, int(n*1.2)+1)
	last := float64(len(s) - 1)
	var step float64
	for p, j := 0.0, 0; p < last; j++ {
		if j%8 == 0 { // the glide is slow: update it every millisecond
			t := min(1, float64(j)/n)
			step = speed * (1 + ramp*(2*t-1)) * (1 + depth*math.Sin(omega*float64(j)+phase))
		}
		k := int(p)
		f := float32(p - float64(k))
		a, b := s[k], s[k+1]
		if reverse {
			a, b = s[len(s)-1-k], s[len(s)-2-k]
		}
		out = append(out, a+(b-a)*f)
		p += step
	}
	return out
}

// disperse runs x in place through twelve second-order all-pass filters, one
// per band of the speech range at a random centre frequency in it (the
// cascade's impulse response holds 90 % of its energy within about 7 ms,
// short enough not to smear the speech audibly): the spectrum
// (what a listener hears) is kept, the phases (the waveform's shape) are not,
// so a sample correlated against the played character no longer lines up
// with it.
func disperse(rng *rand.Rand, x []float32) {
	const sections, lo, hi = 12, 120.0, 3800.0
	for k := 0; k < sections; k++ {
		r := float64(span(rng, 0.6, 0.88))
		// One section per twelfth of the range on a log scale.
		f := lo * math.Pow(hi/lo, (float64(k)+rng.Float64())/sections)
		c := -2 * r * math.Cos(2*math.Pi*f/AudioSampleRate)
		a0, a1 := float32(r*r), float32(c) // H(z) = (r² + c z⁻¹ + z⁻²) / (1 + c z⁻¹ + r² z⁻²)
		var x1, x2, y1, y2 float32
		for i, v := range x {
			y := a0*v + a1*x1 + x2 - a1*y1 - a0*y2
			x2, x1, y2, y1 = x1, v, y1, y
			x[i] = y
		}
	}
}

// WSOLA parameters: 30 ms Hann frames at 50 % overlap, each placed within
// ±6 ms of its nominal input position where it best continues the previous
// frame, so the pitch stays while the duration changes.
const (
	wsolaWin = 240
	wsolaHop = wsolaWin / 2
	wsolaTol = 48
)

// hann is the periodic Hann window of the WSOLA frames (sums to 1 at 50 %).
var hann = func() (w [wsolaWin]float32) {
	for i := range w {
		w[i] = float32(0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/wsolaWin))
	}
	return w
}()

// stretch returns x time-stretched to n samples without changing its pitch
// (WSOLA: waveform-similarity overlap-add).
func stretch(x []float32, n int) []float32 {
	if len(x) < 2*wsolaWin || n < 2*wsolaWin {
		return x
	}
	out := make([]float32, n+wsolaWin)
	ratio := float64(len(x)-wsolaWin) / float64(n)
	prev := 0
	for k := 0; k*wsolaHop < n; k++ {
		off := 0
		if k > 0 {
			nominal := int(float64(k*wsolaHop) * ratio)
			natural := prev + wsolaHop // where the previous frame's continuation starts
			lo, hi := max(0, nominal-wsolaTol), min(len(x)-wsolaWin, nominal+wsolaTol)
			best := float32(math.Inf(-1))
			off = hi
			for c := lo; c <= hi; c += 2 {
				var sum float32
				for i := 0; i < wsolaHop && natural+i < len(x); i += 2 {
					sum += x[natural+i] * x[c+i]
				}
				if sum > best {
					best, off = sum, c
				}
			}
		}
		prev = off
		dst := out[k*wsolaHop:]
		for i := 0; i < wsolaWin && off+i < len(x); i++ {
			dst[i] += hann[i] * x[off+i]
		}
	}
	return out[:n]
}

// addNoise mixes in low-passed noise whose level drifts slowly.
func addNoise(rng *rand.Rand, buf []float32) {
	level := span(rng, 0.012, 0.02)
	drift := 2 * math.Pi * float64(span(rng, 0.2, 0.6)) / AudioSampleRate
	phase := float64(span(rng, 0, 2*math.Pi))
	var lp, mod float32
	for i := range buf {
		if i%64 == 0 { // the drift is slow: update it every 8 ms only
			mod = 2 * level * (1 + 0.4*float32(math.Sin(drift*float64(i)+phase)))
		}
		white := float32(rng.NormFloat64())
		lp += 0.35 * (white - lp) // one-pole low-pass: softer than white noise
		buf[i] += mod * lp
	}
}

func putWAVHeader(b []byte, samples int) {
	data := uint32(2 * samples)
	copy(b[0:], "RIFF")
	binary.LittleEndian.PutUint32(b[4:], 36+data)
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)                // fmt chunk size
	binary.LittleEndian.PutUint16(b[20:], 1)                 // PCM
	binary.LittleEndian.PutUint16(b[22:], 1)                 // mono
	binary.LittleEndian.PutUint32(b[24:], AudioSampleRate)   // sample rate
	binary.LittleEndian.PutUint32(b[28:], AudioSampleRate*2) // byte rate
	binary.LittleEndian.PutUint16(b[32:], 2)                 // block align
	binary.LittleEndian.PutUint16(b[34:], 16)                // bits per sample
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], data)
}
