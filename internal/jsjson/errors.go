package jsjson

import "errors"

// Sentinel errors of the package, for errors.Is.
var (
	// ErrSyntax is returned by Parse and ParseStrict for text that JSON.parse would
	// reject (or that nests deeper than the parser allows).
	ErrSyntax = errors.New("astracaph: jsjson: invalid JSON")
	// ErrDuplicateKey is returned by ParseStrict for an object that names a member twice.
	// JSON.parse keeps the last value; a verifier should not have to guess which one the
	// signer meant.
	ErrDuplicateKey = errors.New("astracaph: jsjson: duplicate object key")
)
