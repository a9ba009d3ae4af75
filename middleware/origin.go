package middleware

import (
	"net/http"
	"net/url"
)

// requestOrigin returns the origin a token must be bound to: the configured one, else the
// Origin header, else the origin of Referer. Browsers send Origin on every cross-origin
// and same-origin POST; Referer covers older ones and some privacy modes. The opaque
// origin "null" (sandboxed frames, some redirects) identifies no page, so it is skipped.
func requestOrigin(r *http.Request, expected string) (string, bool) {
	if expected != "" {
		return expected, true
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		return o, true
	}
	if ref := r.Header.Get("Referer"); ref != "" {
		u, err := url.Parse(ref)
		if err == nil && u.Scheme != "" && u.Host != "" {
			return u.Scheme + "://" + u.Host, true
		}
	}
	return "", false
}
