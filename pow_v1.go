package astracaph

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"math/big"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/astracat/astracaph/internal/jsjson"
	"github.com/astracat/astracaph/internal/wire"
)

// PoW v1 (legacy, docs/protocol-notes.md): find number with hex(H(salt + decimal(number))) ==
// challenge; signature = hex(HMAC_H(key, challengeHex)). Widgets 0.x–2.x speak only this.

// ChallengeV1 is a legacy PoW v1 challenge; maxnumber is lower case as altcha-lib emits it.
type ChallengeV1 struct {
	Algorithm Algorithm `json:"algorithm"`
	Challenge string    `json:"challenge"`
	MaxNumber int64     `json:"maxnumber"`
	Salt      string    `json:"salt"`
	Signature string    `json:"signature"`
}

// ChallengeV1Options configures CreateChallengeV1.
type ChallengeV1Options struct {
	Algorithm  Algorithm  // SHA-256 (default), SHA-384 or SHA-512; SHA-1 only with AllowSHA1
	MaxNumber  int64      // default 100,000
	Number     *int64     // default: uniform in [1, MaxNumber]
	SaltLength int        // random bytes, default 12
	Salt       string     // fixed salt (tests)
	ExpiresAt  time.Time  // carried as ?expires=<unix seconds>
	Params     url.Values // extra signed parameters in the salt
	HMACKey    []byte
	Rand       io.Reader
	AllowSHA1  bool // widgets reject SHA-1; only for legacy interop tests
}

// CreateChallengeV1 builds a PoW v1 challenge. The salt always ends with "&", the fix for
// CVE-2025-68113 that stops digits being spliced between the parameters and the number.
func CreateChallengeV1(o ChallengeV1Options) (ChallengeV1, error) {
	if len(o.HMACKey) == 0 {
		return ChallengeV1{}, ErrEmptyKey
	}
	if o.Algorithm == "" {
		o.Algorithm = SHA256
	}
	switch o.Algorithm {
	case SHA256, SHA384, SHA512:
	case SHA1:
		if !o.AllowSHA1 {
			return ChallengeV1{}, fmt.Errorf("%w: SHA-1", ErrUnsolvable)
		}
	default:
		return ChallengeV1{}, fmt.Errorf("%w: %q", ErrUnknownAlgorithm, o.Algorithm)
	}
	if o.MaxNumber == 0 {
		o.MaxNumber = 100_000
	}
	if o.MaxNumber < 1 || o.MaxNumber > 1<<40 {
		return ChallengeV1{}, fmt.Errorf("%w: maxnumber out of range", ErrInvalidOptions)
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.SaltLength == 0 {
		o.SaltLength = 12
	}
	salt := o.Salt
	if salt == "" {
		b := make([]byte, o.SaltLength)
		if _, err := io.ReadFull(o.Rand, b); err != nil {
			return ChallengeV1{}, fmt.Errorf("astracaph: random: %w", err)
		}
		salt = hex.EncodeToString(b)
	}
	params := url.Values{}
	for k, v := range o.Params {
		params[k] = v
	}
	if !o.ExpiresAt.IsZero() {
		params.Set("expires", strconv.FormatInt(o.ExpiresAt.Unix(), 10))
	}
	if len(params) > 0 {
		salt += "?" + encodeSearchParams(params, o.Params)
	}
	if !strings.HasSuffix(salt, "&") {
		salt += "&"
	}
	var number int64
	if o.Number != nil {
		number = *o.Number
	} else {
		n, err := rand.Int(o.Rand, big.NewInt(o.MaxNumber))
		if err != nil {
			return ChallengeV1{}, fmt.Errorf("astracaph: random: %w", err)
		}
		number = n.Int64() + 1
	}
	ch, sig := v1ChallengeSignature(o.Algorithm, o.HMACKey, salt, strconv.FormatInt(number, 10))
	return ChallengeV1{Algorithm: o.Algorithm, Challenge: ch, MaxNumber: o.MaxNumber, Salt: salt, Signature: sig}, nil
}

// encodeSearchParams writes params in the order URLSearchParams would: the caller's
// parameters first (sorted, since Go maps have no order), then expires.
func encodeSearchParams(all url.Values, user url.Values) string {
	var b strings.Builder
	write := func(k string) {
		for _, v := range all[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(wire.FormEncode(k))
			b.WriteByte('=')
			b.WriteString(wire.FormEncode(v))
		}
	}
	keys := make([]string, 0, len(user))
	for k := range user {
		if k != "expires" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		write(k)
	}
	write("expires")
	return b.String()
}

// v1ChallengeSignature returns hex(H(salt+number)) and hex(HMAC_H(key, thatHex)).
func v1ChallengeSignature(alg Algorithm, key []byte, salt, number string) (string, string) {
	buf := make([]byte, 0, len(salt)+len(number))
	buf = append(append(buf, salt...), number...)
	var d [64]byte
	digest := alg.sum(d[:0], buf)
	ch := hex.EncodeToString(digest)
	mac, n := hmacSum(alg, key, []byte(ch))
	return ch, hex.EncodeToString(mac[:n])
}

// verifyV1 verifies a legacy payload (altcha-lib/v1 verifySolution, constant time).
func verifyV1(p *rawPayload, opts *VerifyOptions, sc *scratch, res *SolutionResult) error {
	res.Version = 1
	alg, ok := internAlgorithm(p.algorithm)
	if !ok || (alg != SHA1 && alg != SHA256 && alg != SHA384 && alg != SHA512) {
		return fmt.Errorf("%w: %w: %q", ErrMalformedPayload, ErrUnknownAlgorithm, p.algorithm)
	}
	res.Algorithm = alg
	res.Salt = sc.arena.Keep(p.salt)
	if t, ok := wire.ParseFloat(p.took); ok {
		res.Took = t
	}
	// Expiry as altcha-lib/v1 reads it: the last expires (else expire) parameter of the
	// salt's query, parseInt'd; a value Date cannot hold fails the payload.
	if exp := saltExpiry(res.Salt); exp != "" {
		e := wire.JSParseInt(wire.FormDecode(exp))
		if math.IsNaN(e) || math.Abs(e*1000) > 8.64e15 {
			res.InvalidSolution = true
			return nil
		}
		res.ExpiresAt = time.Unix(int64(e), 0)
		if !opts.IgnoreExpiry && e*1000 < float64(opts.now().UnixMilli()) {
			res.Expired = true
			return nil
		}
	}
	num, ok := wire.ParseIntIn(p.number, 0, 1<<53)
	if !ok {
		res.InvalidSolution = true
		return nil
	}
	res.Counter = uint64(num)
	// salt ‖ decimal(number), with "&" re-appended: a spliced salt ("…&1") then hashes
	// differently and the splice fails.
	var in [256]byte
	buf := append(in[:0], p.salt...)
	if len(buf) == 0 || buf[len(buf)-1] != '&' {
		buf = append(buf, '&')
	}
	buf = strconv.AppendInt(buf, num, 10)
	var d [64]byte
	digest := alg.sum(d[:0], buf)
	chHex := sc.tmp[:hex.Encode(sc.tmp[:], digest)]
	mac := sc.macs.sum(alg, opts.HMACKey, chHex)
	chOK := wire.CTEqual(chHex, p.challenge)
	if !wire.HexEqual(mac, p.sigV1) {
		res.InvalidSignature = true
		return nil
	}
	if !chOK {
		res.InvalidSolution = true
		return nil
	}
	res.Verified = true
	return nil
}

// saltExpiry returns, still encoded, the expiry parameter of a v1 salt as altcha-lib/v1
// finds it: in salt.split('?')[1], the last "expires" value if it is not empty, else the
// last "expire" value. One pass, no allocation unless a key is percent-encoded.
func saltExpiry(salt string) string {
	q := strings.IndexByte(salt, '?')
	if q < 0 {
		return ""
	}
	var expires, expire string
	start, eq, enc := q+1, -1, false
	for i := q + 1; i <= len(salt); i++ {
		c := byte('&') // the end of the salt ends the last pair
		if i < len(salt) {
			c = salt[i]
		}
		switch c {
		case '=':
			if eq < 0 {
				eq = i
			}
			continue
		case '%', '+':
			enc = enc || eq < 0
			continue
		case '&', '?':
		default:
			continue
		}
		if eq > start {
			k := salt[start:eq]
			if enc {
				k = wire.FormDecode(k)
			}
			switch k {
			case "expires":
				expires = salt[eq+1 : i]
			case "expire":
				expire = salt[eq+1 : i]
			}
		}
		if c == '?' {
			break // the parameters end at the second "?"
		}
		start, eq, enc = i+1, -1, false
	}
	if expires != "" {
		return expires
	}
	return expire
}

// saltParams returns the signed parameters carried in a v1 salt (?k=v&…).
func (r *SolutionResult) saltParams() url.Values {
	q := strings.IndexByte(r.Salt, '?')
	if r.Version != 1 || q < 0 {
		return url.Values{}
	}
	v, _ := url.ParseQuery(strings.TrimSuffix(r.Salt[q+1:], "&"))
	return v
}

// SolutionV1 is a solved PoW v1 challenge.
type SolutionV1 struct {
	Number int64
	Took   float64
}

// SolveChallengeV1 brute-forces a v1 challenge over [0, maxnumber] (or further when
// max is 0, like widget 3.x).
func SolveChallengeV1(ctx context.Context, ch ChallengeV1) (SolutionV1, error) {
	start := time.Now()
	target, err := hex.DecodeString(ch.Challenge)
	if err != nil || ch.Algorithm.digestSize() == 0 {
		return SolutionV1{}, fmt.Errorf("%w: v1 challenge", ErrMalformedPayload)
	}
	limit := ch.MaxNumber
	if limit <= 0 {
		limit = 1 << 40
	}
	buf := []byte(ch.Salt)
	base := len(buf)
	var d [64]byte
	for n := int64(0); n <= limit; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return SolutionV1{}, ctx.Err()
		}
		buf = strconv.AppendInt(buf[:base], n, 10)
		if string(ch.Algorithm.sum(d[:0], buf)) == string(target) {
			return SolutionV1{Number: n, Took: float64(time.Since(start).Milliseconds())}, nil
		}
	}
	return SolutionV1{}, ErrNoSolution
}

// EncodePayloadV1 returns the base64 payload a v1 widget submits.
func EncodePayloadV1(ch ChallengeV1, sol SolutionV1) string {
	out := []byte(`{"algorithm":`)
	out = jsjson.AppendString(out, string(ch.Algorithm))
	out = append(out, `,"challenge":`...)
	out = jsjson.AppendString(out, ch.Challenge)
	out = append(out, `,"number":`...)
	out = strconv.AppendInt(out, sol.Number, 10)
	out = append(out, `,"salt":`...)
	out = jsjson.AppendString(out, ch.Salt)
	out = append(out, `,"signature":`...)
	out = jsjson.AppendString(out, ch.Signature)
	out = append(out, `,"took":`...)
	out = jsjson.AppendNumber(out, sol.Took)
	return wire.EncodeLatin1Base64(append(out, '}'))
}
