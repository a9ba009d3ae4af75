package attack

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// spoken maps the code alphabet to the words PocketSphinx's en-us dictionary has for
// the characters (the letters are dictionary words of their own: "h" is EY CH).
var spoken = map[string]byte{
	"three": '3', "four": '4', "six": '6', "seven": '7', "nine": '9',
	"h": 'H', "k": 'K', "m": 'M', "r": 'R', "w": 'W', "y": 'Y',
}

// sphinxVariants are the sox chains applied before recognition (the acoustic model
// wants 16 kHz): plain, band-limited and normalised, and slowed down slightly.
var sphinxVariants = [][]string{
	{"rate", "16000"},
	{"highpass", "150", "lowpass", "3500", "norm", "-1", "rate", "16000"},
	{"tempo", "0.92", "rate", "16000"},
}

// Speech is the PocketSphinx attack with a grammar of exactly Length alphabet words.
type Speech struct {
	Length int
	Dir    string
}

// Name implements Solver.
func (Speech) Name() string { return "speech" }

// Medium implements Solver.
func (Speech) Medium() Medium { return Audio }

// HaveSpeech reports whether sox and PocketSphinx (with its en-us model) are installed.
func HaveSpeech() error {
	for _, t := range []string{"sox", "pocketsphinx_batch"} {
		if _, err := exec.LookPath(t); err != nil {
			return fmt.Errorf("%s not installed: %w", t, err)
		}
	}
	return nil
}

func (s Speech) grammar() string {
	words := make([]string, 0, len(spoken))
	for w := range spoken {
		words = append(words, w)
	}
	slot := strings.TrimSuffix(strings.Repeat("<c> ", s.Length), " ")
	return "#JSGF V1.0;\ngrammar code;\npublic <code> = " + slot + ";\n<c> = " + strings.Join(words, " | ") + ";\n"
}

// Solve implements Solver: the variants go through pocketsphinx_batch (one utterance per
// file, so the grammar spans the whole clip); the hypotheses are the guesses.
func (s Speech) Solve(ctx context.Context, wav []byte) ([]string, error) {
	dir, err := os.MkdirTemp(s.Dir, "speech")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "in.wav")
	if err := os.WriteFile(in, wav, 0o600); err != nil {
		return nil, err
	}
	var ctl strings.Builder
	for i, v := range sphinxVariants {
		name := fmt.Sprintf("v%d", i)
		args := append([]string{"-q", in, "-b", "16", "-c", "1", filepath.Join(dir, name+".wav")}, v...)
		if b, err := exec.CommandContext(ctx, "sox", args...).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("sox %v: %v: %s", v, err, b)
		}
		ctl.WriteString(name + "\n")
	}
	files := map[string]string{"g.jsgf": s.grammar(), "ctl.txt": ctl.String()}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			return nil, err
		}
	}
	hyp := filepath.Join(dir, "hyp.txt")
	cmd := exec.CommandContext(ctx, "pocketsphinx_batch", "-adcin", "yes", "-adchdr", "44",
		"-cepdir", dir, "-cepext", ".wav", "-ctl", filepath.Join(dir, "ctl.txt"),
		"-jsgf", filepath.Join(dir, "g.jsgf"), "-hyp", hyp, "-logfn", os.DevNull)
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("pocketsphinx_batch: %v: %s", err, b)
	}
	f, err := os.Open(hyp)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.LastIndexByte(line, '('); i >= 0 {
			line = line[:i]
		}
		var code []byte
		for _, w := range strings.Fields(line) {
			if c, ok := spoken[w]; ok {
				code = append(code, c)
			}
		}
		if len(code) == s.Length && !slices.Contains(out, string(code)) {
			out = append(out, string(code))
		}
	}
	return out, sc.Err()
}
