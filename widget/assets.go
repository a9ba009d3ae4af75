package widget

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
)

//go:embed assets
var embedded embed.FS // immutable: the files compiled into the binary

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

var errCycle = errors.New("astracaph: widget: asset placeholders form a cycle or name a missing asset")

// loadAssets reads the embedded files, substitutes the configuration values in config
// (literal placeholder → text), and resolves the cross-references leaves first, so that the
// hash of a file referring to others covers the final URLs and settings it contains.
func loadAssets(fsys fs.FS, config map[string]string) (map[string]*asset, error) {
	raw := map[string][]byte{}
	err := fs.WalkDir(fsys, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		for k, v := range config {
			b = bytes.ReplaceAll(b, []byte(k), []byte(v))
		}
		raw[path.Base(p)] = b
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("astracaph: widget: reading assets: %w", err)
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
