package server

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/internal/clientip"
)

// requestOrigin is the browser's Origin header, or the one the body claims when the
// browser sent none (or "null" from a sandboxed frame). A request from this server's own
// origin comes from its own pages (the /captcha/widget frame, the sandbox), which speak for
// the page embedding them: there the claim wins, so a framed widget's token is bound to the
// embedding site rather than to the captcha server. Other pages cannot send this Origin, and
// the frame posts the token to the claimed origin only.
func requestOrigin(r *http.Request, claimed string) string {
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		if claimed != "" && claimed != "null" && ownOrigin(r, o) {
			return claimed
		}
		return o
	}
	if claimed == "null" || (claimed == "" && r.Header.Get("Origin") == "null") {
		// A sandboxed (opaque-origin) frame: when it sits in one of this server's own pages
		// (the sandbox editor), the Referer names that page; bind to this server's origin.
		if ref, err := url.Parse(r.Referer()); err == nil && ref.Host != "" && strings.EqualFold(ref.Host, r.Host) {
			return ref.Scheme + "://" + ref.Host
		}
		return ""
	}
	return claimed
}

// ownOrigin reports whether origin names the host this request was sent to.
func ownOrigin(r *http.Request, origin string) bool {
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}

func (s *Server) getChallenge(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if !s.allow(w, r, "challenge", s.cfg.limits.Challenge, time.Minute) {
		s.emit(r, start, Event{Kind: "challenge", Status: http.StatusTooManyRequests, Error: "rate-limited"})
		return
	}
	q := r.URL.Query()
	siteKey := q.Get("siteKey")
	if siteKey == "" {
		siteKey = q.Get("sitekey")
	}
	req := astracaph.ChallengeRequest{ClientIP: s.clientIP(r), SiteKey: siteKey, Origin: requestOrigin(r, ""), Header: r.Header}
	var (
		out any
		err error
	)
	pol := s.c.Policy(r.Context(), siteKey)
	if q.Get("v") == "1" || pol.PoWVersion == 1 {
		// ChallengeV1 refuses unless v1 is enabled for the server or the site: a client
		// does not get to pick the weaker proof of work (ErrPoWV1Disabled, 400).
		out, err = s.c.ChallengeV1(r.Context(), req)
	} else {
		out, err = s.c.Challenge(r.Context(), req)
	}
	if err != nil {
		status, code := s.writeFlowError(w, r, err)
		s.emit(r, start, Event{Kind: "challenge", Status: status, Error: code})
		return
	}
	if pol.WidgetRequired {
		w.Header().Set("X-Astracaph-Interaction", "required")
	}
	if ch, ok := out.(astracaph.Challenge); ok && pol.PrivateToken {
		out = offerPrivateToken(ch)
	}
	writeJSON(w, http.StatusOK, out)
	s.emit(r, start, Event{Kind: "challenge", Status: http.StatusOK})
}

// writeFlowError answers err as flowError maps it and returns the status and code.
func (s *Server) writeFlowError(w http.ResponseWriter, r *http.Request, err error) (int, string) {
	status, code := s.flowError(r, err)
	writeError(w, status, code, errMessage(status, err))
	return status, code
}

// flowError maps engine errors to HTTP statuses and stable codes; unknown errors are
// infrastructure failures (503), never blamed on the client.
func (s *Server) flowError(r *http.Request, err error) (int, string) {
	switch {
	case errors.Is(err, astracaph.ErrTestPayload):
		return http.StatusBadRequest, "test-payload"
	case errors.Is(err, astracaph.ErrUnknownAlgorithm):
		return http.StatusBadRequest, "unknown-algorithm"
	case errors.Is(err, astracaph.ErrMalformedPayload):
		return http.StatusBadRequest, "invalid-payload"
	case errors.Is(err, astracaph.ErrOriginRequired):
		return http.StatusBadRequest, "origin-required"
	case errors.Is(err, astracaph.ErrPoWV1Disabled):
		return http.StatusBadRequest, "pow-v1-disabled"
	case errors.Is(err, astracaph.ErrNoExpiry):
		return http.StatusBadRequest, "no-expiry"
	case errors.Is(err, astracaph.ErrLifetimeTooLong):
		return http.StatusBadRequest, "lifetime-too-long"
	case errors.Is(err, astracaph.ErrInvalidSolution):
		return http.StatusForbidden, "invalid-solution"
	case errors.Is(err, astracaph.ErrChallengeExpired):
		return http.StatusForbidden, "expired"
	case errors.Is(err, astracaph.ErrChallengeUsed):
		return http.StatusForbidden, "already-used"
	case errors.Is(err, astracaph.ErrSiteMismatch):
		return http.StatusForbidden, "site-mismatch"
	case errors.Is(err, astracaph.ErrOriginNotAllowed):
		return http.StatusForbidden, "origin-not-allowed"
	case errors.Is(err, astracaph.ErrOpenModeDisabled):
		return http.StatusForbidden, "site-key-required"
	case errors.Is(err, astracaph.ErrNotFound):
		return http.StatusNotFound, "site-not-found"
	case errors.Is(err, astracaph.ErrVisualNotFound):
		return http.StatusNotFound, "expired"
	case errors.Is(err, astracaph.ErrVisualUsed):
		return http.StatusNotFound, "already-served"
	case errors.Is(err, astracaph.ErrNoAttemptsLeft):
		return http.StatusForbidden, "no-attempts-left"
	case errors.Is(err, astracaph.ErrWrongAnswer):
		return http.StatusForbidden, "wrong-answer"
	case errors.Is(err, astracaph.ErrVisualRateLimited):
		return http.StatusTooManyRequests, "rate-limited"
	}
	s.cfg.log.ErrorContext(r.Context(), "request failed", "path", r.URL.Path, "err", err)
	return http.StatusServiceUnavailable, "unavailable"
}

// errMessage is the client-facing message of err. Infrastructure failures (503) get a
// generic text: their errors can carry store addresses and internals, which are logged.
func errMessage(status int, err error) string {
	if status >= http.StatusInternalServerError {
		return "the service is temporarily unavailable; retry"
	}
	return strings.TrimPrefix(err.Error(), "astracaph: ")
}

type redeemBody struct {
	Payload   string            `json:"payload"`
	Telemetry json.RawMessage   `json:"telemetry"`
	SiteKey   string            `json:"siteKey"`
	Origin    string            `json:"origin"`
	Fields    map[string]string `json:"fields"`
}

type visualOut struct {
	ID        string              `json:"id"`
	Image     string              `json:"image"`
	Audio     string              `json:"audio"`
	Length    int                 `json:"length"`
	Attempts  int                 `json:"attempts"`
	ExpiresAt int64               `json:"expiresAt"`
	Wait      astracaph.Challenge `json:"wait"`
}

// decisionJSON is the widget-facing shape of a decision. It never carries the score or
// the reason codes: they would tell a bot author which signal to fix. Reasons go to the
// logs, the metrics, the signed token and the backend's verify answer instead.
func decisionJSON(d astracaph.Decision) (int, map[string]any) {
	switch d.Action {
	case astracaph.ActionPass:
		return http.StatusOK, map[string]any{"success": true, "token": d.Token, "expiresAt": d.ExpiresAt.Unix()}
	case astracaph.ActionStepUp:
		v := d.Visual
		base := "/api/v1/challenge/visual/" + v.ID
		return http.StatusOK, map[string]any{"success": false, "step": "visual", "visual": visualOut{
			ID: v.ID, Image: base + "/image.png", Audio: base + "/audio.wav", Length: v.Length, Attempts: v.Attempts,
			ExpiresAt: v.ExpiresAt.Unix(), Wait: v.Wait,
		}}
	}
	return http.StatusForbidden, map[string]any{"success": false, "error": "denied", "message": "verification denied"}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (s *Server) postChallenge(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if !s.allow(w, r, "redeem", s.cfg.limits.Redeem, time.Minute) {
		s.emit(r, start, Event{Kind: "redeem", Status: http.StatusTooManyRequests, Error: "rate-limited"})
		return
	}
	var b redeemBody
	if err := s.readJSON(w, r, &b); err != nil {
		ev := Event{Kind: "redeem", Status: http.StatusBadRequest, Error: "bad-request"}
		var be *bodyError
		if errors.As(err, &be) {
			ev.Status, ev.Error = be.status, be.code
		}
		s.emit(r, start, ev)
		return
	}
	if b.Payload == "" {
		writeError(w, http.StatusBadRequest, "missing-payload", "payload is required")
		s.emit(r, start, Event{Kind: "redeem", Status: http.StatusBadRequest, Error: "missing-payload"})
		return
	}
	d, err := s.c.Redeem(r.Context(), astracaph.RedeemRequest{
		Payload: b.Payload, Telemetry: b.Telemetry, SiteKey: b.SiteKey, Origin: requestOrigin(r, b.Origin),
		ClientIP: s.clientIP(r), Header: r.Header, Fields: b.Fields,
	})
	s.answerDecision(w, r, start, "redeem", d, err)
}

func (s *Server) answerDecision(w http.ResponseWriter, r *http.Request, start time.Time, kind string, d astracaph.Decision, err error) {
	if err != nil {
		status, code := s.flowError(r, err)
		body := map[string]any{"success": false, "error": code, "message": errMessage(status, err)}
		var ve *astracaph.VisualError
		switch {
		case errors.As(err, &ve) && errors.Is(err, astracaph.ErrWrongAnswer):
			body["attemptsLeft"] = ve.AttemptsLeft
		case errors.As(err, &ve) && errors.Is(err, astracaph.ErrVisualRateLimited):
			w.Header().Set("Retry-After", strconv.Itoa(int(ve.RetryAfter.Seconds())+1))
		}
		writeJSON(w, status, body)
		s.emit(r, start, Event{Kind: kind, Status: status, Error: code})
		return
	}
	status, body := decisionJSON(d)
	writeJSON(w, status, body)
	s.logDecision(r, kind, d)
	score := d.Score
	s.emit(r, start, Event{Kind: kind, Status: status, Decision: string(d.Action), Score: &score, Reasons: d.Reasons})
}

// logDecision records why a redemption was decided as it was: the reasons stay on the
// server side (refusals at info, passes at debug).
func (s *Server) logDecision(r *http.Request, kind string, d astracaph.Decision) {
	lvl := slog.LevelInfo
	if d.Action == astracaph.ActionPass {
		lvl = slog.LevelDebug
	}
	s.cfg.log.Log(r.Context(), lvl, "captcha decision", "kind", kind, "decision", string(d.Action), "score", d.Score,
		"reasons", d.Reasons, "client", clientip.Prefix(s.clientIP(r)))
}

func (s *Server) postVisual(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if !s.allow(w, r, "redeem", s.cfg.limits.Redeem, time.Minute) {
		return
	}
	var b struct {
		ID      string `json:"id"`
		Code    string `json:"code"`
		Payload string `json:"payload"`
	}
	if err := s.readJSON(w, r, &b); err != nil {
		return
	}
	if b.ID == "" || (b.Code == "" && b.Payload == "") {
		writeError(w, http.StatusBadRequest, "bad-request", "id and code (or payload) are required")
		return
	}
	d, err := s.c.AnswerVisual(r.Context(), astracaph.VisualAnswer{ID: b.ID, Code: b.Code, Payload: b.Payload, ClientIP: s.clientIP(r)})
	s.answerDecision(w, r, start, "visual", d, err)
}

func (s *Server) getVisualMedia(w http.ResponseWriter, r *http.Request) {
	// The media are single-use: a HEAD (which must be safe) would spend them unseen.
	if r.Method == http.MethodHead {
		w.Header().Set("Allow", http.MethodGet)
		writeError(w, http.StatusMethodNotAllowed, "method-not-allowed", "single-use media: use GET")
		return
	}
	id, file := r.PathValue("id"), r.PathValue("file")
	var (
		body []byte
		err  error
		ct   string
	)
	switch file {
	case "image.png":
		body, err = s.c.VisualImage(r.Context(), id, r.URL.Query().Get("theme") == "dark")
		ct = "image/png"
	case "audio.wav":
		body, err = s.c.VisualAudio(r.Context(), id)
		ct = "audio/wav"
	default:
		writeError(w, http.StatusNotFound, "not-found", "no such resource")
		return
	}
	if err != nil {
		s.writeFlowError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Cache-Control", "no-store")
	// Served whole and once: no range requests, so a media element gets it in one go.
	h.Set("Accept-Ranges", "none")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// altchaVerify is the official ALTCHA widget's verifyUrl contract: it always returns a
// payload on success (widget 2.x hangs without one).
func (s *Server) altchaVerify(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if !s.allow(w, r, "redeem", s.cfg.limits.Redeem, time.Minute) {
		return
	}
	var b struct {
		Payload  string            `json:"payload"`
		Fields   map[string]string `json:"fields"`
		TimeZone string            `json:"timeZone"`
		Code     string            `json:"code"`
		SiteKey  string            `json:"siteKey"`
	}
	if err := s.readJSON(w, r, &b); err != nil {
		return
	}
	siteKey := b.SiteKey
	if siteKey == "" {
		siteKey = r.URL.Query().Get("siteKey")
	}
	d, err := s.c.Redeem(r.Context(), astracaph.RedeemRequest{
		Payload: b.Payload, SiteKey: siteKey, Origin: requestOrigin(r, ""), ClientIP: s.clientIP(r), Header: r.Header, Fields: b.Fields,
	})
	if err != nil {
		status, code := s.flowError(r, err)
		if status == http.StatusServiceUnavailable {
			writeError(w, status, code, errMessage(status, err))
		} else {
			writeJSON(w, http.StatusOK, map[string]any{"verified": false, "reason": code})
		}
		s.emit(r, start, Event{Kind: "redeem", Status: status, Error: code})
		return
	}
	score := d.Score
	ev := Event{Kind: "redeem", Status: http.StatusOK, Decision: string(d.Action), Score: &score, Reasons: d.Reasons}
	s.logDecision(r, "redeem", d)
	if d.Action != astracaph.ActionPass {
		writeJSON(w, http.StatusOK, map[string]any{"verified": false, "reason": string(d.Action)})
		s.emit(r, start, ev)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"verified": true, "payload": d.Token, "expiresAt": d.ExpiresAt.Unix()})
	s.emit(r, start, ev)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if err := s.c.Store().Ping(r.Context()); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "store": "unreachable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "store": "ok"})
}
