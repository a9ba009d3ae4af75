//go:build ignore

// gen.go post-processes espeak-ng output for the embedded voice samples; it
// is run by gen.sh and is not part of the build.
package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"
)

const (
	outRate   = 8000
	cutoffHz  = 3400 // below outRate/2 so the resampler does not alias
	halfTaps  = 48   // sinc half-width in input samples
	targetRMS = 0.16
	peakMax   = 0.92
	marginSec = 0.015
	fadeSec   = 0.008
)

func main() {
	in := flag.String("in", "", "directory with espeak-ng WAVs named <char>.wav")
	out := flag.String("out", ".", "output directory")
	chars := flag.String("chars", "", "characters to process")
	voice := flag.String("voice", "", "voice name: output files are <char>_<voice>.wav")
	flag.Parse()
	for _, c := range *chars {
		name := string(c) + ".wav"
		x, rate, err := readWAV(filepath.Join(*in, name))
		if err != nil {
			log.Fatalf("%s: %v", name, err)
		}
		y := process(x, rate)
		outName := string(c) + "_" + *voice + ".wav"
		if err := writeWAV(filepath.Join(*out, outName), y); err != nil {
			log.Fatalf("%s: %v", outName, err)
		}
		fmt.Printf("%s: %d samples (%.0f ms)\n", outName, len(y), 1000*float64(len(y))/outRate)
	}
}

func process(x []float64, rate int) []float64 {
	x = trim(x, rate)
	y := resample(x, rate)
	// Even out loudness, but never clip.
	var sum, peak float64
	for _, v := range y {
		sum += v * v
		peak = math.Max(peak, math.Abs(v))
	}
	gain := targetRMS / math.Sqrt(sum/float64(len(y)))
	if peak*gain > peakMax {
		gain = peakMax / peak
	}
	fade := int(fadeSec * outRate)
	for i := range y {
		y[i] *= gain
		if i < fade {
			y[i] *= float64(i) / float64(fade)
		}
		if j := len(y) - 1 - i; j < fade {
			y[i] *= float64(j) / float64(fade)
		}
	}
	return y
}

// trim drops leading and trailing near-silence, keeping a short margin.
func trim(x []float64, rate int) []float64 {
	var peak float64
	for _, v := range x {
		peak = math.Max(peak, math.Abs(v))
	}
	th := peak * 0.03
	start, end := 0, len(x)
	for start < end && math.Abs(x[start]) < th {
		start++
	}
	for end > start && math.Abs(x[end-1]) < th {
		end--
	}
	m := int(marginSec * float64(rate))
	return x[max(0, start-m):min(len(x), end+m)]
}

// resample converts to outRate with a Blackman-windowed sinc low-pass.
func resample(x []float64, rate int) []float64 {
	n := int(float64(len(x)) * outRate / float64(rate))
	y := make([]float64, n)
	fc := float64(cutoffHz) / float64(rate) // normalised cutoff (cycles/sample)
	for i := range y {
		p := float64(i) * float64(rate) / outRate
		k0 := int(math.Floor(p)) - halfTaps + 1
		var acc float64
		for k := k0; k < k0+2*halfTaps; k++ {
			if k < 0 || k >= len(x) {
				continue
			}
			d := p - float64(k)
			w := 0.42 + 0.5*math.Cos(math.Pi*d/halfTaps) + 0.08*math.Cos(2*math.Pi*d/halfTaps)
			if math.Abs(d) >= halfTaps {
				w = 0
			}
			acc += x[k] * 2 * fc * sinc(2*fc*d) * w
		}
		y[i] = acc
	}
	return y
}

func sinc(t float64) float64 {
	if t == 0 {
		return 1
	}
	return math.Sin(math.Pi*t) / (math.Pi * t)
}

func readWAV(path string) ([]float64, int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, err
	}
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, 0, errors.New("not a RIFF/WAVE file")
	}
	var rate int
	var data []byte
	for p := 12; p+8 <= len(b); {
		id, size := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:]))
		body := b[p+8 : min(len(b), p+8+size)]
		switch id {
		case "fmt ":
			if binary.LittleEndian.Uint16(body[0:]) != 1 || binary.LittleEndian.Uint16(body[2:]) != 1 ||
				binary.LittleEndian.Uint16(body[14:]) != 16 {
				return nil, 0, errors.New("want PCM 16-bit mono")
			}
			rate = int(binary.LittleEndian.Uint32(body[4:]))
		case "data":
			data = body
		}
		p += 8 + size + size&1
	}
	if rate == 0 || data == nil {
		return nil, 0, errors.New("missing fmt or data chunk")
	}
	x := make([]float64, len(data)/2)
	for i := range x {
		x[i] = float64(int16(binary.LittleEndian.Uint16(data[2*i:]))) / 32768
	}
	return x, rate, nil
}

func writeWAV(path string, y []float64) error {
	data := make([]byte, 2*len(y))
	for i, v := range y {
		s := int16(math.Round(math.Max(-1, math.Min(1, v)) * 32767))
		binary.LittleEndian.PutUint16(data[2*i:], uint16(s))
	}
	h := make([]byte, 44)
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], uint32(36+len(data)))
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1)
	binary.LittleEndian.PutUint16(h[22:], 1)
	binary.LittleEndian.PutUint32(h[24:], outRate)
	binary.LittleEndian.PutUint32(h[28:], outRate*2)
	binary.LittleEndian.PutUint16(h[32:], 2)
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], uint32(len(data)))
	return os.WriteFile(path, append(h, data...), 0o644)
}
