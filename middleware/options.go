package middleware

import (
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// DefaultMaxBodyBytes bounds the request body Protect buffers (10 MiB).
const DefaultMaxBodyBytes int64 = 10 << 20

// DefaultHeaderName is the request header read when no form field carries a token.
const DefaultHeaderName = "X-AstraCaph-Token"

// defaultFieldNames are the form fields searched for a token, in order: AstraCaph's own,
// the official ALTCHA widget's, then the drop-in names of Turnstile, hCaptcha and
// reCAPTCHA, so a site switching to AstraCaph keeps its templates.
var defaultFieldNames = []string{"astracaph-response", "altcha", "cf-turnstile-response", "h-captcha-response", "g-recaptcha-response"}

// Option configures Protect.
type Option func(*config)

type config struct {
	fields       []string
	header       string
	origin       string
	siteKey      string
	errorHandler http.Handler
	skip         func(*http.Request) bool
	methods      map[string]bool
	log          *slog.Logger
	maxBody      int64
	rejectSpam   bool
	checkFields  bool
	remote       *remoteVerifier
}

func defaultConfig() config {
	return config{
		fields:       defaultFieldNames,
		header:       DefaultHeaderName,
		errorHandler: http.HandlerFunc(defaultErrorHandler),
		methods:      methodSet(http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete),
		maxBody:      DefaultMaxBodyBytes,
	}
}

func methodSet(ms ...string) map[string]bool {
	s := make(map[string]bool, len(ms))
	for _, m := range ms {
		s[strings.ToUpper(strings.TrimSpace(m))] = true
	}
	return s
}

// WithFieldNames replaces the form fields searched for a token, in order. The default is
// astracaph-response, altcha, cf-turnstile-response, h-captcha-response,
// g-recaptcha-response.
func WithFieldNames(names ...string) Option {
	return func(c *config) { c.fields = append([]string(nil), names...) }
}

// WithHeaderName replaces the header read when no form field carries a token
// (DefaultHeaderName). An empty name disables the header.
func WithHeaderName(name string) Option {
	return func(c *config) { c.header = name }
}

// WithExpectedOrigin sets the origin tokens must be bound to (for example
// "https://shop.example.com"). It takes precedence over the request's Origin and Referer
// headers, which is what non-browser clients and proxies that strip them need.
func WithExpectedOrigin(origin string) Option {
	return func(c *config) { c.origin = origin }
}

// WithSiteKey requires tokens (and raw ALTCHA payloads) to belong to this site. Ignored
// in remote mode, where the secret identifies the site.
func WithSiteKey(key string) Option {
	return func(c *config) { c.siteKey = key }
}

// WithErrorHandler replaces the handler called when a check fails. It can read the
// reason with FailureReason and the status the default would use with StatusCode.
func WithErrorHandler(h http.Handler) Option {
	return func(c *config) {
		if h != nil {
			c.errorHandler = h
		}
	}
}

// WithSkip exempts requests for which f returns true: they reach the wrapped handler
// untouched.
func WithSkip(f func(*http.Request) bool) Option {
	return func(c *config) { c.skip = f }
}

// WithMethods replaces the protected methods (default POST, PUT, PATCH, DELETE). Requests
// with other methods pass through untouched.
func WithMethods(methods ...string) Option {
	return func(c *config) { c.methods = methodSet(methods...) }
}

// WithLogger sets the logger for failed checks (default: the Captcha's logger, or discard
// in remote mode). Refusals are logged at debug level, outages at error level; tokens and
// secrets never are.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.log = l
		}
	}
}

// WithMaxBodyBytes bounds the body buffered in memory (default DefaultMaxBodyBytes).
// Larger bodies fail with ErrBodyTooLarge (413).
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) {
		if n > 0 {
			c.maxBody = n
		}
	}
}

// WithRejectSpam fails requests whose token carries the spam classification "BAD".
func WithRejectSpam() Option {
	return func(c *config) { c.rejectSpam = true }
}

// WithCheckFieldsHash fails requests whose token carries fields and fieldsHash that do not
// match the submitted form: the form was changed after the widget hashed it.
func WithCheckFieldsHash() Option {
	return func(c *config) { c.checkFields = true }
}

// WithRemote verifies tokens against a remote AstraCaph server (POST
// {url}/public/api/v1/verify with the site secret) instead of the in-process engine;
// Protect's *Captcha may then be nil. client defaults to an http.Client with a 10-second timeout. Any failure to get a
// clear answer (timeout, non-200 status, malformed JSON, or "internal-error") fails closed
// with ErrUnavailable. A raw ALTCHA payload is forwarded as it is: the remote decides.
func WithRemote(url, secret string, client *http.Client) Option {
	return func(c *config) {
		if client == nil {
			client = &http.Client{Timeout: 10 * time.Second}
		}
		c.remote = &remoteVerifier{endpoint: strings.TrimRight(url, "/") + remoteVerifyPath, secret: secret, client: client}
	}
}
