// Package wire is the byte-level machinery under AstraCaph's wire formats: what the
// ALTCHA payloads, challenges and server signatures are read and written with, kept apart
// from what they mean (the root package).
//
//   - base64.go: base64 exactly as the browser's atob and btoa read and write it, and the
//     two text readings (UTF-8, Latin-1) a decoded payload may stand for.
//   - scan.go: an allocation-free JSON scanner for the layout every ALTCHA producer emits,
//     which gives up (Scanner.Strict) on anything else so that a full decoder decides.
//   - number.go: JSON and JavaScript number reading (parseInt, Number).
//   - form.go: application/x-www-form-urlencoded as URLSearchParams reads and writes it.
//   - hex.go: constant-time comparisons of MACs and hex, a word at a time.
//   - arena.go: the append-only blocks a verification cuts its results from.
//   - id.go: the time-stamped identifiers of challenges and tokens.
//
// Everything here is self-contained and safe for concurrent use; none of it knows about
// challenges or tokens.
package wire
