// Package middleware protects net/http form handlers with AstraCaph, in the style of
// gorilla/csrf and rs/cors: Protect(c, opts...) returns a func(http.Handler) http.Handler.
//
// # Lifecycle
//
// A request whose method is not protected (POST, PUT, PATCH and DELETE by default; see
// WithMethods), or that WithSkip exempts, reaches the wrapped handler untouched. For the
// others:
//
//  1. Body. The body is read into memory, up to WithMaxBodyBytes (10 MiB by default; a
//     larger one fails with ErrBodyTooLarge, 413). The form is parsed from that copy
//     (application/x-www-form-urlencoded or multipart/form-data; file parts are skipped)
//     and the request passed on gets a fresh reader over the same bytes.
//  2. Token. The first non-empty form field among astracaph-response, altcha,
//     cf-turnstile-response, h-captcha-response and g-recaptcha-response
//     (WithFieldNames), else the X-AstraCaph-Token header (WithHeaderName). The query
//     string is never read: tokens do not belong in URLs and logs. No token fails with
//     ErrTokenMissing.
//  3. Origin. The token must be bound to the origin given by WithExpectedOrigin when it is
//     set, else to the Origin header, else to the origin of Referer. When none is known
//     the request fails with ErrOriginUnknown.
//  4. Verify. In-process, Captcha.Verify checks the signature, expiry and origin binding and
//     consumes the token: it passes once, a replay fails with ErrTokenInvalid
//     ("timeout-or-duplicate"). A raw ALTCHA proof-of-work payload (the official widget
//     without a verifyUrl, in the altcha field) is redeemed with Captcha.Redeem for the
//     request's origin and the token it earns verified in the same step; a step-up or deny
//     decision fails with ErrDenied and the decision's reasons. The risk engine sees
//     r.RemoteAddr as the client address (put a trusted real-IP middleware in front when
//     behind a proxy). With WithRemote, the token is checked by a remote AstraCaph server
//     instead.
//  5. Checks. WithRejectSpam refuses tokens classified "BAD"; WithCheckFieldsHash refuses
//     forms that do not match the fields hash the token carries.
//  6. Outcome. On success the wrapped handler runs with the astracaph.Result in the request
//     context (ResultFromContext). On failure the error handler runs with the reason in the
//     context (FailureReason, a *Failure matching one of the Err* sentinels). The default
//     one answers 403 (413 for ErrBodyTooLarge, 400 for ErrMalformedBody, 503 for
//     ErrUnavailable), in JSON {"success":false,"error":"captcha-failed","message":…,
//     "error-codes":[…]} when Accept prefers JSON, else in plain text.
//
// # The wrapped handler's request
//
// Its body is the whole original body, unread; r.Form, r.PostForm and r.MultipartForm are
// left nil (the middleware never parses the request itself), so r.ParseForm,
// r.ParseMultipartForm, r.FormValue, r.FormFile and io.ReadAll(r.Body) work as if the
// middleware were not there. ContentLength is the buffered length. The error handler gets
// the same request, except after ErrBodyTooLarge, where the body is empty (the part read
// cannot be given back whole).
//
// # Failing closed
//
// A store that cannot record a token's use, a risk engine error, or a remote verifier that
// times out, answers a non-200 status or malformed JSON never lets a request through: the
// check fails with ErrUnavailable (503), and the token stays unspent where the engine
// guarantees it.
package middleware

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"

	"github.com/astracat/astracaph"
)

// Protect returns middleware that requires a valid AstraCaph token on protected requests
// (see the package documentation). c may be nil only with the WithRemote option; Protect
// panics otherwise, like http.Handle on a programming error.
func Protect(c *astracaph.Captcha, opts ...Option) func(http.Handler) http.Handler {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.log == nil {
		cfg.log = slog.New(slog.DiscardHandler)
		if c != nil {
			cfg.log = c.Logger()
		}
	}
	var v verifier
	switch {
	case cfg.remote != nil:
		v = cfg.remote
	case c != nil:
		v = &engineVerifier{c: c}
	default:
		panic("astracaph: middleware: Protect needs a *astracaph.Captcha or the WithRemote option")
	}
	return func(next http.Handler) http.Handler {
		return &protector{cfg: cfg, v: v, next: next}
	}
}

type protector struct {
	cfg  config
	v    verifier
	next http.Handler
}

func (p *protector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !p.cfg.methods[r.Method] || p.cfg.skip != nil && p.cfg.skip(r) {
		p.next.ServeHTTP(w, r)
		return
	}
	r, res, hasRes, f := p.check(w, r)
	ctx := r.Context()
	if hasRes {
		ctx = context.WithValue(ctx, resultKey{}, res)
	}
	if f != nil {
		p.logFailure(ctx, r, f)
		p.cfg.errorHandler.ServeHTTP(w, r.WithContext(context.WithValue(ctx, failureKey{}, f)))
		return
	}
	p.next.ServeHTTP(w, r.WithContext(ctx))
}

// check runs steps 1–5 of the lifecycle. It returns the request to pass on (a shallow copy
// with the buffered body restored).
func (p *protector) check(w http.ResponseWriter, r *http.Request) (*http.Request, astracaph.Result, bool, *Failure) {
	body, f := readBody(w, r, p.cfg.maxBody)
	r2 := r.WithContext(r.Context())
	if f != nil {
		r2.Body, r2.ContentLength = http.NoBody, 0 // what was read cannot be given back whole
		return r2, astracaph.Result{}, false, f
	}
	if r.Body != nil && r.Body != http.NoBody {
		r2.Body, r2.ContentLength, r2.TransferEncoding = io.NopCloser(bytes.NewReader(body)), int64(len(body)), nil
	}
	form, err := parseForm(r.Header.Get("Content-Type"), body)
	if err != nil {
		return r2, astracaph.Result{}, false, fail(ErrMalformedBody, nil, err)
	}
	tok := findToken(form, p.cfg.fields, r.Header, p.cfg.header)
	if tok == "" {
		return r2, astracaph.Result{}, false, fail(ErrTokenMissing, nil, nil)
	}
	origin, ok := requestOrigin(r, p.cfg.origin)
	if !ok {
		return r2, astracaph.Result{}, false, fail(ErrOriginUnknown, nil, nil)
	}
	res, hasRes, f := p.v.verify(r.Context(), verifyRequest{
		token: tok, origin: origin, siteKey: p.cfg.siteKey, r: r, form: form, skip: p.cfg.fields,
	})
	if f != nil {
		return r2, res, hasRes, f
	}
	if p.cfg.rejectSpam {
		if f := checkSpam(res); f != nil {
			return r2, res, true, f
		}
	}
	if p.cfg.checkFields {
		if f := checkFields(res, form); f != nil {
			return r2, res, true, f
		}
	}
	return r2, res, true, nil
}

// logFailure records a refusal without the token: outages at error level, the rest at
// debug (refusing bots is routine, and a flood must not flood the logs).
func (p *protector) logFailure(ctx context.Context, r *http.Request, f *Failure) {
	level := slog.LevelDebug
	if f.Err == ErrUnavailable {
		level = slog.LevelError
	}
	attrs := []slog.Attr{
		slog.String("reason", f.Message()), slog.Any("codes", f.Codes),
		slog.String("method", r.Method), slog.String("path", r.URL.Path),
	}
	if f.Cause != nil && f.Err == ErrUnavailable { // other causes may quote the submitted token
		attrs = append(attrs, slog.String("cause", f.Cause.Error()))
	}
	p.cfg.log.LogAttrs(ctx, level, "astracaph: middleware: captcha check failed", attrs...)
}
