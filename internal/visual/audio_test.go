package visual

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wavInfo checks the header of a RenderWAV result and returns its samples.
func wavInfo(t testing.TB, b []byte) []int16 {
	t.Helper()
	require.GreaterOrEqual(t, len(b), 44)
	require.Equal(t, "RIFF", string(b[0:4]))
	require.Equal(t, uint32(len(b)-8), binary.LittleEndian.Uint32(b[4:]), "RIFF size")
	require.Equal(t, "WAVE", string(b[8:12]))
	require.Equal(t, "fmt ", string(b[12:16]))
	require.Equal(t, uint32(16), binary.LittleEndian.Uint32(b[16:]), "fmt size")
	assert.Equal(t, uint16(1), binary.LittleEndian.Uint16(b[20:]), "PCM")
	assert.Equal(t, uint16(1), binary.LittleEndian.Uint16(b[22:]), "mono")
	assert.Equal(t, uint32(AudioSampleRate), binary.LittleEndian.Uint32(b[24:]), "rate")
	assert.Equal(t, uint32(2*AudioSampleRate), binary.LittleEndian.Uint32(b[28:]), "byte rate")
	assert.Equal(t, uint16(2), binary.LittleEndian.Uint16(b[32:]), "block align")
	assert.Equal(t, uint16(16), binary.LittleEndian.Uint16(b[34:]), "bits")
	require.Equal(t, "data", string(b[36:40]))
	size := binary.LittleEndian.Uint32(b[40:])
	require.Equal(t, uint32(len(b)-44), size, "data size")
	require.Zero(t, size%2)
	s := make([]int16, size/2)
	for i := range s {
		s[i] = int16(binary.LittleEndian.Uint16(b[44+2*i:]))
	}
	return s
}

func renderWAV(t testing.TB, code, seed string) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, RenderWAV(&buf, code, []byte(seed)))
	return buf.Bytes()
}

func TestVoiceCoversAlphabet(t *testing.T) {
	v, err := voices()
	require.NoError(t, err)
	for vi, vc := range voiceTable {
		for i, s := range v[vi] {
			d := float64(len(s)) / AudioSampleRate
			assert.True(t, d > 0.2 && d < 1.0, "%q (%s) lasts %.2fs", Alphabet[i], vc.name, d)
			assert.InDelta(t, 0.16, rms(s), 0.05, "%q (%s): samples are loudness-normalised", Alphabet[i], vc.name)
		}
	}
	// Both registers exist (the babble needs a voice of the other one).
	var high, low int
	for _, vc := range voiceTable {
		if vc.high {
			high++
		} else {
			low++
		}
	}
	assert.Positive(t, high)
	assert.Positive(t, low)
	// No stray samples for characters or voices that left the tables.
	entries, err := fs.ReadDir(voiceFS, "voice")
	require.NoError(t, err)
	assert.Len(t, entries, len(Alphabet)*len(voiceTable))
}

func rms(s []float32) float64 {
	var sum float64
	for _, x := range s {
		sum += float64(x) * float64(x)
	}
	return math.Sqrt(sum / float64(max(1, len(s))))
}

func TestRenderWAVHeaderAndDuration(t *testing.T) {
	for _, seed := range []string{"a", "b", "c", "d"} {
		prev := 0
		// Same seed, growing prefix: the timeline of the common prefix is
		// identical, so every extra character must add time.
		full := "HK3M9W47"
		for n := 1; n <= len(full); n++ {
			s := wavInfo(t, renderWAV(t, full[:n], seed))
			assert.Greater(t, len(s), prev, "seed %q len %d", seed, n)
			prev = len(s)
		}
		// And independently of seeds: 1 character vs 6.
		short := len(wavInfo(t, renderWAV(t, "K", seed+"x")))
		long := len(wavInfo(t, renderWAV(t, "K4M9RY", seed+"y")))
		assert.Greater(t, long, 2*short)
		d := float64(long) / AudioSampleRate
		assert.True(t, d > 3 && d < 10, "6 characters last %.1fs", d)
	}
}

func TestRenderWAVDeterministicAndVaries(t *testing.T) {
	a := renderWAV(t, "HK3M9W", "seed-1")
	assert.Equal(t, a, renderWAV(t, "HK3M9W", "seed-1"))
	b := renderWAV(t, "HK3M9W", "seed-2")
	assert.NotEqual(t, a, b)

	// The same character spoken twice in one clip never repeats bytes:
	// compare windows at the loudest points of two halves of "HH".
	s := wavInfo(t, renderWAV(t, "HH", "seed-3"))
	half := len(s) / 2
	p1, p2 := loudest(s[:half]), half+loudest(s[half:])
	const win = 400
	w1 := s[max(0, p1-win/2):][:win]
	w2 := s[max(0, p2-win/2):][:win]
	assert.NotEqual(t, w1, w2)
}

func loudest(s []int16) int {
	best, at := 0, 0
	for i, x := range s {
		if v := int(x) * int(x); v > best {
			best, at = v, i
		}
	}
	return at
}

// spanRMS is the RMS of x over the given [start, end) ranges together.
func spanRMS(x []float32, spans [][2]int) float64 {
	var sum float64
	n := 0
	for _, sp := range spans {
		for _, v := range x[sp[0]:min(sp[1], len(x))] {
			sum += float64(v) * float64(v)
			n++
		}
	}
	return math.Sqrt(sum / float64(max(1, n)))
}

func db(r float64) float64 { return 20 * math.Log10(r) }

func TestRenderWAVSpeechAboveNoise(t *testing.T) {
	// The noise is a soft bed: the code stands at least 12 dB above it.
	for i := 0; i < 20; i++ {
		tr, err := renderTracks("HK3M9W", []byte(fmt.Sprint("snr", i)))
		require.NoError(t, err)
		noise := spanRMS(tr.noise, [][2]int{{0, len(tr.noise)}})
		assert.Greater(t, noise, 0.0, "background noise present")
		assert.Greater(t, db(spanRMS(tr.code, tr.spans)/noise), 12.0, "seed %d: dB between the code and the noise", i)
	}
}

// The babble is as loud as the code (the issue's attack segmented clips by loudness when
// it was a tenth as loud), runs from the start of the clip to its end, and is spoken by
// a voice of the other register, so a listener can follow the code's voice.
func TestRenderWAVBabbleAsLoudAsCode(t *testing.T) {
	worst, quietestGap := math.Inf(1), math.Inf(1)
	codes := rand.NewChaCha8([32]byte{'b', 'a', 'b', 'b', 'l', 'e'})
	for i := 0; i < 40; i++ {
		code, err := NewCode(codes, 6)
		require.NoError(t, err)
		tr, err := renderTracks(code, []byte(fmt.Sprint("babble", i)))
		require.NoError(t, err)
		assert.NotEqual(t, voiceTable[tr.codeVoice].high, voiceTable[tr.babbler].high, "babble in the other register")

		ratio := db(spanRMS(tr.babble, tr.spans) / spanRMS(tr.code, tr.spans))
		assert.InDelta(t, -1.0, ratio, 3, "seed %d: babble vs code over the characters, dB", i)

		// Every character has babble under it, and the gaps between characters are
		// nearly as loud as the characters: loudness does not mark the characters.
		for k, sp := range tr.spans {
			r := db(spanRMS(tr.babble, [][2]int{sp}) / spanRMS(tr.code, [][2]int{sp}))
			worst = min(worst, r)
			assert.Greater(t, r, -9.0, "seed %d char %d: babble under the character, dB", i, k)
		}
		mix := make([]float32, len(tr.code))
		for k := range mix {
			mix[k] = tr.code[k] + tr.babble[k] + tr.noise[k]
		}
		var gaps [][2]int
		for k := 1; k < len(tr.spans); k++ {
			gaps = append(gaps, [2]int{tr.spans[k-1][1], tr.spans[k][0]})
		}
		chars := spanRMS(mix, tr.spans)
		assert.Greater(t, db(spanRMS(mix, gaps)/chars), -6.5, "seed %d: the gaps are nearly as loud as the characters", i)
		for k, g := range gaps {
			gapDB := db(spanRMS(mix, [][2]int{g}) / chars)
			quietestGap = min(quietestGap, gapDB)
			assert.Greater(t, gapDB, -15.0, "seed %d gap %d", i, k)
		}

		// The code's own characters are evenly loud (within 3 dB of their mean):
		// one steady voice to follow.
		all := spanRMS(tr.code, tr.spans)
		for k, sp := range tr.spans {
			assert.InDelta(t, 0, db(spanRMS(tr.code, [][2]int{sp})/all), 3, "seed %d char %d loudness", i, k)
		}
	}
	t.Logf("quietest babble under a character: %.1f dB relative to it; quietest gap: %.1f dB below the characters", worst, quietestGap)
}

// zeroCrossRate is crossings per second: a pitch proxy for a pure tone.
func zeroCrossRate(x []float32) float64 {
	n := 0
	for i := 1; i < len(x); i++ {
		if (x[i-1] < 0) != (x[i] < 0) {
			n++
		}
	}
	return float64(n) / 2 / (float64(len(x)) / AudioSampleRate)
}

func tone(hz float64, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(0.5 * math.Sin(2*math.Pi*hz*float64(i)/AudioSampleRate))
	}
	return x
}

func TestStretchKeepsPitch(t *testing.T) {
	x := tone(210, AudioSampleRate/2)
	for _, n := range []int{AudioSampleRate * 4 / 10, AudioSampleRate * 6 / 10} {
		y := stretch(x, n)
		require.Len(t, y, n)
		// Ignore the fade-in of the first half frame.
		assert.InDelta(t, 210, zeroCrossRate(y[wsolaHop:]), 12, "stretched to %d samples", n)
	}
	short := tone(210, wsolaWin)
	assert.Equal(t, short, stretch(short, 3*wsolaWin), "too short to stretch: unchanged")
}

func TestBendShiftsPitch(t *testing.T) {
	x := tone(200, AudioSampleRate/2)
	rng := newRNG("test", []byte("bend"))
	y := bend(rng, x, 1.1, false)
	assert.InDelta(t, len(x)/11*10, len(y), 0.05*float64(len(x)))
	assert.InDelta(t, 220, zeroCrossRate(y), 10, "pitch follows the speed")
	r := bend(rng, x, 1, true)
	assert.InDelta(t, 200, zeroCrossRate(r), 10)
}

func TestRenderWAVRejects(t *testing.T) {
	for _, code := range []string{"", "k", "HK0", "HK3M9WY47", "\xff"} {
		assert.ErrorIs(t, RenderWAV(io.Discard, code, nil), ErrInvalidCode, "%q", code)
	}
	assert.ErrorIs(t, RenderWAV(&failWriter{}, "HK3", nil), errWrite)
}

func FuzzRender(f *testing.F) {
	f.Add("HK3M9W", []byte("seed"), 240, 80, uint8(0))
	f.Add("7", []byte{}, 120, 40, uint8(1))
	f.Add("hk3", []byte{0}, 0, 0, uint8(2))
	f.Add("Ω\x00", []byte("x"), 961, 80, uint8(0))
	f.Add("YYYYYYYY", []byte("x"), 960, 320, uint8(1))
	f.Fuzz(func(t *testing.T, code string, seed []byte, w, h int, theme uint8) {
		// Keep images small so the fuzzer explores inputs, not pixels.
		if w > 400 || h > 160 {
			return
		}
		valid := validateCode(code) == nil
		opt := ImageOptions{Width: w, Height: h, Theme: Theme(theme)}
		_, _, sizeErr := opt.size()
		var img bytes.Buffer
		err := RenderPNG(&img, code, seed, opt)
		switch {
		case !valid:
			require.Error(t, err, "RenderPNG accepted %q", code)
		case sizeErr != nil:
			require.Error(t, err, "RenderPNG accepted %+v", opt)
		default:
			require.NoError(t, err, "RenderPNG(%q, %+v)", code, opt)
			decodePNG(t, img.Bytes())
		}
		var wav bytes.Buffer
		err = RenderWAV(&wav, code, seed)
		if valid {
			require.NoError(t, err, "RenderWAV(%q)", code)
		} else {
			require.Error(t, err, "RenderWAV accepted %q", code)
		}
		if valid {
			wavInfo(t, wav.Bytes())
		}
	})
}

func BenchmarkRenderWAV(b *testing.B) {
	seed := []byte("benchmark seed")
	b.ReportAllocs()
	cpu := startCPUTimer(b)
	var n int
	for b.Loop() {
		seed[0]++
		var buf bytes.Buffer
		require.NoError(b, RenderWAV(&buf, "HK3M9W", seed))
		n = buf.Len()
	}
	cpu.report()
	b.ReportMetric(float64(n), "bytes")
}

func ExampleRenderWAV() {
	var buf bytes.Buffer
	if err := RenderWAV(&buf, "HK3M9W", []byte("secret per-challenge seed")); err != nil {
		panic(err)
	}
	fmt.Println(string(buf.Bytes()[:4]), string(buf.Bytes()[8:12]))
	// Output: RIFF WAVE
}

func TestDisperseKeepsSpectrumChangesWaveform(t *testing.T) {
	v, err := voices()
	require.NoError(t, err)
	s := v[0][alphabetIndex('K')]
	y := append([]float32(nil), s...)
	disperse(newRNG("test", []byte("disperse")), y)
	// Energy is kept (all-pass), the waveform is not: the normalised correlation at
	// any small lag stays far below that of a copy.
	assert.InDelta(t, rms(s), rms(y), 0.1*rms(s))
	best := 0.0
	for lag := -40; lag <= 40; lag++ {
		var dot float64
		for i := range s {
			if j := i + lag; j >= 0 && j < len(y) {
				dot += float64(s[i]) * float64(y[j])
			}
		}
		best = max(best, dot/(rms(s)*rms(y)*float64(len(s))))
	}
	assert.Less(t, best, 0.6, "waveform correlation after dispersion")
	t.Logf("best normalised correlation with the original: %.2f", best)

	// The filters do not smear a click over more than 10 ms (90 % of its energy).
	for k := 0; k < 20; k++ {
		x := make([]float32, AudioSampleRate/10)
		x[0] = 1
		disperse(newRNG("click", []byte{byte(k)}), x)
		total := rms(x) * rms(x) * float64(len(x))
		var acc float64
		for i, v := range x {
			if acc += float64(v) * float64(v); acc >= 0.9*total {
				assert.Less(t, i, AudioSampleRate/100, "seed %d: 90 %% of a click's energy within 10 ms", k)
				break
			}
		}
	}
}
