package astracaph

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
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
	"github.com/astracat/astracaph/internal/wire"
)

// PoW v2 (docs/protocol-notes.md): the client searches a counter such that
// KDF(salt, nonce ‖ uint32BE(counter)) starts with keyPrefix; the parameters are signed
// with HMAC over their canonical JSON. This file follows the life of a challenge:
// creating it, verifying a payload (read by payload.go), solving it. Legacy PoW v1 is in
// pow_v1.go.

// # Challenge

// Mode selects how a PoW v2 challenge is built.
type Mode int

const (
	// Deterministic picks a secret random counter, derives its key and publishes the first
	// half as keyPrefix; the client must walk the counters up to it. Recommended.
	Deterministic Mode = iota
	// Probabilistic publishes a short fixed prefix (e.g. "00"); expected work 16^len.
	Probabilistic
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
		if !wire.IsLowerHex([]byte(p)) || len(p) > o.KeyLength {
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

// # Verification

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

// DeriveHMACKeySecret is altcha-lib's deriveHmacKeySecret: hex(HMAC-SHA256("derived-secret",
// master)), a key-signature secret derived from one master secret.
func DeriveHMACKeySecret(master string) string {
	mac, n := hmacSum(SHA256, []byte("derived-secret"), []byte(master))
	return hex.EncodeToString(mac[:n])
}

// now returns the verification time, reading the clock only when an expiry needs it.
func (o *VerifyOptions) now() time.Time {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	return o.Now
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
// {algorithm,challenge,number,salt,signature,took}, told apart by shape. Any JSON
// spelling is accepted (escapes, member order, whitespace; Latin-1 or UTF-8 base64 of
// non-ASCII text; any letter case in algorithm names), with duplicate keys refused
// (docs/protocol.md). A malformed payload returns an error wrapping ErrMalformedPayload;
// an expired or invalid one returns a result with the matching flag and a nil error.
func VerifySolution(payload string, opts VerifyOptions) (SolutionResult, error) {
	if len(opts.HMACKey) == 0 {
		return SolutionResult{}, ErrEmptyKey
	}
	sc := getScratch()
	defer putScratch(sc)
	b, high, err := sc.decode(payload)
	if err != nil {
		return SolutionResult{}, err
	}
	var res SolutionResult
	if !high {
		err := sc.verifySolution(b, &opts, &res)
		return res, err
	}
	first, second := wire.Readings(b)
	err = sc.verifySolution(first, &opts, &res)
	if second != nil && (err != nil || res.InvalidSignature) {
		var res2 SolutionResult
		if err2 := sc.verifySolution(second, &opts, &res2); err2 == nil && !res2.InvalidSignature {
			return res2, nil
		}
	}
	return res, err
}

// verifySolution verifies one reading of a decoded payload into *res (zero on entry).
func (sc *scratch) verifySolution(text []byte, opts *VerifyOptions, res *SolutionResult) error {
	var p rawPayload
	if err := p.parse(text); err != nil {
		return err
	}
	if p.version == 1 {
		return verifyV1(&p, opts, sc, res)
	}
	return verifyV2(&p, opts, sc, res)
}

// verifyV2 follows altcha-lib 2.8.0's order (docs/protocol-notes.md, "PoW v2: verification order").
func verifyV2(p *rawPayload, opts *VerifyOptions, sc *scratch, res *SolutionResult) error {
	res.Version = 2
	hmacAlg := opts.HMACAlgorithm
	if hmacAlg == "" {
		hmacAlg = SHA256
	}
	pr := &p.pr
	if err := pr.finish(); err != nil {
		return err
	}
	res.Algorithm = pr.alg
	res.fill(pr, &sc.arena)
	if t, ok := wire.ParseFloat(p.time); ok {
		res.Took = t
	}
	if pr.expires > 0 {
		res.ExpiresAt = time.Unix(0, int64(pr.expires*1e9))
		// 2. expiry
		if !opts.IgnoreExpiry && pr.expires < float64(opts.now().UnixNano())/1e9 {
			res.Expired = true
			return nil
		}
	}
	// 3–4. signature over the canonical parameters, in constant time.
	if mac := sc.macs.sum(hmacAlg, opts.HMACKey, p.params); !wire.HexEqual(mac, p.signature) {
		res.InvalidSignature = true
		return nil
	}
	// 5. solution format: lower-case even-length hex (decoded for step 6; a key longer
	// than the scratch cannot be genuine) and a uint32 counter.
	counter, cok := wire.ParseIntIn(p.counter, 0, math.MaxUint32)
	dn, dkOK := wire.DecodeLowerHex(sc.tmp[:], p.derivedKey)
	if !cok || !dkOK || pr.bad {
		res.InvalidSolution = true
		return nil
	}
	res.Counter = uint64(counter)
	// 6. fast path
	if len(pr.keySignature) > 0 && len(opts.KeySignatureKey) > 0 {
		if ks := sc.macs.sum(hmacAlg, opts.KeySignatureKey, sc.tmp[:dn]); !wire.HexEqual(ks, pr.keySignature) {
			res.InvalidSolution = true
			return nil
		}
		res.Verified = true
		return nil
	}
	// 7. slow path: re-derive, compare, and check the prefix.
	res.SlowPath = true
	if !opts.KDFLimit.allows(pr.kdf()) {
		res.InvalidSolution = true
		return nil
	}
	nonce, err1 := hex.DecodeString(string(pr.nonce))
	salt, err2 := hex.DecodeString(string(pr.salt))
	if err1 != nil || err2 != nil {
		res.InvalidSolution = true
		return nil
	}
	key, err := deriveKey(pr.kdf(), salt, appendPassword(nil, nonce, uint32(counter)))
	if err != nil {
		res.InvalidSolution = true
		return nil
	}
	if !wire.HexEqual(key, p.derivedKey) || !strings.HasPrefix(hex.EncodeToString(key), string(pr.keyPrefix)) {
		res.InvalidSolution = true
		return nil
	}
	res.Verified = true
	return nil
}

// fill copies the challenge's identifiers into the result, cut from the arena.
func (res *SolutionResult) fill(pr *paramRefs, a *wire.Arena) {
	id := pr.challengeID
	if pr.challengeIDQuoted {
		// Escaped in the canonical text (a quote, a backslash, a control character).
		v, _ := jsjson.Parse(id)
		str, _ := v.(string)
		id = []byte(jsjson.WellFormed(str))
	}
	res.Nonce, res.Salt, res.ChallengeID = a.Keep(pr.nonce), a.Keep(pr.salt), a.Keep(id)
	if pr.data != nil {
		res.Data = a.KeepBytes(pr.data)
	}
}

// # Solving

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
	out = jsjson.AppendNumber(out, float64(sol.Counter))
	out = append(out, `,"derivedKey":`...)
	out = jsjson.AppendString(out, sol.DerivedKey)
	out = append(out, `,"time":`...)
	out = jsjson.AppendNumber(out, sol.Time)
	out = append(out, `}}`...)
	return wire.EncodeLatin1Base64(out)
}
