package astracaph

// The form-content spam filter: an offline stand-in for ALTCHA's hosted Spam Filter.
//
// Lifecycle: build one SpamFilter with NewSpamFilter at start-up (it loads the disposable-domain
// list and the optional naive Bayes model once), then call Classify from any number of
// goroutines. The filter is immutable after construction except for the bounded MX cache,
// which has its own lock. Nothing is kept at package level.
//
// Scoring is additive, SpamAssassin style (docs/risk-notes.md, "Spam heuristics"): every heuristic that fires adds
// points and a reason code ("email.DISPOSABLE", "text.URLS", ...). Higher score = more spam,
// as in ALTCHA's `score`. Bands (defaults, aligned with ALTCHA's .NET threshold of 2):
//
//	score <  1.0         GOOD
//	1.0 <= score < 2.0   NEUTRAL
//	score >= 2.0         BAD
//
// Integrations treat only BAD as spam, as ALTCHA's do; NEUTRAL is for quarantine or review.

import (
	"context"
	"errors"
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

// SpamClass is the classification of a submission, as in ALTCHA's `classification` field.
type SpamClass string

// The three classes of ALTCHA's ServerClassification.
const (
	SpamGood    SpamClass = "GOOD"
	SpamNeutral SpamClass = "NEUTRAL"
	SpamBad     SpamClass = "BAD"
)

// Reason codes (docs/risk-notes.md, "Spam reason codes"). Each names the heuristic that added points.
const (
	SpamReasonEmailInvalid     = "email.INVALID"
	SpamReasonEmailDisposable  = "email.DISPOSABLE"
	SpamReasonEmailNoMX        = "email.NO_MX"
	SpamReasonEmailFree        = "email.FREE"
	SpamReasonEmailRandomLocal = "email.RANDOM_LOCAL"
	SpamReasonURLs             = "text.URLS"
	SpamReasonMarkup           = "text.MARKUP"
	SpamReasonCaps             = "text.CAPS"
	SpamReasonKeywords         = "text.KEYWORDS"
	SpamReasonGibberish        = "text.GIBBERISH"
	SpamReasonRepeat           = "text.REPEAT"
	SpamReasonScriptMismatch   = "text.SCRIPT_MISMATCH"
	SpamReasonInjection        = "text.INJECTION"
	SpamReasonTooShort         = "text.TOO_SHORT"
	SpamReasonDuplicate        = "text.DUPLICATE"
	SpamReasonBayes            = "text.BAYES"
)

// Default band thresholds.
const (
	SpamDefaultNeutralAt = 1.0
	SpamDefaultBadAt     = 2.0
)

// Default points per reason (docs/risk-notes.md, "Spam heuristics"). URLS, KEYWORDS and BAYES are graded; see their code.
const (
	spamPtsEmailInvalid     = 2.0
	spamPtsEmailDisposable  = 2.0
	spamPtsEmailNoMX        = 1.5
	spamPtsEmailRandomLocal = 0.5
	spamPtsMarkup           = 1.0
	spamPtsCaps             = 0.5
	spamPtsGibberish        = 1.0
	spamPtsRepeat           = 0.5
	spamPtsScriptMismatch   = 0.5
	spamPtsInjection        = 1.5
	spamPtsTooShort         = 0.3
	spamPtsDuplicate        = 1.5
)

// ErrSpamOptions reports invalid SpamOptions.
var ErrSpamOptions = errors.New("astracaph: spam: invalid options")

// SpamInput is one form submission, mirroring ALTCHA's Spam Filter API inputs.
type SpamInput struct {
	Fields    map[string]string // text fields, name → value (the widget sends inputs and textareas)
	Email     string            // the address from input[type=email], if any
	IP        netip.Addr        // client address; accepted for API parity, IP signals come from the bot scorer
	Languages []string          // navigator.languages or Accept-Language tags, e.g. "en-US", "ru"
}

// SpamResult is the verdict, ready for ALTCHA's verificationData (`classification`, `score`, `reasons`).
type SpamResult struct {
	Class   SpamClass `json:"classification"`
	Score   float64   `json:"score"`
	Reasons []string  `json:"reasons"`
}

// SpamOptions configures NewSpamFilter. The zero value is usable: built-in disposable list,
// no Bayes model, no DNS, no duplicate store, default thresholds.
type SpamOptions struct {
	// NeutralAt and BadAt are the band thresholds; zero means the defaults (1.0 and 2.0).
	NeutralAt, BadAt float64

	// Disposable is the disposable-domain list; nil means the built-in one. DisposablePath
	// names a file (e.g. <data dir>/disposable_email_blocklist.conf) merged into it.
	Disposable     *SpamDomainList
	DisposablePath string
	// Free lists free-mail providers (informational email.FREE); nil means the built-in list.
	Free *SpamDomainList

	// Model is a trained naive Bayes model; ModelPath loads one from a JSON file. Nil and ""
	// disable the text.BAYES signal.
	Model     *SpamModel
	ModelPath string

	// MXLookup enables the email.NO_MX DNS check (off by default: it needs the network).
	MXLookup    bool
	Resolver    SpamResolver  // nil means net.DefaultResolver
	MXTimeout   time.Duration // per lookup; default 2 s
	MXCacheTTL  time.Duration // default 1 h
	MXCacheSize int           // entries; default 10 000

	// Counter enables text.DUPLICATE: the same normalised text seen DuplicateMin times within
	// DuplicateWindow (defaults 3 and 1 h) across all submitters.
	Counter         SpamCounter
	DuplicateMin    int64
	DuplicateWindow time.Duration

	// Scale multiplies the default points of a reason code; 0 turns the signal off.
	// Codes not present keep a factor of 1.
	Scale map[string]float64

	Logger *slog.Logger // default: discard
}

// SpamFilter classifies form submissions. Safe for concurrent use.
type SpamFilter struct {
	neutralAt, badAt float64
	disposable       *SpamDomainList
	free             *SpamDomainList
	model            *SpamModel
	keywords         *spamKeywordIndex
	mx               *spamMXChecker
	counter          SpamCounter
	dupMin           int64
	dupWindow        time.Duration
	scale            map[string]float64
	log              *slog.Logger
	pool             sync.Pool // *spamAnalysis: word and token slices reused across calls
}

// NewSpamFilter builds a filter, loading the files named in opts.
func NewSpamFilter(opts SpamOptions) (*SpamFilter, error) {
	f := &SpamFilter{
		neutralAt: opts.NeutralAt,
		badAt:     opts.BadAt,
		model:     opts.Model,
		counter:   opts.Counter,
		dupMin:    opts.DuplicateMin,
		dupWindow: opts.DuplicateWindow,
		log:       opts.Logger,
		keywords:  newSpamKeywordIndex(spamKeywordLists),
	}
	if f.neutralAt == 0 {
		f.neutralAt = SpamDefaultNeutralAt
	}
	if f.badAt == 0 {
		f.badAt = SpamDefaultBadAt
	}
	if !(f.neutralAt > 0 && f.badAt > f.neutralAt) || math.IsInf(f.badAt, 0) {
		return nil, fmt.Errorf("%w: need 0 < NeutralAt < BadAt, got %v and %v", ErrSpamOptions, f.neutralAt, f.badAt)
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
	if len(opts.Scale) > 0 {
		f.scale = make(map[string]float64, len(opts.Scale))
		for k, v := range opts.Scale {
			if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%w: scale of %s must be a finite number >= 0", ErrSpamOptions, k)
			}
			f.scale[k] = v
		}
	}

	f.disposable = opts.Disposable
	if f.disposable == nil {
		f.disposable = SpamBuiltinDisposable()
	}
	if opts.DisposablePath != "" {
		l, err := LoadSpamDisposableFile(opts.DisposablePath)
		if err != nil {
			return nil, err
		}
		// Merge into a fresh list: the caller's list is never modified.
		merged := NewSpamDomainList()
		merged.Merge(f.disposable)
		merged.Merge(l)
		f.disposable = merged
	}
	f.free = opts.Free
	if f.free == nil {
		f.free = spamBuiltinFree()
	}

	if f.model == nil && opts.ModelPath != "" {
		fh, err := os.Open(opts.ModelPath)
		if err != nil {
			return nil, fmt.Errorf("astracaph: spam: model: %w", err)
		}
		m, err := LoadSpamModel(fh)
		fh.Close()
		if err != nil {
			return nil, err
		}
		f.model = m
	}

	if opts.MXLookup {
		f.mx = newSpamMXChecker(opts.Resolver, opts.MXTimeout, opts.MXCacheTTL, opts.MXCacheSize)
	}
	return f, nil
}

// Model returns the Bayes model in use, or nil.
func (f *SpamFilter) Model() *SpamModel { return f.model }

// spamScore accumulates points and reasons for one classification.
type spamScore struct {
	f       *SpamFilter
	total   float64
	reasons []string
}

func (s *spamScore) add(code string, pts float64) {
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
func (f *SpamFilter) Classify(ctx context.Context, in SpamInput) SpamResult {
	s := spamScore{f: f, reasons: make([]string, 0, 4)}
	if in.Email != "" {
		f.checkEmail(ctx, &s, in.Email)
	}
	text := spamJoinFields(in.Fields)
	if text != "" {
		a, _ := f.pool.Get().(*spamAnalysis)
		if a == nil {
			a = new(spamAnalysis)
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

func (f *SpamFilter) result(s spamScore) SpamResult {
	score := math.Round(max(s.total, 0)*100) / 100
	class := SpamGood
	switch {
	case score >= f.badAt:
		class = SpamBad
	case score >= f.neutralAt:
		class = SpamNeutral
	}
	return SpamResult{Class: class, Score: score, Reasons: s.reasons}
}

// spamJoinFields concatenates field values in key order, so the result does not depend on
// map iteration order.
func spamJoinFields(fields map[string]string) string {
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
