package spam

import "errors"

// Sentinel errors; callers branch on them with errors.Is.
var (
	// ErrOptions reports invalid options given to NewFilter.
	ErrOptions = errors.New("astracaph: spam: invalid options")
	// ErrModel reports a model file that cannot be used, or training data that cannot make one.
	ErrModel = errors.New("astracaph: spam: model")
	// ErrDomainList reports a domain list that cannot be loaded.
	ErrDomainList = errors.New("astracaph: spam: domain list")
	// ErrTSV reports malformed labelled data.
	ErrTSV = errors.New("astracaph: spam: tsv")
)
