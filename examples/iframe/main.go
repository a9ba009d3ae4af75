// Command iframe shows the iframe integration: a page on one origin embeds the hosted
// widget of an AstraCaph server on another origin and receives the token by postMessage,
// then its backend verifies the token remotely with the site secret.
//
//	go run ./examples/iframe   # API on :8091, the site on :8092 → open http://localhost:8092/
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/server"
)

const (
	apiOrigin  = "http://localhost:8091"
	siteOrigin = "http://localhost:8092"
)

var page = template.Must(template.New("p").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>iframe integration</title>
<script src="/app.js" defer></script></head>
<body><form method="post" action="/submit">
<iframe id="captcha" title="CAPTCHA" width="350" height="500"
  src="{{.API}}/captcha/widget?theme=light&siteKey={{.SiteKey}}&parentOrigin={{.Origin}}"></iframe>
<input type="hidden" name="astracaph-response" id="token">
<button type="submit">Send</button></form></body></html>`))

// appJS receives the token from the widget frame; only the API origin is trusted.
const appJS = `window.addEventListener('message', (e) => {
  if (e.origin !== '` + apiOrigin + `' || !e.data || e.data.type !== 'astracaph-verified') return;
  document.getElementById('token').value = e.data.detail.token;
});`

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	c, err := astracaph.New(astracaph.WithLogger(log))
	if err != nil {
		log.Error("engine", "err", err)
		os.Exit(1)
	}
	site, err := c.RegisterSite(context.Background(), astracaph.SiteRequest{Domain: "localhost", Name: "iframe example", Origins: []string{siteOrigin}})
	if err != nil {
		log.Error("site", "err", err)
		os.Exit(1)
	}
	go func() { _ = http.ListenAndServe("localhost:8091", server.New(c)) }()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; frame-src "+apiOrigin)
		_ = page.Execute(w, map[string]string{"API": apiOrigin, "SiteKey": site.SiteKey, "Origin": siteOrigin})
	})
	mux.HandleFunc("GET /app.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, appJS)
	})
	mux.HandleFunc("POST /submit", func(w http.ResponseWriter, r *http.Request) {
		// The backend verifies remotely, as a non-Go backend would.
		body, _ := json.Marshal(map[string]string{"token": r.FormValue("astracaph-response"), "secretKey": site.Secret})
		resp, err := http.Post(apiOrigin+"/public/api/v1/verify", "application/json", strings.NewReader(string(body)))
		if err != nil {
			http.Error(w, "verification unavailable", http.StatusServiceUnavailable)
			return
		}
		defer resp.Body.Close()
		var out struct {
			Success bool     `json:"success"`
			Codes   []string `json:"error-codes"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&out)
		if !out.Success {
			http.Error(w, fmt.Sprintf("CAPTCHA failed: %v", out.Codes), http.StatusForbidden)
			return
		}
		fmt.Fprintln(w, "Thanks, human!")
	})
	log.Info("open " + siteOrigin + "/")
	if err := http.ListenAndServe("localhost:8092", mux); err != nil {
		log.Error("serve", "err", err)
		os.Exit(1)
	}
}
