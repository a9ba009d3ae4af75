package server

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/internal/clientip"
	"github.com/astracat/astracaph/privacypass"
)

// Private Access Tokens (docs/privacypass.md): a challenge offers the private-token route
// when Privacy Pass is on; the widget asks it for a site token, the server answers 401 with
// WWW-Authenticate: PrivateToken, and a browser that can (Safari) retries with a token.

// routePrivateToken redeems a Private Access Token for a challenge.
const routePrivateToken = "/api/v1/challenge/private-token"

// offerPrivateToken adds the field our widget reads to a challenge (ALTCHA widgets ignore
// fields they do not know).
func offerPrivateToken(ch astracaph.Challenge) json.RawMessage {
	b, _ := json.Marshal(ch) // Challenge.MarshalJSON cannot fail
	b = append(b[:len(b)-1], `,"privateToken":{"url":"`+routePrivateToken+`"}}`...)
	return b
}

// getPrivateToken: without an Authorization: PrivateToken credential, 401 with the issuers'
// challenges for the PoW challenge in ?challenge=; with one, a site token (200) or a
// refusal that says nothing of why (403).
func (s *Server) getPrivateToken(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	const kind = "privatetoken"
	if r.Method == http.MethodHead {
		// A HEAD would spend the token and drop the site token with the body.
		w.Header().Set("Allow", http.MethodGet)
		writeError(w, http.StatusMethodNotAllowed, "method-not-allowed", "redeems a token: use GET")
		return
	}
	if !s.allow(w, r, kind, s.cfg.limits.Redeem, time.Minute) {
		s.emit(r, start, Event{Kind: kind, Status: http.StatusTooManyRequests, Error: "rate-limited"})
		return
	}
	q := r.URL.Query()
	raw, err := decodeChallengeParam(q.Get("challenge"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid-challenge", "challenge must be the base64url of the challenge JSON")
		s.emit(r, start, Event{Kind: kind, Status: http.StatusBadRequest, Error: "invalid-challenge"})
		return
	}
	siteKey := q.Get("siteKey")
	if siteKey == "" {
		siteKey = q.Get("sitekey")
	}
	req := astracaph.PrivateTokenRequest{
		Challenge: raw, SiteKey: siteKey, Origin: requestOrigin(r, q.Get("origin")), Host: r.Host, ClientIP: s.clientIP(r),
	}
	tok, err := privacypass.TokenFromRequest(r)
	if errors.Is(err, privacypass.ErrNoToken) {
		hdr, err := s.c.PrivateTokenChallenge(r.Context(), req)
		if err != nil {
			s.privateTokenRefused(w, r, start, err)
			return
		}
		w.Header().Set("WWW-Authenticate", hdr)
		writeError(w, http.StatusUnauthorized, "private-token-required", "present a Private Access Token, or solve the proof of work")
		s.emit(r, start, Event{Kind: kind, Status: http.StatusUnauthorized, Error: "private-token-required"})
		return
	}
	if err != nil {
		s.privateTokenRefused(w, r, start, fmt.Errorf("%w: %w", astracaph.ErrPrivateTokenInvalid, err))
		return
	}
	req.Token = tok
	d, err := s.c.RedeemPrivateToken(r.Context(), req)
	if err != nil {
		s.privateTokenRefused(w, r, start, err)
		return
	}
	// Like a PoW redemption's answer: no score, no reasons (docs/security.md).
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "token": d.Token, "expiresAt": d.ExpiresAt.Unix()})
	s.logDecision(r, kind, d)
	score := d.Score
	s.emit(r, start, Event{Kind: kind, Status: http.StatusOK, Decision: string(d.Action), Score: &score, Reasons: d.Reasons})
}

// privateTokenRefused answers a request that earns no token. The client learns that it must
// solve the proof of work, never which check failed: that goes to the log.
func (s *Server) privateTokenRefused(w http.ResponseWriter, r *http.Request, start time.Time, err error) {
	status, code, msg, lvl := http.StatusForbidden, "private-token-invalid", "no token accepted: solve the proof of work", slog.LevelInfo
	switch {
	case errors.Is(err, astracaph.ErrPrivateTokenInvalid):
	case errors.Is(err, astracaph.ErrPrivateTokenUnavailable):
		status, code, msg, lvl = http.StatusNotFound, "private-token-unavailable", "private access tokens are not available: solve the proof of work", slog.LevelDebug
	case errors.Is(err, astracaph.ErrMalformedPayload):
		status, code, msg = http.StatusBadRequest, "invalid-challenge", "the challenge is not a challenge of this server"
	default:
		if st, _ := s.flowError(r, err); st >= http.StatusInternalServerError { // logged there
			writeError(w, http.StatusServiceUnavailable, "unavailable", errMessage(st, err))
			s.emit(r, start, Event{Kind: "privatetoken", Status: http.StatusServiceUnavailable, Error: "unavailable"})
			return
		}
	}
	s.cfg.log.Log(r.Context(), lvl, "private token refused", "reason", err, "client", clientip.Prefix(s.clientIP(r)))
	writeError(w, status, code, msg)
	s.emit(r, start, Event{Kind: "privatetoken", Status: status, Error: code})
}

// decodeChallengeParam reads ?challenge=: base64url (padded or not) of the challenge JSON
// as the widget received it, bounded like a payload.
func decodeChallengeParam(v string) (string, error) {
	if v == "" || len(v) > 16<<10 {
		return "", errors.New("astracaph: server: missing or over-long challenge")
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(v, "="))
	return string(b), err
}
