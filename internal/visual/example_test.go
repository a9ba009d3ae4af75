package visual_test

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"image/png"
	"strings"

	"github.com/astracat/astracaph/internal/visual"
)

func Example() {
	code, err := visual.NewCode(nil, 6) // keep server-side
	if err != nil {
		panic(err)
	}
	seed := make([]byte, 32) // secret, stored next to the code
	rand.Read(seed)

	var img bytes.Buffer
	if err := visual.RenderPNG(&img, code, seed, visual.ImageOptions{Theme: visual.ThemeDark}); err != nil {
		panic(err)
	}
	cfg, err := png.DecodeConfig(&img)
	if err != nil {
		panic(err)
	}
	fmt.Println(cfg.Width, cfg.Height)
	fmt.Println(visual.Equal(code, strings.ToLower(code))) // answers are case-insensitive
	// Output:
	// 240 80
	// true
}
