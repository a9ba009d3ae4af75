// Package widget serves AstraCaph's browser widget: the loader script, the proof-of-work
// worker, the stylesheet, the iframe page and the sandbox debugging page, all embedded with
// the go:embed directive.
//
// Lifecycle: New reads the embedded files once, substitutes the cross-references between
// them (a loader names its stylesheet by content hash and SRI value), hashes the results and
// keeps them in memory; the returned *Widget is immutable and safe for concurrent use. It
// serves:
//
//	GET /api/v1/widget.js        loader (short cache + ETag; may carry ?compat=…&onload=…&render=…)
//	GET /api/v1/worker.js        proof-of-work Web Worker (short cache + ETag)
//	GET /widget/<hash>/<name>    content-addressed assets (immutable, one year)
//	GET /captcha/widget          iframe page (own CSP, frame-ancestors *)
//	GET /captcha/privacy         what the widget sends and why (the default "Privacy" link)
//	GET /sandbox                 live debugging page (own CSP)
//
// The widget's options, events and JavaScript API are described in docs/widget.md.
//
// The JSON API the scripts talk to (/api/v1/challenge, /api/v1/verify, /sandbox/events) is
// served by package server, which mounts this handler next to it.
package widget

import (
	"bytes"
	"encoding/json"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Routes served by a Widget. Register mounts them on a mux; "/widget/" is a subtree.
const (
	RouteLoader  = "/api/v1/widget.js"
	RouteWorker  = "/api/v1/worker.js"
	RouteAssets  = "/widget/"
	RouteFrame   = "/captcha/widget"
	RoutePrivacy = "/captcha/privacy"
	RouteSandbox = "/sandbox"
)

// CSP of the iframe page: only same-origin resources, embeddable anywhere.
const FrameCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"media-src 'self'; connect-src 'self'; worker-src 'self'; base-uri 'none'; form-action 'none'; " +
	"frame-ancestors *"

// CSP of the sandbox page. The srcdoc frame inherits it, so user HTML there can load the
// widget from this origin but cannot run inline script either.
const SandboxCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"media-src 'self'; connect-src 'self'; worker-src 'self'; frame-src 'self'; child-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"

// CSP of the privacy page: a document with a stylesheet, nothing else.
const PrivacyCSP = "default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'none'"

const (
	cacheShort     = "public, max-age=300"
	cacheImmutable = "public, max-age=31536000, immutable"
	cachePage      = "no-cache"
)

// Widget serves the embedded widget assets. Create it with New.
type Widget struct {
	assets  map[string]*asset
	logger  *slog.Logger
	privacy string
	err     error
}

// Option configures New.
type Option func(*Widget)

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option {
	return func(w *Widget) {
		if l != nil {
			w.logger = l
		}
	}
}

// WithPrivacyURL sets where the widget's "Privacy" link points: the operator's privacy policy
// ("https://example.com/privacy", or a path on the captcha server such as "/privacy"). The
// default is the server's own RoutePrivacy page, which lists what the widget sends. A page
// can override it per widget with data-privacy-url.
func WithPrivacyURL(u string) Option {
	return func(w *Widget) {
		switch {
		case u == "":
		case validPrivacyURL(u):
			w.privacy = u
		default:
			w.err = ErrPrivacyURL
		}
	}
}

// validPrivacyURL accepts absolute http(s) URLs and root-relative paths. "//host" and
// backslashes are refused: browsers read "/\host" as another origin.
func validPrivacyURL(u string) bool {
	p, err := url.Parse(u)
	if err != nil || strings.ContainsAny(u, "\\\x00\n\r\t ") {
		return false
	}
	if p.Scheme == "" && p.Host == "" {
		return strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//")
	}
	return (p.Scheme == "http" || p.Scheme == "https") && p.Host != ""
}

// New loads and hashes the embedded assets.
func New(opts ...Option) (*Widget, error) {
	w := &Widget{logger: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(w)
	}
	if w.err != nil {
		return nil, w.err
	}
	a, err := loadAssets(embedded, loaderModules, map[string]string{"__ASTRACAPH_PRIVACY_URL__": jsString(w.privacy)})
	if err != nil {
		return nil, err
	}
	w.assets = a
	return w, nil
}

// Handler returns a ready handler; it panics only if the embedded assets are inconsistent,
// which the package tests rule out.
func Handler() http.Handler {
	w, err := New()
	if err != nil {
		panic(err)
	}
	return w
}

// Register mounts every route on mux.
func (w *Widget) Register(mux *http.ServeMux) {
	for _, p := range []string{RouteLoader, RouteWorker, RouteAssets, RouteFrame, RoutePrivacy, RouteSandbox} {
		mux.Handle(p, w)
	}
}

// AssetURL returns the root-relative, content-addressed path of an asset
// ("/widget/<hash>/widget.js"), or "" for an unknown name.
func (w *Widget) AssetURL(name string) string {
	if a := w.assets[name]; a != nil && !a.page {
		return a.url()
	}
	return ""
}

// Integrity returns the Subresource Integrity value ("sha384-…") of an asset, or "".
func (w *Widget) Integrity(name string) string {
	if a := w.assets[name]; a != nil {
		return a.sri
	}
	return ""
}

// ScriptTag returns a <script> element loading the content-addressed loader from base (the
// captcha server's origin, e.g. "https://captcha.example.com"; "" for same origin) with SRI.
func (w *Widget) ScriptTag(base string) template.HTML {
	src := strings.TrimRight(base, "/") + w.AssetURL("widget.js")
	return template.HTML(`<script src="` + template.HTMLEscapeString(src) + `" integrity="` +
		w.Integrity("widget.js") + `" crossorigin="anonymous" async defer></script>`)
}

// ServeHTTP serves the widget routes; anything else is 404.
func (w *Widget) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	var (
		a     *asset
		cache string
	)
	p := r.URL.Path
	switch {
	case p == RouteLoader:
		a, cache = w.assets["widget.js"], cacheShort
	case p == RouteWorker:
		a, cache = w.assets["worker.js"], cacheShort
	case p == RouteFrame:
		a, cache = w.assets["frame.html"], cachePage
	case p == RoutePrivacy:
		a, cache = w.assets["privacy.html"], cacheShort
	case p == RouteSandbox:
		a, cache = w.assets["sandbox.html"], cachePage
	case strings.HasPrefix(p, RouteAssets):
		hash, name, ok := strings.Cut(strings.TrimPrefix(p, RouteAssets), "/")
		if c := w.assets[name]; ok && c != nil && !c.page && c.hash == hash {
			a, cache = c, cacheImmutable
		}
	}
	if a == nil {
		writeError(rw, http.StatusNotFound, "not-found", "no such widget asset")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		rw.Header().Set("Allow", "GET, HEAD")
		writeError(rw, http.StatusMethodNotAllowed, "method-not-allowed", "use GET or HEAD")
		return
	}
	h := rw.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", cache)
	h.Set("ETag", a.etag)
	switch a.name {
	case "frame.html":
		h.Set("Content-Security-Policy", FrameCSP)
		h.Set("Referrer-Policy", "no-referrer")
	case "privacy.html":
		h.Set("Content-Security-Policy", PrivacyCSP)
		h.Set("Referrer-Policy", "no-referrer")
	case "sandbox.html":
		h.Set("Content-Security-Policy", SandboxCSP)
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "SAMEORIGIN")
	default:
		// Scripts and styles are public and credential-free; CORS lets cross-origin pages
		// check their SRI hashes.
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	}
	// ServeContent honours If-None-Match against the ETag set above and handles HEAD.
	http.ServeContent(rw, r, a.name, time.Time{}, bytes.NewReader(a.body))
}

// jsString escapes s for a single-quoted JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s) // escapes \, ", control characters, <, > and &
	return strings.ReplaceAll(string(b[1:len(b)-1]), "'", `\u0027`)
}

func writeError(rw http.ResponseWriter, status int, code, msg string) {
	rw.Header().Set("Content-Type", "application/json; charset=utf-8")
	rw.Header().Set("X-Content-Type-Options", "nosniff")
	rw.Header().Set("Cache-Control", "no-store")
	rw.WriteHeader(status)
	_ = json.NewEncoder(rw).Encode(struct {
		Success bool   `json:"success"`
		Error   string `json:"error"`
		Message string `json:"message"`
	}{false, code, msg})
}
