package visual

import (
	"image/color"
	"math"
	"math/rand/v2"
)

// Theme selects the colour scheme of the image.
type Theme uint8

const (
	// ThemeLight draws dark text on a light background.
	ThemeLight Theme = iota
	// ThemeDark draws light text on a dark background.
	ThemeDark
)

// minTextContrast is the WCAG contrast ratio glyphs keep against every
// background colour (4.5:1 is the AA level for normal text).
const minTextContrast = 4.5

// hsl converts hue (turns), saturation and lightness in [0, 1] to opaque RGBA.
func hsl(h, s, l float64) color.RGBA {
	h -= math.Floor(h)
	c := (1 - math.Abs(2*l-1)) * s
	hp := h * 6
	x := c * (1 - math.Abs(math.Mod(hp, 2)-1))
	var r, g, b float64
	switch int(hp) {
	case 0:
		r, g = c, x
	case 1:
		r, g = x, c
	case 2:
		g, b = c, x
	case 3:
		g, b = x, c
	case 4:
		r, b = x, c
	default:
		r, b = c, x
	}
	m := l - c/2
	to8 := func(v float64) uint8 { return uint8(math.Round(255 * math.Min(1, math.Max(0, v+m)))) }
	return color.RGBA{to8(r), to8(g), to8(b), 0xff}
}

// luminance is the WCAG relative luminance of an opaque colour.
func luminance(c color.RGBA) float64 {
	lin := func(v uint8) float64 {
		f := float64(v) / 255
		if f <= 0.04045 {
			return f / 12.92
		}
		return math.Pow((f+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.R) + 0.7152*lin(c.G) + 0.0722*lin(c.B)
}

// contrast is the WCAG contrast ratio between two opaque colours.
func contrast(a, b color.RGBA) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// palette holds the colours of one image.
type palette struct {
	bg0, bg1 color.RGBA   // background gradient ends
	text     []color.RGBA // one per glyph
	faint    []color.RGBA // low-contrast clutter
}

// newPalette picks colours around a random hue. Text lightness is pushed
// away from the background until every glyph colour meets minTextContrast.
func newPalette(rng *rand.Rand, theme Theme, n int) palette {
	hue := rng.Float64()
	var p palette
	dark := theme == ThemeDark
	bgL := func() float64 {
		if dark {
			return 0.08 + 0.1*rng.Float64()
		}
		return 0.86 + 0.1*rng.Float64()
	}
	p.bg0 = hsl(hue+0.15*rng.Float64(), 0.2+0.4*rng.Float64(), bgL())
	p.bg1 = hsl(hue+0.5+0.15*rng.Float64(), 0.2+0.4*rng.Float64(), bgL())
	p.text = make([]color.RGBA, n)
	for i := range p.text {
		h := hue + 0.35*(rng.Float64()-0.5)
		s := 0.45 + 0.45*rng.Float64()
		var l float64
		if dark {
			l = 0.68 + 0.2*rng.Float64()
		} else {
			l = 0.14 + 0.2*rng.Float64()
		}
		c := hsl(h, s, l)
		for contrast(c, p.bg0) < minTextContrast || contrast(c, p.bg1) < minTextContrast {
			if dark {
				l = math.Min(1, l+0.03)
			} else {
				l = math.Max(0, l-0.03)
			}
			c = hsl(h, s, l)
		}
		p.text[i] = c
	}
	p.faint = make([]color.RGBA, 4)
	for i := range p.faint {
		var l float64
		if dark {
			l = 0.25 + 0.15*rng.Float64()
		} else {
			l = 0.6 + 0.15*rng.Float64()
		}
		p.faint[i] = hsl(rng.Float64(), 0.3+0.5*rng.Float64(), l)
	}
	return p
}
