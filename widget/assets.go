package widget

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"regexp"
)

// Only what is served or joined is embedded: the tsc configuration, declarations and notes
// in assets/src stay in the repository.
//
//go:embed assets/*.css assets/*.html assets/*.js assets/src/*.js
var embedded embed.FS // immutable: the files compiled into the binary

// loaderModules are the files of assets/src that make up widget.js, in this order. Each is a
// plain script fragment; the loader wraps them all in one closure, so they share its scope
// (docs/widget.md, "Source layout"). A file there that is not listed is an error.
var loaderModules = []string{
	"core.js",         // configuration from the script URL, h(), request()
	"i18n.js",         // translations, language choice
	"envproof.js",     // environment signals, the challenge's environment check
	"telemetry.js",    // behaviour telemetry
	"pow.js",          // proof of work: workers or main thread, progress estimate
	"visual.js",       // the visual step
	"privatetoken.js", // Private Access Tokens instead of the proof of work
	"instance.js",     // one widget: elements, state machine, token
	"api.js",          // window.astracaph
	"compat.js",       // Turnstile, hCaptcha and reCAPTCHA shims
	"start.js",        // auto-render, onload callback
}

// loaderName is the asset joined from loaderModules.
const loaderName = "widget.js"

// The closure around the loader's modules. A second copy of the script on a page keeps the
// first one's widgets and API.
const (
	loaderHead = "(function () {\n'use strict';\nif (window.astracaph && window.astracaph.version) return;\n"
	loaderTail = "})();\n"
)

// placeholderRE matches the build-time references assets make to each other:
// __ASTRACAPH_URL(name)__ becomes the content-addressed path of name, and
// __ASTRACAPH_SRI(name)__ its sha384 integrity value.
var placeholderRE = regexp.MustCompile(`__ASTRACAPH_(URL|SRI)\(([a-z0-9.\-]+)\)__`)

// asset is one served file after placeholder substitution.
type asset struct {
	name  string
	body  []byte
	hash  string // hex sha256 prefix used in the content-addressed path
	etag  string // quoted strong ETag
	sri   string // "sha384-<base64>"
	ctype string
	page  bool // an HTML page served on its own route, not under /widget/<hash>/
}

// loadAssets reads the files of assets/ (not its subdirectories), joins the loader from
// assets/src/<modules> when modules is not empty, substitutes the configuration values in
// config (literal placeholder → text), and resolves the cross-references leaves first, so
// that the hash of a file referring to others covers the final URLs and settings it contains.
func loadAssets(fsys fs.FS, modules []string, config map[string]string) (map[string]*asset, error) {
	raw, err := readAssets(fsys, modules)
	if err != nil {
		return nil, err
	}
	for name, b := range raw {
		for k, v := range config {
			b = bytes.ReplaceAll(b, []byte(k), []byte(v))
		}
		raw[name] = b
	}
	done := map[string]*asset{}
	for len(done) < len(raw) {
		progressed := false
		for name, b := range raw {
			if done[name] != nil || !depsReady(b, done) {
				continue
			}
			body := placeholderRE.ReplaceAllFunc(b, func(m []byte) []byte {
				sm := placeholderRE.FindSubmatch(m)
				dep := done[string(sm[2])]
				if string(sm[1]) == "URL" {
					return []byte(dep.url())
				}
				return []byte(dep.sri)
			})
			done[name] = newAsset(name, body)
			progressed = true
		}
		if !progressed {
			return nil, errCycle
		}
	}
	return done, nil
}

// readAssets returns the served files by name, before substitution. Scripts lose their
// type-checking comments (see stripTypeComments).
func readAssets(fsys fs.FS, modules []string) (map[string][]byte, error) {
	entries, err := fs.ReadDir(fsys, "assets")
	if err != nil {
		return nil, fmt.Errorf("astracaph: widget: reading assets: %w", err)
	}
	raw := map[string][]byte{}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := fs.ReadFile(fsys, "assets/"+e.Name())
		if err != nil {
			return nil, fmt.Errorf("astracaph: widget: reading assets: %w", err)
		}
		raw[e.Name()] = b
	}
	if len(modules) > 0 {
		if raw[loaderName] != nil {
			return nil, fmt.Errorf("%w: assets/%s would hide the joined loader", errModules, loaderName)
		}
		if raw[loaderName], err = joinLoader(fsys, modules); err != nil {
			return nil, err
		}
	}
	for name, b := range raw {
		if path.Ext(name) == ".js" {
			if raw[name], err = stripTypeComments(b); err != nil {
				return nil, fmt.Errorf("%w: %s", err, name)
			}
		}
	}
	return raw, nil
}

// joinLoader concatenates assets/src/<modules> in order inside one closure. Every .js file in
// assets/src must be listed, so that a new module cannot be left out by accident.
func joinLoader(fsys fs.FS, modules []string) ([]byte, error) {
	listed := map[string]bool{}
	for _, m := range modules {
		listed[m] = true
	}
	files, err := fs.Glob(fsys, "assets/src/*.js")
	if err != nil {
		return nil, fmt.Errorf("astracaph: widget: reading assets/src: %w", err)
	}
	for _, f := range files {
		if !listed[path.Base(f)] {
			return nil, fmt.Errorf("%w: %s is not listed", errModules, f)
		}
	}
	out := []byte(loaderHead)
	for _, m := range modules {
		b, err := fs.ReadFile(fsys, "assets/src/"+m)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errModules, err)
		}
		out = append(out, b...)
		if !bytes.HasSuffix(b, []byte("\n")) {
			out = append(out, '\n')
		}
	}
	return append(out, loaderTail...), nil
}

// stripTypeComments removes what only tsc reads from a script: "// @ts-check" lines and
// JSDoc blocks ("/**" … "*/") that stand on lines of their own. Served bytes stay what they
// were before the sources carried types; casts written inline ("/** @type {X} */ (e)")
// stay, and are a few bytes each.
func stripTypeComments(b []byte) ([]byte, error) {
	var out []byte
	inDoc := false
	for len(b) > 0 {
		line, rest, nl := bytes.Cut(b, []byte("\n"))
		b = rest
		t := bytes.TrimSpace(line)
		switch {
		case inDoc:
			if bytes.Contains(t, []byte("*/")) {
				if !bytes.HasSuffix(t, []byte("*/")) {
					return nil, errJSDoc
				}
				inDoc = false
			}
			continue
		case bytes.Equal(t, []byte("// @ts-check")):
			continue
		case bytes.HasPrefix(t, []byte("/**")):
			if !bytes.Contains(t[3:], []byte("*/")) {
				inDoc = true
				continue
			}
			if bytes.HasSuffix(t, []byte("*/")) {
				continue
			}
		}
		out = append(out, line...)
		if nl {
			out = append(out, '\n')
		}
	}
	if inDoc {
		return nil, errJSDoc
	}
	return out, nil
}

func depsReady(b []byte, done map[string]*asset) bool {
	for _, m := range placeholderRE.FindAllSubmatch(b, -1) {
		if done[string(m[2])] == nil {
			return false
		}
	}
	return true
}

func newAsset(name string, body []byte) *asset {
	sum := sha256.Sum256(body)
	s384 := sha512.Sum384(body)
	a := &asset{
		name: name,
		body: body,
		hash: hex.EncodeToString(sum[:8]),
		etag: `"` + hex.EncodeToString(sum[:16]) + `"`,
		sri:  "sha384-" + base64.StdEncoding.EncodeToString(s384[:]),
	}
	switch path.Ext(name) {
	case ".js":
		a.ctype = "text/javascript; charset=utf-8"
	case ".css":
		a.ctype = "text/css; charset=utf-8"
	case ".html":
		a.ctype = "text/html; charset=utf-8"
		a.page = true
	default:
		a.ctype = "application/octet-stream"
	}
	return a
}

// url is the content-addressed, root-relative path of the asset.
func (a *asset) url() string { return "/widget/" + a.hash + "/" + a.name }

// containsPlaceholder reports whether substitution left anything unresolved (a test hook).
func containsPlaceholder(b []byte) bool {
	return bytes.Contains(b, []byte("__ASTRACAPH_"))
}
