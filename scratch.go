package astracaph

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding"
	"hash"
	"sync"

	"github.com/astracat/astracaph/internal/wire"
)

// The per-verification working memory. A verification decodes its payload into a pooled
// scratch, hashes with the scratch's keyed HMAC states and cuts its results from the
// scratch's arena, so that it allocates only what it returns (docs/protocol.md,
// "Verification cost").

// scratch is the per-verification working memory: the decoded payload and the keyed HMAC
// states. Pooled, so a verification allocates only what it returns.
type scratch struct {
	buf   []byte // the decoded payload
	hash  []byte // bytes to hash that are not in buf
	macs  macCache
	arena wire.Arena // where results are cut from
	// tmp holds HMAC inputs built during verification. Hash writes go through an
	// interface, so a stack array passed to one would be moved to the heap on every call.
	tmp [1024]byte
}

var scratchPool = sync.Pool{New: func() any { return &scratch{buf: make([]byte, 0, 2048)} }}

func getScratch() *scratch  { return scratchPool.Get().(*scratch) }
func putScratch(s *scratch) { s.buf = s.buf[:0]; scratchPool.Put(s) }

// decode base64-decodes payload into the scratch buffer, like atob, and reports whether
// any decoded byte is ≥ 0x80 (the text then has two possible readings: wire.Readings).
func (sc *scratch) decode(payload string) ([]byte, bool, error) {
	if len(payload) > maxPayloadLen {
		return nil, false, ErrMalformedPayload
	}
	b, high, ok := wire.DecodeBase64(sc.buf, payload)
	if !ok {
		return nil, false, ErrMalformedPayload
	}
	sc.buf = b[:0]
	return b, high, nil
}

// Keyed HMAC states. HMAC(k, m) = H(k⊕opad ‖ H(k⊕ipad ‖ m)); the two padded-key blocks
// depend only on the key, and a server verifies with the same one or two secrets over and
// over. A macCache keeps the hash states after those blocks for the last few keys, so a
// verification hashes only its message: for HMAC-SHA-256 of a 32-byte digest that is 2
// compression rounds instead of 4. Each pooled scratch carries one cache, so
// there is one per verification in flight (docs/protocol.md, "Verification cost").

// macKeys is how many keys one cache remembers: the v2 signature and key-signature
// secrets, plus a rotated site key or two.
const macKeys = 4

type macCache struct {
	entries [macKeys]macEntry
	next    int // entry to reuse on a miss (round robin)
}

type macEntry struct {
	alg            Algorithm
	key            []byte // a copy, compared in constant time
	inner, outer   hash.Hash
	istate, ostate []byte   // marshalled states after absorbing k⊕ipad and k⊕opad
	sum            [64]byte // inner digest; a field so that the interface calls need no heap copy
	out            [64]byte // the MAC
}

// sum returns HMAC-alg(key, msg). The result aliases the cache and is valid until the next
// call. alg must be SHA-1, SHA-256, SHA-384 or SHA-512 (or a PBKDF2 name of one).
func (c *macCache) sum(alg Algorithm, key, msg []byte) []byte {
	alg = alg.hashOnly()
	e := c.lookup(alg, key)
	_ = e.inner.(encoding.BinaryUnmarshaler).UnmarshalBinary(e.istate) // our own state: cannot fail
	e.inner.Write(msg)
	in := e.inner.Sum(e.sum[:0])
	_ = e.outer.(encoding.BinaryUnmarshaler).UnmarshalBinary(e.ostate)
	e.outer.Write(in)
	return e.outer.Sum(e.out[:0])
}

func (c *macCache) lookup(alg Algorithm, key []byte) *macEntry {
	for i := range c.entries {
		e := &c.entries[i]
		if e.alg == alg && e.inner != nil && subtle.ConstantTimeCompare(e.key, key) == 1 {
			return e
		}
	}
	e := &c.entries[c.next]
	c.next = (c.next + 1) % macKeys
	e.setKey(alg, key)
	return e
}

func (e *macEntry) setKey(alg Algorithm, key []byte) {
	if e.alg != alg || e.inner == nil {
		e.alg, e.inner, e.outer = alg, alg.newHash(), alg.newHash()
	}
	bs := alg.blockSize()
	var kbuf [128]byte
	k := key
	if len(k) > bs {
		k = alg.sum(kbuf[:0], key)
	}
	var pad [128]byte
	for i := range bs {
		pad[i] = 0x36
		if i < len(k) {
			pad[i] ^= k[i]
		}
	}
	e.inner.Reset()
	e.inner.Write(pad[:bs])
	e.istate, _ = e.inner.(encoding.BinaryAppender).AppendBinary(e.istate[:0])
	for i := range bs {
		pad[i] ^= 0x36 ^ 0x5c
	}
	e.outer.Reset()
	e.outer.Write(pad[:bs])
	e.ostate, _ = e.outer.(encoding.BinaryAppender).AppendBinary(e.ostate[:0])
	e.key = append(e.key[:0], key...)
}

// hashOnly maps a PBKDF2 name to its hash.
func (a Algorithm) hashOnly() Algorithm {
	switch a {
	case PBKDF2SHA256:
		return SHA256
	case PBKDF2SHA384:
		return SHA384
	case PBKDF2SHA512:
		return SHA512
	}
	return a
}

// newHash returns a fresh hash for a plain hash algorithm.
func (a Algorithm) newHash() hash.Hash {
	switch a {
	case SHA1:
		return sha1.New()
	case SHA256:
		return sha256.New()
	case SHA384:
		return sha512.New384()
	case SHA512:
		return sha512.New()
	}
	panic("astracaph: HMAC of unsupported algorithm " + string(a))
}

// hmacSum computes HMAC-alg(key, msg) with keyed states from the scratch pool;
// the MAC is returned by value with its length.
func hmacSum(alg Algorithm, key, msg []byte) (mac [64]byte, n int) {
	sc := getScratch()
	n = copy(mac[:], sc.macs.sum(alg, key, msg))
	putScratch(sc)
	return mac, n
}
