package astracaph

import (
	"github.com/astracat/astracaph/internal/jsjson"
)

// The strict decoder: the fallback for every payload the fast scanner gives up on
// (escapes, other member orders, whitespace inside the parameters, deep nesting). It
// parses the whole text with jsjson — JSON.parse semantics, but a repeated key at any
// depth is refused — and applies the fast path's type rules to produce the same fields:
// strings unescaped into the bytes JavaScript would hash (a lone surrogate becomes
// U+FFFD, as TextEncoder writes it), numbers in JavaScript's spelling, and the
// parameters as canonical JSON, the exact text altcha-lib signs. FuzzStrictMatchesFast
// checks that both paths agree wherever the fast one decides.

// parseStrict fills p like parseFast does.
func (p *rawPayload) parseStrict(b []byte) error {
	top, err := strictObject(b)
	if err != nil {
		return err
	}
	for i, k := range top.Keys {
		v := top.Values[i]
		switch k {
		case "challenge":
			switch c := v.(type) {
			case string:
				p.challenge = usvBytes(c)
			case *jsjson.Object:
				p.challengeObj = true
				if err := p.strictChallenge(c); err != nil {
					return err
				}
			}
		case "solution":
			o, ok := v.(*jsjson.Object)
			if !ok {
				continue
			}
			p.solutionObj = true
			for j, sk := range o.Keys {
				sv := o.Values[j]
				var ok bool
				switch sk {
				case "counter":
					p.counter, ok = numberBytes(sv)
				case "derivedKey":
					p.derivedKey, ok = stringBytes(sv)
				case "time":
					p.time, _ = numberBytes(sv)
					ok = true
				default:
					ok = true
				}
				if !ok {
					return ErrMalformedPayload
				}
			}
		case "test":
			p.test = v == true
		case "algorithm", "salt", "signature":
			s, ok := stringBytes(v)
			if !ok {
				return ErrMalformedPayload
			}
			switch k {
			case "algorithm":
				p.algorithm = s
			case "salt":
				p.salt = s
			default:
				p.sigV1 = s
			}
		case "number":
			var ok bool
			if p.number, ok = numberBytes(v); !ok {
				return ErrMalformedPayload
			}
		case "took":
			p.took, _ = numberBytes(v)
		}
	}
	return nil
}

func (p *rawPayload) strictChallenge(c *jsjson.Object) error {
	for i, k := range c.Keys {
		switch k {
		case "parameters":
			po, ok := c.Values[i].(*jsjson.Object)
			if !ok {
				return ErrMalformedPayload
			}
			p.params = jsjson.Canonical(po)
			// Canonical text has no duplicates but JavaScript's key order (array indices
			// first, UTF-16 order), so the scanner reads it without its order rule.
			s := scanner{b: p.params, anyOrder: true}
			if !p.pr.scan(&s, 0) || !s.end() {
				if p.pr.err != nil {
					return p.pr.err
				}
				return ErrMalformedPayload
			}
		case "signature":
			var ok bool
			if p.signature, ok = stringBytes(c.Values[i]); !ok {
				return ErrMalformedPayload
			}
		}
	}
	return nil
}

// parseStrict fills r like parseFast does.
func (r *rawServerPayload) parseStrict(b []byte) error {
	top, err := strictObject(b)
	if err != nil {
		return err
	}
	var gotAlg, gotSig, gotData bool
	for i, k := range top.Keys {
		v := top.Values[i]
		switch k {
		case "algorithm":
			s, ok := stringBytes(v)
			if !ok {
				return ErrMalformedPayload
			}
			if r.alg, err = serverAlgorithm(s); err != nil {
				return err
			}
			gotAlg = true
		case "signature":
			s, ok := stringBytes(v)
			if !ok {
				return ErrMalformedPayload
			}
			r.setSignature(s)
			gotSig = true
		case "verificationData":
			s, ok := v.(string)
			if !ok {
				return ErrMalformedPayload
			}
			r.data, gotData = jsjson.WellFormed(s), true
		case "verified":
			r.verified = v == true
		}
	}
	if !gotAlg || !gotSig || !gotData {
		return ErrMalformedPayload
	}
	return nil
}

// strictObject parses b strictly and requires an object.
func strictObject(b []byte) (*jsjson.Object, error) {
	v, err := jsjson.ParseStrict(b)
	if err != nil {
		return nil, ErrMalformedPayload
	}
	o, ok := v.(*jsjson.Object)
	if !ok {
		return nil, ErrMalformedPayload
	}
	return o, nil
}

func usvBytes(s string) []byte { return []byte(jsjson.WellFormed(s)) }

func stringBytes(v any) ([]byte, bool) {
	s, ok := v.(string)
	if !ok {
		return nil, false
	}
	return usvBytes(s), true
}

// numberBytes spells a number as JavaScript would.
func numberBytes(v any) ([]byte, bool) {
	f, ok := v.(float64)
	if !ok {
		return nil, false
	}
	return jsjson.AppendNumber(nil, f), true
}
