package server

import (
	"errors"
	"net/http"
	"time"

	"github.com/astracat/astracaph"
)

// getEnvProof serves the environment check of one challenge (GET
// /api/v1/challenge/proof.js?id=<binding id>): a generated classic script, loaded by the
// widget from this origin like widget.js, so a strict CSP needs nothing more. It is never
// cached: each challenge has its own.
func (s *Server) getEnvProof(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, "proof", s.cfg.limits.Challenge, time.Minute) {
		return
	}
	js, _, err := s.c.EnvProof(r.URL.Query().Get("id"))
	if errors.Is(err, astracaph.ErrBadProofID) {
		writeError(w, http.StatusBadRequest, "bad-request", "id must be a challenge id")
		return
	}
	if err != nil {
		s.writeFlowError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin") // embedders load it from their pages
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(js)
	}
}
