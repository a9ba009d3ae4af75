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
<link rel="stylesheet" href="/app.css"><script src="/app.js" defer></script></head>
<body><form method="post" action="/submit">
<iframe id="captcha" title="CAPTCHA" width="300" height="65"
  src="{{.API}}/captcha/widget?theme=auto&size=normal&siteKey={{.SiteKey}}&parentOrigin={{.Origin}}"></iframe>
<input type="hidden" name="astracaph-response" id="token">
<p><button type="submit">Send</button></p></form></body></html>`))

// appJS receives the token and the widget's size from the frame; only messages from the API
// origin and from this frame count. The frame starts at the normal size (300×65) and follows
// the widget when the visual step or an error makes it taller.
const appJS = `const frame = document.getElementById('captcha');
window.addEventListener('message', (e) => {
  if (e.origin !== '` + apiOrigin + `' || e.source !== frame.contentWindow || !e.data) return;
  if (e.data.type === 'astracaph-resize') { frame.width = e.data.width; frame.height = e.data.height; }
  if (e.data.type === 'astracaph-verified') document.getElementById('token').value = e.data.detail.token;
});`

// appCSS: no frame border, so the frame is exactly the widget.
const appCSS = `#captcha { display: block; border: 0; }`

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
	mux.HandleFunc("GET /app.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css")
		fmt.Fprint(w, appCSS)
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
