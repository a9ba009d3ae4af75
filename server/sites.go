package server

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/astracat/astracaph"
)

// admin checks the Authorization header when an admin token is configured (401 otherwise).
func (s *Server) admin(w http.ResponseWriter, r *http.Request) bool {
	if s.cfg.adminToken == "" {
		return true
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(s.cfg.adminToken)) != 1 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="astracaph"`)
		writeError(w, http.StatusUnauthorized, "unauthorized", "site registration needs Authorization: Bearer <admin token>")
		return false
	}
	return true
}

func (s *Server) createSite(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if !s.admin(w, r) || !s.allow(w, r, "sites", s.cfg.limits.Sites, time.Hour) {
		return
	}
	var b struct {
		Domain  string   `json:"domain"`
		Name    string   `json:"name"`
		Origins []string `json:"origins"`
		Claim   string   `json:"claim"`
	}
	if err := s.readJSON(w, r, &b); err != nil {
		return
	}
	creds, err := s.c.RegisterSite(r.Context(), astracaph.SiteRequest{Domain: b.Domain, Name: b.Name, Origins: b.Origins, Claim: b.Claim})
	ev := Event{Kind: "sites", Status: http.StatusCreated}
	switch {
	case errors.Is(err, astracaph.ErrExists):
		ev.Status, ev.Error = http.StatusConflict, "site-exists"
		writeError(w, ev.Status, ev.Error, "a site is already registered for this domain; to take it over, prove control of the domain with POST /api/v1/sites/claims and register again with its claimId as \"claim\"")
	case errors.Is(err, astracaph.ErrClaimNotFound):
		ev.Status, ev.Error = http.StatusNotFound, "claim-not-found"
		writeError(w, ev.Status, ev.Error, errMessage(ev.Status, err))
	case errors.Is(err, astracaph.ErrClaimNotProven) || errors.Is(err, astracaph.ErrClaimOtherSite):
		ev.Status, ev.Error = http.StatusForbidden, "claim-not-proven"
		writeError(w, ev.Status, ev.Error, errMessage(ev.Status, err))
	case errors.Is(err, astracaph.ErrInvalidDomain) || (err != nil && isClientSiteError(err)):
		ev.Status, ev.Error = http.StatusBadRequest, "invalid-domain"
		writeError(w, ev.Status, ev.Error, errMessage(ev.Status, err))
	case err != nil:
		ev.Status, ev.Error = s.writeFlowError(w, r, err)
	default:
		writeJSON(w, http.StatusCreated, creds)
	}
	s.emit(r, start, ev)
}

// claimDomain starts a domain claim: the answer says what to publish where.
func (s *Server) claimDomain(w http.ResponseWriter, r *http.Request) {
	if !s.admin(w, r) || !s.allow(w, r, "sites", s.cfg.limits.Sites, time.Hour) {
		return
	}
	var b struct {
		Domain string `json:"domain"`
	}
	if err := s.readJSON(w, r, &b); err != nil {
		return
	}
	cl, err := s.c.ClaimDomain(r.Context(), b.Domain)
	switch {
	case err == nil:
		writeJSON(w, http.StatusCreated, cl)
	case errors.Is(err, astracaph.ErrInvalidDomain):
		writeError(w, http.StatusBadRequest, "invalid-domain", errMessage(http.StatusBadRequest, err))
	default:
		status, code := s.flowError(r, err)
		writeError(w, status, code, errMessage(status, err))
	}
}

func isClientSiteError(err error) bool {
	return !errors.Is(err, astracaph.ErrStore) && !errors.Is(err, astracaph.ErrStoreFull)
}

func (s *Server) deleteSite(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Domain string `json:"domain"`
		Secret string `json:"secret"`
	}
	if err := s.readJSON(w, r, &b); err != nil {
		return
	}
	if b.Domain == "" || b.Secret == "" {
		writeError(w, http.StatusBadRequest, "bad-request", "domain and secret are required")
		return
	}
	err := s.c.DeleteSite(r.Context(), b.Domain, b.Secret)
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, map[string]any{"success": true, "message": "Site deleted"})
	case errors.Is(err, astracaph.ErrForbidden):
		writeError(w, http.StatusForbidden, "forbidden", "the secret does not match this site")
	case errors.Is(err, astracaph.ErrNotFound):
		writeError(w, http.StatusNotFound, "site-not-found", "no site is registered for this domain")
	case errors.Is(err, astracaph.ErrInvalidDomain):
		writeError(w, http.StatusBadRequest, "invalid-domain", errMessage(http.StatusBadRequest, err))
	default:
		status, code := s.flowError(r, err)
		writeError(w, status, code, errMessage(status, err))
	}
}

func (s *Server) getSite(w http.ResponseWriter, r *http.Request) {
	site, err := s.c.GetSite(r.Context(), r.PathValue("siteKey"))
	if err != nil {
		status, code := s.flowError(r, err)
		writeError(w, status, code, errMessage(status, err))
		return
	}
	writeJSON(w, http.StatusOK, site)
}
