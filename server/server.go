// Package server is AstraCaph's hosted HTTP API: the routes the widget, the official
// ALTCHA widget and site backends talk to, over one *astracaph.Captcha.
//
//	GET  /api/v1/challenge                 ALTCHA challenge (v2; ?v=1 or a v1 site → legacy)
//	POST /api/v1/challenge                 redeem a solution → token | visual step | denial
//	POST /api/v1/challenge/visual          answer a visual step (code, or "verify by waiting")
//	GET  /api/v1/challenge/visual/{id}/image.png, /audio.wav   single-use media
//	POST /api/v1/challenge/verify          the official ALTCHA widget's verifyUrl contract
//	GET  /api/v1/challenge/proof.js?id=…   the challenge's generated environment check (a script)
//	GET  /api/v1/challenge/private-token?challenge=…   a token for a Private Access Token
//	                                       instead of the proof of work (401 PrivateToken challenge first)
//	POST /api/v1/verify, /public/api/v1/verify                 verify + consume a token
//	POST /api/v1/siteverify (+ /turnstile/v0/siteverify, /recaptcha/api/siteverify,
//	     /hcaptcha/siteverify)             drop-in siteverify for Turnstile/reCAPTCHA/hCaptcha
//	POST /api/v1/verify/signature          check a server-signature payload with a secret
//	POST|DELETE /api/v1/sites, GET /api/v1/sites/{siteKey}     site registry
//	POST /api/v1/sites/claims              prove control of a domain (takeover of a squatted one)
//	GET  /healthz                          store reachability
//	     /api/v1/widget.js, /api/v1/worker.js, /widget/…, /captcha/widget, /captcha/privacy, /sandbox
//	GET  /api/v1/openapi.json              this API's OpenAPI 3.1 description (docs/openapi.json)
//	GET  /sandbox/events                   live log for the sandbox (server-sent events)
//
// Errors are JSON {"success":false,"error":"<code>","message":"…"} with the matching
// status; bodies are size-limited; challenge issuing, redeeming and site creation are
// rate-limited per client prefix through the store, so limits hold across servers.
package server

import (
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/widget"
)

// Limits are per-client-prefix request budgets per window (0 disables one).
type Limits struct {
	Challenge int // GET /api/v1/challenge per minute
	Redeem    int // POST /api/v1/challenge and visual answers per minute
	Sites     int // POST /api/v1/sites per hour
}

// DefaultLimits allow a busy office behind one address while stopping floods.
var DefaultLimits = Limits{Challenge: 120, Redeem: 120, Sites: 10}

// Event describes one handled API request (sandbox log, metrics).
type Event struct {
	Time     time.Time     `json:"time"`
	Kind     string        `json:"kind"` // challenge, redeem, visual, verify, siteverify, sites
	Path     string        `json:"path"`
	Status   int           `json:"status"`
	Decision string        `json:"decision,omitempty"`
	Score    *float64      `json:"score,omitempty"`
	Reasons  []string      `json:"reasons,omitempty"`
	Error    string        `json:"error,omitempty"`
	Duration time.Duration `json:"-"`
	ClientIP netip.Addr    `json:"-"`
}

type config struct {
	log            *slog.Logger
	trustedProxies []netip.Prefix
	verifyTrusted  []netip.Prefix
	limits         Limits
	maxBody        int64
	widget         *widget.Widget
	observers      []func(Event)
	sandbox        bool
	dev            bool
	adminToken     string
	sitesAPI       bool
}

// Option configures New.
type Option func(*config)

// WithLogger sets the logger (default: the engine's).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithTrustedProxies makes X-Forwarded-For count when the peer is in one of these
// prefixes: the client is then the right-most address not in the set.
func WithTrustedProxies(p ...netip.Prefix) Option {
	return func(c *config) { c.trustedProxies = append(c.trustedProxies, p...) }
}

// WithVerifyTrustedIPs restricts secret-less verification (by origin or domain) to these
// client prefixes (VERIFY_TRUSTED_IPS). Verification with a secret is always allowed.
func WithVerifyTrustedIPs(p ...netip.Prefix) Option {
	return func(c *config) { c.verifyTrusted = append(c.verifyTrusted, p...) }
}

// WithLimits sets the rate limits.
func WithLimits(l Limits) Option { return func(c *config) { c.limits = l } }

// WithMaxBody sets the JSON/form body limit in bytes (default 64 KiB).
func WithMaxBody(n int64) Option { return func(c *config) { c.maxBody = n } }

// WithWidget serves these widget assets (default: widget.New()); configure the widget's
// privacy link with widget.WithPrivacyURL there.
func WithWidget(w *widget.Widget) Option { return func(c *config) { c.widget = w } }

// WithObserver receives every API event (metrics, audit).
func WithObserver(f func(Event)) Option {
	return func(c *config) { c.observers = append(c.observers, f) }
}

// WithSandbox enables (default) or disables /sandbox and its event stream.
func WithSandbox(on bool) Option { return func(c *config) { c.sandbox = on } }

// WithDevelopment shows risk scores and reason codes in the sandbox's event stream
// (ASTRACAPH_DEV). Off by default: they tell a bot author which signal to fix, and the
// stream is open to anyone from the address that made the requests.
func WithDevelopment(on bool) Option { return func(c *config) { c.dev = on } }

// WithAdminToken makes POST /api/v1/sites and POST /api/v1/sites/claims require
// "Authorization: Bearer <token>" (ASTRACAPH_ADMIN_TOKEN). Without it anyone may register
// a site (first come, first served; a squatted domain is recovered with a domain claim).
// DELETE keeps accepting the site's own secret.
func WithAdminToken(token string) Option { return func(c *config) { c.adminToken = token } }

// WithSitesAPI enables (default) or disables the site registry routes (ASTRACAPH_SITES):
// disabled, they answer 404 and sites come from configuration or the CLI only.
func WithSitesAPI(on bool) Option { return func(c *config) { c.sitesAPI = on } }

// Server is the API handler.
type Server struct {
	c        *astracaph.Captcha
	cfg      config
	mux      *http.ServeMux
	events   *hub
	patterns []string // every registered mux pattern, for the OpenAPI drift test
}

// routeRecorder registers routes on a mux and remembers their patterns.
type routeRecorder struct {
	*http.ServeMux
	patterns *[]string
}

func (r routeRecorder) Handle(pattern string, h http.Handler) {
	*r.patterns = append(*r.patterns, pattern)
	r.ServeMux.Handle(pattern, h)
}

func (r routeRecorder) HandleFunc(pattern string, f func(http.ResponseWriter, *http.Request)) {
	r.Handle(pattern, http.HandlerFunc(f))
}

// New returns the API handler for c.
func New(c *astracaph.Captcha, opts ...Option) *Server {
	cfg := config{log: c.Logger(), limits: DefaultLimits, maxBody: 64 << 10, sandbox: true, sitesAPI: true}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.widget == nil {
		w, err := widget.New(widget.WithLogger(cfg.log))
		if err != nil {
			panic("astracaph: server: embedded widget assets: " + err.Error())
		}
		cfg.widget = w
	}
	s := &Server{c: c, cfg: cfg, mux: http.NewServeMux(), events: newHub()}
	s.routes()
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	s.mux.ServeHTTP(w, r)
}

func (s *Server) routes() {
	m := routeRecorder{s.mux, &s.patterns}
	m.Handle("/api/v1/challenge", cors(methods(map[string]http.HandlerFunc{
		http.MethodGet: s.getChallenge, http.MethodPost: s.postChallenge,
	})))
	m.Handle("/api/v1/challenge/visual", cors(methods(map[string]http.HandlerFunc{http.MethodPost: s.postVisual})))
	m.Handle("/api/v1/challenge/visual/{id}/{file}", cors(methods(map[string]http.HandlerFunc{http.MethodGet: s.getVisualMedia})))
	m.Handle("/api/v1/challenge/verify", cors(methods(map[string]http.HandlerFunc{http.MethodPost: s.altchaVerify})))
	m.Handle("/api/v1/challenge/proof.js", cors(methods(map[string]http.HandlerFunc{http.MethodGet: s.getEnvProof})))
	m.Handle(routePrivateToken, corsCredentialed(methods(map[string]http.HandlerFunc{http.MethodGet: s.getPrivateToken})))
	verify := methods(map[string]http.HandlerFunc{http.MethodPost: s.postVerify})
	m.Handle("/api/v1/verify", verify)
	m.Handle("/public/api/v1/verify", verify)
	for path, dialect := range map[string]string{
		"/api/v1/siteverify": "turnstile", "/turnstile/v0/siteverify": "turnstile",
		"/recaptcha/api/siteverify": "recaptcha", "/hcaptcha/siteverify": "hcaptcha",
	} {
		m.Handle(path, methods(map[string]http.HandlerFunc{http.MethodPost: s.siteverify(dialect)}))
	}
	m.Handle("/api/v1/verify/signature", methods(map[string]http.HandlerFunc{http.MethodPost: s.verifySignature}))
	if s.cfg.sitesAPI {
		m.Handle("/api/v1/sites", methods(map[string]http.HandlerFunc{http.MethodPost: s.createSite, http.MethodDelete: s.deleteSite}))
		m.Handle("/api/v1/sites/claims", methods(map[string]http.HandlerFunc{http.MethodPost: s.claimDomain}))
		m.Handle("/api/v1/sites/{siteKey}", methods(map[string]http.HandlerFunc{http.MethodGet: s.getSite}))
	}
	m.Handle("/healthz", methods(map[string]http.HandlerFunc{http.MethodGet: s.healthz}))
	m.Handle(RouteOpenAPI, methods(map[string]http.HandlerFunc{http.MethodGet: serveOpenAPI}))
	if s.cfg.sandbox {
		m.Handle("/sandbox/events", methods(map[string]http.HandlerFunc{http.MethodGet: s.sandboxEvents}))
	}
	for _, p := range []string{widget.RouteLoader, widget.RouteWorker, widget.RouteAssets, widget.RouteFrame, widget.RoutePrivacy} {
		m.Handle(p, s.cfg.widget)
	}
	if s.cfg.sandbox {
		m.Handle(widget.RouteSandbox, s.cfg.widget)
	}
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" && (r.Method == http.MethodGet || r.Method == http.MethodHead) && s.cfg.sandbox {
			http.Redirect(w, r, widget.RouteSandbox, http.StatusFound)
			return
		}
		writeError(w, http.StatusNotFound, "not-found", "no such endpoint")
	})
}
