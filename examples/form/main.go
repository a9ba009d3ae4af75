// Command form is a protected contact form: the API, the widget and the form handler live
// in one Go process, and middleware.Protect verifies and consumes the token in-process.
//
//	go run ./examples/form    # then open http://localhost:8090/
package main

import (
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"os"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/middleware"
	"github.com/astracat/astracaph/server"
)

var page = template.Must(template.New("form").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Contact</title>
{{.Script}}</head>
<body><form method="post" action="/contact">
<label>Message <textarea name="message"></textarea></label>
<div id="astracaph-container"></div>
<button type="submit">Send</button>
</form></body></html>`))

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	c, err := astracaph.New(astracaph.WithLogger(log), astracaph.WithRiskEngine(astracaph.RiskEngineOptions{}))
	if err != nil {
		log.Error("engine", "err", err)
		os.Exit(1)
	}
	api := server.New(c)
	mux := http.NewServeMux()
	mux.Handle("/api/", api)
	mux.Handle("/widget/", api)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		// A strict policy works: the widget needs no inline code and a same-origin worker.
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; worker-src 'self'; connect-src 'self'; img-src 'self'; media-src 'self'")
		_ = page.Execute(w, map[string]any{"Script": template.HTML(`<script src="/api/v1/widget.js" async defer></script>`)})
	})
	contact := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, _ := middleware.ResultFromContext(r.Context())
		fmt.Fprintf(w, "Thanks! (human score %.2f, from %s)\n", res.Score, res.Hostname)
	})
	mux.Handle("POST /contact", middleware.Protect(c)(contact))
	log.Info("open http://localhost:8090/")
	if err := http.ListenAndServe("localhost:8090", mux); err != nil {
		log.Error("serve", "err", err)
		os.Exit(1)
	}
}
