package wire

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"io"
	"time"
)

// Identifiers AstraCaph issues — challenge ids (PoW v2 data.challengeId, the PoW v1 salt
// parameter challengeId) and token ids — begin with their issue time, so that a store can
// refuse anything issued before its epoch without a clock in the signed payload formats.
// An id is "A" followed by the unpadded base64url of 6 bytes of Unix milliseconds and 10
// random bytes (80 bits: ids are also signed, uniqueness is all they need). Ids are
// opaque to clients.

const (
	idTag     = 'A'
	idRawLen  = 16
	idTextLen = 1 + 22 // "A" + base64url(16 bytes)
)

// NewID returns a fresh id issued at now, with randomness from r (nil: crypto/rand).
func NewID(r io.Reader, now time.Time) string {
	var b [idRawLen]byte
	ms := uint64(now.UnixMilli())
	b[0], b[1] = byte(ms>>40), byte(ms>>32)
	binary.BigEndian.PutUint32(b[2:6], uint32(ms))
	if r == nil {
		r = rand.Reader
	}
	if _, err := io.ReadFull(r, b[6:]); err != nil {
		_, _ = rand.Read(b[6:])
	}
	out := make([]byte, idTextLen)
	out[0] = idTag
	base64.RawURLEncoding.Encode(out[1:], b[:])
	return string(out)
}

// IDIssued returns the issue time of an id made by NewID.
func IDIssued(id string) (time.Time, bool) {
	if len(id) != idTextLen || id[0] != idTag {
		return time.Time{}, false
	}
	var src [idTextLen - 1]byte
	copy(src[:], id[1:])
	var b [idRawLen]byte
	if n, err := base64.RawURLEncoding.Decode(b[:], src[:]); err != nil || n != idRawLen {
		return time.Time{}, false
	}
	ms := uint64(b[0])<<40 | uint64(b[1])<<32 | uint64(binary.BigEndian.Uint32(b[2:6]))
	if ms == 0 {
		return time.Time{}, false
	}
	return time.UnixMilli(int64(ms)), true
}
