package server

import (
	"net/http"

	"github.com/astracat/astracaph/docs"
)

// RouteOpenAPI serves the OpenAPI 3.1 description of this API (docs/openapi.json).
const RouteOpenAPI = "/api/v1/openapi.json"

// openAPIBody is read once: the description is compiled into the binary.
var openAPIBody = docs.OpenAPI()

func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("Access-Control-Allow-Origin", "*")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(openAPIBody)
}
