package middleware_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/middleware"
)

// Example wraps a contact-form handler. The page embeds the widget, which puts a token
// in the hidden field astracaph-response; Protect verifies and consumes it before the
// handler runs, which then reads the form as usual.
func Example() {
	// A real deployment sets WithSecret (and WithStore for several servers); the light
	// proof of work only keeps this example fast.
	c, err := astracaph.New(
		astracaph.WithSecret([]byte("a-master-secret-of-at-least-16-bytes")),
		astracaph.WithPoW(astracaph.PoWConfig{Algorithm: astracaph.PBKDF2SHA256, Cost: 2, CounterMin: 1, CounterMax: 20}),
	)
	if err != nil {
		log.Fatal(err)
	}

	contact := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, _ := middleware.ResultFromContext(r.Context())
		fmt.Fprintf(w, "thanks %s (human score %.1f, from %s)", r.FormValue("name"), res.Score, res.Hostname)
	})
	mux := http.NewServeMux()
	mux.Handle("/contact", middleware.Protect(c, middleware.WithRejectSpam())(contact))

	// What the widget does in the browser: fetch a challenge, solve it, redeem it for a
	// token bound to the page's origin.
	ctx := context.Background()
	ch, _ := c.Challenge(ctx, astracaph.ChallengeRequest{})
	sol, _ := astracaph.SolveChallenge(ctx, ch, astracaph.SolveOptions{})
	d, _ := c.Redeem(ctx, astracaph.RedeemRequest{Payload: astracaph.EncodePayload(ch, sol), Origin: "https://shop.example.com"})

	submit := func() *httptest.ResponseRecorder {
		form := url.Values{"name": {"Ada"}, "astracaph-response": {d.Token}}
		r := httptest.NewRequest(http.MethodPost, "/contact", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Origin", "https://shop.example.com")
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		return w
	}
	w := submit()
	fmt.Println(w.Code, w.Body.String())
	w = submit() // the same token again: tokens are single use
	fmt.Print(w.Code, " ", w.Body.String())
	// Output:
	// 200 thanks Ada (human score 1.0, from shop.example.com)
	// 403 captcha verification failed: captcha token invalid (timeout-or-duplicate)
}

// ExampleWithRemote verifies against a standalone AstraCaph server instead of an in-process
// engine, and answers failures with a redirect back to the form.
func ExampleWithRemote() {
	protect := middleware.Protect(nil,
		middleware.WithRemote("https://captcha.example.com", "sk_live_…", nil),
		middleware.WithExpectedOrigin("https://shop.example.com"),
		middleware.WithErrorHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := middleware.FailureReason(r); middleware.StatusCode(err) == http.StatusServiceUnavailable {
				http.Error(w, "please try again in a minute", http.StatusServiceUnavailable)
				return
			}
			http.Redirect(w, r, "/contact?captcha=failed", http.StatusSeeOther)
		})),
	)
	mux := http.NewServeMux()
	mux.Handle("/contact", protect(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "thanks")
	})))
	log.Fatal(http.ListenAndServe(":8080", mux))
}
