// Package docs holds AstraCaph's documentation. Its only code embeds the OpenAPI 3.1
// description of the HTTP API (openapi.json), which package server serves at
// GET /api/v1/openapi.json and its tests validate real responses against.
package docs

import _ "embed"

//go:embed openapi.json
var openapi []byte

// OpenAPI returns a copy of the OpenAPI 3.1 description (JSON).
func OpenAPI() []byte { return append([]byte(nil), openapi...) }
