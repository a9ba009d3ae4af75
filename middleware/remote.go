package middleware

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/astracat/astracaph"
)

// remoteVerifyPath is the verify endpoint of an AstraCaph server, relative to its base URL.
const remoteVerifyPath = "/public/api/v1/verify"

// maxRemoteResponse bounds the verify answer read: it is a few hundred bytes.
const maxRemoteResponse = 64 << 10

// remoteVerifier verifies tokens with a remote AstraCaph server.
type remoteVerifier struct {
	endpoint string
	secret   string
	client   *http.Client
}

type remoteRequest struct {
	Token  string `json:"token"`
	Secret string `json:"secret"`
	Origin string `json:"origin,omitempty"`
}

// remoteResponse is the verify answer. success is required; everything else is optional.
type remoteResponse struct {
	Success        *bool    `json:"success"`
	Hostname       string   `json:"hostname"`
	SiteKey        string   `json:"siteKey"`
	Score          *float64 `json:"score"`
	ChallengeTS    string   `json:"challenge_ts"`
	ErrorCodes     []string `json:"error-codes"`
	Origin         string   `json:"origin"`
	Classification string   `json:"classification"`
	Reasons        []string `json:"reasons"`
}

func (v *remoteVerifier) verify(ctx context.Context, q verifyRequest) (astracaph.Result, bool, *Failure) {
	body, err := json.Marshal(remoteRequest{Token: q.token, Secret: v.secret, Origin: q.origin})
	if err != nil {
		return astracaph.Result{}, false, fail(ErrUnavailable, nil, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, v.endpoint, bytes.NewReader(body))
	if err != nil {
		return astracaph.Result{}, false, fail(ErrUnavailable, nil, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := v.client.Do(req)
	if err != nil {
		return astracaph.Result{}, false, fail(ErrUnavailable, nil, fmt.Errorf("remote verify: %w", err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxRemoteResponse+1))
	switch {
	case err != nil:
		return astracaph.Result{}, false, fail(ErrUnavailable, nil, fmt.Errorf("remote verify: reading answer: %w", err))
	case resp.StatusCode != http.StatusOK:
		return astracaph.Result{}, false, fail(ErrUnavailable, nil, fmt.Errorf("remote verify: status %d", resp.StatusCode))
	case len(raw) > maxRemoteResponse:
		return astracaph.Result{}, false, fail(ErrUnavailable, nil, errors.New("remote verify: answer too large"))
	}
	res, err := decodeRemote(raw)
	if err != nil {
		return astracaph.Result{}, false, fail(ErrUnavailable, nil, err)
	}
	if !res.Success {
		if slices.Contains(res.ErrorCodes, astracaph.CodeInternalError) {
			return res, true, fail(ErrUnavailable, res.ErrorCodes, errors.New("remote verify: internal error"))
		}
		return res, true, fail(ErrTokenInvalid, res.ErrorCodes, nil)
	}
	// The remote checked this token's signature, so its signed data (fields, fieldsHash,
	// classification) is authentic and the local checks can use it.
	if d, ok := tokenData(q.token); ok {
		res.Data = d
		if res.Classification == "" {
			res.Classification = d.Classification
		}
		if res.Reasons == nil {
			res.Reasons = d.Reasons
		}
		if res.Origin == "" {
			res.Origin = d.Origin
		}
	}
	if res.Origin == "" {
		res.Origin = q.origin
	}
	return res, true, nil
}

// decodeRemote parses a verify answer into a Result.
func decodeRemote(raw []byte) (astracaph.Result, error) {
	var r remoteResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		return astracaph.Result{}, fmt.Errorf("remote verify: malformed answer: %w", err)
	}
	if r.Success == nil {
		return astracaph.Result{}, errors.New("remote verify: answer without success")
	}
	res := astracaph.Result{
		Success: *r.Success, ErrorCodes: r.ErrorCodes, Hostname: r.Hostname, SiteKey: r.SiteKey,
		Origin: r.Origin, Classification: r.Classification, Reasons: r.Reasons,
	}
	if r.Score != nil {
		res.Score = *r.Score
	}
	if r.ChallengeTS != "" {
		if t, err := time.Parse(time.RFC3339Nano, r.ChallengeTS); err == nil {
			res.ChallengeTS = t
		}
	}
	if !res.Success && len(res.ErrorCodes) == 0 {
		res.ErrorCodes = []string{astracaph.CodeInvalidResponse}
	}
	return res, nil
}

// tokenData reads the signed verificationData of a server-signature token without
// checking the signature (the caller knows it was checked).
func tokenData(tok string) (astracaph.VerificationData, bool) {
	d, err := astracaph.DecodeServerPayload(strings.TrimSpace(tok))
	return d, err == nil
}
