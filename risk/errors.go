package risk

import "errors"

// Sentinel errors; callers branch on them with errors.Is.
var (
	// ErrTelemetryTooLarge: ParseTelemetry got more than TelemetryMaxBytes.
	ErrTelemetryTooLarge = errors.New("astracaph: telemetry too large")
	// ErrTelemetryVersion: ParseTelemetry got a version other than TelemetryVersion.
	ErrTelemetryVersion = errors.New("astracaph: unknown telemetry version")
	// ErrTelemetryInvalid: ParseTelemetry got malformed, out-of-range or over-long content.
	ErrTelemetryInvalid = errors.New("astracaph: invalid telemetry")
	// ErrConfig reports invalid weights or thresholds given to NewScorer.
	ErrConfig = errors.New("astracaph: invalid risk configuration")
)
