package middleware

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/astracat/astracaph"
)

// Codes reported for failures that carry no verifier code.
const (
	CodeMissingOrigin  = "missing-origin"
	CodeDenied         = "challenge-denied"
	CodeSpam           = "spam"
	CodeFieldsMismatch = "fields-mismatch"
	CodeBodyTooLarge   = "request-too-large"
	CodeBadRequest     = "bad-request"
)

// Failure is the error FailureReason returns: a reason (one of the Err* sentinels, which
// errors.Is matches) with machine-readable codes.
type Failure struct {
	Err   error    // the reason: one of the Err* sentinels
	Codes []string // the verifier's error codes (Turnstile vocabulary) or the decision's reasons
	Cause error    // the underlying error (store, network), if any; never sent to clients
}

func (f *Failure) Error() string {
	var b strings.Builder
	b.WriteString(f.Err.Error())
	if len(f.Codes) > 0 {
		b.WriteString(" (")
		b.WriteString(strings.Join(f.Codes, ", "))
		b.WriteByte(')')
	}
	if f.Cause != nil {
		b.WriteString(": ")
		b.WriteString(f.Cause.Error())
	}
	return b.String()
}

// Unwrap exposes the reason and the cause to errors.Is and errors.As.
func (f *Failure) Unwrap() []error {
	if f.Cause == nil {
		return []error{f.Err}
	}
	return []error{f.Err, f.Cause}
}

// Message is the reason in words, safe to show to clients (no cause).
func (f *Failure) Message() string {
	return strings.TrimPrefix(f.Err.Error(), "astracaph: middleware: ")
}

// fail builds a Failure, giving it the reason's default code when it has none.
func fail(reason error, codes []string, cause error) *Failure {
	if len(codes) == 0 {
		codes = []string{defaultCode(reason)}
	}
	return &Failure{Err: reason, Codes: codes, Cause: cause}
}

func defaultCode(reason error) string {
	switch reason {
	case ErrTokenMissing:
		return astracaph.CodeMissingResponse
	case ErrOriginUnknown:
		return CodeMissingOrigin
	case ErrDenied:
		return CodeDenied
	case ErrSpam:
		return CodeSpam
	case ErrFieldsMismatch:
		return CodeFieldsMismatch
	case ErrBodyTooLarge:
		return CodeBodyTooLarge
	case ErrMalformedBody:
		return CodeBadRequest
	case ErrUnavailable:
		return astracaph.CodeInternalError
	}
	return astracaph.CodeInvalidResponse
}

// StatusCode is the HTTP status the default error handler answers for err: 413 for
// ErrBodyTooLarge, 400 for ErrMalformedBody, 503 for ErrUnavailable, 403 otherwise.
func StatusCode(err error) int {
	switch {
	case errors.Is(err, ErrBodyTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrMalformedBody):
		return http.StatusBadRequest
	case errors.Is(err, ErrUnavailable):
		return http.StatusServiceUnavailable
	}
	return http.StatusForbidden
}

type resultKey struct{}

type failureKey struct{}

// ResultFromContext returns the verification result Protect stored in the request
// context. In the wrapped handler it is always a success; in the error handler it is
// present (with Success false) when the verifier answered.
func ResultFromContext(ctx context.Context) (astracaph.Result, bool) {
	r, ok := ctx.Value(resultKey{}).(astracaph.Result)
	return r, ok
}

// FailureReason returns why Protect refused r (a *Failure), or nil. Error handlers call it.
func FailureReason(r *http.Request) error {
	f, _ := r.Context().Value(failureKey{}).(*Failure)
	if f == nil {
		return nil
	}
	return f
}
