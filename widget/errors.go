package widget

import "errors"

// ErrPrivacyURL is returned by New for a privacy URL (WithPrivacyURL) that is neither an
// absolute http(s) URL nor a root-relative path.
var ErrPrivacyURL = errors.New("astracaph: widget: the privacy URL must be an absolute http(s) URL or a path starting with /")

// What New returns when the embedded assets break an invariant of the loader. They are
// unexported: the assets are compiled in, so only a broken build meets them, and the
// package's tests catch that first.
var (
	// errCycle: asset placeholders form a cycle or name a missing asset.
	errCycle = errors.New("astracaph: widget: asset placeholders form a cycle or name a missing asset")
	// errModules: assets/src holds a module the loader does not list, lacks one it lists,
	// or assets/ holds a file with the joined loader's name.
	errModules = errors.New("astracaph: widget: assets/src does not hold exactly the loader's modules")
	// errJSDoc: a /** comment block does not end on a line of its own, or does not end,
	// so stripping it could swallow code.
	errJSDoc = errors.New("astracaph: widget: a /** comment block does not end on a line of its own")
)
