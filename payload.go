package astracaph

import (
	"errors"
	"fmt"
	"math"

	"github.com/astracat/astracaph/internal/jsjson"
	"github.com/astracat/astracaph/internal/wire"
)

// Reading a PoW payload (v1 or v2, told apart by shape) into its fields, and the signed
// parameters of a v2 challenge into theirs (docs/protocol.md; the formats themselves:
// docs/protocol-notes.md). The base64 has been decoded into the scratch (scratch.go).
//
// The fast path (parseFast) reads the layout every ALTCHA producer emits by default — keys
// in sorted order, no escapes in anything read, canonical parameters — with wire.Scanner,
// without allocating. Anything else (escapes, other member orders, whitespace in the
// parameters, deep nesting) makes the scanner give up with errNeedStrict, and the payload
// is decoded again by the strict decoder (parseStrict, below) that applies the same checks.
// FuzzStrictMatchesFast checks that both paths agree wherever the fast one decides.

// errNeedStrict: the fast scanner met something only the strict decoder handles.
var errNeedStrict = errors.New("astracaph: payload needs the strict decoder")

// maxPayloadLen bounds the encoded payload length a verifier accepts.
const maxPayloadLen = 16 << 10

// rawPayload holds the fields of a decoded payload: spans into the payload text on the
// fast path, copies on the strict path.
type rawPayload struct {
	version                   int
	test                      bool
	challengeObj, solutionObj bool // "challenge" and "solution" are objects (v2 shape)
	// v2
	params, signature, derivedKey []byte // params: canonical JSON; signature: challenge.signature
	pr                            paramRefs
	counter, time                 []byte
	// v1
	algorithm, challenge, salt, number, sigV1, took []byte
}

// parse reads b with the fast scanner, or with the strict decoder when the scanner gives up.
func (p *rawPayload) parse(b []byte) error {
	err := p.parseFast(b)
	if err == errNeedStrict {
		*p = rawPayload{}
		err = p.parseStrict(b)
	}
	if err != nil {
		return err
	}
	if p.test {
		return ErrTestPayload
	}
	switch {
	case p.challengeObj && p.solutionObj && p.params != nil:
		p.version = 2
	case p.challenge != nil && p.algorithm != nil && p.number != nil && p.salt != nil:
		p.version = 1
	default:
		return ErrMalformedPayload
	}
	return nil
}

// parseFast reads the common layout without allocating (see scanner).
func (p *rawPayload) parseFast(b []byte) error {
	s := wire.Scanner{B: b}
	ok := p.scanTop(&s) && s.End()
	switch {
	case s.Strict:
		return errNeedStrict
	case p.pr.err != nil:
		return p.pr.err
	case !ok:
		return ErrMalformedPayload
	}
	return nil
}

// The keys each reader knows, for scanner.keyIn; the constants index them.
var (
	topKeys = wire.NewKeyTable("algorithm", "challenge", "number", "salt", "signature", "solution", "test", "took")
	chKeys  = wire.NewKeyTable("parameters", "signature")
	solKeys = wire.NewKeyTable("counter", "derivedKey", "time")
)

const (
	topAlgorithm = iota
	topChallenge
	topNumber
	topSalt
	topSignature
	topSolution
	topTest
	topTook
)

func (p *rawPayload) scanTop(s *wire.Scanner) bool {
	more, ok := s.ObjectStart(0)
	var k []byte
	var id int
	for ok && more {
		if k, id, ok = s.KeyIn(k, topKeys); !ok {
			break
		}
		switch id {
		case topChallenge:
			switch s.Peek() {
			case '{':
				p.challengeObj = true
				ok = p.scanChallenge(s)
			case '"':
				p.challenge, ok = s.PlainStr()
			default:
				ok = s.Skip(1) // null in test mode
			}
		case topSolution:
			if s.Peek() == '{' {
				p.solutionObj = true
				ok = p.scanSolution(s)
			} else {
				ok = s.Skip(1)
			}
		case topTest:
			var raw []byte
			raw, ok = s.Value(1, false)
			p.test = string(raw) == "true"
		case topAlgorithm:
			p.algorithm, ok = s.PlainStr()
		case topSalt:
			p.salt, ok = s.PlainStr()
		case topSignature:
			p.sigV1, ok = s.PlainStr()
		case topNumber:
			p.number, ok = s.Num()
		case topTook:
			p.took, ok = s.AnyNumber(1)
		default:
			ok = s.Skip(1)
		}
		more, ok = s.After(ok)
	}
	return ok
}

func (p *rawPayload) scanChallenge(s *wire.Scanner) bool {
	more, ok := s.ObjectStart(1)
	var k []byte
	var id int
	for ok && more {
		if k, id, ok = s.KeyIn(k, chKeys); !ok {
			break
		}
		switch id {
		case 0: // parameters
			if s.Peek() != '{' {
				return false
			}
			// Signed as they are: the bytes must already be the canonical JSON,
			// otherwise the strict decoder canonicalises them.
			s.Canonical = true
			start := s.I
			ok = p.pr.scan(s, 2)
			if ok && !s.Canonical {
				s.Strict = true
				return false
			}
			s.Canonical = false
			p.params = s.B[start:s.I]
		case 1: // signature
			p.signature, ok = s.PlainStr()
		default:
			ok = s.Skip(2)
		}
		more, ok = s.After(ok)
	}
	return ok
}

func (p *rawPayload) scanSolution(s *wire.Scanner) bool {
	more, ok := s.ObjectStart(1)
	var k []byte
	var id int
	for ok && more {
		if k, id, ok = s.KeyIn(k, solKeys); !ok {
			break
		}
		switch id {
		case 0: // counter
			p.counter, ok = s.Num()
		case 1: // derivedKey
			p.derivedKey, ok = s.PlainStr()
		case 2: // time
			p.time, ok = s.AnyNumber(2)
		default:
			ok = s.Skip(2)
		}
		more, ok = s.After(ok)
	}
	return ok
}

// paramRefs are typed views of the members of canonical parameters.
type paramRefs struct {
	alg                                        Algorithm
	hasAlg                                     bool
	nonce, salt, keyPrefix, keySignature, data []byte
	cost, keyLength, memoryCost, parallelism   int
	expires                                    float64
	challengeID                                []byte // data.challengeId: raw, or quoted when escaped
	challengeIDQuoted                          bool
	bad                                        bool  // signed but unusable parameters
	err                                        error // malformed parameters
}

func (pr *paramRefs) kdf() kdfParams {
	return kdfParams{Algorithm: pr.alg, Cost: pr.cost, KeyLength: pr.keyLength, MemoryCost: pr.memoryCost, Parallelism: pr.parallelism}
}

// paramKeys are the parameters a verifier reads, in canonical order; the constants index
// them.
var paramKeys = wire.NewKeyTable("algorithm", "cost", "data", "expiresAt", "keyLength", "keyPrefix", "keySignature",
	"memoryCost", "nonce", "parallelism", "salt")

const (
	pAlgorithm = iota
	pCost
	pData
	pExpiresAt
	pKeyLength
	pKeyPrefix
	pKeySignature
	pMemoryCost
	pNonce
	pParallelism
	pSalt
)

// scan reads a parameters object at the scanner's position into pr (zero on entry),
// recording the members it knows and skipping the others.
func (pr *paramRefs) scan(s *wire.Scanner, depth int) bool {
	more, ok := s.ObjectStart(depth)
	var k []byte
	var id int
	for ok && more {
		if k, id, ok = s.KeyIn(k, paramKeys); !ok {
			break
		}
		if id == pData && s.Peek() == '{' {
			start := s.I
			ok = pr.scanData(s, depth+1)
			pr.data = s.B[start:s.I]
		} else {
			var v []byte
			v, ok = s.Value(depth+1, false)
			if ok && !s.Canonical && !s.AnyOrder {
				// Not the signed form (escapes, spacing, number spelling): only the
				// canonical text may be read, which the strict decoder produces.
				s.Strict = true
				return false
			}
			ok = ok && pr.set(id, v)
		}
		more, ok = s.After(ok)
	}
	return ok
}

var dataKeys = wire.NewKeyTable("challengeId")

// scanData reads the data object, picking out challengeId when it is a string.
func (pr *paramRefs) scanData(s *wire.Scanner, depth int) bool {
	more, ok := s.ObjectStart(depth)
	var k []byte
	var id int
	for ok && more {
		if k, id, ok = s.KeyIn(k, dataKeys); !ok {
			break
		}
		if id == 0 && s.Peek() == '"' {
			start := s.I
			var esc bool
			pr.challengeID, esc, ok = s.Str()
			if esc {
				pr.challengeID, pr.challengeIDQuoted = s.B[start:s.I], true
			}
		} else {
			ok = s.Skip(depth + 1)
		}
		more, ok = s.After(ok)
	}
	return ok
}

func unquote(v []byte) ([]byte, bool) {
	if len(v) < 2 || v[0] != '"' {
		return nil, false
	}
	return v[1 : len(v)-1], true
}

// set records the member with key paramKeys[id] (id -1: unknown, ignored); it returns
// false (with pr.err) for malformed parameters.
func (pr *paramRefs) set(id int, v []byte) bool {
	intField := func(lo, hi float64) int {
		n, ok := wire.ParseIntIn(v, lo, hi)
		if !ok {
			pr.bad = true
		}
		return int(n)
	}
	switch id {
	case pAlgorithm:
		s, ok := unquote(v)
		if !ok {
			pr.err = ErrMalformedPayload
			return false
		}
		a, known := internAlgorithm(s)
		if !known || !a.isV2() {
			pr.err = fmt.Errorf("%w: %w: %q", ErrMalformedPayload, ErrUnknownAlgorithm, s)
			return false
		}
		pr.alg, pr.hasAlg = a, true
	case pNonce:
		pr.nonce = pr.str(v)
	case pSalt:
		pr.salt = pr.str(v)
	case pKeyPrefix:
		pr.keyPrefix = pr.str(v)
	case pKeySignature:
		pr.keySignature = pr.str(v)
	case pCost:
		pr.cost = intField(1, math.MaxInt32)
	case pKeyLength:
		pr.keyLength = intField(1, 1024)
	case pMemoryCost:
		pr.memoryCost = intField(1, 1<<22)
	case pParallelism:
		pr.parallelism = intField(1, 255)
	case pExpiresAt:
		if string(v) == "null" || string(v) == "0" || string(v) == "false" {
			return true
		}
		e, ok := wire.ParseFloat(v)
		if !ok {
			pr.bad = true
		}
		pr.expires = e
	case pData:
		pr.data = v
	}
	return true
}

// str unquotes a string member; anything else is unusable (but signed) and marks bad.
func (pr *paramRefs) str(v []byte) []byte {
	s, ok := unquote(v)
	if !ok {
		pr.bad = true
		return nil
	}
	return s
}

// finish checks the required members once all are read.
func (pr *paramRefs) finish() error {
	if !pr.hasAlg || pr.nonce == nil || pr.salt == nil || pr.keyPrefix == nil {
		return ErrMalformedPayload
	}
	if !wire.IsLowerHex(pr.keyPrefix) || pr.keyLength == 0 || len(pr.keyPrefix) > 2*pr.keyLength {
		pr.bad = true
	}
	return nil
}

// paramsFromCanonical decodes canonical parameters into the typed struct.
func paramsFromCanonical(canon []byte) (ChallengeParameters, error) {
	var pr paramRefs
	s := wire.Scanner{B: canon, AnyOrder: true}
	if !pr.scan(&s, 0) || !s.End() {
		if pr.err != nil {
			return ChallengeParameters{}, pr.err
		}
		return ChallengeParameters{}, ErrMalformedPayload
	}
	if err := pr.finish(); err != nil {
		return ChallengeParameters{}, err
	}
	p := ChallengeParameters{
		Algorithm: pr.alg, Nonce: string(pr.nonce), Salt: string(pr.salt), Cost: pr.cost, KeyLength: pr.keyLength,
		KeyPrefix: string(pr.keyPrefix), KeySignature: string(pr.keySignature), MemoryCost: pr.memoryCost,
		Parallelism: pr.parallelism, ExpiresAt: int64(pr.expires),
	}
	if pr.data != nil {
		if v, err := jsjson.Parse(pr.data); err == nil {
			if o, ok := v.(*jsjson.Object); ok {
				p.Data = make(map[string]any, len(o.Keys))
				for i, k := range o.Keys {
					p.Data[k] = o.Values[i]
				}
			}
		}
	}
	return p, nil
}

// The strict decoder: the fallback for every payload the fast scanner gives up on. It
// parses the whole text with jsjson — JSON.parse semantics, but a repeated key at any
// depth is refused — and applies the fast path's type rules to produce the same fields:
// strings unescaped into the bytes JavaScript would hash (a lone surrogate becomes
// U+FFFD, as TextEncoder writes it), numbers in JavaScript's spelling, and the
// parameters as canonical JSON, the exact text altcha-lib signs.

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
			s := wire.Scanner{B: p.params, AnyOrder: true}
			if !p.pr.scan(&s, 0) || !s.End() {
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
