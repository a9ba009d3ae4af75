package visual

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPNGEncoderRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var e pngEncoder // reused across sizes on purpose
	for _, size := range []image.Point{{1, 1}, {3, 2}, {17, 5}, {240, 80}, {5, 40}} {
		img := image.NewRGBA(image.Rectangle{Max: size})
		for i := range img.Pix {
			img.Pix[i] = uint8(rng.Uint32())
			if i%4 == 3 {
				img.Pix[i] = 0xff
			}
		}
		var buf bytes.Buffer
		require.NoError(t, e.encode(&buf, img))
		got, err := png.Decode(&buf)
		require.NoError(t, err)
		require.Equal(t, img.Bounds(), got.Bounds())
		for y := 0; y < size.Y; y++ {
			for x := 0; x < size.X; x++ {
				r1, g1, b1, _ := img.At(x, y).RGBA()
				r2, g2, b2, a2 := got.At(x, y).RGBA()
				require.Equal(t, [4]uint32{r1, g1, b1, 0xffff}, [4]uint32{r2, g2, b2, a2}, "pixel %d,%d", x, y)
			}
		}
	}
}

type failWriter struct{ n int }

var errWrite = errors.New("write failed")

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errWrite
	}
	f.n--
	return len(p), nil
}

func TestRenderPNGWriteError(t *testing.T) {
	for n := 0; n < 6; n++ {
		err := RenderPNG(&failWriter{n: n}, "HK3M9", []byte("s"), ImageOptions{})
		assert.ErrorIs(t, err, errWrite, "after %d writes", n)
	}
}
