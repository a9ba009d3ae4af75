package attack

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// plainClip concatenates the public samples of code at the given speed with silences:
// the easy case every template mode must read, which shows the attack itself works.
func plainClip(t *testing.T, code string, speed float64) []byte {
	t.Helper()
	gap := make([]float64, rate*3/10)
	x := append([]float64(nil), gap...)
	for i := 0; i < len(code); i++ {
		b, err := os.ReadFile(filepath.Join(voiceDir, code[i:i+1]+"_m1.wav"))
		require.NoError(t, err)
		s, _, err := decodeWAV(b)
		require.NoError(t, err)
		x = append(append(x, resample(s, speed)...), gap...)
	}
	return encodeWAV(x)
}

func encodeWAV(x []float64) []byte {
	var b bytes.Buffer
	b.WriteString("RIFF")
	_ = binary.Write(&b, binary.LittleEndian, uint32(36+2*len(x)))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(rate), uint32(2 * rate), uint16(2), uint16(16)} {
		_ = binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	_ = binary.Write(&b, binary.LittleEndian, uint32(2*len(x)))
	for _, v := range x {
		_ = binary.Write(&b, binary.LittleEndian, int16(math.Max(-1, math.Min(1, v))*32767))
	}
	return b.Bytes()
}

func TestTemplateAttackReadsPlainSamples(t *testing.T) {
	// One voice's samples keep the test quick; the suite uses all of them.
	dir := t.TempDir()
	m1, err := filepath.Glob(filepath.Join(voiceDir, "*_m1.wav"))
	require.NoError(t, err)
	for _, f := range m1 {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o600))
	}
	tpl, err := LoadTemplates(dir)
	require.NoError(t, err)
	for _, mode := range []TemplateMode{Segment, Wave, Spot} {
		s := Template{Length: codeLen, Templates: tpl, Mode: mode}
		for _, tc := range []struct {
			code  string
			speed float64
		}{{"HK3M9W", 1}, {"47RY6W", 0.9}, {"M3Y9KH", 1.1}} {
			g, err := s.Solve(context.Background(), plainClip(t, tc.code, tc.speed))
			require.NoError(t, err)
			if assert.NotEmpty(t, g, "%s %s", s.Name(), tc.code) {
				assert.Equal(t, tc.code, g[0], "%s at speed %.2f: %v", s.Name(), tc.speed, g)
			}
		}
	}
}

func FuzzDecodeWAV(f *testing.F) {
	f.Add(encodeWAV([]float64{0, 0.5, -0.5}))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEdata\x04\x00\x00\x00\x00\x00"))
	f.Add([]byte("RIFF"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if x, sr, err := decodeWAV(b); err == nil && len(x) > 0 {
			require.Positive(t, sr, "samples without a rate")
		}
	})
}
