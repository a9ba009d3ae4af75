package visual

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"math"
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
	for i, s := range v {
		d := float64(len(s)) / AudioSampleRate
		assert.True(t, d > 0.2 && d < 1.0, "%q lasts %.2fs", Alphabet[i], d)
		var sum float64
		for _, x := range s {
			sum += float64(x) * float64(x)
		}
		assert.Greater(t, math.Sqrt(sum/float64(len(s))), 0.05, "%q is too quiet", Alphabet[i])
	}
	// No stray samples for characters that left the alphabet.
	entries, err := fs.ReadDir(voiceFS, "voice")
	require.NoError(t, err)
	assert.Len(t, entries, len(Alphabet))
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

func TestRenderWAVSpeechAboveNoise(t *testing.T) {
	// The clip is meant to be understood: the loudest 100 ms window (a
	// character) must stand well above the quietest (noise only).
	s := wavInfo(t, renderWAV(t, "HK3M9W", "snr"))
	const win = AudioSampleRate / 10
	lo, hi := math.Inf(1), 0.0
	for i := 0; i+win <= len(s); i += win / 2 {
		var sum float64
		for _, x := range s[i : i+win] {
			sum += float64(x) * float64(x)
		}
		rms := math.Sqrt(sum / win)
		lo, hi = math.Min(lo, rms), math.Max(hi, rms)
	}
	assert.Greater(t, lo, 0.0, "background noise present")
	t.Logf("speech/noise %.1f dB", 20*math.Log10(hi/lo))
	assert.Greater(t, 20*math.Log10(hi/lo), 12.0, "dB between speech and noise")
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
			if err == nil {
				t.Fatalf("RenderPNG accepted %q", code)
			}
		case sizeErr != nil:
			if err == nil {
				t.Fatalf("RenderPNG accepted %+v", opt)
			}
		case err != nil:
			t.Fatalf("RenderPNG(%q, %+v): %v", code, opt, err)
		default:
			decodePNG(t, img.Bytes())
		}
		var wav bytes.Buffer
		err = RenderWAV(&wav, code, seed)
		if valid != (err == nil) {
			t.Fatalf("RenderWAV(%q): valid=%v err=%v", code, valid, err)
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
		if err := RenderWAV(&buf, "HK3M9W", seed); err != nil {
			b.Fatal(err)
		}
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
