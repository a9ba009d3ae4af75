package middleware

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// errorBody is the JSON answer of the default error handler.
type errorBody struct {
	Success    bool     `json:"success"`
	Error      string   `json:"error"`
	Message    string   `json:"message"`
	ErrorCodes []string `json:"error-codes"`
}

// defaultErrorHandler answers StatusCode(reason) with a JSON body when Accept prefers
// JSON, else a short text/plain body. Causes (store, network errors) are never shown.
func defaultErrorHandler(w http.ResponseWriter, r *http.Request) {
	err := FailureReason(r)
	f, ok := errors.AsType[*Failure](err)
	if !ok {
		f = fail(ErrTokenInvalid, nil, err) // called outside Protect: still refuse
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	status := StatusCode(f)
	if prefersJSON(r.Header.Values("Accept")) {
		h.Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(errorBody{Error: "captcha-failed", Message: f.Message(), ErrorCodes: f.Codes})
		return
	}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte("captcha verification failed: " + f.Message() + " (" + strings.Join(f.Codes, ", ") + ")\n"))
}

// prefersJSON reports whether the media range with the highest quality (the first one on a
// tie) is JSON: application/json or a +json type. "*/*" alone means text.
func prefersJSON(accept []string) bool {
	bestQ, best := 0.0, ""
	for _, line := range accept {
		for part := range strings.SplitSeq(line, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			q := 1.0
			if s, ok := params["q"]; ok {
				if q, err = strconv.ParseFloat(s, 64); err != nil || q < 0 || q > 1 {
					continue
				}
			}
			if q > bestQ {
				bestQ, best = q, mt
			}
		}
	}
	return best == "application/json" || strings.HasPrefix(best, "application/") && strings.HasSuffix(best, "+json")
}
