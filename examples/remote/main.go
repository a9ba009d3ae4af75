// Command remote is a backend that protects a form with a remote AstraCaph server: the
// middleware posts each token to {server}/public/api/v1/verify with the site secret.
// Non-Go backends do the same with one HTTP call:
//
//	curl -s -X POST "$ASTRACAPH_URL/public/api/v1/verify" -H 'Content-Type: application/json' \
//	     -d '{"token":"<astracaph-response>","secretKey":"sk_live_…"}'
//	# → {"success":true,"message":"Verification successful","hostname":…,"score":…}
//
// Turnstile, hCaptcha and reCAPTCHA backends only change the siteverify URL and secret:
//
//	curl -s "$ASTRACAPH_URL/turnstile/v0/siteverify" -d secret=sk_live_… -d response=<token>
//
// Run: ASTRACAPH_URL=http://localhost:8080 ASTRACAPH_SECRET=sk_live_… go run ./examples/remote
package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/astracat/astracaph/middleware"
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	url, secret := os.Getenv("ASTRACAPH_URL"), os.Getenv("ASTRACAPH_SECRET")
	if url == "" || secret == "" {
		fmt.Fprintln(os.Stderr, "set ASTRACAPH_URL and ASTRACAPH_SECRET")
		os.Exit(2)
	}
	protect := middleware.Protect(nil, middleware.Remote(url, secret, &http.Client{Timeout: 5 * time.Second}))
	http.Handle("POST /comment", protect(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "comment accepted")
	})))
	log.Info("listening on localhost:8093")
	if err := http.ListenAndServe("localhost:8093", nil); err != nil {
		log.Error("serve", "err", err)
		os.Exit(1)
	}
}
