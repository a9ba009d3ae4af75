package attack

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/astracat/astracaph/internal/visual"
)

// ocrVariants are the ImageMagick preprocessing chains, each tried on the image (the
// threshold is on grey after upscaling; Close removes dark strokes thinner than its disk,
// which is how thin clutter lines are usually stripped).
var ocrVariants = [][]string{
	{"-colorspace", "Gray", "-resize", "300%", "-threshold", "50%"},
	{"-colorspace", "Gray", "-resize", "300%", "-threshold", "38%"},
	{"-colorspace", "Gray", "-resize", "300%", "-threshold", "62%"},
	{"-colorspace", "Gray", "-statistic", "Median", "3x3", "-resize", "300%", "-threshold", "50%"},
	{"-colorspace", "Gray", "-resize", "300%", "-blur", "0x2", "-threshold", "50%"},
	{"-colorspace", "Gray", "-resize", "300%", "-threshold", "50%", "-morphology", "Close", "Disk:2.5"},
	{"-colorspace", "Gray", "-resize", "300%", "-threshold", "50%", "-morphology", "Close", "Disk:4"},
	{"-colorspace", "Gray", "-resize", "300%", "-threshold", "50%", "-morphology", "Close", "Disk:6"},
	{"-colorspace", "Gray", "-resize", "300%", "-threshold", "50%", "-morphology", "Close", "Disk:4", "-morphology", "Open", "Disk:2"},
	{"-colorspace", "Gray", "-statistic", "Median", "5x5", "-resize", "300%", "-blur", "0x1.5", "-threshold", "45%", "-morphology", "Close", "Disk:3"},
}

// OCR is the tesseract + ImageMagick attack.
type OCR struct {
	Length int // code length (6)
	Dir    string
}

// Name implements Solver.
func (OCR) Name() string { return "ocr" }

// Medium implements Solver.
func (OCR) Medium() Medium { return Image }

// HaveOCR reports whether the OCR tools are installed.
func HaveOCR() error {
	for _, t := range []string{"tesseract", "convert"} {
		if _, err := exec.LookPath(t); err != nil {
			return fmt.Errorf("%s not installed: %w", t, err)
		}
	}
	return nil
}

// Solve implements Solver: every variant through tesseract (single line and single word
// page modes), whitelisted to the alphabet; readings of the right length are voted.
func (o OCR) Solve(ctx context.Context, png []byte) ([]string, error) {
	dir, err := os.MkdirTemp(o.Dir, "ocr")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "in.png")
	if err := os.WriteFile(in, png, 0o600); err != nil {
		return nil, err
	}
	var list bytes.Buffer
	for i, v := range ocrVariants {
		out := filepath.Join(dir, fmt.Sprintf("v%02d.png", i))
		args := append(append([]string{in}, v...), out)
		if b, err := exec.CommandContext(ctx, "convert", args...).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("convert %v: %v: %s", v, err, b)
		}
		list.WriteString(out + "\n")
	}
	listFile := filepath.Join(dir, "list.txt")
	if err := os.WriteFile(listFile, list.Bytes(), 0o600); err != nil {
		return nil, err
	}
	var readings []string
	for _, psm := range []string{"7", "8"} {
		// One process per page mode reads every variant (a list file is a multi-page
		// document; pages are separated by form feeds). tesseract 5.3 sometimes dies
		// on a degenerate page (SIGFPE); then each variant is read on its own and the
		// ones it cannot read are skipped.
		b, err := tesseract(ctx, listFile, psm)
		if err != nil {
			b = nil
			for _, v := range strings.Fields(list.String()) {
				if one, err := tesseract(ctx, v, psm); err == nil {
					b = append(append(b, one...), '\f')
				}
			}
		}
		for _, page := range strings.Split(string(b), "\f") {
			if r := clean(page); r != "" {
				readings = append(readings, r)
			}
		}
	}
	return vote(readings, o.Length, 3), nil
}

func tesseract(ctx context.Context, in, psm string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "tesseract", in, "stdout", "--psm", psm,
		"-c", "tessedit_char_whitelist="+visual.Alphabet)
	cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
	b, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("tesseract: %w", err)
	}
	return b, nil
}
