package visual

import (
	"crypto/sha256"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"sync"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/vector"
)

// Image size limits; the zero ImageOptions renders DefaultWidth×DefaultHeight.
const (
	DefaultWidth  = 240
	DefaultHeight = 80
	MinWidth      = 120
	MinHeight     = 40
	MaxWidth      = 960
	MaxHeight     = 320
)

// ImageOptions configures RenderPNG. Zero fields take the defaults.
type ImageOptions struct {
	Width, Height int
	Theme         Theme
}

func (o ImageOptions) size() (int, int, error) {
	w, h := o.Width, o.Height
	if w == 0 {
		w = DefaultWidth
	}
	if h == 0 {
		h = DefaultHeight
	}
	if w < MinWidth || w > MaxWidth || h < MinHeight || h > MaxHeight {
		return 0, 0, fmt.Errorf("%w: %dx%d", ErrImageSize, w, h)
	}
	if o.Theme > ThemeDark {
		return 0, 0, fmt.Errorf("astracaph: visual: unknown theme %d", o.Theme)
	}
	return w, h, nil
}

// Renderer renders challenge images, reusing pixel and compression buffers
// between calls. It is safe for concurrent use; the zero value is ready.
type Renderer struct {
	scratch sync.Pool // *imageScratch
	png     sync.Pool // *png.EncoderBuffer
}

// Get and Put implement png.EncoderBufferPool.
func (r *Renderer) Get() *png.EncoderBuffer {
	b, _ := r.png.Get().(*png.EncoderBuffer)
	return b
}

// Put implements png.EncoderBufferPool.
func (r *Renderer) Put(b *png.EncoderBuffer) { r.png.Put(b) }

type imageScratch struct {
	canvas, warped *image.RGBA
	z              vector.Rasterizer
	pts            []vec
}

// defaultRenderer backs the package-level RenderPNG; it only caches buffers.
var defaultRenderer = sync.OnceValue(func() *Renderer { return new(Renderer) })

// RenderPNG writes code as a distorted-text PNG. seed is secret server-side
// material: every random choice derives from it, so the output is
// deterministic for a (code, seed, opt) triple and differs between seeds.
func RenderPNG(w io.Writer, code string, seed []byte, opt ImageOptions) error {
	return defaultRenderer().RenderPNG(w, code, seed, opt)
}

// RenderPNG is the buffer-reusing form of the package-level RenderPNG.
func (r *Renderer) RenderPNG(w io.Writer, code string, seed []byte, opt ImageOptions) error {
	if err := validateCode(code); err != nil {
		return err
	}
	width, height, err := opt.size()
	if err != nil {
		return err
	}
	set, err := glyphs()
	if err != nil {
		return err
	}
	s, _ := r.scratch.Get().(*imageScratch)
	if s == nil {
		s = new(imageScratch)
	}
	defer r.scratch.Put(s)
	img := s.draw(set, code, seed, width, height, opt.Theme)
	enc := png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: r}
	if err := enc.Encode(w, img); err != nil {
		return fmt.Errorf("astracaph: visual: encoding png: %w", err)
	}
	return nil
}

// newRNG derives a deterministic generator from the secret seed, separated
// per use by a label so the image and audio draws are unrelated.
func newRNG(label string, seed []byte) *rand.Rand {
	h := sha256.New()
	h.Write([]byte(label))
	h.Write([]byte{0})
	h.Write(seed)
	var key [32]byte
	h.Sum(key[:0])
	return rand.New(rand.NewChaCha8(key))
}

// span returns a uniform float32 in [lo, hi).
func span(rng *rand.Rand, lo, hi float64) float32 {
	return float32(lo + (hi-lo)*rng.Float64())
}

func rgbaBuffer(img *image.RGBA, w, h int) *image.RGBA {
	if img != nil && img.Rect.Dx() == w && img.Rect.Dy() == h {
		return img
	}
	return image.NewRGBA(image.Rect(0, 0, w, h))
}

// wave is a sinusoidal displacement used to bend glyph outlines.
type wave struct{ ax, ay, kx, ky, px, py float32 }

func (v wave) apply(p vec) vec {
	return vec{
		p.x + v.ax*float32(math.Sin(float64(v.kx*p.y+v.px))),
		p.y + v.ay*float32(math.Sin(float64(v.ky*p.x+v.py))),
	}
}

func (s *imageScratch) draw(set glyphSet, code string, seed []byte, w, h int, theme Theme) *image.RGBA {
	rng := newRNG("astracaph/visual/png/v1", seed)
	s.canvas = rgbaBuffer(s.canvas, w, h)
	s.warped = rgbaBuffer(s.warped, w, h)
	pal := newPalette(rng, theme, len(code))
	fw, fh := float32(w), float32(h)

	s.background(rng, pal)

	// Faint clutter below the text: broad low-contrast strokes.
	for i := 0; i < 3; i++ {
		s.curve(rng, w, h, pal.faint[i%len(pal.faint)], span(rng, 2, 5), 0.35)
	}

	// Glyphs. Slots are a little narrower than the glyphs so neighbours
	// touch, which makes segmentation harder.
	warp := wave{
		ax: fh * span(rng, 0.02, 0.05), ay: fh * span(rng, 0.05, 0.09),
		kx: 2 * math.Pi / (fh * span(rng, 0.8, 1.4)), ky: 2 * math.Pi / (fw * span(rng, 0.35, 0.7)),
		px: span(rng, 0, 2*math.Pi), py: span(rng, 0, 2*math.Pi),
	}
	n := len(code)
	margin := fw * 0.06
	slot := (fw - 2*margin) / float32(n)
	capH := fh * 0.52 // target glyph height before jitter
	for i := 0; i < n; i++ {
		o := &set[rng.IntN(len(set))][alphabetIndex(code[i])]
		// Size glyphs by their own box so narrow and wide characters (and
		// the different faces) end up equally tall, unless too wide.
		size := min(capH/o.h, slot*1.25/o.w) * span(rng, 0.88, 1.1)
		angle := float64(span(rng, -0.38, 0.38))
		sin, cos := float32(math.Sin(angle)), float32(math.Cos(angle))
		shear := span(rng, -0.25, 0.25)
		sx := size * span(rng, 0.85, 1.15) // independent x/y scale
		sy := size * span(rng, 0.9, 1.1)
		cx := margin + slot*(float32(i)+0.5) + slot*span(rng, -0.12, 0.12)
		cy := fh/2 + fh*span(rng, -0.1, 0.1)
		tf := func(p vec) vec {
			x, y := (p.x+shear*p.y)*sx, p.y*sy
			return warp.apply(vec{cx + x*cos - y*sin, cy + x*sin + y*cos})
		}
		s.fillOutline(o, tf, pal.text[i])
	}

	// Strokes crossing the glyphs: one or two in text colours (they must not
	// be filterable by colour), a few thin ones in other colours.
	for i, k := 0, 1+rng.IntN(2); i < k; i++ {
		s.curve(rng, w, h, pal.text[rng.IntN(n)], span(rng, 1.6, 2.6), 1)
	}
	for i, k := 0, 2+rng.IntN(3); i < k; i++ {
		c := pal.faint[rng.IntN(len(pal.faint))]
		if rng.IntN(2) == 0 {
			c = pal.text[rng.IntN(n)]
		}
		s.curve(rng, w, h, c, span(rng, 0.8, 1.4), 0.85)
	}

	s.dots(rng, pal)
	s.warpPixels(rng)
	return s.warped
}

// background fills a diagonal gradient with fine speckle.
func (s *imageScratch) background(rng *rand.Rand, pal palette) {
	img := s.canvas
	w, h := img.Rect.Dx(), img.Rect.Dy()
	dx, dy := float64(span(rng, -1, 1)), float64(span(rng, -1, 1))
	norm := math.Abs(dx)*float64(w) + math.Abs(dy)*float64(h) + 1
	var bits uint64
	for y := 0; y < h; y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+4*w]
		for x := 0; x < w; x++ {
			t := (float64(x)*dx + float64(y)*dy) / norm
			t = t + 0.5
			if x&7 == 0 {
				bits = rng.Uint64()
			}
			j := int(bits>>(8*(x&7))&0xff)%13 - 6 // speckle in [-6, 6]
			px := row[4*x : 4*x+4 : 4*x+4]
			px[0] = clamp8(lerp(pal.bg0.R, pal.bg1.R, t) + j)
			px[1] = clamp8(lerp(pal.bg0.G, pal.bg1.G, t) + j)
			px[2] = clamp8(lerp(pal.bg0.B, pal.bg1.B, t) + j)
			px[3] = 0xff
		}
	}
}

func lerp(a, b uint8, t float64) int { return int(float64(a) + (float64(b)-float64(a))*t) }

func clamp8(v int) uint8 { return uint8(min(255, max(0, v))) }

// fillOutline rasterises a transformed glyph into its bounding box only.
func (s *imageScratch) fillOutline(o *outline, tf func(vec) vec, c color.RGBA) {
	pts := s.pts[:0]
	for _, sg := range o.segs {
		for j := 0; j < nArgs(sg.op); j++ {
			pts = append(pts, tf(sg.p[j]))
		}
	}
	s.pts = pts
	r, ok := s.bbox(pts)
	if !ok {
		return
	}
	z := &s.z
	z.Reset(r.Dx(), r.Dy())
	z.DrawOp = draw.Over
	ox, oy := float32(r.Min.X), float32(r.Min.Y)
	k := 0
	next := func() (float32, float32) { p := pts[k]; k++; return p.x - ox, p.y - oy }
	for _, sg := range o.segs {
		switch sg.op {
		case sfnt.SegmentOpMoveTo:
			z.ClosePath()
			z.MoveTo(next())
		case sfnt.SegmentOpLineTo:
			z.LineTo(next())
		case sfnt.SegmentOpQuadTo:
			bx, by := next()
			cx, cy := next()
			z.QuadTo(bx, by, cx, cy)
		case sfnt.SegmentOpCubeTo:
			bx, by := next()
			cx, cy := next()
			dx, dy := next()
			z.CubeTo(bx, by, cx, cy, dx, dy)
		}
	}
	z.ClosePath()
	z.Draw(s.canvas, r, image.NewUniform(c), image.Point{})
}

// bbox returns the integer bounding box of pts clipped to the canvas.
func (s *imageScratch) bbox(pts []vec) (image.Rectangle, bool) {
	if len(pts) == 0 {
		return image.Rectangle{}, false
	}
	minX, minY, maxX, maxY := pts[0].x, pts[0].y, pts[0].x, pts[0].y
	for _, p := range pts[1:] {
		minX, maxX = min(minX, p.x), max(maxX, p.x)
		minY, maxY = min(minY, p.y), max(maxY, p.y)
	}
	r := image.Rect(int(math.Floor(float64(minX))), int(math.Floor(float64(minY))),
		int(math.Ceil(float64(maxX)))+1, int(math.Ceil(float64(maxY)))+1)
	r = r.Intersect(s.canvas.Rect)
	return r, !r.Empty()
}

// curve strokes a random cubic Bézier running across the image, tapered at
// the ends, with the given colour, width and opacity.
func (s *imageScratch) curve(rng *rand.Rand, w, h int, c color.RGBA, width float32, alpha float32) {
	fw, fh := float32(w), float32(h)
	p0 := vec{-0.05 * fw, fh * span(rng, 0.1, 0.9)}
	p3 := vec{1.05 * fw, fh * span(rng, 0.1, 0.9)}
	p1 := vec{fw * span(rng, 0.15, 0.45), fh * span(rng, -0.3, 1.3)}
	p2 := vec{fw * span(rng, 0.55, 0.85), fh * span(rng, -0.3, 1.3)}
	if rng.IntN(2) == 0 { // sometimes run right to left
		p0, p3 = p3, p0
	}
	const steps = 32
	pts := s.pts[:0]
	var centre [steps + 1]vec
	for i := 0; i <= steps; i++ {
		t := float32(i) / steps
		u := 1 - t
		a, b, cc, d := u*u*u, 3*u*u*t, 3*u*t*t, t*t*t
		centre[i] = vec{a*p0.x + b*p1.x + cc*p2.x + d*p3.x, a*p0.y + b*p1.y + cc*p2.y + d*p3.y}
	}
	// Offset polygon: left side forwards, right side backwards.
	half := func(i int) float32 {
		t := float64(i) / steps
		return width / 2 * float32(0.55+0.45*math.Sin(math.Pi*t))
	}
	normal := func(i int) vec {
		a, b := centre[max(0, i-1)], centre[min(steps, i+1)]
		dx, dy := b.x-a.x, b.y-a.y
		l := float32(math.Hypot(float64(dx), float64(dy)))
		if l == 0 {
			return vec{0, 1}
		}
		return vec{-dy / l, dx / l}
	}
	for i := 0; i <= steps; i++ {
		n, hw := normal(i), half(i)
		pts = append(pts, vec{centre[i].x + n.x*hw, centre[i].y + n.y*hw})
	}
	for i := steps; i >= 0; i-- {
		n, hw := normal(i), half(i)
		pts = append(pts, vec{centre[i].x - n.x*hw, centre[i].y - n.y*hw})
	}
	s.pts = pts
	s.fillPolygon(pts, withAlpha(c, alpha))
}

func withAlpha(c color.RGBA, a float32) color.RGBA {
	// image.Uniform expects premultiplied colour.
	return color.RGBA{
		uint8(float32(c.R) * a), uint8(float32(c.G) * a), uint8(float32(c.B) * a), uint8(255 * a),
	}
}

func (s *imageScratch) fillPolygon(pts []vec, c color.RGBA) {
	r, ok := s.bbox(pts)
	if !ok {
		return
	}
	z := &s.z
	z.Reset(r.Dx(), r.Dy())
	z.DrawOp = draw.Over
	ox, oy := float32(r.Min.X), float32(r.Min.Y)
	z.MoveTo(pts[0].x-ox, pts[0].y-oy)
	for _, p := range pts[1:] {
		z.LineTo(p.x-ox, p.y-oy)
	}
	z.ClosePath()
	z.Draw(s.canvas, r, image.NewUniform(c), image.Point{})
}

// dots sprinkles small discs in text and clutter colours.
func (s *imageScratch) dots(rng *rand.Rand, pal palette) {
	img := s.canvas
	w, h := img.Rect.Dx(), img.Rect.Dy()
	n := w * h / 110
	for i := 0; i < n; i++ {
		c := pal.faint[rng.IntN(len(pal.faint))]
		if rng.IntN(3) == 0 {
			c = pal.text[rng.IntN(len(pal.text))]
		}
		cx, cy := rng.IntN(w), rng.IntN(h)
		r := 1
		if rng.IntN(4) == 0 {
			r = 2
		}
		for y := max(0, cy-r); y <= min(h-1, cy+r); y++ {
			for x := max(0, cx-r); x <= min(w-1, cx+r); x++ {
				d2 := (x-cx)*(x-cx) + (y-cy)*(y-cy)
				if d2 > r*r {
					continue
				}
				a := 255
				if d2 > 0 {
					a = 150 // soften the rim
				}
				o := img.PixOffset(x, y)
				px := img.Pix[o : o+3 : o+3]
				px[0] = blend(px[0], c.R, a)
				px[1] = blend(px[1], c.G, a)
				px[2] = blend(px[2], c.B, a)
			}
		}
	}
}

func blend(dst, src uint8, a int) uint8 {
	return uint8((int(dst)*(255-a) + int(src)*a + 127) / 255)
}

// warpPixels bends the whole picture (text, strokes and dots alike) with a
// second, pixel-level wave, sampling bilinearly from canvas into warped.
func (s *imageScratch) warpPixels(rng *rand.Rand) {
	src, dst := s.canvas, s.warped
	w, h := src.Rect.Dx(), src.Rect.Dy()
	ax := float64(h) * float64(span(rng, 0.015, 0.035))
	ay := float64(h) * float64(span(rng, 0.02, 0.04))
	kx := 2 * math.Pi / (float64(h) * float64(span(rng, 0.6, 1.2)))
	ky := 2 * math.Pi / (float64(w) * float64(span(rng, 0.2, 0.4)))
	px, py := float64(span(rng, 0, 2*math.Pi)), float64(span(rng, 0, 2*math.Pi))
	// The displacement along x depends on y only and vice versa, so both
	// tables are computed once per row/column.
	offX := make([]float64, h)
	for y := range offX {
		offX[y] = ax * math.Sin(kx*float64(y)+px)
	}
	offY := make([]float64, w)
	for x := range offY {
		offY[x] = ay * math.Sin(ky*float64(x)+py)
	}
	maxX, maxY := float64(w-1), float64(h-1)
	for y := 0; y < h; y++ {
		drow := dst.Pix[y*dst.Stride:]
		for x := 0; x < w; x++ {
			fx := math.Min(maxX, math.Max(0, float64(x)+offX[y]))
			fy := math.Min(maxY, math.Max(0, float64(y)+offY[x]))
			x0, y0 := int(fx), int(fy)
			x1, y1 := min(x0+1, w-1), min(y0+1, h-1)
			tx, ty := fx-float64(x0), fy-float64(y0)
			w00 := int((1 - tx) * (1 - ty) * 256)
			w10 := int(tx * (1 - ty) * 256)
			w01 := int((1 - tx) * ty * 256)
			w11 := 256 - w00 - w10 - w01
			o00, o10 := src.PixOffset(x0, y0), src.PixOffset(x1, y0)
			o01, o11 := src.PixOffset(x0, y1), src.PixOffset(x1, y1)
			d := drow[4*x : 4*x+4 : 4*x+4]
			for c := 0; c < 3; c++ {
				v := int(src.Pix[o00+c])*w00 + int(src.Pix[o10+c])*w10 +
					int(src.Pix[o01+c])*w01 + int(src.Pix[o11+c])*w11
				d[c] = uint8(v >> 8)
			}
			d[3] = 0xff
		}
	}
}
