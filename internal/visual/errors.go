package visual

import "errors"

// Sentinel errors of the package, for errors.Is.
var (
	// ErrInvalidCode is returned by RenderPNG and RenderWAV for a code that is empty, too
	// long or contains a character outside [Alphabet].
	ErrInvalidCode = errors.New("astracaph: visual: invalid code")
	// ErrCodeLength is returned by NewCode for a requested length outside
	// [MinCodeLen, MaxCodeLen].
	ErrCodeLength = errors.New("astracaph: visual: code length out of range")
	// ErrImageSize is returned by RenderPNG for image dimensions outside the supported
	// range.
	ErrImageSize = errors.New("astracaph: visual: image size out of range")
)
