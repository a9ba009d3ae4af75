package attack

import (
	"encoding/binary"
	"errors"
	"math"
	"math/cmplx"
)

// Feature extraction for the template attack: 8 kHz audio, 25 ms frames every 10 ms,
// 24 mel bands from 100 Hz to 3.8 kHz, 12 cepstral coefficients (c0, the loudness, is
// dropped), mean-normalised per sequence so gain differences do not matter.
const (
	rate     = 8000
	frameLen = 200
	hop      = 80
	nfft     = 256
	nMel     = 24
	nCep     = 12
)

// decodeWAV returns the samples of a 16-bit mono PCM WAV and its sample rate.
func decodeWAV(b []byte) ([]float64, int, error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, 0, errors.New("attack: not a WAV file")
	}
	sr := 0
	for p := 12; p+8 <= len(b); {
		id, size := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:]))
		if size < 0 || size > len(b)-p-8 {
			return nil, 0, errors.New("attack: truncated WAV chunk")
		}
		body := b[p+8 : p+8+size]
		switch id {
		case "fmt ":
			if size < 16 || binary.LittleEndian.Uint16(body[0:]) != 1 || binary.LittleEndian.Uint16(body[2:]) != 1 ||
				binary.LittleEndian.Uint16(body[14:]) != 16 {
				return nil, 0, errors.New("attack: want 16-bit mono PCM")
			}
			sr = int(binary.LittleEndian.Uint32(body[4:]))
		case "data":
			if sr == 0 {
				return nil, 0, errors.New("attack: data before fmt")
			}
			x := make([]float64, size/2)
			for i := range x {
				x[i] = float64(int16(binary.LittleEndian.Uint16(body[2*i:]))) / 32768
			}
			return x, sr, nil
		}
		p += 8 + size + size&1
	}
	return nil, 0, errors.New("attack: no data chunk")
}

// melBank is the triangular filter bank over the nfft/2+1 power bins.
var melBank = func() [nMel][]float64 {
	mel := func(f float64) float64 { return 2595 * math.Log10(1+f/700) }
	inv := func(m float64) float64 { return 700 * (math.Pow(10, m/2595) - 1) }
	lo, hi := mel(100), mel(3800)
	var edges [nMel + 2]float64
	for i := range edges {
		edges[i] = inv(lo+(hi-lo)*float64(i)/(nMel+1)) * nfft / rate
	}
	var bank [nMel][]float64
	for m := 0; m < nMel; m++ {
		bank[m] = make([]float64, nfft/2+1)
		for k := range bank[m] {
			f := float64(k)
			switch {
			case f >= edges[m] && f <= edges[m+1]:
				bank[m][k] = (f - edges[m]) / (edges[m+1] - edges[m])
			case f > edges[m+1] && f <= edges[m+2]:
				bank[m][k] = (edges[m+2] - f) / (edges[m+2] - edges[m+1])
			}
		}
	}
	return bank
}()

// fft is an in-place radix-2 transform (len(a) a power of two).
func fft(a []complex128) {
	n := len(a)
	for i, j := 1, 0; i < n; i++ {
		bit := n >> 1
		for ; j&bit != 0; bit >>= 1 {
			j ^= bit
		}
		j ^= bit
		if i < j {
			a[i], a[j] = a[j], a[i]
		}
	}
	for size := 2; size <= n; size <<= 1 {
		w := cmplx.Exp(complex(0, -2*math.Pi/float64(size)))
		for start := 0; start < n; start += size {
			wk := complex(1, 0)
			for k := 0; k < size/2; k++ {
				u, v := a[start+k], a[start+k+size/2]*wk
				a[start+k], a[start+k+size/2] = u+v, u-v
				wk *= w
			}
		}
	}
}

// frames returns per-frame log mel energies and RMS levels of x.
func frames(x []float64) (logMel [][nMel]float64, rms []float64) {
	if len(x) < frameLen {
		return nil, nil
	}
	n := 1 + (len(x)-frameLen)/hop
	logMel = make([][nMel]float64, n)
	rms = make([]float64, n)
	buf := make([]complex128, nfft)
	for f := 0; f < n; f++ {
		seg := x[f*hop : f*hop+frameLen]
		var e float64
		for i := range buf {
			buf[i] = 0
		}
		for i, v := range seg {
			e += v * v
			pre := v
			if i > 0 {
				pre -= 0.97 * seg[i-1]
			}
			w := 0.54 - 0.46*math.Cos(2*math.Pi*float64(i)/(frameLen-1))
			buf[i] = complex(pre*w, 0)
		}
		rms[f] = math.Sqrt(e / frameLen)
		fft(buf)
		for m := 0; m < nMel; m++ {
			var s float64
			for k, wt := range melBank[m] {
				if wt != 0 {
					p := buf[k]
					s += wt * (real(p)*real(p) + imag(p)*imag(p))
				}
			}
			logMel[f][m] = math.Log(s + 1e-9)
		}
	}
	return logMel, rms
}

// cepstra turns log mel frames into MFCCs (c1..c12), mean-normalised over the sequence
// when cmn is set.
func cepstra(logMel [][nMel]float64, cmn bool) [][nCep]float64 {
	out := make([][nCep]float64, len(logMel))
	for f, lm := range logMel {
		for c := 1; c <= nCep; c++ {
			var s float64
			for m, v := range lm {
				s += v * math.Cos(math.Pi*float64(c)*(float64(m)+0.5)/nMel)
			}
			out[f][c-1] = s
		}
	}
	if len(out) == 0 || !cmn {
		return out
	}
	var mean [nCep]float64
	for _, v := range out {
		for i := range v {
			mean[i] += v[i]
		}
	}
	for i := range mean {
		mean[i] /= float64(len(out))
	}
	for f := range out {
		for i := range out[f] {
			out[f][i] -= mean[i]
		}
	}
	return out
}

func dist(a, b *[nCep]float64) float64 {
	var s float64
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return math.Sqrt(s)
}

// dtw is the length-normalised dynamic time warping cost between two sequences.
func dtw(a, b [][nCep]float64) float64 {
	n, m := len(a), len(b)
	if n == 0 || m == 0 {
		return math.Inf(1)
	}
	prev := make([]float64, m+1)
	cur := make([]float64, m+1)
	for j := range prev {
		prev[j] = math.Inf(1)
	}
	prev[0] = 0
	for i := 1; i <= n; i++ {
		cur[0] = math.Inf(1)
		for j := 1; j <= m; j++ {
			cur[j] = dist(&a[i-1], &b[j-1]) + min(prev[j-1], prev[j], cur[j-1])
		}
		prev, cur = cur, prev
	}
	return prev[m] / float64(n+m)
}
