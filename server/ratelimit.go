package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/astracat/astracaph/internal/clientip"
)

// allow counts one request of kind for the client in a fixed window kept in the store
// (so the limit holds across servers) and answers 429 with Retry-After when over it.
// A store failure answers 503: the limiter fails closed rather than letting floods in.
func (s *Server) allow(w http.ResponseWriter, r *http.Request, kind string, limit int, window time.Duration) bool {
	if limit <= 0 {
		return true
	}
	win := time.Now().UnixNano() / int64(window)
	key := "rl:" + kind + ":" + clientip.Prefix(s.clientIP(r)) + ":" + strconv.FormatInt(win, 10)
	n, err := s.c.Store().Incr(r.Context(), key, window)
	if err != nil {
		s.cfg.log.ErrorContext(r.Context(), "rate limiter store error", "err", err)
		writeError(w, http.StatusServiceUnavailable, "unavailable", "the service is temporarily unavailable")
		return false
	}
	if n > int64(limit) {
		retry := time.Duration((win+1)*int64(window) - time.Now().UnixNano())
		w.Header().Set("Retry-After", strconv.Itoa(int(retry.Seconds())+1))
		writeError(w, http.StatusTooManyRequests, "rate-limited", "too many requests; retry later")
		return false
	}
	return true
}
