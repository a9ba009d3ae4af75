package visual

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func renderPNG(t testing.TB, code string, seed string, opt ImageOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, RenderPNG(&buf, code, []byte(seed), opt))
	return buf.Bytes()
}

func decodePNG(t testing.TB, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	require.NoError(t, err)
	return img
}

// diffFraction is the share of pixels whose colour differs noticeably.
func diffFraction(a, b image.Image) float64 {
	r := a.Bounds()
	var n int
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			d := absDiff(r1, r2) + absDiff(g1, g2) + absDiff(b1, b2)
			if d > 3*0x0800 {
				n++
			}
		}
	}
	return float64(n) / float64(r.Dx()*r.Dy())
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

func TestRenderPNGSize(t *testing.T) {
	for _, tc := range []struct {
		opt  ImageOptions
		w, h int
	}{
		{ImageOptions{}, DefaultWidth, DefaultHeight},
		{ImageOptions{Theme: ThemeDark}, DefaultWidth, DefaultHeight},
		{ImageOptions{Width: 360, Height: 120}, 360, 120},
		{ImageOptions{Width: MinWidth, Height: MinHeight}, MinWidth, MinHeight},
		{ImageOptions{Width: MaxWidth, Height: MaxHeight}, MaxWidth, MaxHeight},
	} {
		img := decodePNG(t, renderPNG(t, "HK3M9W", "seed", tc.opt))
		assert.Equal(t, image.Rect(0, 0, tc.w, tc.h), img.Bounds(), "%+v", tc.opt)
	}
}

func TestRenderPNGRejects(t *testing.T) {
	for _, code := range []string{"", "hk3m9", "HK0M9", "HK3M9\x00", "ÄHK3", "HK3M9WY47"} {
		err := RenderPNG(io.Discard, code, []byte("s"), ImageOptions{})
		assert.ErrorIs(t, err, ErrInvalidCode, "%q", code)
	}
	for _, opt := range []ImageOptions{
		{Width: MinWidth - 1}, {Height: MaxHeight + 1}, {Width: -5, Height: 80}, {Width: 1 << 20},
	} {
		assert.ErrorIs(t, RenderPNG(io.Discard, "HK3M9", nil, opt), ErrImageSize, "%+v", opt)
	}
	assert.Error(t, RenderPNG(io.Discard, "HK3M9", nil, ImageOptions{Theme: 7}))
}

func TestRenderPNGDeterministic(t *testing.T) {
	a := renderPNG(t, "HK3M9W", "seed-1", ImageOptions{})
	b := renderPNG(t, "HK3M9W", "seed-1", ImageOptions{})
	assert.Equal(t, a, b)

	// A Renderer reusing buffers across sizes and themes must not leak
	// pixels from one render into the next.
	var r Renderer
	for _, opt := range []ImageOptions{{Width: 300}, {Theme: ThemeDark}, {}} {
		require.NoError(t, r.RenderPNG(io.Discard, "7Y4R", []byte("other"), opt))
		var buf bytes.Buffer
		require.NoError(t, r.RenderPNG(&buf, "HK3M9W", []byte("seed-1"), ImageOptions{}))
		assert.Equal(t, a, buf.Bytes())
	}
}

func TestRenderPNGVaries(t *testing.T) {
	base := decodePNG(t, renderPNG(t, "HK3M9W", "seed-1", ImageOptions{}))
	otherSeed := decodePNG(t, renderPNG(t, "HK3M9W", "seed-2", ImageOptions{}))
	otherCode := decodePNG(t, renderPNG(t, "HK3M96", "seed-1", ImageOptions{}))
	// A new seed redraws everything; a new code with the same seed must
	// still change the picture, not only a few pixels.
	assert.Greater(t, diffFraction(base, otherSeed), 0.5)
	assert.Greater(t, diffFraction(base, otherCode), 0.02)
}

func TestRenderPNGNoMetadata(t *testing.T) {
	for i := 0; i < 8; i++ {
		code, err := NewCode(rand.NewChaCha8([32]byte{byte(i)}), 6)
		require.NoError(t, err)
		b := renderPNG(t, code, fmt.Sprint(i), ImageOptions{Theme: Theme(i % 2)})
		require.True(t, bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")))
		var types []string
		for p := 8; p < len(b); {
			require.LessOrEqual(t, p+12, len(b))
			n := int(binary.BigEndian.Uint32(b[p:]))
			typ := string(b[p+4 : p+8])
			types = append(types, typ)
			if typ != "IDAT" {
				assert.NotContains(t, string(b[p+8:p+8+n]), code)
			}
			p += 12 + n
		}
		for _, typ := range types {
			assert.Contains(t, []string{"IHDR", "IDAT", "IEND"}, typ, "unexpected chunk")
		}
		assert.NotContains(t, string(b), code)
	}
}

func TestPaletteContrast(t *testing.T) {
	var darkL, lightL float64
	for i := 0; i < 300; i++ {
		rng := rand.New(rand.NewChaCha8([32]byte{byte(i), byte(i >> 8)}))
		theme := Theme(i % 2)
		p := newPalette(rng, theme, 6)
		for _, c := range p.text {
			assert.GreaterOrEqual(t, contrast(c, p.bg0), minTextContrast)
			assert.GreaterOrEqual(t, contrast(c, p.bg1), minTextContrast)
		}
		if theme == ThemeDark {
			darkL += luminance(p.bg0)
			assert.Greater(t, luminance(p.text[0]), luminance(p.bg0))
		} else {
			lightL += luminance(p.bg0)
			assert.Less(t, luminance(p.text[0]), luminance(p.bg0))
		}
	}
	assert.Less(t, darkL, lightL)
}

func TestGlyphTable(t *testing.T) {
	set, err := glyphs()
	require.NoError(t, err)
	require.NotEmpty(t, set)
	for fi := range set {
		for ci, o := range set[fi] {
			assert.NotEmpty(t, o.segs, "font %d char %q", fi, Alphabet[ci])
			assert.Greater(t, o.h, float32(0.3), "font %d char %q", fi, Alphabet[ci])
			assert.Greater(t, o.w, float32(0.2), "font %d char %q", fi, Alphabet[ci])
		}
	}
}

func BenchmarkRenderPNG(b *testing.B) {
	var r Renderer
	seed := []byte("benchmark seed")
	b.ReportAllocs()
	cpu := startCPUTimer(b)
	for b.Loop() {
		seed[0]++
		require.NoError(b, r.RenderPNG(io.Discard, "HK3M9W", seed, ImageOptions{}))
	}
	cpu.report()
}

func BenchmarkRenderPNGPackage(b *testing.B) {
	seed := []byte("benchmark seed")
	b.ReportAllocs()
	for b.Loop() {
		seed[0]++
		require.NoError(b, RenderPNG(io.Discard, "HK3M9W", seed, ImageOptions{}))
	}
}

func TestRenderPNGConcurrent(t *testing.T) {
	want := make([][]byte, 4)
	for i := range want {
		want[i] = renderPNG(t, "HK3M9W", fmt.Sprint(i), ImageOptions{Theme: Theme(i % 2)})
	}
	var r Renderer
	errs := make(chan error, 4*len(want))
	for g := 0; g < 4; g++ {
		go func() {
			for i := range want {
				var buf bytes.Buffer
				err := r.RenderPNG(&buf, "HK3M9W", []byte(fmt.Sprint(i)), ImageOptions{Theme: Theme(i % 2)})
				if err == nil && !bytes.Equal(buf.Bytes(), want[i]) {
					err = fmt.Errorf("render %d differs under concurrency", i)
				}
				errs <- err
			}
		}()
	}
	for i := 0; i < 4*len(want); i++ {
		assert.NoError(t, <-errs)
	}
}

// The glyphs keep the size they had before the clutter was thickened (low-vision users),
// and overlap their neighbours (segmentation) without piling up. Boxes are those of the
// outline points, control points included, so they are a little generous.
func TestGlyphLayoutKeepsSizeAndBoundsOverlap(t *testing.T) {
	set, err := glyphs()
	require.NoError(t, err)
	var s imageScratch
	s.canvas = rgbaBuffer(nil, DefaultWidth, DefaultHeight)
	var heights, overlaps []float64
	minStem, maxStem := math.Inf(1), 0.0
	for i := 0; i < 300; i++ {
		src := rand.NewChaCha8([32]byte{'l', byte(i), byte(i >> 8)})
		code, err := NewCode(src, 6)
		require.NoError(t, err)
		stem := float64(s.layoutGlyphs(rand.New(src), set, code, DefaultWidth, DefaultHeight))
		minStem, maxStem = min(minStem, stem), max(maxStem, stem)
		var prev [4]float32
		for k, g := range s.placed {
			b := [4]float32{math.MaxFloat32, math.MaxFloat32, -math.MaxFloat32, -math.MaxFloat32}
			for _, p := range s.gpts[g.start:g.end] {
				b = [4]float32{min(b[0], p.x), min(b[1], p.y), max(b[2], p.x), max(b[3], p.y)}
			}
			heights = append(heights, float64(b[3]-b[1]))
			if k > 0 {
				overlaps = append(overlaps, float64(prev[2]-b[0])/float64(min(prev[2]-prev[0], b[2]-b[0])))
			}
			prev = b
		}
	}
	slices.Sort(heights)
	slices.Sort(overlaps)
	q := func(x []float64, f float64) float64 { return x[int(f*float64(len(x)-1))] }
	t.Logf("stem %.1f–%.1f px; glyph height 5th/50th percentile %.1f/%.1f px; neighbour overlap 50th/99th percentile %.0f/%.0f %%",
		minStem, maxStem, q(heights, 0.05), q(heights, 0.5), 100*q(overlaps, 0.5), 100*q(overlaps, 0.99))
	assert.GreaterOrEqual(t, minStem, 6.0, "stem width in pixels")
	assert.LessOrEqual(t, maxStem, 10.0, "stem width in pixels")
	assert.GreaterOrEqual(t, q(heights, 0.05), 0.4*DefaultHeight, "glyphs stay large")
	assert.GreaterOrEqual(t, q(heights, 0.5), 0.5*DefaultHeight, "glyphs stay large")
	assert.Greater(t, q(overlaps, 0.5), 0.0, "neighbours usually overlap")
	assert.Less(t, q(overlaps, 0.99), 0.4, "neighbours never pile up")
}
