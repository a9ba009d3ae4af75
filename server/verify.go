package server

import (
	"net/http"
	"time"

	"github.com/astracat/astracaph"
)

// verifyOK is the success body of the verify endpoints (a struct: cheaper than a map).
type verifyOK struct {
	Success        bool     `json:"success"`
	Message        string   `json:"message"`
	Hostname       string   `json:"hostname"`
	SiteKey        string   `json:"siteKey"`
	Score          float64  `json:"score"`
	ChallengeTS    string   `json:"challenge_ts"`
	Reasons        []string `json:"reasons"`
	Classification string   `json:"classification"`
}

type verifyBody struct {
	Token     string `json:"token"`
	Origin    string `json:"origin"`
	Domain    string `json:"domain"`
	Secret    string `json:"secret"`
	SecretKey string `json:"secretKey"`
}

var codeMessages = map[string]string{
	astracaph.CodeMissingSecret:    "a secret, origin or domain is required",
	astracaph.CodeInvalidSecret:    "the secret does not match the token's site",
	astracaph.CodeMissingResponse:  "the token is missing",
	astracaph.CodeInvalidResponse:  "the token is invalid",
	astracaph.CodeTimeoutDuplicate: "the token has expired or was already used",
	astracaph.CodeSiteKeyMismatch:  "the token belongs to another site",
	astracaph.CodeOriginMismatch:   "the token was issued for another origin",
	astracaph.CodeInternalError:    "internal error; retry",
}

func (s *Server) postVerify(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	var b verifyBody
	if err := s.readJSON(w, r, &b); err != nil {
		return
	}
	if b.Secret == "" {
		b.Secret = b.SecretKey
	}
	if b.Token == "" {
		writeJSON(w, http.StatusBadRequest, apiError{Error: astracaph.CodeMissingResponse, Message: codeMessages[astracaph.CodeMissingResponse], ErrorCodes: []string{astracaph.CodeMissingResponse}})
		return
	}
	if b.Secret == "" && len(s.cfg.verifyTrusted) > 0 && !inPrefixes(s.clientIP(r), s.cfg.verifyTrusted) {
		writeJSON(w, http.StatusForbidden, apiError{Error: "forbidden", Message: "verification without a secret is only allowed from trusted addresses", ErrorCodes: []string{astracaph.CodeMissingSecret}})
		return
	}
	res, err := s.c.Verify(r.Context(), b.Token, astracaph.VerifyTokenOptions{Secret: b.Secret, Origin: b.Origin, Domain: b.Domain})
	if err != nil {
		s.cfg.log.ErrorContext(r.Context(), "verify failed", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, apiError{Error: "unavailable", Message: "verification is temporarily unavailable; the token was not consumed", ErrorCodes: []string{astracaph.CodeInternalError}})
		s.emit(r, start, Event{Kind: "verify", Status: http.StatusServiceUnavailable, Error: "unavailable"})
		return
	}
	if !res.Success {
		code := res.ErrorCodes[0]
		writeJSON(w, http.StatusOK, map[string]any{"success": false, "error": code, "message": codeMessages[code], "error-codes": res.ErrorCodes})
		s.emit(r, start, Event{Kind: "verify", Status: http.StatusOK, Decision: "fail", Error: code})
		return
	}
	writeJSON(w, http.StatusOK, verifyOK{
		Success: true, Message: "Verification successful", Hostname: res.Hostname, SiteKey: res.SiteKey,
		Score: res.Score, ChallengeTS: res.ChallengeTS.UTC().Format(time.RFC3339), Reasons: nonNil(res.Reasons),
		Classification: res.Classification,
	})
	score := res.Score
	s.emit(r, start, Event{Kind: "verify", Status: http.StatusOK, Decision: "success", Score: &score, Reasons: res.Reasons})
}

// dialectCode maps canonical codes to each vendor's vocabulary.
func dialectCode(dialect, code string, expired bool) string {
	if dialect == "hcaptcha" {
		switch code {
		case astracaph.CodeTimeoutDuplicate:
			if expired {
				return "expired-input-response"
			}
			return "already-seen-response"
		case astracaph.CodeOriginMismatch:
			return astracaph.CodeInvalidResponse
		}
	}
	if code == astracaph.CodeOriginMismatch {
		return astracaph.CodeInvalidResponse
	}
	return code
}

// siteverify answers the Turnstile / reCAPTCHA / hCaptcha siteverify contract with the
// union response of docs/protocol-notes.md, "Siteverify contracts": token failures are 200 with success:false; missing or
// wrong secrets and malformed requests are 4xx.
func (s *Server) siteverify(dialect string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		f, err := s.readForm(w, r)
		if err != nil {
			return
		}
		expired := false
		fail := func(status int, codes ...string) {
			for i, c := range codes {
				codes[i] = dialectCode(dialect, c, expired)
			}
			writeJSON(w, status, map[string]any{"success": false, "error-codes": codes})
			s.emit(r, start, Event{Kind: "siteverify", Status: status, Decision: "fail", Error: codes[0]})
		}
		secret, response := f["secret"], f["response"]
		switch {
		case secret == "":
			fail(http.StatusUnauthorized, astracaph.CodeMissingSecret)
			return
		case response == "":
			fail(http.StatusBadRequest, astracaph.CodeMissingResponse)
			return
		case len(response) > 16<<10:
			fail(http.StatusBadRequest, "bad-request")
			return
		}
		res, err := s.c.Verify(r.Context(), response, astracaph.VerifyTokenOptions{Secret: secret, SiteKey: f["sitekey"], IdempotencyKey: f["idempotency_key"]})
		if err != nil {
			s.cfg.log.ErrorContext(r.Context(), "siteverify failed", "err", err)
			fail(http.StatusServiceUnavailable, astracaph.CodeInternalError)
			return
		}
		if !res.Success {
			if res.ErrorCodes[0] == astracaph.CodeInvalidSecret {
				fail(http.StatusForbidden, astracaph.CodeInvalidSecret)
				return
			}
			expired = res.Expired
			fail(http.StatusOK, res.ErrorCodes...)
			return
		}
		body := map[string]any{
			"success": true, "challenge_ts": res.ChallengeTS.UTC().Format(time.RFC3339), "hostname": res.Hostname,
			"error-codes": []string{}, "score": res.Score, "score_reason": nonNil(res.Reasons),
		}
		if dialect == "turnstile" {
			body["action"] = res.Data.Extra["action"]
			body["cdata"] = res.Data.Extra["cdata"]
			body["metadata"] = map[string]any{}
		}
		if dialect == "recaptcha" {
			body["action"] = res.Data.Extra["action"]
		}
		writeJSON(w, http.StatusOK, body)
		score := res.Score
		s.emit(r, start, Event{Kind: "siteverify", Status: http.StatusOK, Decision: "success", Score: &score, Reasons: res.Reasons})
	}
}

func (s *Server) verifySignature(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Payload string `json:"payload"`
		Secret  string `json:"secret"`
	}
	if err := s.readJSON(w, r, &b); err != nil {
		return
	}
	if b.Payload == "" || b.Secret == "" {
		writeError(w, http.StatusBadRequest, "bad-request", "payload and secret are required")
		return
	}
	res, err := astracaph.VerifyServerSignature(b.Payload, []byte(b.Secret))
	if err != nil {
		writeJSON(w, http.StatusOK, map[string]any{"verified": false, "reason": "invalid-payload"})
		return
	}
	out := map[string]any{"verified": res.Verified}
	switch {
	case res.InvalidSignature:
		out["reason"] = "invalid-signature"
	case res.Expired:
		out["reason"] = "expired"
	case res.InvalidSolution:
		out["reason"] = "not-verified"
	}
	if res.Verified {
		d := res.VerificationData
		vd := map[string]any{"id": d.ID, "verified": d.Verified, "origin": d.Origin, "site": d.Site, "score": d.Score,
			"reasons": nonNil(d.Reasons), "classification": d.Classification, "time": d.Time.Unix(), "expire": d.Expire.Unix()}
		if len(d.Fields) > 0 {
			vd["fields"], vd["fieldsHash"] = d.Fields, d.FieldsHash
		}
		out["verificationData"] = vd
	}
	writeJSON(w, http.StatusOK, out)
}
