package visual

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"io"
	"strings"
)

// NewCode returns n characters drawn uniformly from [Alphabet] using r, or
// crypto/rand when r is nil. Bytes that would bias the draw are rejected
// rather than reduced modulo the alphabet size.
func NewCode(r io.Reader, n int) (string, error) {
	if n < MinCodeLen || n > MaxCodeLen {
		return "", ErrCodeLength
	}
	if r == nil {
		r = rand.Reader
	}
	// The largest multiple of len(Alphabet) that fits in a byte; bytes at or
	// above it are discarded so every character keeps the same probability.
	const limit = 256 - 256%len(Alphabet)
	out := make([]byte, 0, n)
	var buf [MaxCodeLen]byte
	for len(out) < n {
		// Read only what is still missing, so no accepted byte is wasted.
		chunk := buf[:n-len(out)]
		if _, err := io.ReadFull(r, chunk); err != nil {
			return "", fmt.Errorf("astracaph: visual: reading randomness: %w", err)
		}
		for _, b := range chunk {
			if int(b) < limit {
				out = append(out, Alphabet[int(b)%len(Alphabet)])
			}
		}
	}
	return string(out), nil
}

// Normalize turns a user's answer into the form codes are stored in: upper
// case, without spaces, tabs or dashes people tend to type between groups.
func Normalize(answer string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '\r', '-':
			return -1
		}
		if r >= 'a' && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, answer)
}

// Equal reports whether answer matches code, ignoring case and separators.
// The comparison is constant-time in the contents (the length is not
// secret: every code of a deployment has the same length).
func Equal(code, answer string) bool {
	a := Normalize(answer)
	return len(code) > 0 && subtle.ConstantTimeCompare([]byte(code), []byte(a)) == 1
}
