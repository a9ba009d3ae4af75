// Package openapi checks HTTP exchanges against an OpenAPI 3.1 description: it finds the
// operation of a method and concrete path, and validates JSON bodies against the operation's
// schemas. It implements the part of JSON Schema 2020-12 the AstraCaph description uses —
// type (one or a list, "integer" included), properties, required, additionalProperties
// (boolean or schema), items, enum, const, oneOf, anyOf, allOf, $ref to "#/…" pointers,
// minimum, maximum, minLength, maxLength, pattern, minItems, maxItems — and rejects any
// other keyword, so that the description cannot silently rely on something unchecked.
// Annotations (description, example(s), format, title, default, deprecated, readOnly,
// writeOnly, contentMediaType, contentEncoding) are accepted and ignored.
//
// Lifecycle: Load parses the description once (checking every schema's keywords and
// references); the returned *Spec is immutable and safe for concurrent use.
package openapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"mime"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Spec is a loaded OpenAPI description.
type Spec struct {
	root  map[string]any
	paths []pathItem
	re    map[string]*regexp.Regexp
}

type pathItem struct {
	template string
	segments []string
	ops      map[string]map[string]any // lower-case method → operation object
}

// Operation is one method of one path template.
type Operation struct {
	Method, Path string
	op           map[string]any
	spec         *Spec
}

var methods = []string{"get", "head", "post", "put", "patch", "delete", "options"}

var schemaKeywords = map[string]bool{
	"type": true, "properties": true, "required": true, "additionalProperties": true, "items": true,
	"enum": true, "const": true, "oneOf": true, "anyOf": true, "allOf": true, "$ref": true,
	"minimum": true, "maximum": true, "minLength": true, "maxLength": true, "pattern": true,
	"minItems": true, "maxItems": true,
	// annotations
	"description": true, "example": true, "examples": true, "format": true, "title": true, "default": true,
	"deprecated": true, "readOnly": true, "writeOnly": true, "contentMediaType": true, "contentEncoding": true,
}

// Load parses an OpenAPI 3.1 description in JSON.
func Load(doc []byte) (*Spec, error) {
	var root map[string]any
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(&root); err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	if v, _ := root["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		return nil, fmt.Errorf("openapi: version %q, want 3.1.x", v)
	}
	s := &Spec{root: root, re: map[string]*regexp.Regexp{}}
	paths, _ := root["paths"].(map[string]any)
	if len(paths) == 0 {
		return nil, errors.New("openapi: no paths")
	}
	for tpl, v := range paths {
		item, ok := v.(map[string]any)
		if !ok || !strings.HasPrefix(tpl, "/") {
			return nil, fmt.Errorf("openapi: path %q", tpl)
		}
		pi := pathItem{template: tpl, segments: strings.Split(tpl, "/"), ops: map[string]map[string]any{}}
		for _, m := range methods {
			if op, ok := item[m].(map[string]any); ok {
				pi.ops[m] = op
			}
		}
		s.paths = append(s.paths, pi)
	}
	// Concrete templates first, so that "/a/b" wins over "/a/{x}".
	sort.Slice(s.paths, func(i, j int) bool {
		return strings.Count(s.paths[i].template, "{") < strings.Count(s.paths[j].template, "{") ||
			strings.Count(s.paths[i].template, "{") == strings.Count(s.paths[j].template, "{") && s.paths[i].template < s.paths[j].template
	})
	if err := s.check(root, "#"); err != nil {
		return nil, err
	}
	return s, nil
}

// check walks the document and verifies every schema object's keywords and references.
func (s *Spec) check(v any, at string) error {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			p := at + "/" + k
			if k == "schema" || (strings.HasSuffix(at, "/components/schemas")) {
				if err := s.checkSchema(c, p); err != nil {
					return err
				}
				continue
			}
			if err := s.check(c, p); err != nil {
				return err
			}
		}
	case []any:
		for i, c := range x {
			if err := s.check(c, at+"/"+strconv.Itoa(i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Spec) checkSchema(v any, at string) error {
	if _, ok := v.(bool); ok {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("openapi: %s: schema is not an object", at)
	}
	for k, c := range m {
		if !schemaKeywords[k] {
			return fmt.Errorf("openapi: %s: unsupported schema keyword %q", at, k)
		}
		switch k {
		case "$ref":
			ref, _ := c.(string)
			if _, err := s.resolve(ref); err != nil {
				return fmt.Errorf("openapi: %s: %w", at, err)
			}
		case "properties":
			props, ok := c.(map[string]any)
			if !ok {
				return fmt.Errorf("openapi: %s/properties: not an object", at)
			}
			for name, ps := range props {
				if err := s.checkSchema(ps, at+"/properties/"+name); err != nil {
					return err
				}
			}
		case "items", "additionalProperties":
			if err := s.checkSchema(c, at+"/"+k); err != nil {
				return err
			}
		case "oneOf", "anyOf", "allOf":
			list, ok := c.([]any)
			if !ok || len(list) == 0 {
				return fmt.Errorf("openapi: %s/%s: not a non-empty array", at, k)
			}
			for i, e := range list {
				if err := s.checkSchema(e, fmt.Sprintf("%s/%s/%d", at, k, i)); err != nil {
					return err
				}
			}
		case "pattern":
			p, _ := c.(string)
			re, err := regexp.Compile(p)
			if err != nil {
				return fmt.Errorf("openapi: %s/pattern: %w", at, err)
			}
			s.re[p] = re
		}
	}
	return nil
}

// resolve follows a local JSON pointer ("#/components/schemas/Error").
func (s *Spec) resolve(ref string) (any, error) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, fmt.Errorf("unsupported $ref %q", ref)
	}
	var cur any = s.root
	for _, tok := range strings.Split(ref[2:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("dangling $ref %q", ref)
		}
		if cur, ok = m[tok]; !ok {
			return nil, fmt.Errorf("dangling $ref %q", ref)
		}
	}
	return cur, nil
}

// Paths lists the path templates with their methods ("GET /api/v1/challenge").
func (s *Spec) Paths() []string {
	var out []string
	for _, p := range s.paths {
		for m := range p.ops {
			out = append(out, strings.ToUpper(m)+" "+p.template)
		}
	}
	sort.Strings(out)
	return out
}

// Find returns the operation for method and a concrete path (no query).
func (s *Spec) Find(method, path string) (*Operation, error) {
	segs := strings.Split(path, "/")
	for _, p := range s.paths {
		if len(p.segments) != len(segs) {
			continue
		}
		match := true
		for i, t := range p.segments {
			if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
				if segs[i] == "" {
					match = false
					break
				}
				continue
			}
			if t != segs[i] {
				match = false
				break
			}
		}
		if !match {
			continue
		}
		op, ok := p.ops[strings.ToLower(method)]
		if !ok {
			return nil, fmt.Errorf("%w: %s %s (path %s has no %s)", ErrNoOperation, method, path, p.template, method)
		}
		return &Operation{Method: strings.ToUpper(method), Path: p.template, op: op, spec: s}, nil
	}
	return nil, fmt.Errorf("%w: %s %s", ErrNoOperation, method, path)
}

// Statuses lists the response codes the operation describes ("200", "4XX", "default").
func (o *Operation) Statuses() []string {
	rs, _ := o.op["responses"].(map[string]any)
	out := make([]string, 0, len(rs))
	for k := range rs {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// response returns the response object for status (exact code, then "4XX", then "default").
func (o *Operation) response(status int) (map[string]any, string, error) {
	rs, _ := o.op["responses"].(map[string]any)
	code := strconv.Itoa(status)
	for _, k := range []string{code, code[:1] + "XX", "default"} {
		if r, ok := rs[k]; ok {
			r, err := o.spec.deref(r)
			if err != nil {
				return nil, "", err
			}
			m, _ := r.(map[string]any)
			return m, k, nil
		}
	}
	return nil, "", fmt.Errorf("%w: %s %s → %d (described: %v)", ErrNoResponse, o.Method, o.Path, status, o.Statuses())
}

func (s *Spec) deref(v any) (any, error) {
	for i := 0; i < 16; i++ {
		m, ok := v.(map[string]any)
		if !ok {
			return v, nil
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return v, nil
		}
		var err error
		if v, err = s.resolve(ref); err != nil {
			return nil, err
		}
	}
	return nil, errors.New("openapi: $ref chain too long")
}

// ValidateResponse checks a response: its status must be described, its media type listed
// (when the description gives content), and a JSON body must match the schema. It returns
// the response key that matched ("200", "4XX", "default").
func (o *Operation) ValidateResponse(status int, contentType string, body []byte) (string, error) {
	r, key, err := o.response(status)
	if err != nil {
		return "", err
	}
	return key, o.validateContent(r, contentType, body, fmt.Sprintf("%s %s → %d", o.Method, o.Path, status))
}

// ValidateRequest checks a request body against the operation's requestBody.
func (o *Operation) ValidateRequest(contentType string, body []byte) error {
	rb, ok := o.op["requestBody"]
	if !ok {
		if len(body) > 0 {
			return fmt.Errorf("%w: %s %s takes no request body", ErrInvalid, o.Method, o.Path)
		}
		return nil
	}
	r, err := o.spec.deref(rb)
	if err != nil {
		return err
	}
	m, _ := r.(map[string]any)
	return o.validateContent(m, contentType, body, o.Method+" "+o.Path+" request")
}

func (o *Operation) validateContent(r map[string]any, contentType string, body []byte, what string) error {
	content, ok := r["content"].(map[string]any)
	if !ok {
		if len(body) > 0 {
			return fmt.Errorf("%w: %s: body sent but none described", ErrInvalid, what)
		}
		return nil
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("%w: %s: Content-Type %q: %v", ErrInvalid, what, contentType, err)
	}
	media, ok := content[mt].(map[string]any)
	if !ok {
		keys := make([]string, 0, len(content))
		for k := range content {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return fmt.Errorf("%w: %s: media type %q not described (described: %v)", ErrInvalid, what, mt, keys)
	}
	schema, ok := media["schema"]
	if !ok || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return nil // only JSON bodies are checked against schemas
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("%w: %s: body is not JSON: %v", ErrInvalid, what, err)
	}
	if err := o.spec.Validate(schema, v); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// CheckExamples validates every media type's "example" (and each "examples" entry's
// "value") against that media type's schema, so that the description's examples cannot
// drift from its schemas.
func (s *Spec) CheckExamples() (n int, err error) {
	var walk func(v any, at string) error
	walk = func(v any, at string) error {
		switch x := v.(type) {
		case map[string]any:
			if schema, ok := x["schema"]; ok {
				if ex, ok := x["example"]; ok {
					n++
					if err := s.Validate(schema, ex); err != nil {
						return fmt.Errorf("%s/example: %w", at, err)
					}
				}
				if exs, ok := x["examples"].(map[string]any); ok {
					for name, e := range exs {
						e, err := s.deref(e)
						if err != nil {
							return err
						}
						if em, ok := e.(map[string]any); ok {
							if val, ok := em["value"]; ok {
								n++
								if err := s.Validate(schema, val); err != nil {
									return fmt.Errorf("%s/examples/%s: %w", at, name, err)
								}
							}
						}
					}
				}
			}
			for k, c := range x {
				if k == "schema" || k == "example" || k == "examples" {
					continue
				}
				if err := walk(c, at+"/"+k); err != nil {
					return err
				}
			}
		case []any:
			for i, c := range x {
				if err := walk(c, fmt.Sprintf("%s/%d", at, i)); err != nil {
					return err
				}
			}
		}
		return nil
	}
	err = walk(s.root["paths"], "#/paths")
	return n, err
}

// Validate checks a decoded JSON value (numbers as json.Number or float64) against a schema
// of this description.
func (s *Spec) Validate(schema any, v any) error {
	return s.validate(schema, v, "$", 0)
}

func (s *Spec) validate(schema any, v any, at string, depth int) error {
	if depth > 64 {
		return fmt.Errorf("%w: %s: schema recursion too deep", ErrInvalid, at)
	}
	if b, ok := schema.(bool); ok {
		if !b {
			return fmt.Errorf("%w: %s: not allowed here", ErrInvalid, at)
		}
		return nil
	}
	m, _ := schema.(map[string]any)
	if ref, ok := m["$ref"].(string); ok {
		target, err := s.resolve(ref)
		if err != nil {
			return err
		}
		if err := s.validate(target, v, at, depth+1); err != nil {
			return err
		}
	}
	if t, ok := m["type"]; ok {
		if err := checkType(t, v, at); err != nil {
			return err
		}
	}
	if c, ok := m["const"]; ok && !equal(c, v) {
		return fmt.Errorf("%w: %s: %s, want %s", ErrInvalid, at, show(v), show(c))
	}
	if e, ok := m["enum"].([]any); ok {
		found := false
		for _, c := range e {
			if equal(c, v) {
				found = true
				break
			}
		}
		if !found {
			return fmt.Errorf("%w: %s: %s not in %s", ErrInvalid, at, show(v), show(e))
		}
	}
	switch x := v.(type) {
	case string:
		n := len([]rune(x))
		if min, ok := num(m["minLength"]); ok && float64(n) < min {
			return fmt.Errorf("%w: %s: %d characters, want at least %v", ErrInvalid, at, n, min)
		}
		if max, ok := num(m["maxLength"]); ok && float64(n) > max {
			return fmt.Errorf("%w: %s: %d characters, want at most %v", ErrInvalid, at, n, max)
		}
		if p, ok := m["pattern"].(string); ok && !s.re[p].MatchString(x) {
			return fmt.Errorf("%w: %s: %q does not match %q", ErrInvalid, at, x, p)
		}
	case json.Number, float64:
		f, _ := num(x)
		if min, ok := num(m["minimum"]); ok && f < min {
			return fmt.Errorf("%w: %s: %v below %v", ErrInvalid, at, f, min)
		}
		if max, ok := num(m["maximum"]); ok && f > max {
			return fmt.Errorf("%w: %s: %v above %v", ErrInvalid, at, f, max)
		}
	case []any:
		if min, ok := num(m["minItems"]); ok && float64(len(x)) < min {
			return fmt.Errorf("%w: %s: %d items, want at least %v", ErrInvalid, at, len(x), min)
		}
		if max, ok := num(m["maxItems"]); ok && float64(len(x)) > max {
			return fmt.Errorf("%w: %s: %d items, want at most %v", ErrInvalid, at, len(x), max)
		}
		if it, ok := m["items"]; ok {
			for i, e := range x {
				if err := s.validate(it, e, fmt.Sprintf("%s[%d]", at, i), depth+1); err != nil {
					return err
				}
			}
		}
	case map[string]any:
		if req, ok := m["required"].([]any); ok {
			for _, r := range req {
				name, _ := r.(string)
				if _, ok := x[name]; !ok {
					return fmt.Errorf("%w: %s: missing required %q", ErrInvalid, at, name)
				}
			}
		}
		props, _ := m["properties"].(map[string]any)
		extra, hasExtra := m["additionalProperties"]
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if ps, ok := props[k]; ok {
				if err := s.validate(ps, x[k], at+"."+k, depth+1); err != nil {
					return err
				}
				continue
			}
			if hasExtra {
				if err := s.validate(extra, x[k], at+"."+k, depth+1); err != nil {
					return fmt.Errorf("%w (property %q is not described)", err, k)
				}
			}
		}
	}
	if all, ok := m["allOf"].([]any); ok {
		for _, sub := range all {
			if err := s.validate(sub, v, at, depth+1); err != nil {
				return err
			}
		}
	}
	if alts, ok := m["anyOf"].([]any); ok {
		var errs []string
		ok := false
		for _, sub := range alts {
			err := s.validate(sub, v, at, depth+1)
			if err == nil {
				ok = true
				break
			}
			errs = append(errs, err.Error())
		}
		if !ok {
			return fmt.Errorf("%w: %s: matches no anyOf branch: %s", ErrInvalid, at, strings.Join(errs, "; "))
		}
	}
	if one, ok := m["oneOf"].([]any); ok {
		var errs []string
		n := 0
		for _, sub := range one {
			if err := s.validate(sub, v, at, depth+1); err != nil {
				errs = append(errs, err.Error())
			} else {
				n++
			}
		}
		if n != 1 {
			if n == 0 {
				return fmt.Errorf("%w: %s: matches no oneOf branch: %s", ErrInvalid, at, strings.Join(errs, "; "))
			}
			return fmt.Errorf("%w: %s: matches %d oneOf branches", ErrInvalid, at, n)
		}
	}
	return nil
}

func checkType(t any, v any, at string) error {
	var names []string
	switch x := t.(type) {
	case string:
		names = []string{x}
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok {
				names = append(names, s)
			}
		}
	}
	got := typeOf(v)
	for _, n := range names {
		if n == got || (n == "number" && got == "integer") {
			return nil
		}
	}
	return fmt.Errorf("%w: %s: %s is %s, want %s", ErrInvalid, at, show(v), got, strings.Join(names, " or "))
}

func typeOf(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number, float64:
		f, _ := num(x)
		if f == math.Trunc(f) && !math.IsInf(f, 0) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func num(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case float64:
		return x, true
	case int:
		return float64(x), true
	}
	return 0, false
}

func equal(a, b any) bool {
	if fa, ok := num(a); ok {
		fb, ok := num(b)
		return ok && fa == fb
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

func show(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 120 {
		return string(b[:120]) + "…"
	}
	return string(b)
}
