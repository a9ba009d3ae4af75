package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/astracat/astracaph/spam"
)

const spamUsage = `usage:
  astracaph spam train -data FILE.tsv -out model.json [-alpha 1] [-min-count 1] [-holdout 0 -seed 1]
  astracaph spam eval  -data FILE.tsv [-model model.json] [-holdout 0 -seed 1] [-neutral 1 -bad 2]
  astracaph spam check [-model model.json] [-email ADDR] [-lang en,ru] [-disposable FILE] < text

FILE.tsv holds "label<TAB>text" lines (label ham or spam; a header line is skipped). Exact
duplicate texts are dropped first. With -holdout F, train uses the other part of a seeded,
stratified split and eval only the held-out fraction F: run both with the same -holdout and
-seed to measure on data the model never saw.`

// cmdSpam runs `astracaph spam train|eval|check`.
func cmdSpam(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, spamUsage)
		return 2
	}
	var err error
	switch args[0] {
	case "train":
		err = spamTrain(ctx, args[1:], stdout, stderr)
	case "eval":
		err = spamEval(ctx, args[1:], stdout, stderr)
	case "check":
		err = spamCheck(ctx, args[1:], stdin, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, spamUsage)
		return 0
	default:
		fmt.Fprintf(stderr, "astracaph: spam: unknown command %q\n%s\n", args[0], spamUsage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errSpamFlags):
		return 2 // the flag package has already printed the error and usage
	case errors.Is(err, errSpamUsage):
		fmt.Fprintln(stderr, err)
		return 2
	default:
		fmt.Fprintln(stderr, err)
		return 1
	}
}

var (
	errSpamUsage = errors.New("astracaph: spam: usage")
	errSpamFlags = errors.New("astracaph: spam: bad flags")
)

func spamParse(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	return errSpamFlags
}

// spamData loads, de-duplicates and (with holdout > 0) splits a labelled TSV.
func spamData(path string, holdout float64, seed uint64) (train, test []spam.Sample, err error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("astracaph: spam: %w", err)
	}
	defer fh.Close()
	all, err := spam.ReadTSV(fh)
	if err != nil {
		return nil, nil, fmt.Errorf("%w (%s)", err, path)
	}
	all = spam.Dedup(all)
	if holdout <= 0 {
		return all, all, nil
	}
	if holdout >= 1 {
		return nil, nil, fmt.Errorf("%w: -holdout must be in [0,1)", errSpamUsage)
	}
	train, test = spam.Split(all, holdout, seed)
	return train, test, nil
}

func spamFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("astracaph spam "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func spamTrain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := spamFlags("train", stderr)
	data := fs.String("data", "", "the labelled messages: a TSV file of label, tab, text (labels ham/spam)")
	out := fs.String("out", "", "the model file (JSON) to write")
	alpha := fs.Float64("alpha", 1, "the Laplace smoothing added to every token count")
	minCount := fs.Int("min-count", 1, "drop tokens seen fewer times than this")
	holdout := fs.Float64("holdout", 0, "the fraction kept out of training for spam eval (0: train on everything)")
	seed := fs.Uint64("seed", 1, "the seed of the train/holdout split (use the same one for eval)")
	if err := spamParse(fs, args); err != nil {
		return err
	}
	if *data == "" || *out == "" || fs.NArg() > 0 {
		return fmt.Errorf("%w: train needs -data and -out", errSpamUsage)
	}
	train, _, err := spamData(*data, *holdout, *seed)
	if err != nil {
		return err
	}
	m, err := spam.Train(ctx, train, spam.TrainOptions{Alpha: *alpha, MinCount: *minCount})
	if err != nil {
		return err
	}
	// Write to a temporary file and rename, so a crash never leaves a truncated model.
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".model-*.json")
	if err != nil {
		return fmt.Errorf("astracaph: spam: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := m.WriteJSON(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("astracaph: spam: %w", err)
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return fmt.Errorf("astracaph: spam: %w", err)
	}
	fmt.Fprintf(stdout, "trained on %d ham + %d spam, %d tokens → %s\n", m.Docs[0], m.Docs[1], len(m.Tokens), *out)
	return nil
}

func spamEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := spamFlags("eval", stderr)
	data := fs.String("data", "", "the labelled messages: a TSV file of label, tab, text (labels ham/spam)")
	model := fs.String("model", "", "the model file from spam train (without it only the heuristics score)")
	holdout := fs.Float64("holdout", 0, "evaluate only the held-out fraction spam train left out (same -seed)")
	seed := fs.Uint64("seed", 1, "the seed of the train/holdout split")
	neutral := fs.Float64("neutral", spam.DefaultNeutralAt, "the score from which a message is NEUTRAL")
	bad := fs.Float64("bad", spam.DefaultBadAt, "the score from which a message is BAD")
	if err := spamParse(fs, args); err != nil {
		return err
	}
	if *data == "" || fs.NArg() > 0 {
		return fmt.Errorf("%w: eval needs -data", errSpamUsage)
	}
	_, test, err := spamData(*data, *holdout, *seed)
	if err != nil {
		return err
	}
	f, err := spam.NewFilter(spam.WithModelFile(*model), spam.WithBands(*neutral, *bad))
	if err != nil {
		return err
	}
	e := spam.Evaluate(ctx, f, test)
	fmt.Fprintf(stdout, "%d messages, model: %s\n%s", len(test), spamOr(*model, "none"), e.String())
	return nil
}

func spamCheck(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := spamFlags("check", stderr)
	model := fs.String("model", "", "the model file from spam train (optional)")
	email := fs.String("email", "", "the e-mail address submitted with the text")
	langs := fs.String("lang", "", "the browser's languages, comma-separated, e.g. en-US,ru")
	disposable := fs.String("disposable", "", "a file of disposable e-mail domains, added to the built-in list")
	if err := spamParse(fs, args); err != nil {
		return err
	}
	text, err := io.ReadAll(io.LimitReader(stdin, 1<<20))
	if err != nil {
		return fmt.Errorf("astracaph: spam: %w", err)
	}
	f, err := spam.NewFilter(spam.WithModelFile(*model), spam.WithDisposableFile(*disposable))
	if err != nil {
		return err
	}
	in := spam.Input{Fields: map[string]string{"message": string(text)}, Email: *email}
	if *langs != "" {
		in.Languages = strings.Split(*langs, ",")
	}
	return json.NewEncoder(stdout).Encode(f.Classify(ctx, in))
}

func spamOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
