package server

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"sort"
	"strings"
)

// writeJSON writes v with status; API responses are never cached.
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// apiError is the JSON error body of every endpoint.
type apiError struct {
	Success    bool     `json:"success"`
	Error      string   `json:"error"`
	Message    string   `json:"message"`
	ErrorCodes []string `json:"error-codes,omitempty"`
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, apiError{Error: code, Message: msg})
}

// methods dispatches on the request method, answering others with a JSON 405 and Allow.
func methods(m map[string]http.HandlerFunc) http.Handler {
	allow := make([]string, 0, len(m)+1)
	for k := range m {
		allow = append(allow, k)
	}
	if _, ok := m[http.MethodGet]; ok {
		allow = append(allow, http.MethodHead)
	}
	sort.Strings(allow)
	allowed := strings.Join(allow, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method := r.Method
		if method == http.MethodHead {
			method = http.MethodGet
		}
		if h, ok := m[method]; ok {
			h(w, r)
			return
		}
		w.Header().Set("Allow", allowed)
		writeError(w, http.StatusMethodNotAllowed, "method-not-allowed", "method "+r.Method+" is not allowed here; allowed: "+allowed)
	})
}

// bodyError is returned by readJSON and readForm once they have answered the request;
// it carries that answer's status and code for events.
type bodyError struct {
	status int
	code   string
}

func (e *bodyError) Error() string { return "astracaph: server: body rejected: " + e.code }

// rejectBody answers a bad body and returns the matching *bodyError.
func rejectBody(w http.ResponseWriter, status int, code, msg string) error {
	writeError(w, status, code, msg)
	return &bodyError{status: status, code: code}
}

// readJSON decodes a JSON body into v, answering 415, 413 or 400 itself.
func (s *Server) readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if !isContentType(r, "application/json") {
		return rejectBody(w, http.StatusUnsupportedMediaType, "unsupported-media-type", "send the body as application/json")
	}
	// Reading the whole (limited) body and unmarshalling it is cheaper than a streaming
	// decoder for the small documents of this API.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return rejectBody(w, http.StatusRequestEntityTooLarge, "body-too-large", "request body is larger than the limit")
		}
		return rejectBody(w, http.StatusBadRequest, "bad-request", "could not read the request body")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return rejectBody(w, http.StatusBadRequest, "bad-request", "invalid JSON body: "+err.Error())
	}
	return nil
}

// readForm decodes a JSON or urlencoded/multipart body into a flat map of strings.
func (s *Server) readForm(w http.ResponseWriter, r *http.Request) (map[string]string, error) {
	if isContentType(r, "application/json") {
		var raw map[string]any
		if err := s.readJSON(w, r, &raw); err != nil {
			return nil, err
		}
		out := make(map[string]string, len(raw))
		for k, v := range raw {
			switch x := v.(type) {
			case string:
				out[k] = x
			case float64, bool:
				b, _ := json.Marshal(x)
				out[k] = string(b)
			}
		}
		return out, nil
	}
	if !isContentType(r, "application/x-www-form-urlencoded") && !isContentType(r, "multipart/form-data") {
		return nil, rejectBody(w, http.StatusUnsupportedMediaType, "unsupported-media-type", "send the body as application/x-www-form-urlencoded, multipart/form-data or application/json")
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.maxBody)
	var err error
	if isContentType(r, "multipart/form-data") {
		err = r.ParseMultipartForm(s.cfg.maxBody)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, rejectBody(w, http.StatusRequestEntityTooLarge, "body-too-large", "request body is larger than the limit")
		}
		return nil, rejectBody(w, http.StatusBadRequest, "bad-request", "invalid form body")
	}
	out := make(map[string]string, len(r.PostForm))
	for k, v := range r.PostForm {
		out[k] = v[0]
	}
	return out, nil
}

func isContentType(r *http.Request, want string) bool {
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && ct == want
}

// cors lets any page embed the browser-facing endpoints: tokens are bound to origins and
// sites server-side, and no credentials are used, so a wildcard is safe.
func cors(h http.Handler) http.Handler { return corsFor(h, false) }

// corsCredentialed is cors for a request the widget makes with credentials (the
// private-token route: HTTP authentication, which a browser's Private Access Token is, counts
// as a credential to Fetch), which a wildcard forbids: the page's origin is echoed instead.
// This server sets no cookie and binds every token server-side, so nothing is exposed that
// a request without credentials would not get.
func corsCredentialed(h http.Handler) http.Handler { return corsFor(h, true) }

func corsFor(h http.Handler, credentials bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Access-Control-Allow-Origin", "*")
		if o := r.Header.Get("Origin"); credentials && o != "" {
			hd.Set("Access-Control-Allow-Origin", o)
			hd.Set("Access-Control-Allow-Credentials", "true")
			hd.Add("Vary", "Origin")
		}
		hd.Set("Access-Control-Expose-Headers", "X-Altcha-Config, X-Astracaph-Interaction, Retry-After")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			hd.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			hd.Set("Access-Control-Allow-Headers", "Content-Type, X-Altcha-Spam-Filter")
			hd.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.ServeHTTP(w, r)
	})
}
