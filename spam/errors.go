package spam

import "errors"

// Sentinel errors; callers branch on them with errors.Is.
var (
	// ErrConfig reports invalid options given to NewFilter.
	ErrConfig = errors.New("astracaph: spam: invalid configuration")
	// ErrModel reports a model file that cannot be used, or training data that cannot make one.
	ErrModel = errors.New("astracaph: spam: model")
	// ErrDomainList reports a domain list that cannot be loaded.
	ErrDomainList = errors.New("astracaph: spam: domain list")
	// ErrTSV reports malformed labelled data.
	ErrTSV = errors.New("astracaph: spam: tsv")
)
