package visual

import (
	"bytes"
	"image"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// docSamples are the codes and seeds of the pictures and the clip in docs/visual.md.
var docSamples = []struct{ code, seed string }{
	{"HK3M9W", "docs-1"}, {"47RY6W", "docs-2"}, {"M3Y9KH", "docs-3"},
}

// TestWriteDocSamples writes docs/visual-light.png, docs/visual-dark.png (the sample
// codes at their served size, stacked) and docs/visual-sample.wav (the first code) when
// ASTRACAPH_VISUAL_SAMPLES names the output directory:
//
//	ASTRACAPH_VISUAL_SAMPLES=$PWD/docs go test ./internal/visual -run TestWriteDocSamples
func TestWriteDocSamples(t *testing.T) {
	dir := os.Getenv("ASTRACAPH_VISUAL_SAMPLES")
	if dir == "" {
		t.Skip("set ASTRACAPH_VISUAL_SAMPLES=<dir> to write the documentation samples")
	}
	const pad = 8
	for _, th := range []struct {
		name  string
		theme Theme
	}{{"light", ThemeLight}, {"dark", ThemeDark}} {
		sheet := image.NewRGBA(image.Rect(0, 0, DefaultWidth+2*pad, len(docSamples)*(DefaultHeight+pad)+pad))
		draw.Draw(sheet, sheet.Bounds(), image.White, image.Point{}, draw.Src)
		if th.theme == ThemeDark {
			draw.Draw(sheet, sheet.Bounds(), image.Black, image.Point{}, draw.Src)
		}
		for i, s := range docSamples {
			img := decodePNG(t, renderPNG(t, s.code, s.seed, ImageOptions{Theme: th.theme}))
			at := image.Pt(pad, pad+i*(DefaultHeight+pad))
			draw.Draw(sheet, img.Bounds().Add(at), img, image.Point{}, draw.Src)
		}
		var buf bytes.Buffer
		require.NoError(t, png.Encode(&buf, sheet))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "visual-"+th.name+".png"), buf.Bytes(), 0o644))
	}
	wav := renderWAV(t, docSamples[0].code, "audio"+docSamples[0].seed)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "visual-sample.wav"), wav, 0o644))
}
