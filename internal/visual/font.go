package visual

import (
	"fmt"
	"sync"

	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gobolditalic"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/image/font/gofont/gomonobolditalic"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// vec is a point in image space (y down).
type vec struct{ x, y float32 }

// segment is one outline segment; only the first 1, 2 or 3 points are used
// for move/line, quadratic and cubic segments.
type segment struct {
	op sfnt.SegmentOp
	p  [3]vec
}

// outline is a glyph in em units (1 = font size), centred on its bounding
// box so rotation and scaling happen around the glyph's middle.
type outline struct {
	segs []segment
	w, h float32 // bounding box size in em
}

// glyphSet holds an outline for every Alphabet character, one row per font.
type glyphSet [][len(Alphabet)]outline

// fontTTFs are the faces glyphs are drawn from: bold weights stay legible
// under noise lines, and mixing faces per glyph hampers template matching.
var fontTTFs = [][]byte{gobold.TTF, gobolditalic.TTF, gomonobold.TTF, gomonobolditalic.TTF}

// italicFace reports whether fontTTFs[i] is an italic face.
func italicFace(i int) bool { return i%2 == 1 }

// glyphs parses the fonts once; the result is read-only afterwards.
var glyphs = sync.OnceValues(loadGlyphs)

func loadGlyphs() (glyphSet, error) {
	const ppem = 1024
	set := make(glyphSet, len(fontTTFs))
	var buf sfnt.Buffer
	for fi, ttf := range fontTTFs {
		f, err := opentype.Parse(ttf)
		if err != nil {
			return nil, fmt.Errorf("astracaph: visual: parsing font: %w", err)
		}
		for ci := 0; ci < len(Alphabet); ci++ {
			idx, err := f.GlyphIndex(&buf, rune(Alphabet[ci]))
			if err != nil || idx == 0 {
				return nil, fmt.Errorf("astracaph: visual: font lacks %q: %v", Alphabet[ci], err)
			}
			segs, err := f.LoadGlyph(&buf, idx, fixed.I(ppem), nil)
			if err != nil {
				return nil, fmt.Errorf("astracaph: visual: loading glyph %q: %w", Alphabet[ci], err)
			}
			set[fi][ci] = toOutline(segs, ppem)
		}
	}
	return set, nil
}

func toOutline(segs sfnt.Segments, ppem float32) outline {
	o := outline{segs: make([]segment, len(segs))}
	minX, minY := float32(1e9), float32(1e9)
	maxX, maxY := float32(-1e9), float32(-1e9)
	for i, s := range segs {
		o.segs[i].op = s.Op
		for j := range s.Args {
			p := vec{float32(s.Args[j].X) / 64 / ppem, float32(s.Args[j].Y) / 64 / ppem}
			o.segs[i].p[j] = p
			if j < nArgs(s.Op) {
				minX, maxX = min(minX, p.x), max(maxX, p.x)
				minY, maxY = min(minY, p.y), max(maxY, p.y)
			}
		}
	}
	cx, cy := (minX+maxX)/2, (minY+maxY)/2
	for i := range o.segs {
		for j := range o.segs[i].p {
			o.segs[i].p[j].x -= cx
			o.segs[i].p[j].y -= cy
		}
	}
	o.w, o.h = maxX-minX, maxY-minY
	return o
}

func nArgs(op sfnt.SegmentOp) int {
	switch op {
	case sfnt.SegmentOpQuadTo:
		return 2
	case sfnt.SegmentOpCubeTo:
		return 3
	}
	return 1
}
