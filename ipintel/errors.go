package ipintel

import "errors"

// Sentinel errors of the package, for errors.Is. New, Reload, Update and UpdateEach
// return them wrapped with the name of the source at fault; a failed Reload keeps the
// last good snapshot and a failed download the last good file.
var (
	// ErrNoEntries: a source or download parsed without a single usable entry (an empty
	// file, an HTML error page served with status 200, a truncated list), so it is refused
	// rather than taken to mean "no address is listed".
	ErrNoEntries = errors.New("astracaph: ipintel: source has no valid entries")
	// ErrConfig: an Options or Download entry that cannot be used (a source without a
	// name, with both or neither of Path and URL, an unknown Format, a class a list
	// cannot assign, more than 64 source names, a download file name with a path).
	ErrConfig = errors.New("astracaph: ipintel: invalid config")
	// ErrTooLarge: a source or download exceeds its byte limit (Options.MaxBytes,
	// Download.MaxBytes), before or after decompression.
	ErrTooLarge = errors.New("astracaph: ipintel: input exceeds size limit")
	// ErrBadStatus: a URL source or download answered with a status other than 200.
	ErrBadStatus = errors.New("astracaph: ipintel: unexpected HTTP status")
	// ErrCircuitOpen: GuardedProvider.Lookup fails fast because the provider failed
	// GuardOptions.FailureThreshold times in a row and its cool-down has not ended.
	// Classifier.Lookup returns it beside the offline answer, which stays usable.
	ErrCircuitOpen = errors.New("astracaph: ipintel: provider circuit open")
)
