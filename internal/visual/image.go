package visual

import (
	"crypto/sha256"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"io"
	"math"
	"math/rand/v2"
	"slices"
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
}

type imageScratch struct {
	canvas, warped *image.RGBA
	z              vector.Rasterizer
	pts            []vec
	offX, offY     []int32
	enc            pngEncoder
	gpts           []vec         // transformed outline points of all glyphs
	placed         []placement   // one per glyph, indexing gpts
	ink            image.Uniform // source for the rasteriser; C points at inkC
	inkC           color.RGBA    // set per fill without boxing a new interface value
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
	if err := s.enc.encode(w, img); err != nil {
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
	rng := newRNG("astracaph/visual/png/v2", seed)
	s.canvas = rgbaBuffer(s.canvas, w, h)
	s.warped = rgbaBuffer(s.warped, w, h)
	pal := newPalette(rng, theme, len(code))
	n := len(code)

	s.background(rng, pal)

	// Faint clutter below the text: broad low-contrast strokes.
	for i := 0; i < 3; i++ {
		s.curve(rng, w, h, pal.faint[i%len(pal.faint)], span(rng, 2, 5), 0.35)
	}

	stem := s.layoutGlyphs(rng, set, code, w, h)
	// A line beneath the glyphs in a text colour welds them together once
	// thresholded; the glyphs drawn over it keep their shape.
	s.slash(rng, w, h, pal.text[rng.IntN(n)], stem*span(rng, 0.5, 0.65), rng.IntN(2) == 0)
	for i := range s.placed {
		g := &s.placed[i]
		s.fillOutline(g.o, s.gpts[g.start:g.end], pal.text[i])
	}
	// Strings of beads about as wide as the letters' strokes (0.7–0.9 of a
	// stem), in text colours, run across the text over the glyphs: neither a
	// colour filter nor a morphological opening removes them without removing
	// the letters' strokes, yet people see a dotted line, not a letter.
	for i := 0; i < 2; i++ {
		s.beads(rng, w, h, pal.text[rng.IntN(n)], stem*span(rng, 0.7, 0.9))
	}

	// A few thin strokes in text and other colours add texture.
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

// placement is one laid-out glyph: its outline and its points in gpts.
type placement struct {
	o          *outline
	start, end int
}

// stemEm is the stem width of the bold faces in em (Go Bold's "H" stem is
// about 0.15 em wide); clutter strokes are drawn that thick.
const stemEm = 0.15

// layoutGlyphs jitters every glyph (face, size, rotation, shear, vertical
// offset) and then lays them out left to right from their actual extents,
// so neighbours overlap (which hampers segmentation) but never pile up into
// an unreadable blob. The result is in s.placed and s.gpts, bent by a wave
// that follows the absolute position. It returns the mean stem width in
// pixels.
func (s *imageScratch) layoutGlyphs(rng *rand.Rand, set glyphSet, code string, w, h int) float32 {
	fw, fh := float32(w), float32(h)
	warp := wave{
		ax: fh * span(rng, 0.02, 0.05), ay: fh * span(rng, 0.05, 0.09),
		kx: 2 * math.Pi / (fh * span(rng, 0.8, 1.4)), ky: 2 * math.Pi / (fw * span(rng, 0.35, 0.7)),
		px: span(rng, 0, 2*math.Pi), py: span(rng, 0, 2*math.Pi),
	}
	n := len(code)
	const border = 4
	avail := fw - 2*border
	slot := avail / float32(n)
	capH := fh * 0.5 // target glyph height before jitter
	s.gpts, s.placed = s.gpts[:0], s.placed[:0]
	var widths, gaps [MaxCodeLen]float32
	var total, stems float32
	for i := 0; i < n; i++ {
		face := rng.IntN(len(set))
		o := &set[face][alphabetIndex(code[i])]
		// Size glyphs by their own box so narrow and wide characters (and
		// the different faces) end up equally tall, unless too wide.
		size := min(capH/o.h, slot*0.9/o.w) * span(rng, 0.92, 1.08)
		angle := float64(span(rng, -0.25, 0.25))
		sin, cos := float32(math.Sin(angle)), float32(math.Cos(angle))
		shear := span(rng, -0.15, 0.15)
		if italicFace(face) {
			// Italics already lean right; stacking more slant and
			// rotation on them turns a 7 into a ">".
			shear -= 0.12
		}
		sx := size * span(rng, 0.85, 1.15) // independent x/y scale
		stems += sx * stemEm
		sy := size * span(rng, 0.9, 1.1)
		cy := fh/2 + fh*span(rng, -0.1, 0.1)
		start := len(s.gpts)
		minX, maxX := float32(math.Inf(1)), float32(math.Inf(-1))
		for _, sg := range o.segs {
			for j := 0; j < nArgs(sg.op); j++ {
				p := sg.p[j]
				x, y := (p.x+shear*p.y)*sx, p.y*sy
				q := vec{x*cos - y*sin, cy + x*sin + y*cos}
				minX, maxX = min(minX, q.x), max(maxX, q.x)
				s.gpts = append(s.gpts, q)
			}
		}
		// Start each glyph at x = 0 so the layout only adds offsets.
		for k := start; k < len(s.gpts); k++ {
			s.gpts[k].x -= minX
		}
		s.placed = append(s.placed, placement{o: o, start: start, end: len(s.gpts)})
		widths[i] = maxX - minX
		total += widths[i]
		if i < n-1 {
			// Negative gaps: neighbours overlap by up to an eighth of a slot.
			gaps[i] = slot * span(rng, -0.12, 0)
			total += gaps[i]
		}
	}
	// Too wide: narrow everything proportionally rather than stacking
	// glyphs onto each other.
	squeeze := min(1, avail/total)
	total *= squeeze
	x := (fw-total)/2 + (avail-total)*span(rng, -0.3, 0.3)
	for i, g := range s.placed {
		for k := g.start; k < g.end; k++ {
			s.gpts[k] = warp.apply(vec{s.gpts[k].x*squeeze + x, s.gpts[k].y})
		}
		x += (widths[i] + gaps[i]) * squeeze
	}
	return stems * squeeze / float32(n)
}

// fillOutline rasterises a transformed glyph into its bounding box only.
func (s *imageScratch) fillOutline(o *outline, pts []vec, c color.RGBA) {
	s.keepInside(pts)
	r, ox, oy, ok := s.rasterFor(pts)
	if !ok {
		return
	}
	z := &s.z
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
	s.setInk(c)
	z.Draw(s.canvas, r, &s.ink, image.Point{})
}

func (s *imageScratch) setInk(c color.RGBA) {
	s.inkC = c
	if s.ink.C == nil {
		s.ink.C = &s.inkC
	}
}

// keepInside shifts pts so their bounding box lies within the canvas (with
// a small border) wherever it fits: a clipped glyph is ambiguous.
func (s *imageScratch) keepInside(pts []vec) {
	const border = 2
	if len(pts) == 0 {
		return
	}
	minX, minY, maxX, maxY := pts[0].x, pts[0].y, pts[0].x, pts[0].y
	for _, p := range pts[1:] {
		minX, maxX = min(minX, p.x), max(maxX, p.x)
		minY, maxY = min(minY, p.y), max(maxY, p.y)
	}
	shift := func(lo, hi, limit float32) float32 {
		switch {
		case lo < border:
			return border - lo
		case hi > limit-border:
			return max(border-lo, limit-border-hi)
		}
		return 0
	}
	dx := shift(minX, maxX, float32(s.canvas.Rect.Dx()))
	dy := shift(minY, maxY, float32(s.canvas.Rect.Dy()))
	for i := range pts {
		pts[i].x += dx
		pts[i].y += dy
	}
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
func (s *imageScratch) curve(rng *rand.Rand, w, h int, c color.RGBA, width, alpha float32) {
	fw, fh := float32(w), float32(h)
	p0 := vec{-0.05 * fw, fh * span(rng, 0.1, 0.9)}
	p3 := vec{1.05 * fw, fh * span(rng, 0.1, 0.9)}
	p1 := vec{fw * span(rng, 0.15, 0.45), fh * span(rng, -0.3, 1.3)}
	p2 := vec{fw * span(rng, 0.55, 0.85), fh * span(rng, -0.3, 1.3)}
	if rng.IntN(2) == 0 { // sometimes run right to left
		p0, p3 = p3, p0
	}
	s.stroke(p0, p1, p2, p3, c, width, alpha)
}

// slash strokes a gently bent line that runs across the whole text band
// diagonally, falling (down) or rising: it crosses every glyph briefly
// instead of running along their horizontal bars, which is what lets people
// look through it.
func (s *imageScratch) slash(rng *rand.Rand, w, h int, c color.RGBA, width float32, down bool) {
	fw, fh := float32(w), float32(h)
	y0, y3 := fh*span(rng, 0.12, 0.32), fh*span(rng, 0.68, 0.88)
	if !down {
		y0, y3 = y3, y0
	}
	bendY := func(t float32) float32 { return y0 + (y3-y0)*t + fh*span(rng, -0.1, 0.1) }
	s.stroke(vec{-0.05 * fw, y0}, vec{fw / 3, bendY(1.0 / 3)}, vec{2 * fw / 3, bendY(2.0 / 3)}, vec{1.05 * fw, y3}, c, width, 1)
}

// beads places discs of diameter d along a random gentle curve across the
// text band, about one diameter apart.
func (s *imageScratch) beads(rng *rand.Rand, w, h int, c color.RGBA, d float32) {
	fw, fh := float32(w), float32(h)
	p := [4]vec{
		{-0.02 * fw, fh * span(rng, 0.2, 0.8)}, {fw * span(rng, 0.2, 0.45), fh * span(rng, 0.1, 0.9)},
		{fw * span(rng, 0.55, 0.8), fh * span(rng, 0.1, 0.9)}, {1.02 * fw, fh * span(rng, 0.2, 0.8)},
	}
	step := d * span(rng, 2, 2.5) // centre to centre
	const fine = 256
	prev := p[0]
	s.disc(prev, d/2, c)
	var run float32
	for i := 1; i <= fine; i++ {
		t := float32(i) / fine
		u := 1 - t
		q := vec{
			u*u*u*p[0].x + 3*u*u*t*p[1].x + 3*u*t*t*p[2].x + t*t*t*p[3].x,
			u*u*u*p[0].y + 3*u*u*t*p[1].y + 3*u*t*t*p[2].y + t*t*t*p[3].y,
		}
		run += float32(math.Hypot(float64(q.x-prev.x), float64(q.y-prev.y)))
		prev = q
		if run >= step {
			run = 0
			s.disc(q, d/2*span(rng, 0.9, 1.1), c)
		}
	}
}

// disc paints an antialiased disc.
func (s *imageScratch) disc(ctr vec, r float32, c color.RGBA) {
	img := s.canvas
	w, h := img.Rect.Dx(), img.Rect.Dy()
	x0, x1 := max(0, int(ctr.x-r-1)), min(w-1, int(ctr.x+r+1))
	y0, y1 := max(0, int(ctr.y-r-1)), min(h-1, int(ctr.y+r+1))
	for y := y0; y <= y1; y++ {
		for x := x0; x <= x1; x++ {
			dx, dy := float32(x)+0.5-ctr.x, float32(y)+0.5-ctr.y
			cov := r + 0.5 - float32(math.Sqrt(float64(dx*dx+dy*dy)))
			if cov <= 0 {
				continue
			}
			a := int(255 * min(1, cov))
			o := img.PixOffset(x, y)
			px := img.Pix[o : o+3 : o+3]
			px[0] = blend(px[0], c.R, a)
			px[1] = blend(px[1], c.G, a)
			px[2] = blend(px[2], c.B, a)
		}
	}
}

// stroke fills a tapered cubic Bézier stroke.
func (s *imageScratch) stroke(p0, p1, p2, p3 vec, c color.RGBA, width, alpha float32) {
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
	// The stroke is filled in pieces so each rasterises only its own
	// small bounding box instead of most of the canvas.
	const piece = 4
	pc := withAlpha(c, alpha)
	for a := 0; a < steps; a += piece {
		b := min(steps, a+piece)
		pts = pts[:0]
		for i := a; i <= b; i++ {
			n, hw := normal(i), half(i)
			pts = append(pts, vec{centre[i].x + n.x*hw, centre[i].y + n.y*hw})
		}
		for i := b; i >= a; i-- {
			n, hw := normal(i), half(i)
			pts = append(pts, vec{centre[i].x - n.x*hw, centre[i].y - n.y*hw})
		}
		s.fillPolygon(pts, pc)
	}
	s.pts = pts
}

func withAlpha(c color.RGBA, a float32) color.RGBA {
	// image.Uniform expects premultiplied colour.
	return color.RGBA{
		uint8(float32(c.R) * a), uint8(float32(c.G) * a), uint8(float32(c.B) * a), uint8(255 * a),
	}
}

// rasterFor readies the rasteriser for a shape with points pts: its bounding box r, whose
// corner (ox, oy) the points are drawn relative to; ok is false for an empty box.
func (s *imageScratch) rasterFor(pts []vec) (r image.Rectangle, ox, oy float32, ok bool) {
	if r, ok = s.bbox(pts); !ok {
		return r, 0, 0, false
	}
	s.z.Reset(r.Dx(), r.Dy())
	s.z.DrawOp = draw.Over
	return r, float32(r.Min.X), float32(r.Min.Y), true
}

func (s *imageScratch) fillPolygon(pts []vec, c color.RGBA) {
	r, ox, oy, ok := s.rasterFor(pts)
	if !ok {
		return
	}
	z := &s.z
	z.MoveTo(pts[0].x-ox, pts[0].y-oy)
	for _, p := range pts[1:] {
		z.LineTo(p.x-ox, p.y-oy)
	}
	z.ClosePath()
	s.setInk(c)
	z.Draw(s.canvas, r, &s.ink, image.Point{})
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
// Offsets are in 8.8 fixed point; the x offset depends on y only and vice
// versa, so both are tabulated once.
func (s *imageScratch) warpPixels(rng *rand.Rand) {
	src, dst := s.canvas, s.warped
	w, h := src.Rect.Dx(), src.Rect.Dy()
	ax := float64(h) * float64(span(rng, 0.015, 0.035))
	ay := float64(h) * float64(span(rng, 0.02, 0.04))
	kx := 2 * math.Pi / (float64(h) * float64(span(rng, 0.6, 1.2)))
	ky := 2 * math.Pi / (float64(w) * float64(span(rng, 0.2, 0.4)))
	px, py := float64(span(rng, 0, 2*math.Pi)), float64(span(rng, 0, 2*math.Pi))
	s.offX = slices.Grow(s.offX[:0], h)[:h]
	for y := range s.offX {
		s.offX[y] = int32(256 * (float64(y) + ax*math.Sin(kx*float64(y)+px)))
	}
	s.offY = slices.Grow(s.offY[:0], w)[:w]
	for x := range s.offY {
		s.offY[x] = int32(256 * ay * math.Sin(ky*float64(x)+py))
	}
	maxX, maxY := int32(w-1)<<8, int32(h-1)<<8
	stride := src.Stride
	sp := src.Pix
	for y := 0; y < h; y++ {
		drow := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
		rowX := s.offX[y] - int32(y)<<8 // x shift for this row
		for x := 0; x < w; x++ {
			fx := min(maxX, max(0, int32(x)<<8+rowX))
			fy := min(maxY, max(0, int32(y)<<8+s.offY[x]))
			x0, y0 := int(fx>>8), int(fy>>8)
			tx, ty := fx&0xff, fy&0xff
			dx, dy := 4, stride
			if x0 == w-1 {
				dx = 0
			}
			if y0 == h-1 {
				dy = 0
			}
			o := y0*stride + 4*x0
			w11 := tx * ty
			w10 := tx<<8 - w11
			w01 := ty<<8 - w11
			w00 := 1<<16 - w10 - w01 - w11
			d := drow[4*x : 4*x+4 : 4*x+4]
			for c := 0; c < 3; c++ {
				v := int32(sp[o+c])*w00 + int32(sp[o+dx+c])*w10 +
					int32(sp[o+dy+c])*w01 + int32(sp[o+dy+dx+c])*w11
				d[c] = uint8(v >> 16)
			}
			d[3] = 0xff
		}
	}
}
