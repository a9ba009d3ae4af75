package middleware

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"

	"github.com/astracat/astracaph"
)

// verifier verifies and consumes one token bound to origin. It returns the result when it
// has one (also on some failures) and a *Failure when the request must be refused.
type verifier interface {
	verify(ctx context.Context, q verifyRequest) (astracaph.Result, bool, *Failure)
}

type verifyRequest struct {
	token   string
	origin  string
	siteKey string
	r       *http.Request
	form    url.Values
	skip    []string // token field names, not passed to the spam filter
}

// engineVerifier verifies in-process with a *Captcha.
type engineVerifier struct{ c *astracaph.Captcha }

func (v *engineVerifier) verify(ctx context.Context, q verifyRequest) (astracaph.Result, bool, *Failure) {
	tok := q.token
	if !astracaph.IsServerPayload(tok) {
		// A raw PoW payload: the official ALTCHA widget without a verifyUrl. Redeem it
		// (consuming the challenge) and verify the token it earns in the same step.
		d, err := v.c.Redeem(ctx, astracaph.RedeemRequest{
			Payload: tok, SiteKey: q.siteKey, Origin: q.origin, ClientIP: clientIP(q.r),
			Header: q.r.Header, Fields: spamFields(q.form, q.skip),
		})
		if err != nil {
			return astracaph.Result{}, false, redeemFailure(err)
		}
		if d.Action != astracaph.ActionPass {
			res := astracaph.Result{Score: d.Score, Reasons: d.Reasons, Classification: d.Classification}
			return res, true, fail(ErrDenied, d.Reasons, nil)
		}
		tok = d.Token
	}
	res, err := v.c.Verify(ctx, tok, astracaph.VerifyTokenOptions{Origin: q.origin, SiteKey: q.siteKey})
	if err != nil {
		return res, true, fail(ErrUnavailable, res.ErrorCodes, err)
	}
	if !res.Success {
		return res, true, fail(ErrTokenInvalid, res.ErrorCodes, nil)
	}
	return res, true, nil
}

// redeemFailure maps Redeem's refusals to ErrTokenInvalid with a Turnstile code; any other
// error (store, risk engine) is an outage and fails closed with ErrUnavailable.
func redeemFailure(err error) *Failure {
	code := ""
	switch {
	case errors.Is(err, astracaph.ErrChallengeUsed), errors.Is(err, astracaph.ErrChallengeExpired):
		code = astracaph.CodeTimeoutDuplicate
	case errors.Is(err, astracaph.ErrOriginNotAllowed), errors.Is(err, astracaph.ErrOriginRequired):
		code = astracaph.CodeOriginMismatch
	case errors.Is(err, astracaph.ErrSiteMismatch):
		code = astracaph.CodeSiteKeyMismatch
	case errors.Is(err, astracaph.ErrInvalidSolution), errors.Is(err, astracaph.ErrMalformedPayload),
		errors.Is(err, astracaph.ErrTestPayload), errors.Is(err, astracaph.ErrUnknownAlgorithm),
		errors.Is(err, astracaph.ErrNotFound), errors.Is(err, astracaph.ErrOpenModeDisabled):
		code = astracaph.CodeInvalidResponse
	default:
		return fail(ErrUnavailable, nil, err)
	}
	return fail(ErrTokenInvalid, []string{code}, err)
}

// clientIP is the peer address. Behind a reverse proxy it is the proxy's: the middleware
// does not trust forwarding headers it cannot authenticate.
func clientIP(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// spamFields is the first value of every form field except the token fields.
func spamFields(form url.Values, skip []string) map[string]string {
	if len(form) == 0 {
		return nil
	}
	m := make(map[string]string, len(form))
	for k, vs := range form {
		if len(vs) > 0 && !slices.Contains(skip, k) {
			m[k] = vs[0]
		}
	}
	return m
}

// checkSpam fails a token the spam filter classified BAD.
func checkSpam(res astracaph.Result) *Failure {
	c := res.Classification
	if c == "" {
		c = res.Data.Classification
	}
	if strings.EqualFold(c, "BAD") {
		return fail(ErrSpam, nil, nil)
	}
	return nil
}

// checkFields compares the fields hash the token carries with the submitted form. A token
// with only one of fields and fieldsHash fails: it cannot be checked.
func checkFields(res astracaph.Result, form url.Values) *Failure {
	d := res.Data
	if len(d.Fields) == 0 && d.FieldsHash == "" {
		return nil
	}
	alg, ok := hashAlgorithm(d.FieldsHash)
	if len(d.Fields) == 0 || !ok {
		return fail(ErrFieldsMismatch, nil, nil)
	}
	if match, err := astracaph.VerifyFieldsHash(form, d.Fields, strings.ToLower(d.FieldsHash), alg); err != nil || !match {
		return fail(ErrFieldsMismatch, nil, err)
	}
	return nil
}

// hashAlgorithm infers the digest from the hex length: the token does not name it.
func hashAlgorithm(hexHash string) (astracaph.Algorithm, bool) {
	switch len(hexHash) {
	case 40:
		return astracaph.SHA1, true
	case 64:
		return astracaph.SHA256, true
	case 96:
		return astracaph.SHA384, true
	case 128:
		return astracaph.SHA512, true
	}
	return "", false
}
