// Command remote is a site whose backend does not embed AstraCaph: the page loads the widget
// from a separate AstraCaph server, and the backend verifies each token with one HTTP call to
// that server (middleware.WithRemote posts it to {server}/public/api/v1/verify with the site
// secret). Backends in other languages make the same call.
//
// 1. Run an AstraCaph server (API and widget on :8080):
//
//	go run ./cmd/astracaph
//
// 2. Register this site on it. The answer holds the site key and the secret, shown once:
//
//	curl -s -X POST http://localhost:8080/api/v1/sites -H 'Content-Type: application/json' \
//	     -d '{"domain":"localhost","name":"remote example"}'
//	# → {"siteKey":"pk_live_…","domain":"localhost",…,"secret":"sk_live_…"}
//
// (A fleet sharing Redis registers with `astracaph sites add -domain localhost` instead.) The
// site key is public: it goes into the page, as the widget's data-sitekey. The secret stays
// on the backend — here in ASTRACAPH_SECRET — and is only ever sent to the AstraCaph server
// to verify tokens.
//
// 3. Run this backend and open http://localhost:8093/:
//
//	ASTRACAPH_URL=http://localhost:8080 ASTRACAPH_SITE_KEY=pk_live_… ASTRACAPH_SECRET=sk_live_… go run ./examples/remote
//
// Verifying from another language is one request; the token is the form's
// astracaph-response field:
//
//	curl -s -X POST "$ASTRACAPH_URL/public/api/v1/verify" -H 'Content-Type: application/json' \
//	     -d '{"token":"<astracaph-response>","secretKey":"sk_live_…"}'
//	# → {"success":true,"message":"Verification successful","hostname":"localhost","score":…}
//
// Turnstile, hCaptcha and reCAPTCHA backends only change the siteverify URL and secret:
//
//	curl -s "$ASTRACAPH_URL/turnstile/v0/siteverify" -d secret=sk_live_… -d response=<token>
package main

import (
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/astracat/astracaph/middleware"
)

var page = template.Must(template.New("p").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Comments</title>
<script src="{{.API}}/api/v1/widget.js" async defer></script></head>
<body><h1>Leave a comment</h1>
<form method="post" action="/comment">
<p><label for="comment">Comment</label><br><textarea id="comment" name="comment" rows="4" cols="40"></textarea></p>
<div id="astracaph-container" data-sitekey="{{.SiteKey}}"></div>
<p><button type="submit">Post</button></p>
</form></body></html>`))

// newMux serves the page and the protected comment handler; api is the AstraCaph server's
// URL, siteKey goes into the page, secret only to the server's verify endpoint.
func newMux(api, siteKey, secret string, client *http.Client) *http.ServeMux {
	api = strings.TrimRight(api, "/")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		// The widget comes from the AstraCaph origin: it runs on the main thread there
		// (browsers allow no cross-origin workers), so no worker-src is needed.
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src "+api+"; style-src "+api+
			"; connect-src "+api+"; img-src "+api+"; media-src "+api)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = page.Execute(w, map[string]string{"API": api, "SiteKey": siteKey})
	})
	protect := middleware.Protect(nil, middleware.WithRemote(api, secret, client))
	mux.Handle("POST /comment", protect(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, _ := middleware.ResultFromContext(r.Context())
		fmt.Fprintf(w, "comment accepted (human score %.2f)\n", res.Score)
	})))
	return mux
}

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	api, siteKey, secret := os.Getenv("ASTRACAPH_URL"), os.Getenv("ASTRACAPH_SITE_KEY"), os.Getenv("ASTRACAPH_SECRET")
	if api == "" || siteKey == "" || secret == "" {
		fmt.Fprintln(os.Stderr, "set ASTRACAPH_URL (the AstraCaph server), ASTRACAPH_SITE_KEY and ASTRACAPH_SECRET (from POST /api/v1/sites); see go doc ./examples/remote")
		os.Exit(2)
	}
	mux := newMux(api, siteKey, secret, &http.Client{Timeout: 5 * time.Second})
	log.Info("open http://localhost:8093/")
	if err := http.ListenAndServe("localhost:8093", mux); err != nil {
		log.Error("serve", "err", err)
		os.Exit(1)
	}
}
