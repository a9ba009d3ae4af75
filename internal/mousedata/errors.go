package mousedata

import "errors"

// ErrNoData is returned by LoadSapiMouse for a directory without SapiMouse sessions.
var ErrNoData = errors.New("mousedata: no SapiMouse sessions found")
