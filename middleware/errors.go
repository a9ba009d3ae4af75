package middleware

import "errors"

// Reasons a check fails. FailureReason returns a *Failure whose Err is one of them, so
// error handlers branch with errors.Is; Failure.Codes carries the matching error codes and
// StatusCode the HTTP status the default handler answers with.
var (
	// ErrTokenMissing: no protected form field and no header carries a token (403,
	// "missing-input-response").
	ErrTokenMissing = errors.New("astracaph: middleware: captcha token missing")
	// ErrTokenInvalid: the verifier refused the token (bad signature, expired, spent,
	// bound to another origin or site) or Redeem refused a raw ALTCHA payload (403, the
	// verifier's codes, "timeout-or-duplicate" for a replay).
	ErrTokenInvalid = errors.New("astracaph: middleware: captcha token invalid")
	// ErrDenied: a raw ALTCHA payload redeemed in the request earned a step-up or deny
	// decision instead of a token (403, the decision's reasons).
	ErrDenied = errors.New("astracaph: middleware: captcha challenge refused")
	// ErrOriginUnknown: neither WithExpectedOrigin nor the Origin or Referer header names
	// the origin the token must be bound to (403, "missing-origin").
	ErrOriginUnknown = errors.New("astracaph: middleware: request origin unknown")
	// ErrSpam: WithRejectSpam is set and the token's spam classification is "BAD" (403,
	// "spam").
	ErrSpam = errors.New("astracaph: middleware: submission classified as spam")
	// ErrFieldsMismatch: WithCheckFieldsHash is set and the submitted form does not match
	// the fields hash the token carries, or the token carries only half of it (403,
	// "fields-mismatch").
	ErrFieldsMismatch = errors.New("astracaph: middleware: form fields do not match the token")
	// ErrBodyTooLarge: the body exceeds WithMaxBodyBytes (413, "request-too-large").
	ErrBodyTooLarge = errors.New("astracaph: middleware: request body too large")
	// ErrMalformedBody: the body could not be read or parsed as a form (400,
	// "bad-request").
	ErrMalformedBody = errors.New("astracaph: middleware: malformed request body")
	// ErrUnavailable: the check could not be made (store, risk engine or remote verifier
	// failure); the request fails closed (503, "internal-error").
	ErrUnavailable = errors.New("astracaph: middleware: captcha verification unavailable")
)
