// Package spam classifies form submissions: an offline stand-in for ALTCHA's hosted Spam
// Filter, whose verdict (classification, score, reason codes) AstraCaph signs into its
// tokens.
//
// # Lifecycle
//
//  1. Build one Filter at start-up with NewFilter and functional options (WithModelFile,
//     WithDisposableFile, WithMXLookup, WithDuplicates, …). It loads the disposable-domain
//     list and the optional naive Bayes model once; the zero configuration is usable
//     (built-in domain lists, no model, no DNS, no duplicate store, default bands).
//  2. Call Classify from any number of goroutines. The filter is immutable after
//     construction except for the bounded MX cache, which has its own lock. Nothing is kept
//     at package level.
//  3. Optionally, train a model offline: ReadTSV reads `label<TAB>text` data (the SMS Spam
//     Collection's shape), Dedup and Split prepare it, Train fits a naive Bayes model,
//     Model.WriteJSON stores it and LoadModel (or WithModelFile) reads it back. Evaluate
//     measures a filter on held-out samples. `astracaph spam train|eval|classify` wraps these.
//
// # Scoring
//
// Scoring is additive, SpamAssassin style (docs/risk-notes.md, "Spam heuristics"): every
// heuristic that fires adds points and a reason code ("email.DISPOSABLE", "text.URLS", …).
// Higher score = more spam, as in ALTCHA's `score`. Bands (defaults, aligned with ALTCHA's
// .NET threshold of 2):
//
//	score <  1.0         GOOD
//	1.0 <= score < 2.0   NEUTRAL
//	score >= 2.0         BAD
//
// Integrations treat only BAD as spam, as ALTCHA's do; NEUTRAL is for quarantine or review.
//
// # Failures
//
// Building a filter, loading a model, a domain list or labelled data fail with an error that
// wraps one of the sentinels of errors.go (ErrConfig, ErrModel, ErrDomainList, ErrTSV).
// Classify never fails: a signal whose dependency errs (DNS, the duplicate store) is skipped
// and logged, and the others still count.
package spam
