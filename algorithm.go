package astracaph

import (
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"fmt"
	"math/bits"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/scrypt"
)

// Algorithm names an ALTCHA hash or key-derivation function. Names are case-sensitive,
// exactly as the official widget registers them.
type Algorithm string

// Algorithms of PoW v2 (and SHA-1/256/384/512 for PoW v1 and server signatures).
const (
	SHA1         Algorithm = "SHA-1" // legacy PoW v1 and server signatures only
	SHA256       Algorithm = "SHA-256"
	SHA384       Algorithm = "SHA-384"
	SHA512       Algorithm = "SHA-512"
	PBKDF2SHA256 Algorithm = "PBKDF2/SHA-256"
	PBKDF2SHA384 Algorithm = "PBKDF2/SHA-384"
	PBKDF2SHA512 Algorithm = "PBKDF2/SHA-512"
	Scrypt       Algorithm = "SCRYPT"
	Argon2id     Algorithm = "ARGON2ID"
)

// Defaults the official widget applies when a memory-hard challenge omits its memory
// parameters (docs/protocol-notes.md, "PoW v2: key derivation"); used only when verifying foreign challenges.
const (
	widgetScryptR        = 8
	widgetArgon2MemoryKB = 16384
)

// internAlgorithm maps raw bytes to the constant, so decoding allocates nothing. Names
// match without regard to ASCII case: altcha-lib-go documents "Scrypt" and "Argon2id",
// WebCrypto (altcha-lib/v1) upper-cases names, and altcha-lib's key-signature path never
// looks at the name. The signature covers the name as spelled, so accepting another
// spelling changes nothing about what was signed (docs/protocol.md).
func internAlgorithm(b []byte) (Algorithm, bool) {
	if a, ok := exactAlgorithm(b); ok {
		return a, true
	}
	var up [16]byte
	if len(b) > len(up) {
		return "", false
	}
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		up[i] = c
	}
	return exactAlgorithm(up[:len(b)])
}

func exactAlgorithm(b []byte) (Algorithm, bool) {
	switch string(b) {
	case "SHA-1":
		return SHA1, true
	case "SHA-256":
		return SHA256, true
	case "SHA-384":
		return SHA384, true
	case "SHA-512":
		return SHA512, true
	case "PBKDF2/SHA-256":
		return PBKDF2SHA256, true
	case "PBKDF2/SHA-384":
		return PBKDF2SHA384, true
	case "PBKDF2/SHA-512":
		return PBKDF2SHA512, true
	case "SCRYPT":
		return Scrypt, true
	case "ARGON2ID":
		return Argon2id, true
	}
	return "", false
}

// digestSize returns the output size of a plain hash algorithm, or 0.
func (a Algorithm) digestSize() int {
	switch a {
	case SHA1:
		return sha1.Size
	case SHA256, PBKDF2SHA256:
		return sha256.Size
	case SHA384, PBKDF2SHA384:
		return sha512.Size384
	case SHA512, PBKDF2SHA512:
		return sha512.Size
	}
	return 0
}

// isV2 reports whether a is a PoW v2 algorithm.
func (a Algorithm) isV2() bool {
	switch a {
	case SHA256, SHA384, SHA512, PBKDF2SHA256, PBKDF2SHA384, PBKDF2SHA512, Scrypt, Argon2id:
		return true
	}
	return false
}

// sum appends H(b) to dst without allocating.
func (a Algorithm) sum(dst, b []byte) []byte {
	switch a {
	case SHA1:
		s := sha1.Sum(b)
		return append(dst, s[:]...)
	case SHA256, PBKDF2SHA256:
		s := sha256.Sum256(b)
		return append(dst, s[:]...)
	case SHA384, PBKDF2SHA384:
		s := sha512.Sum384(b)
		return append(dst, s[:]...)
	case SHA512, PBKDF2SHA512:
		s := sha512.Sum512(b)
		return append(dst, s[:]...)
	}
	panic("astracaph: sum of unsupported algorithm " + string(a))
}

// blockSize is the HMAC block size of a plain hash algorithm.
func (a Algorithm) blockSize() int {
	switch a {
	case SHA384, SHA512, PBKDF2SHA384, PBKDF2SHA512:
		return 128
	}
	return 64
}

// kdfParams is what key derivation needs from challenge parameters.
type kdfParams struct {
	Algorithm   Algorithm
	Cost        int
	KeyLength   int
	MemoryCost  int
	Parallelism int
}

// deriveKey computes KDF(salt, password) for PoW v2 (docs/protocol-notes.md, "PoW v2: key derivation"). SHA-n truncates
// once at the end, as altcha-lib ≥2.6 and every server port do.
func deriveKey(p kdfParams, salt, password []byte) ([]byte, error) {
	cost := max(p.Cost, 1)
	switch p.Algorithm {
	case SHA256, SHA384, SHA512:
		buf := make([]byte, 0, len(salt)+len(password))
		buf = append(append(buf, salt...), password...)
		d := p.Algorithm.sum(make([]byte, 0, 64), buf)
		for i := 1; i < cost; i++ {
			d = p.Algorithm.sum(d[:0], d)
		}
		if p.KeyLength > 0 && p.KeyLength < len(d) {
			d = d[:p.KeyLength]
		}
		return d, nil
	case PBKDF2SHA256:
		return pbkdf2.Key(sha256.New, string(password), salt, cost, p.KeyLength)
	case PBKDF2SHA384:
		return pbkdf2.Key(sha512.New384, string(password), salt, cost, p.KeyLength)
	case PBKDF2SHA512:
		return pbkdf2.Key(sha512.New, string(password), salt, cost, p.KeyLength)
	case Scrypt:
		r := p.MemoryCost
		if r == 0 {
			r = widgetScryptR
		}
		return scrypt.Key(password, salt, cost, r, max(p.Parallelism, 1), p.KeyLength)
	case Argon2id:
		m := p.MemoryCost
		if m == 0 {
			m = widgetArgon2MemoryKB
		}
		par := max(p.Parallelism, 1)
		if par > 255 || m < 8*par || p.KeyLength < 4 {
			return nil, fmt.Errorf("astracaph: invalid ARGON2ID parameters")
		}
		return argon2.IDKey(password, salt, uint32(cost), uint32(m), uint8(par), uint32(p.KeyLength)), nil
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknownAlgorithm, p.Algorithm)
}

// password builds nonce ‖ uint32BE(counter) into dst.
func appendPassword(dst, nonce []byte, counter uint32) []byte {
	dst = append(dst, nonce...)
	return binary.BigEndian.AppendUint32(dst, counter)
}

// KDFLimit bounds the key derivations VerifySolution is willing to run on the slow path
// (a challenge without keySignature, whose proof must be re-derived). Challenges are signed,
// so their parameters come from whoever holds the HMAC key; but a signed challenge with
// expensive parameters can be replayed with junk answers, each costing one derivation.
// Zero fields are unlimited.
type KDFLimit struct {
	Iterations  int // PBKDF2 iterations, SHA-n rounds, Argon2id passes × 1000
	MemoryKiB   int // SCRYPT 128·N·r bytes, Argon2id memoryCost
	Parallelism int // SCRYPT p, Argon2id lanes
}

// DefaultKDFLimit allows a few tenths of a second of work per derivation: PBKDF2 up to
// 200,000 iterations, SCRYPT and Argon2id up to 64 MiB, 4 lanes and (Argon2id) 10 passes.
func DefaultKDFLimit() KDFLimit {
	return KDFLimit{Iterations: 200_000, MemoryKiB: 64 << 10, Parallelism: 4}
}

// allows reports whether deriving with p stays within l.
func (l *KDFLimit) allows(p kdfParams) bool {
	if l == nil {
		return true
	}
	within := func(v, limit int) bool { return limit <= 0 || v <= limit }
	switch p.Algorithm {
	case Scrypt:
		r := p.MemoryCost
		if r == 0 {
			r = widgetScryptR
		}
		return within(128*p.Cost/1024*r, l.MemoryKiB) && within(p.Parallelism, l.Parallelism) &&
			within(p.Cost*r*max(p.Parallelism, 1)/8, l.Iterations*16)
	case Argon2id:
		return within(p.MemoryCost, l.MemoryKiB) && within(p.Parallelism, l.Parallelism) && within(p.Cost*1000, l.Iterations/20)
	}
	return within(p.Cost, l.Iterations)
}

// isPowerOfTwo reports whether n is a power of two (scrypt's N).
func isPowerOfTwo(n int) bool { return n > 1 && bits.OnesCount(uint(n)) == 1 }
