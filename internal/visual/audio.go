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

// voices decodes the embedded samples once; the table is read-only afterwards.
var voices = sync.OnceValues(loadVoices)

func loadVoices() ([len(Alphabet)][]float32, error) {
	var v [len(Alphabet)][]float32
	for i := 0; i < len(Alphabet); i++ {
		name := "voice/" + Alphabet[i:i+1] + ".wav"
		b, err := voiceFS.ReadFile(name)
		if err != nil {
			return v, fmt.Errorf("astracaph: visual: %w", err)
		}
		pcm, err := wavData(b)
		if err != nil {
			return v, fmt.Errorf("astracaph: visual: %s: %w", name, err)
		}
		v[i] = make([]float32, len(pcm)/2)
		for j := range v[i] {
			v[i][j] = float32(int16(binary.LittleEndian.Uint16(pcm[2*j:]))) / 32768
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
// derives from the secret seed: gaps, per-character speed and pitch (the
// samples are resampled, which shifts both), loudness, reversed-speech
// babble and background noise, so the same character never yields the same
// bytes twice across challenges.
func RenderWAV(w io.Writer, code string, seed []byte) error {
	if err := validateCode(code); err != nil {
		return err
	}
	v, err := voices()
	if err != nil {
		return err
	}
	rng := newRNG("astracaph/visual/wav/v1", seed)
	sec := func(lo, hi float64) int { return int(AudioSampleRate * (lo + (hi-lo)*rng.Float64())) }

	// Plan the timeline first so the buffer is allocated once.
	type voiced struct {
		sample      []float32
		at          int
		speed, gain float32
		reverse     bool
	}
	parts := make([]voiced, 0, 2*len(code)+2)
	pos := sec(0.35, 0.7)
	for i := 0; i < len(code); i++ {
		s := v[alphabetIndex(code[i])]
		speed := span(rng, 0.88, 1.15)
		parts = append(parts, voiced{sample: s, at: pos, speed: speed, gain: span(rng, 0.75, 1)})
		pos += int(float32(len(s))/speed) + sec(0.3, 0.65)
	}
	total := pos + sec(0.25, 0.5)

	// Babble: reversed characters at low level anywhere in the clip, so the
	// silences do not mark where the real characters are.
	for i, k := 0, len(code)+2; i < k; i++ {
		s := v[rng.IntN(len(v))]
		speed := span(rng, 0.7, 1.3)
		n := int(float32(len(s)) / speed)
		parts = append(parts, voiced{
			sample: s, at: rng.IntN(max(1, total-n)), speed: speed,
			gain: span(rng, 0.07, 0.14), reverse: true,
		})
	}

	buf := make([]float32, total)
	for _, p := range parts {
		mix(buf[p.at:], p.sample, p.speed, p.gain, p.reverse)
	}
	addNoise(rng, buf)

	out := make([]byte, 44+2*total)
	putWAVHeader(out, total)
	for i, x := range buf {
		x = max(-1, min(1, x))
		binary.LittleEndian.PutUint16(out[44+2*i:], uint16(int16(x*32767)))
	}
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("astracaph: visual: writing wav: %w", err)
	}
	return nil
}

// mix adds s, resampled by speed with linear interpolation, into dst.
func mix(dst, s []float32, speed, gain float32, reverse bool) {
	n := min(len(dst), int(float32(len(s)-1)/speed))
	for j := 0; j < n; j++ {
		p := float32(j) * speed
		k := int(p)
		t := p - float32(k)
		a, b := s[k], s[min(k+1, len(s)-1)]
		if reverse {
			a, b = s[len(s)-1-k], s[max(len(s)-2-k, 0)]
		}
		dst[j] += gain * (a + (b-a)*t)
	}
}

// addNoise mixes in low-passed noise whose level drifts slowly.
func addNoise(rng *rand.Rand, buf []float32) {
	level := span(rng, 0.025, 0.045)
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
