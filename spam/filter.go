package spam

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// Class is the classification of a submission, as in ALTCHA's `classification` field.
type Class string

// The three classes of ALTCHA's ServerClassification.
const (
	Good    Class = "GOOD"
	Neutral Class = "NEUTRAL"
	Bad     Class = "BAD"
)

// Reason codes (docs/risk-notes.md, "Spam reason codes"). Each names the heuristic that added points.
const (
	ReasonEmailInvalid     = "email.INVALID"
	ReasonEmailDisposable  = "email.DISPOSABLE"
	ReasonEmailNoMX        = "email.NO_MX"
	ReasonEmailFree        = "email.FREE"
	ReasonEmailRandomLocal = "email.RANDOM_LOCAL"
	ReasonURLs             = "text.URLS"
	ReasonMarkup           = "text.MARKUP"
	ReasonCaps             = "text.CAPS"
	ReasonKeywords         = "text.KEYWORDS"
	ReasonGibberish        = "text.GIBBERISH"
	ReasonRepeat           = "text.REPEAT"
	ReasonScriptMismatch   = "text.SCRIPT_MISMATCH"
	ReasonInjection        = "text.INJECTION"
	ReasonTooShort         = "text.TOO_SHORT"
	ReasonDuplicate        = "text.DUPLICATE"
	ReasonBayes            = "text.BAYES"
)

// Default band thresholds.
const (
	DefaultNeutralAt = 1.0
	DefaultBadAt     = 2.0
)

// Default points per reason (docs/risk-notes.md, "Spam heuristics"). URLS, KEYWORDS and BAYES are graded; see their code.
const (
	ptsEmailInvalid     = 2.0
	ptsEmailDisposable  = 2.0
	ptsEmailNoMX        = 1.5
	ptsEmailRandomLocal = 0.5
	ptsMarkup           = 1.0
	ptsCaps             = 0.5
	ptsGibberish        = 1.0
	ptsRepeat           = 0.5
	ptsScriptMismatch   = 0.5
	ptsInjection        = 1.5
	ptsTooShort         = 0.3
	ptsDuplicate        = 1.5
)

// Input is one form submission, mirroring ALTCHA's Spam Filter API inputs.
type Input struct {
	Fields    map[string]string // text fields, name → value (the widget sends inputs and textareas)
	Email     string            // the address from input[type=email], if any
	IP        netip.Addr        // client address; accepted for API parity, IP signals come from the bot scorer
	Languages []string          // navigator.languages or Accept-Language tags, e.g. "en-US", "ru"
}

// Result is the verdict, ready for ALTCHA's verificationData (`classification`, `score`, `reasons`).
type Result struct {
	Class   Class    `json:"classification"`
	Score   float64  `json:"score"`
	Reasons []string `json:"reasons"`
}

// Filter classifies form submissions. Safe for concurrent use.
type Filter struct {
	neutralAt, badAt float64
	disposable       *DomainList
	free             *DomainList
	model            *Model
	keywords         *keywordIndex
	mx               *mxChecker
	counter          Counter
	dupMin           int64
	dupWindow        time.Duration
	scale            map[string]float64
	log              *slog.Logger
	pool             sync.Pool // *analysis: word and token slices reused across calls
}

// NewFilter builds a filter, loading the files its options name. Without options it uses
// the built-in domain lists, no Bayes model, no DNS and no duplicate store.
func NewFilter(options ...Option) (*Filter, error) {
	var opts config
	for _, o := range options {
		o(&opts)
	}
	f := &Filter{
		neutralAt: opts.neutralAt,
		badAt:     opts.badAt,
		model:     opts.model,
		counter:   opts.counter,
		dupMin:    opts.duplicateMin,
		dupWindow: opts.duplicateWindow,
		log:       opts.logger,
		keywords:  newKeywordIndex(keywordLists),
	}
	if f.neutralAt == 0 {
		f.neutralAt = DefaultNeutralAt
	}
	if f.badAt == 0 {
		f.badAt = DefaultBadAt
	}
	if !(f.neutralAt > 0 && f.badAt > f.neutralAt) || math.IsInf(f.badAt, 0) {
		return nil, fmt.Errorf("%w: need 0 < NeutralAt < BadAt, got %v and %v", ErrConfig, f.neutralAt, f.badAt)
	}
	if f.dupMin <= 0 {
		f.dupMin = 3
	}
	if f.dupWindow <= 0 {
		f.dupWindow = time.Hour
	}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	if len(opts.scale) > 0 {
		f.scale = make(map[string]float64, len(opts.scale))
		for k, v := range opts.scale {
			if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%w: scale of %s must be a finite number >= 0", ErrConfig, k)
			}
			f.scale[k] = v
		}
	}

	f.disposable = opts.disposable
	if f.disposable == nil {
		f.disposable = BuiltinDisposable()
	}
	if opts.disposablePath != "" {
		l, err := LoadDisposableFile(opts.disposablePath)
		if err != nil {
			return nil, err
		}
		// Merge into a fresh list: the caller's list is never modified.
		merged := NewDomainList()
		merged.Merge(f.disposable)
		merged.Merge(l)
		f.disposable = merged
	}
	f.free = opts.free
	if f.free == nil {
		f.free = builtinFree()
	}

	if f.model == nil && opts.modelPath != "" {
		fh, err := os.Open(opts.modelPath)
		if err != nil {
			return nil, fmt.Errorf("astracaph: spam: model: %w", err)
		}
		m, err := LoadModel(fh)
		fh.Close()
		if err != nil {
			return nil, err
		}
		f.model = m
	}

	if opts.mxLookup {
		f.mx = newMXChecker(opts.resolver, opts.mxTimeout, opts.mxCacheTTL, opts.mxCacheSize)
	}
	return f, nil
}

// Model returns the Bayes model in use, or nil.
func (f *Filter) Model() *Model { return f.model }

// tally accumulates points and reasons for one classification.
type tally struct {
	f       *Filter
	total   float64
	reasons []string
}

func (s *tally) add(code string, pts float64) {
	if k, ok := s.f.scale[code]; ok {
		pts *= k
		if k == 0 {
			return
		}
	}
	s.total += pts
	if !slices.Contains(s.reasons, code) {
		s.reasons = append(s.reasons, code)
	}
}

// Classify scores one submission. It never fails: a signal whose dependency errs (DNS, the
// duplicate store) is skipped and logged, and the others still count.
func (f *Filter) Classify(ctx context.Context, in Input) Result {
	s := tally{f: f, reasons: make([]string, 0, 4)}
	if in.Email != "" {
		f.checkEmail(ctx, &s, in.Email)
	}
	text := joinFields(in.Fields)
	if text != "" {
		a, _ := f.pool.Get().(*analysis)
		if a == nil {
			a = new(analysis)
		}
		a.reset(text)
		f.checkText(&s, a, in.Languages)
		f.checkBayes(&s, a)
		f.checkDuplicate(ctx, &s, a)
		a.release()
		f.pool.Put(a)
	}
	return f.result(s)
}

func (f *Filter) result(s tally) Result {
	score := math.Round(max(s.total, 0)*100) / 100
	class := Good
	switch {
	case score >= f.badAt:
		class = Bad
	case score >= f.neutralAt:
		class = Neutral
	}
	return Result{Class: class, Score: score, Reasons: s.reasons}
}

// joinFields concatenates field values in key order, so the result does not depend on
// map iteration order.
func joinFields(fields map[string]string) string {
	switch len(fields) {
	case 0:
		return ""
	case 1:
		for _, v := range fields {
			return v
		}
	}
	keys := make([]string, 0, len(fields))
	for k, v := range fields {
		if strings.TrimSpace(v) != "" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(fields[k])
	}
	return b.String()
}
