package privacypass

import (
	"fmt"
	"strings"
)

// Limits on header values parsed here. A type 0x0002 credential is about 490 bytes and a
// challenge with its token key about 900, so these leave room for other schemes while
// bounding the work an attacker can ask for.
const (
	maxHeaderLen  = 16 << 10
	maxAuthParams = 64
)

// authItem is one challenge (WWW-Authenticate) or one set of credentials (Authorization):
// an auth-scheme followed by a token68 or by auth-params (RFC 9110 §11).
type authItem struct {
	scheme  string
	token68 string
	params  []authParam // names lower-cased, each at most once
}

type authParam struct{ name, value string }

// param returns the value of the parameter name (lower case) and whether it is present.
func (a authItem) param(name string) (string, bool) {
	for _, p := range a.params {
		if p.name == name {
			return p.value, true
		}
	}
	return "", false
}

// parseAuthList parses a comma-separated list of challenges or credentials. Several
// items appear when a server offers several schemes, or when a proxy folded several field
// lines into one. The grammar is ambiguous only after a comma, where "name=" continues
// the current item's parameters and anything else starts a new item; that is the
// reading RFC 9110 §11.6.1 implies, and the one browsers use.
func parseAuthList(s string) ([]authItem, error) {
	if len(s) > maxHeaderLen {
		return nil, fmt.Errorf("%w: %d bytes", ErrMalformedHeader, len(s))
	}
	p := authParser{s: s}
	var items []authItem
	nparams := 0
	for {
		p.skipListSeparators()
		if p.done() {
			return items, nil
		}
		it, err := p.item()
		if err != nil {
			return nil, err
		}
		if nparams += len(it.params) + 1; nparams > maxAuthParams {
			return nil, fmt.Errorf("%w: too many parameters", ErrMalformedHeader)
		}
		items = append(items, it)
	}
}

type authParser struct {
	s string
	i int
}

func (p *authParser) done() bool { return p.i >= len(p.s) }

func (p *authParser) fail(what string) error {
	return fmt.Errorf("%w: %s at offset %d", ErrMalformedHeader, what, p.i)
}

func (p *authParser) skipOWS() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

// skipListSeparators skips the empty list elements "#rule" allows: OWS and commas.
func (p *authParser) skipListSeparators() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == ',') {
		p.i++
	}
}

// item parses one auth-scheme with its token68 or auth-params, leaving p after it (at
// the end, or at the comma that separates it from the next item).
func (p *authParser) item() (authItem, error) {
	var it authItem
	if it.scheme = p.token(); it.scheme == "" {
		return it, p.fail("expected an auth-scheme")
	}
	sp := p.i
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
	if p.done() || p.s[p.i] == ',' {
		return it, nil
	}
	if p.i == sp {
		return it, p.fail("expected a space after the auth-scheme")
	}
	if end, ok := p.token68At(p.i); ok {
		it.token68 = p.s[p.i:end]
		p.i = end
		p.skipOWS()
		return it, nil
	}
	for {
		name := p.token()
		if name == "" {
			return it, p.fail("expected a parameter name")
		}
		p.skipOWS()
		if p.done() || p.s[p.i] != '=' {
			return it, p.fail("expected '='")
		}
		p.i++
		p.skipOWS()
		value, err := p.value()
		if err != nil {
			return it, err
		}
		name = strings.ToLower(name)
		if _, dup := it.param(name); dup {
			return it, p.fail("repeated parameter " + name)
		}
		it.params = append(it.params, authParam{name, value})
		p.skipOWS()
		if p.done() {
			return it, nil
		}
		if p.s[p.i] != ',' {
			return it, p.fail("expected ','")
		}
		next := p.i
		for next < len(p.s) && (p.s[next] == ' ' || p.s[next] == '\t' || p.s[next] == ',') {
			next++
		}
		if !p.paramAt(next) {
			return it, nil // a new item (or the end) follows; the caller skips the commas
		}
		p.i = next
	}
}

// token68At reports whether a token68 ("abc", "abc==") runs from i to the end of the item,
// and where it ends.
func (p *authParser) token68At(i int) (int, bool) {
	j := i
	for j < len(p.s) && isToken68Char(p.s[j]) {
		j++
	}
	if j == i {
		return 0, false
	}
	for j < len(p.s) && p.s[j] == '=' {
		j++
	}
	end := j
	for j < len(p.s) && (p.s[j] == ' ' || p.s[j] == '\t') {
		j++
	}
	return end, j == len(p.s) || p.s[j] == ','
}

// paramAt reports whether an auth-param ("name =") starts at i.
func (p *authParser) paramAt(i int) bool {
	j := i
	for j < len(p.s) && isTchar(p.s[j]) {
		j++
	}
	if j == i {
		return false
	}
	for j < len(p.s) && (p.s[j] == ' ' || p.s[j] == '\t') {
		j++
	}
	return j < len(p.s) && p.s[j] == '='
}

func (p *authParser) token() string {
	start := p.i
	for p.i < len(p.s) && isTchar(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

// value reads a token or a quoted-string (recipients must accept both, RFC 9110 §11.2).
func (p *authParser) value() (string, error) {
	if p.done() {
		return "", p.fail("expected a parameter value")
	}
	if p.s[p.i] != '"' {
		v := p.token()
		if v == "" {
			return "", p.fail("expected a parameter value")
		}
		return v, nil
	}
	p.i++
	start := p.i
	var b *strings.Builder // only for values with quoted-pairs
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			if b == nil {
				return p.s[start : p.i-1], nil
			}
			return b.String(), nil
		case c == '\\':
			if p.i+1 >= len(p.s) || !isQuotedPairChar(p.s[p.i+1]) {
				return "", p.fail("bad quoted-pair")
			}
			if b == nil {
				b = &strings.Builder{}
				b.WriteString(p.s[start:p.i])
			}
			b.WriteByte(p.s[p.i+1])
			p.i += 2
		case isQdtext(c):
			if b != nil {
				b.WriteByte(c)
			}
			p.i++
		default:
			return "", p.fail("bad character in quoted-string")
		}
	}
	return "", p.fail("unterminated quoted-string")
}

// isTchar: RFC 9110 §5.6.2 token characters.
func isTchar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// isToken68Char: RFC 9110 §11.2 token68 characters before the trailing "="s.
func isToken68Char(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/'
}

// isQdtext: HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text.
func isQdtext(c byte) bool {
	return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e) || c >= 0x80
}

// isQuotedPairChar: HTAB / SP / VCHAR / obs-text.
func isQuotedPairChar(c byte) bool {
	return c == '\t' || c == ' ' || (c >= 0x21 && c <= 0x7e) || c >= 0x80
}
