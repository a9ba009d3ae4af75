package openapi

import "errors"

// Sentinel errors of the package, for errors.Is.
var (
	// ErrNoOperation is returned by Spec.Find when the description has no operation for
	// a method and path.
	ErrNoOperation = errors.New("openapi: no operation")
	// ErrNoResponse is returned by Operation.ValidateResponse when the operation does not
	// describe the status code (nor "default").
	ErrNoResponse = errors.New("openapi: response status not described")
	// ErrInvalid is wrapped by every validation failure: a request or response body, a
	// Content-Type or an example that the description does not allow.
	ErrInvalid = errors.New("openapi: invalid")
)
