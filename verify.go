package astracaph

// Token verification: the last step, run by the site's backend (in-process, through
// middleware.Protect, or over POST /api/v1/verify). A failed verification is an answer in
// Turnstile's vocabulary, not an error; see the package doc.

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/astracat/astracaph/internal/wire"
)

// VerifyTokenOptions says how a token must be bound. At least one of Secret, Origin or
// Domain is required.
type VerifyTokenOptions struct {
	Secret         string // the site secret (sk_live_…), a test secret, or the open secret
	Origin         string // the token must carry this origin
	Domain         string // the token's origin host must equal this domain
	SiteKey        string // optional: the token must belong to this site (hCaptcha sitekey)
	IdempotencyKey string // optional: a retry with the same key re-validates the token
}

// Result is the outcome of Verify.
type Result struct {
	Success        bool
	Expired        bool     // the failure was an expired token (hCaptcha reports it apart)
	ErrorCodes     []string // Turnstile vocabulary: invalid-input-response, timeout-or-duplicate, …
	Hostname       string
	Origin         string
	SiteKey        string
	Score          float64
	Reasons        []string
	Classification string
	ChallengeTS    time.Time
	Data           VerificationData
}

// Verification error codes (Turnstile's vocabulary, plus hCaptcha's sitekey mismatch).
const (
	CodeMissingSecret    = "missing-input-secret"
	CodeInvalidSecret    = "invalid-input-secret"
	CodeMissingResponse  = "missing-input-response"
	CodeInvalidResponse  = "invalid-input-response"
	CodeTimeoutDuplicate = "timeout-or-duplicate"
	CodeSiteKeyMismatch  = "sitekey-secret-mismatch"
	CodeOriginMismatch   = "origin-mismatch"
	CodeInternalError    = "internal-error"
)

func failed(code string) Result { return Result{ErrorCodes: []string{code}} }

// Verify checks a token's signature, expiry and binding, then consumes it: it succeeds
// once. A store failure returns an error (and the token stays unspent).
func (c *Captcha) Verify(ctx context.Context, token string, o VerifyTokenOptions) (Result, error) {
	switch o.Secret {
	case TestSecretPass:
		return Result{Success: true, Hostname: "example.com", ChallengeTS: c.now(), Score: 1}, nil
	case TestSecretFail:
		return failed(CodeInvalidResponse), nil
	case TestSecretSpent:
		return failed(CodeTimeoutDuplicate), nil
	}
	if token == "" {
		return failed(CodeMissingResponse), nil
	}
	if token == TestToken || len(token) > maxPayloadLen {
		return failed(CodeInvalidResponse), nil
	}
	// One scratch for the whole check: raw.span (the signed text inside its buffer) stays
	// valid for the signature; raw.data and claimed are cut from its arena (arena.go).
	sc := getScratch()
	defer putScratch(sc)
	var (
		raw     rawServerPayload
		claimed VerificationData
	)
	if err := sc.decodeServerToken(token, &raw, &claimed); err != nil || claimed.ID == "" || !c.minted(sc, raw.data, claimed.ID) {
		// No mint proof: not a token this server (or one sharing its master secret) issued,
		// whatever key signed it.
		return failed(CodeInvalidResponse), nil
	}
	keys, code, err := c.bindingKeys(ctx, claimed, o)
	if err != nil || code != "" {
		return failed(code), err
	}
	var res ServerSignatureResult
	now := c.now()
	for _, k := range keys {
		res = ServerSignatureResult{VerificationData: claimed}
		if sc.checkServerSignature(&raw, k, now, &res); !res.InvalidSignature {
			break
		}
	}
	switch {
	case res.InvalidSignature || res.InvalidSolution || res.RawData != raw.data:
		// (RawData differs when the signature matched the payload's other text reading:
		// the mint proof was checked on this one, so only this one may be trusted.)
		return failed(CodeInvalidResponse), nil
	case res.Expired:
		r := failed(CodeTimeoutDuplicate)
		r.Expired = true
		return r, nil
	}
	d := res.VerificationData
	// Without an idempotency key the stored value is "", which no retry can present.
	idem := o.IdempotencyKey
	ttl := d.Expire.Sub(c.now()) + time.Minute
	if d.Expire.IsZero() {
		ttl = c.tokenTTL + time.Minute
	}
	base, _, _ := strings.Cut(d.ID, ".")
	issued, _ := wire.IDIssued(base)
	first, stored, err := c.store.ConsumeOnce(ctx, "tk:"+d.ID, idem, issued, ttl)
	if errors.Is(err, ErrBeforeEpoch) {
		// Issued before the store's memory starts: it may have been spent already.
		r := failed(CodeTimeoutDuplicate)
		r.Expired = true
		return r, nil
	}
	if err != nil {
		return failed(CodeInternalError), fmt.Errorf("astracaph: recording token use: %w", err)
	}
	if !first && (o.IdempotencyKey == "" || subtle.ConstantTimeCompare([]byte(stored), []byte(o.IdempotencyKey)) != 1) {
		return failed(CodeTimeoutDuplicate), nil
	}
	return Result{
		Success: true, Hostname: originHost(d.Origin), Origin: d.Origin, SiteKey: d.Site, Score: d.Score,
		Reasons: d.Reasons, Classification: d.Classification, ChallengeTS: d.Time, Data: d,
	}, nil
}

// bindingKeys checks how the caller binds the token and returns the keys it may be
// signed with, or an error code. Every binding the caller names must hold: a secret and an
// origin (or domain) are both checked. A token that names a site verifies by origin or
// domain only for an origin of that site, so a token of one site can never pass as
// another site's.
func (c *Captcha) bindingKeys(ctx context.Context, d VerificationData, o VerifyTokenOptions) ([][]byte, string, error) {
	if o.Secret == "" && o.Origin == "" && o.Domain == "" {
		return nil, CodeMissingSecret, nil
	}
	if o.SiteKey != "" && o.SiteKey != d.Site {
		return nil, CodeSiteKeyMismatch, nil
	}
	originOK := func() bool {
		switch {
		case o.Origin != "" && o.Origin != d.Origin: // equal: already canonical, skip parsing
			n, err := NormalizeOrigin(o.Origin)
			if err != nil || n != d.Origin {
				return false
			}
		case o.Domain != "":
			n, err := normalizeDomain(o.Domain)
			if err != nil || n != originHost(d.Origin) {
				return false
			}
		}
		return true
	}
	if d.Site == "" {
		if o.Secret != "" && subtle.ConstantTimeCompare([]byte(o.Secret), c.openKey) != 1 {
			return nil, CodeInvalidSecret, nil
		}
		if !originOK() {
			return nil, CodeOriginMismatch, nil
		}
		return [][]byte{c.openKey}, "", nil
	}
	r, err := c.store.GetSite(ctx, d.Site)
	if errors.Is(err, ErrNotFound) {
		if o.Secret != "" {
			return nil, CodeInvalidSecret, nil
		}
		return nil, CodeInvalidResponse, nil
	}
	if err != nil {
		return nil, CodeInternalError, err
	}
	if o.Secret != "" && !c.secretMatches(r, o.Secret) {
		return nil, CodeInvalidSecret, nil
	}
	if !originOK() || (o.Secret == "" && !originAllowed(r, d.Origin)) {
		return nil, CodeOriginMismatch, nil
	}
	keys, err := c.siteKeys(r)
	if err != nil {
		return nil, CodeInternalError, err
	}
	return keys, "", nil
}
