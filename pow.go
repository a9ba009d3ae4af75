package astracaph

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/astracat/astracaph/internal/jsjson"
)

// PoW v2 (docs/protocol-notes.md): the client searches a counter such that
// KDF(salt, nonce ‖ uint32BE(counter)) starts with keyPrefix; the parameters are signed
// with HMAC over their canonical JSON.

// Mode selects how a PoW v2 challenge is built.
type Mode int

const (
	// Deterministic picks a secret random counter, derives its key and publishes the first
	// half as keyPrefix; the client must walk the counters up to it. Recommended.
	Deterministic Mode = iota
	// Probabilistic publishes a short fixed prefix (e.g. "00"); expected work 16^len.
	Probabilistic
)

// Errors returned by challenge creation and verification.
var (
	ErrEmptyKey       = errors.New("astracaph: empty HMAC key")
	ErrUnsolvable     = errors.New("astracaph: parameters the official widget cannot solve")
	ErrInvalidOptions = errors.New("astracaph: invalid challenge options")
	ErrNoSolution     = errors.New("astracaph: no solution found")
)

// ChallengeOptions configures CreateChallenge. Zero values take the ecosystem defaults:
// PBKDF2/SHA-256, cost 5000, keyLength 32, deterministic counter in [5000, 10000].
type ChallengeOptions struct {
	Algorithm Algorithm
	Mode      Mode
	Cost      int
	KeyLength int
	// MemoryCost (ARGON2ID KiB, SCRYPT r) and Parallelism are required for memory-hard
	// algorithms: the widget and altcha-lib disagree on their defaults.
	MemoryCost  int
	Parallelism int

	// Deterministic mode: counter drawn uniformly from [CounterMin, CounterMax], or Counter
	// when set. KeyPrefixLength defaults to KeyLength/2 bytes.
	CounterMin, CounterMax uint32
	Counter                *uint32
	KeyPrefixLength        int

	// Probabilistic mode: the hex prefix to find (default "00"); odd length allowed.
	KeyPrefix string

	ExpiresAt time.Time      // zero: no expiry (discouraged)
	Data      map[string]any // signed; data.challengeId becomes the replay key

	HMACKey         []byte    // signature secret (required)
	HMACAlgorithm   Algorithm // SHA-256 (default), SHA-384 or SHA-512
	KeySignatureKey []byte    // enables keySignature and the two-HMAC verification fast path

	NonceLength, SaltLength int       // bytes, default 16
	Rand                    io.Reader // default crypto/rand

	// AllowUnsolvable permits parameter sets the official widget ≤3.2 cannot solve.
	AllowUnsolvable bool
}

// ChallengeParameters are the signed parameters of a PoW v2 challenge.
type ChallengeParameters struct {
	Algorithm    Algorithm      `json:"algorithm"`
	Nonce        string         `json:"nonce"`
	Salt         string         `json:"salt"`
	Cost         int            `json:"cost"`
	KeyLength    int            `json:"keyLength"`
	KeyPrefix    string         `json:"keyPrefix"`
	KeySignature string         `json:"keySignature,omitempty"`
	MemoryCost   int            `json:"memoryCost,omitempty"`
	Parallelism  int            `json:"parallelism,omitempty"`
	ExpiresAt    int64          `json:"expiresAt,omitempty"`
	Data         map[string]any `json:"data,omitempty"`
}

// Challenge is a signed PoW v2 challenge. It marshals to the exact JSON the widget
// expects: {"parameters":{…canonical…},"signature":"…"}.
type Challenge struct {
	Parameters ChallengeParameters
	Signature  string
	canonical  []byte // the signed canonical parameters JSON
}

// MarshalJSON writes the parameters in their signed canonical form.
func (c Challenge) MarshalJSON() ([]byte, error) {
	canon := c.canonical
	if canon == nil {
		canon = c.Parameters.canonicalJSON()
	}
	out := make([]byte, 0, len(canon)+len(c.Signature)+32)
	out = append(out, `{"parameters":`...)
	out = append(out, canon...)
	out = append(out, `,"signature":`...)
	out = jsjson.AppendString(out, c.Signature)
	return append(out, '}'), nil
}

// UnmarshalJSON reads a challenge, keeping the canonical parameters as received.
func (c *Challenge) UnmarshalJSON(b []byte) error {
	v, err := jsjson.Parse(b)
	if err != nil {
		return err
	}
	o, ok := v.(*jsjson.Object)
	if !ok {
		return ErrMalformedPayload
	}
	pv, _ := o.Get("parameters")
	po, ok := pv.(*jsjson.Object)
	if !ok {
		return fmt.Errorf("%w: challenge has no parameters", ErrMalformedPayload)
	}
	sig, _ := o.Get("signature")
	c.Signature, _ = sig.(string)
	c.canonical = jsjson.Canonical(po)
	p, err := paramsFromCanonical(c.canonical)
	if err != nil {
		return err
	}
	c.Parameters = p
	return nil
}

// canonicalJSON is JSON.stringify(sortKeys(parameters)).
func (p ChallengeParameters) canonicalJSON() []byte {
	o := &jsjson.Object{}
	o.Set("algorithm", string(p.Algorithm))
	o.Set("cost", p.Cost)
	if p.Data != nil {
		o.Set("data", p.Data)
	}
	if p.ExpiresAt != 0 {
		o.Set("expiresAt", p.ExpiresAt)
	}
	o.Set("keyLength", p.KeyLength)
	o.Set("keyPrefix", p.KeyPrefix)
	if p.KeySignature != "" {
		o.Set("keySignature", p.KeySignature)
	}
	if p.MemoryCost != 0 {
		o.Set("memoryCost", p.MemoryCost)
	}
	o.Set("nonce", p.Nonce)
	if p.Parallelism != 0 {
		o.Set("parallelism", p.Parallelism)
	}
	o.Set("salt", p.Salt)
	return jsjson.Canonical(o)
}

func (p ChallengeParameters) kdf() kdfParams {
	return kdfParams{Algorithm: p.Algorithm, Cost: p.Cost, KeyLength: p.KeyLength, MemoryCost: p.MemoryCost, Parallelism: p.Parallelism}
}

func (o *ChallengeOptions) defaults() {
	if o.Algorithm == "" {
		o.Algorithm = PBKDF2SHA256
	}
	if o.Cost == 0 {
		switch o.Algorithm {
		case Scrypt:
			o.Cost = 16384
		case Argon2id:
			o.Cost = 3
		default:
			o.Cost = 5000
		}
	}
	if o.KeyLength == 0 {
		o.KeyLength = 32
		if d := o.Algorithm.digestSize(); d > 0 && !strings.HasPrefix(string(o.Algorithm), "PBKDF2") {
			o.KeyLength = d
		}
	}
	if o.HMACAlgorithm == "" {
		o.HMACAlgorithm = SHA256
	}
	if o.NonceLength == 0 {
		o.NonceLength = 16
	}
	if o.SaltLength == 0 {
		o.SaltLength = 16
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.Mode == Deterministic && o.Counter == nil && o.CounterMin == 0 && o.CounterMax == 0 {
		o.CounterMin, o.CounterMax = 5000, 10000
	}
	if o.Mode == Probabilistic && o.KeyPrefix == "" {
		o.KeyPrefix = "00"
	}
}

// validate refuses unsafe or (unless allowed) widget-unsolvable parameter sets.
func (o *ChallengeOptions) validate() error {
	if len(o.HMACKey) == 0 {
		return ErrEmptyKey
	}
	if !o.Algorithm.isV2() {
		return fmt.Errorf("%w: %q", ErrUnknownAlgorithm, o.Algorithm)
	}
	switch o.HMACAlgorithm {
	case SHA256, SHA384, SHA512:
	default:
		return fmt.Errorf("%w: HMAC algorithm %q", ErrInvalidOptions, o.HMACAlgorithm)
	}
	if o.Cost < 1 || o.KeyLength < 4 || o.KeyLength > 1024 || o.NonceLength < 8 || o.SaltLength < 8 {
		return fmt.Errorf("%w: cost, keyLength, nonce or salt length out of range", ErrInvalidOptions)
	}
	if o.Algorithm == Scrypt && !isPowerOfTwo(o.Cost) {
		return fmt.Errorf("%w: SCRYPT cost (N) must be a power of two", ErrInvalidOptions)
	}
	if !o.AllowUnsolvable {
		switch o.Algorithm {
		case PBKDF2SHA256, PBKDF2SHA384, PBKDF2SHA512:
			if o.KeyLength != 16 && o.KeyLength != 32 {
				return fmt.Errorf("%w: PBKDF2 keyLength must be 16 or 32", ErrUnsolvable)
			}
		case SHA256, SHA384, SHA512:
			if o.KeyLength < o.Algorithm.digestSize() && o.Cost > 1 {
				return fmt.Errorf("%w: SHA keyLength below the digest size with cost above 1", ErrUnsolvable)
			}
		case Scrypt, Argon2id:
			if o.MemoryCost == 0 || o.Parallelism == 0 {
				return fmt.Errorf("%w: %s needs explicit memoryCost and parallelism", ErrUnsolvable, o.Algorithm)
			}
		}
	}
	switch o.Mode {
	case Deterministic:
		if o.Counter == nil && o.CounterMax < o.CounterMin {
			return fmt.Errorf("%w: CounterMax below CounterMin", ErrInvalidOptions)
		}
		pl := o.KeyPrefixLength
		if pl == 0 {
			pl = o.KeyLength / 2
		}
		// A prefix of the whole key would make keySignature trivially satisfiable.
		if pl < 1 || pl > o.KeyLength/2 {
			return fmt.Errorf("%w: keyPrefixLength must be in [1, keyLength/2]", ErrInvalidOptions)
		}
	case Probabilistic:
		p := strings.ToLower(o.KeyPrefix)
		if !isLowerHexAny([]byte(p)) || len(p) > o.KeyLength {
			return fmt.Errorf("%w: keyPrefix must be non-empty hex of at most keyLength hex digits", ErrInvalidOptions)
		}
	default:
		return fmt.Errorf("%w: mode", ErrInvalidOptions)
	}
	return nil
}

// CreateChallenge builds and signs a PoW v2 challenge (docs/protocol-notes.md, "PoW v2: challenge" to "modes").
func CreateChallenge(opts ChallengeOptions) (Challenge, error) {
	opts.defaults()
	if err := opts.validate(); err != nil {
		return Challenge{}, err
	}
	nonce := make([]byte, opts.NonceLength)
	salt := make([]byte, opts.SaltLength)
	if _, err := io.ReadFull(opts.Rand, nonce); err != nil {
		return Challenge{}, fmt.Errorf("astracaph: random: %w", err)
	}
	if _, err := io.ReadFull(opts.Rand, salt); err != nil {
		return Challenge{}, fmt.Errorf("astracaph: random: %w", err)
	}
	p := ChallengeParameters{
		Algorithm: opts.Algorithm, Nonce: hex.EncodeToString(nonce), Salt: hex.EncodeToString(salt),
		Cost: opts.Cost, KeyLength: opts.KeyLength, MemoryCost: opts.MemoryCost, Parallelism: opts.Parallelism,
		Data: opts.Data,
	}
	if !opts.ExpiresAt.IsZero() {
		p.ExpiresAt = opts.ExpiresAt.Unix()
	}
	if opts.Mode == Probabilistic {
		p.KeyPrefix = strings.ToLower(opts.KeyPrefix)
	} else {
		counter, err := pickCounter(opts)
		if err != nil {
			return Challenge{}, err
		}
		key, err := deriveKey(p.kdf(), salt, appendPassword(nil, nonce, counter))
		if err != nil {
			return Challenge{}, err
		}
		pl := opts.KeyPrefixLength
		if pl == 0 {
			pl = opts.KeyLength / 2
		}
		p.KeyPrefix = hex.EncodeToString(key[:pl])
		if len(opts.KeySignatureKey) > 0 {
			mac, n := hmacSum(opts.HMACAlgorithm, opts.KeySignatureKey, key)
			p.KeySignature = hex.EncodeToString(mac[:n])
		}
	}
	canon := p.canonicalJSON()
	mac, n := hmacSum(opts.HMACAlgorithm, opts.HMACKey, canon)
	return Challenge{Parameters: p, Signature: hex.EncodeToString(mac[:n]), canonical: canon}, nil
}

func pickCounter(o ChallengeOptions) (uint32, error) {
	if o.Counter != nil {
		return *o.Counter, nil
	}
	span := int64(o.CounterMax) - int64(o.CounterMin) + 1
	n, err := rand.Int(o.Rand, big.NewInt(span))
	if err != nil {
		return 0, fmt.Errorf("astracaph: random: %w", err)
	}
	return o.CounterMin + uint32(n.Int64()), nil
}

// VerifyOptions configures VerifySolution.
type VerifyOptions struct {
	HMACKey         []byte    // signature secret; empty is an error, never a skipped check
	KeySignatureKey []byte    // optional: enables the two-HMAC fast path for deterministic challenges
	HMACAlgorithm   Algorithm // PoW v2 signature HMAC (default SHA-256); v1 uses the challenge algorithm
	Now             time.Time // zero: time.Now()
	IgnoreExpiry    bool      // v1 checkExpires=false equivalent
	// KDFLimit, when set, refuses (as an invalid solution) slow-path derivations above it.
	KDFLimit *KDFLimit
}

// SolutionResult is the outcome of VerifySolution, with the decoded challenge so callers
// can consume its replay key once.
type SolutionResult struct {
	Verified         bool
	Expired          bool
	InvalidSignature bool
	InvalidSolution  bool

	Version     int       // 1 or 2
	Algorithm   Algorithm // challenge algorithm
	Nonce       string    // v2 nonce
	Salt        string    // v2 salt (hex) or v1 salt (with its ?params)
	ChallengeID string    // v2 data.challengeId, if present
	Data        []byte    // v2 data as canonical JSON, or nil
	ExpiresAt   time.Time // zero when the challenge has no expiry
	Counter     uint64    // v2 counter or v1 number
	Took        float64   // solution.time (v2) or took (v1), milliseconds
	SlowPath    bool      // v2: the key had to be re-derived (no keySignature)
}

// ReplayKey is the identifier to consume once: data.challengeId, else the nonce (v2), or
// the salt (v1).
func (r *SolutionResult) ReplayKey() string {
	switch {
	case r.ChallengeID != "":
		return "c:" + r.ChallengeID
	case r.Version == 2:
		return "n:" + r.Nonce
	}
	// A v1 salt verifies with or without its trailing "&" (verifyV1 re-appends it), so the
	// key is the normalised salt: both spellings of one solution consume the same record.
	return "s:" + strings.TrimSuffix(r.Salt, "&") + "&"
}

// VerifySolution verifies a payload submitted by the widget: PoW v2
// {challenge:{parameters,signature},solution:{counter,derivedKey,time}} or legacy PoW v1
// {algorithm,challenge,number,salt,signature,took}, told apart by shape. A malformed
// payload returns an error wrapping ErrMalformedPayload; an expired or invalid one returns
// a result with the matching flag and a nil error.
func VerifySolution(payload string, opts VerifyOptions) (SolutionResult, error) {
	if len(opts.HMACKey) == 0 {
		return SolutionResult{}, ErrEmptyKey
	}
	bp := getBuf()
	defer putBuf(bp)
	b, err := decodePayload(*bp, payload)
	if err != nil {
		return SolutionResult{}, err
	}
	*bp = b[:0]
	var p rawPayload
	if err := p.parse(b); err != nil {
		return SolutionResult{}, err
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if p.version == 1 {
		return verifyV1(&p, opts)
	}
	return verifyV2(&p, opts)
}

// rawPayload holds spans into the decoded payload.
type rawPayload struct {
	version int
	test    bool
	// v2
	params, signature, derivedKey []byte
	paramsCanonical               bool
	fields                        [16]fieldSpan
	nfields                       int
	counter, time                 []byte
	// v1
	algorithm, challenge, salt, number []byte
}

func (p *rawPayload) parse(b []byte) error {
	s := scanner{b: b}
	var challengeObj, solutionObj bool
	seen := 0
	ok := s.object(0, func(key []byte) bool {
		// Duplicate members are refused: JSON.parse keeps the last one, a careful
		// verifier should not guess.
		bit := topLevelBit(key)
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		switch string(key) {
		case "challenge":
			switch s.peek() {
			case '{':
				challengeObj = true
				return s.object(1, func(k []byte) bool {
					switch string(k) {
					case "parameters":
						// Scan the members once, recording their spans for verifyV2 and
						// whether the object is already in canonical form.
						s.canonical = true
						if s.peek() != '{' {
							return false
						}
						start := s.i
						var ok bool
						p.nfields, ok = s.members(2, &p.fields)
						p.params, p.paramsCanonical = s.b[start:s.i], s.canonical && p.nfields <= len(p.fields)
						return ok
					case "signature":
						raw, esc, ok := s.str()
						p.signature = raw
						return ok && !esc
					}
					_, ok := s.value(2, false)
					return ok
				})
			case '"':
				raw, esc, ok := s.str()
				p.challenge = raw
				return ok && !esc
			}
			_, ok := s.value(1, false) // null in test mode
			return ok
		case "solution":
			if s.peek() != '{' {
				_, ok := s.value(1, false)
				return ok
			}
			solutionObj = true
			return s.object(1, func(k []byte) bool {
				switch string(k) {
				case "counter":
					raw, ok := s.num()
					p.counter = raw
					return ok
				case "derivedKey":
					raw, esc, ok := s.str()
					p.derivedKey = raw
					return ok && !esc
				case "time":
					raw, ok := s.num()
					p.time = raw
					return ok
				}
				_, ok := s.value(2, false)
				return ok
			})
		case "test":
			raw, ok := s.value(1, false)
			p.test = string(raw) == "true"
			return ok
		case "algorithm", "salt", "signature":
			raw, esc, ok := s.str()
			switch key[1] {
			case 'l':
				p.algorithm = raw
			case 'a':
				p.salt = raw
			default:
				p.signature = raw
			}
			return ok && !esc
		case "number":
			raw, ok := s.num()
			p.number = raw
			return ok
		case "took":
			raw, ok := s.num()
			p.time = raw
			return ok
		default:
			_, ok := s.value(1, false)
			return ok
		}
	})
	if !ok || !s.end() {
		return ErrMalformedPayload
	}
	if p.test {
		return ErrTestPayload
	}
	switch {
	case challengeObj && solutionObj && p.params != nil:
		p.version = 2
	case p.challenge != nil && p.algorithm != nil && p.number != nil && p.salt != nil:
		p.version = 1
	default:
		return ErrMalformedPayload
	}
	return nil
}

func topLevelBit(key []byte) int {
	switch string(key) {
	case "challenge":
		return 1
	case "solution":
		return 2
	case "algorithm":
		return 4
	case "salt":
		return 8
	case "signature":
		return 16
	case "number":
		return 32
	case "took":
		return 64
	case "test":
		return 128
	}
	return 0
}

// fieldSpan is one member of a scanned canonical parameters object.
type fieldSpan struct{ key, val []byte }

// paramSpans scans a canonical parameters object into at most 16 members.
func paramSpans(b []byte, out *[16]fieldSpan) (int, bool) {
	s := scanner{b: b}
	n, ok := s.members(0, out)
	return n, ok && n <= len(out) && s.end()
}

// members scans an object, recording the spans of its first len(out) members; n counts
// them all, so n > len(out) tells the caller some were not recorded.
func (s *scanner) members(depth int, out *[16]fieldSpan) (n int, ok bool) {
	ok = s.object(depth, func(k []byte) bool {
		raw, ok := s.value(depth+1, false)
		if !ok {
			return false
		}
		if n < len(out) {
			out[n] = fieldSpan{k, raw}
		}
		n++
		return true
	})
	return n, ok
}

// verifyV2 follows altcha-lib 2.8.0's order (docs/protocol-notes.md, "PoW v2: verification order").
func verifyV2(p *rawPayload, opts VerifyOptions) (SolutionResult, error) {
	res := SolutionResult{Version: 2}
	hmacAlg := opts.HMACAlgorithm
	if hmacAlg == "" {
		hmacAlg = SHA256
	}
	canon, fields := p.params, p.fields[:min(p.nfields, len(p.fields))]
	if !p.paramsCanonical {
		v, err := jsjson.Parse(p.params)
		if err != nil {
			return res, ErrMalformedPayload
		}
		canon = jsjson.Canonical(v)
		var fs [16]fieldSpan
		n, ok := paramSpans(canon, &fs)
		if !ok {
			return res, ErrMalformedPayload
		}
		fields = fs[:n]
	}
	var pr paramRefs
	if err := pr.read(fields); err != nil {
		return res, err
	}
	res.Algorithm = pr.alg
	res.Nonce, res.Salt = string(pr.nonce), string(pr.salt)
	res.ChallengeID = pr.challengeID
	if pr.data != nil {
		res.Data = append([]byte(nil), pr.data...)
	}
	if pr.expires > 0 {
		res.ExpiresAt = time.Unix(0, int64(pr.expires*1e9))
	}
	if t, ok := parseFloat(p.time); ok {
		res.Took = t
	}
	// 2. expiry
	if pr.expires > 0 && !opts.IgnoreExpiry && pr.expires < float64(opts.Now.UnixNano())/1e9 {
		res.Expired = true
		return res, nil
	}
	// 3–4. signature over the canonical parameters, constant time on the hex strings.
	mac, mn := hmacSum(hmacAlg, opts.HMACKey, canon)
	var want [128]byte
	hex.Encode(want[:], mac[:mn])
	if subtle.ConstantTimeCompare(want[:2*mn], p.signature) != 1 {
		res.InvalidSignature = true
		return res, nil
	}
	// 5. solution format
	counter, cok := parseIntIn(p.counter, 0, math.MaxUint32)
	if !cok || !isLowerHex(p.derivedKey) || pr.bad {
		res.InvalidSolution = true
		return res, nil
	}
	res.Counter = uint64(counter)
	// 6. fast path
	if len(pr.keySignature) > 0 && len(opts.KeySignatureKey) > 0 {
		var dk [1024]byte
		if len(p.derivedKey)/2 > len(dk) {
			res.InvalidSolution = true
			return res, nil
		}
		dn, _ := hex.Decode(dk[:], p.derivedKey)
		ks, kn := hmacSum(hmacAlg, opts.KeySignatureKey, dk[:dn])
		hex.Encode(want[:], ks[:kn])
		if subtle.ConstantTimeCompare(want[:2*kn], pr.keySignature) != 1 {
			res.InvalidSolution = true
			return res, nil
		}
		res.Verified = true
		return res, nil
	}
	// 7. slow path: re-derive, compare, and check the prefix.
	res.SlowPath = true
	if !opts.KDFLimit.allows(pr.kdf()) {
		res.InvalidSolution = true
		return res, nil
	}
	nonce, err1 := hex.DecodeString(string(pr.nonce))
	salt, err2 := hex.DecodeString(string(pr.salt))
	if err1 != nil || err2 != nil {
		res.InvalidSolution = true
		return res, nil
	}
	key, err := deriveKey(pr.kdf(), salt, appendPassword(nil, nonce, uint32(counter)))
	if err != nil {
		res.InvalidSolution = true
		return res, nil
	}
	got := []byte(hex.EncodeToString(key))
	if subtle.ConstantTimeCompare(got, p.derivedKey) != 1 || !strings.HasPrefix(string(got), string(pr.keyPrefix)) {
		res.InvalidSolution = true
		return res, nil
	}
	res.Verified = true
	return res, nil
}

// paramRefs are typed views of canonical parameter members.
type paramRefs struct {
	alg                                        Algorithm
	nonce, salt, keyPrefix, keySignature, data []byte
	cost, keyLength, memoryCost, parallelism   int
	expires                                    float64
	challengeID                                string
	bad                                        bool // signed but unusable parameters
}

func (pr *paramRefs) kdf() kdfParams {
	return kdfParams{Algorithm: pr.alg, Cost: pr.cost, KeyLength: pr.keyLength, MemoryCost: pr.memoryCost, Parallelism: pr.parallelism}
}

func unquote(v []byte) ([]byte, bool) {
	if len(v) < 2 || v[0] != '"' {
		return nil, false
	}
	return v[1 : len(v)-1], true
}

func (pr *paramRefs) read(fields []fieldSpan) error {
	var hasAlg bool
	intField := func(v []byte, lo, hi float64) int {
		n, ok := parseIntIn(v, lo, hi)
		if !ok {
			pr.bad = true
		}
		return int(n)
	}
	for _, f := range fields {
		switch string(f.key) {
		case "algorithm":
			s, ok := unquote(f.val)
			if !ok {
				return ErrMalformedPayload
			}
			a, known := internAlgorithm(s)
			if !known || !a.isV2() {
				return fmt.Errorf("%w: %w: %q", ErrMalformedPayload, ErrUnknownAlgorithm, s)
			}
			pr.alg, hasAlg = a, true
		case "nonce", "salt", "keyPrefix", "keySignature":
			s, ok := unquote(f.val)
			if !ok {
				pr.bad = true
				continue
			}
			switch f.key[0] {
			case 'n':
				pr.nonce = s
			case 's':
				pr.salt = s
			default:
				if len(f.key) == len("keyPrefix") {
					pr.keyPrefix = s
				} else {
					pr.keySignature = s
				}
			}
		case "cost":
			pr.cost = intField(f.val, 1, math.MaxInt32)
		case "keyLength":
			pr.keyLength = intField(f.val, 1, 1024)
		case "memoryCost":
			pr.memoryCost = intField(f.val, 1, 1<<22)
		case "parallelism":
			pr.parallelism = intField(f.val, 1, 255)
		case "expiresAt":
			if string(f.val) == "null" || string(f.val) == "0" || string(f.val) == "false" {
				continue
			}
			e, ok := parseFloat(f.val)
			if !ok {
				pr.bad = true
			}
			pr.expires = e
		case "data":
			pr.data = f.val
			if len(f.val) > 0 && f.val[0] == '{' {
				pr.challengeID = dataChallengeID(f.val)
			}
		}
	}
	if !hasAlg || pr.nonce == nil || pr.salt == nil || pr.keyPrefix == nil {
		return ErrMalformedPayload
	}
	if !isLowerHexAny(pr.keyPrefix) || pr.keyLength == 0 || len(pr.keyPrefix) > 2*pr.keyLength {
		pr.bad = true
	}
	return nil
}

// dataChallengeID extracts data.challengeId when it is a string.
func dataChallengeID(obj []byte) string {
	s := scanner{b: obj}
	var id string
	s.object(0, func(k []byte) bool {
		if string(k) == "challengeId" && s.peek() == '"' {
			start := s.i
			raw, esc, ok := s.str()
			if !ok {
				return false
			}
			if !esc {
				id = string(raw)
			} else if v, err := jsjson.Parse(s.b[start:s.i]); err == nil {
				id, _ = v.(string)
			}
			return true
		}
		_, ok := s.value(1, false)
		return ok
	})
	return id
}

// paramsFromCanonical decodes canonical parameters into the typed struct.
func paramsFromCanonical(canon []byte) (ChallengeParameters, error) {
	var fields [16]fieldSpan
	n, ok := paramSpans(canon, &fields)
	if !ok {
		return ChallengeParameters{}, ErrMalformedPayload
	}
	var pr paramRefs
	if err := pr.read(fields[:n]); err != nil {
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

// Solution is a solved PoW v2 challenge.
type Solution struct {
	Counter    uint32  `json:"counter"`
	DerivedKey string  `json:"derivedKey"`
	Time       float64 `json:"time"`
}

// SolveOptions configures SolveChallenge.
type SolveOptions struct {
	Workers  int                // default GOMAXPROCS
	Max      uint32             // highest counter to try (default 2^32-1)
	Progress func(tried uint64) // called from time to time with the number of counters tried
}

// SolveChallenge finds the counter of a PoW v2 challenge using interleaved counters on
// several goroutines, as the widget's workers do. It honours ctx cancellation.
func SolveChallenge(ctx context.Context, ch Challenge, opts SolveOptions) (Solution, error) {
	p := ch.Parameters
	nonce, err1 := hex.DecodeString(p.Nonce)
	salt, err2 := hex.DecodeString(p.Salt)
	prefix := strings.ToLower(p.KeyPrefix)
	if err1 != nil || err2 != nil || prefix == "" || !p.Algorithm.isV2() {
		return Solution{}, fmt.Errorf("%w: challenge parameters", ErrMalformedPayload)
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	maxC := uint64(opts.Max)
	if opts.Max == 0 {
		maxC = math.MaxUint32
	}
	first := uint64(0) // AstraCaph's challenges sign the counter range's lower bound
	switch m := p.Data["counterMin"].(type) {
	case float64:
		if m >= 0 && m <= float64(maxC) {
			first = uint64(m)
		}
	case uint32:
		first = uint64(m)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	var (
		found  atomic.Bool
		tried  atomic.Uint64
		once   sync.Once
		result Solution
		solveE error
		wg     sync.WaitGroup
	)
	kp := p.kdf()
	for w := range workers {
		wg.Add(1)
		go func(start uint64) {
			defer wg.Done()
			pw := appendPassword(make([]byte, 0, len(nonce)+4), nonce, 0)
			var hexBuf [2048]byte
			for c := start; c <= maxC; c += uint64(workers) {
				if found.Load() || ctx.Err() != nil {
					return
				}
				binary.BigEndian.PutUint32(pw[len(nonce):], uint32(c))
				key, err := deriveKey(kp, salt, pw)
				if err != nil {
					once.Do(func() { solveE = err })
					found.Store(true)
					return
				}
				h := hexBuf[:hex.Encode(hexBuf[:], key)]
				if strings.HasPrefix(string(h), prefix) {
					once.Do(func() {
						result = Solution{Counter: uint32(c), DerivedKey: string(h)}
					})
					found.Store(true)
					return
				}
				if n := tried.Add(1); opts.Progress != nil && n%256 == 0 {
					opts.Progress(n)
				}
			}
		}(first + uint64(w))
	}
	wg.Wait()
	if solveE != nil {
		return Solution{}, solveE
	}
	if result.DerivedKey == "" {
		if err := ctx.Err(); err != nil {
			return Solution{}, err
		}
		return Solution{}, ErrNoSolution
	}
	result.Time = math.Round(float64(time.Since(start).Microseconds())/100) / 10
	return result, nil
}

// EncodePayload returns the base64 payload the widget would submit for ch and sol.
func EncodePayload(ch Challenge, sol Solution) string {
	pj, _ := ch.MarshalJSON()
	out := make([]byte, 0, len(pj)+160)
	out = append(out, `{"challenge":`...)
	out = append(out, pj...)
	out = append(out, `,"solution":{"counter":`...)
	out = appendJSNumber(out, float64(sol.Counter))
	out = append(out, `,"derivedKey":`...)
	out = jsjson.AppendString(out, sol.DerivedKey)
	out = append(out, `,"time":`...)
	out = appendJSNumber(out, sol.Time)
	out = append(out, `}}`...)
	return encodeLatin1Base64(out)
}
