package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/internal/suggest"
)

// errSiteConfig is wrapped by parseSiteConfig for a document it refuses.
var errSiteConfig = errors.New("astracaph: ASTRACAPH_SITE_CONFIG")

// parseSiteConfig parses the ASTRACAPH_SITE_CONFIG document: a JSON array of site
// objects. It is strict, because a setting that is silently ignored is a site that does
// not work as configured: an unknown field is an error naming the closest known one
// ("nmae" → "name"), a single object instead of an array is said to be one, and anything
// after the array is refused.
func parseSiteConfig(data []byte) ([]astracaph.SiteCredentials, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("%w: empty document, expected a JSON array of sites", errSiteConfig)
	}
	if trimmed[0] != '[' {
		what := "a JSON value"
		switch trimmed[0] {
		case '{':
			what = "a single object"
		case '"':
			what = "a string"
		}
		return nil, fmt.Errorf("%w: expected a JSON array of sites ([{…}, …]), got %s; wrap it in [ ]", errSiteConfig, what)
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	var out []astracaph.SiteCredentials
	if err := dec.Decode(&out); err != nil {
		return nil, siteConfigError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: unexpected data after the array", errSiteConfig)
	}
	return out, nil
}

// siteConfigFields are the JSON names of a site entry (SiteCredentials, with its embedded
// Site flattened), for suggestions.
func siteConfigFields() []string {
	var out []string
	for _, f := range reflect.VisibleFields(reflect.TypeFor[astracaph.SiteCredentials]()) {
		if f.Anonymous {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		out = append(out, name)
	}
	return out
}

func siteConfigError(err error) error {
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		f = strings.Trim(f, `"`)
		known := siteConfigFields()
		if s := suggest.Closest(f, known); s != "" {
			return fmt.Errorf("%w: unknown field %q in a site (did you mean %q?)", errSiteConfig, f, s)
		}
		return fmt.Errorf("%w: unknown field %q in a site (known fields: %s)", errSiteConfig, f, strings.Join(known, ", "))
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return fmt.Errorf("%w: each element of the array must be a site object, got a JSON %s", errSiteConfig, te.Value)
		}
		// The embedded Site shows in the path ("Site.origins"); the document has no such level.
		return fmt.Errorf("%w: field %q of a site must be %s, got a JSON %s", errSiteConfig, strings.TrimPrefix(te.Field, "Site."), jsonKind(te.Type), te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("%w: invalid JSON at byte %d: %v", errSiteConfig, se.Offset, se)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: the JSON ends early", errSiteConfig)
	}
	return fmt.Errorf("%w: %w", errSiteConfig, err)
}

// jsonKind names what a Go type looks like in JSON.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "an array of " + strings.TrimPrefix(strings.TrimPrefix(jsonKind(t.Elem()), "a "), "an ") + "s"
	case reflect.Struct:
		if t.PkgPath() == "time" {
			return "a date-time string (RFC 3339)"
		}
		return "an object"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Uint32, reflect.Float64:
		return "a number"
	}
	return "a " + t.String()
}
