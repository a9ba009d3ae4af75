// Package visual renders the visual follow-up challenge of AstraCaph: a short
// code drawn as a distorted-text PNG and spoken as a noisy WAV for listeners.
//
// Lifecycle: the caller (the root package's visual.go) draws a code with
// [NewCode], keeps it server-side together with a random secret seed, and
// serves [RenderPNG] and [RenderWAV] output for that code and seed. The seed
// drives every random choice of the renderers (through ChaCha8 keyed by
// SHA-256 of the seed), so the same (code, seed) pair gives the same bytes on
// a given build and architecture (an image can be served again without
// storing it), while every new challenge looks and sounds different. The
// answer is checked with [Equal], which is case-insensitive and
// constant-time. Single use, attempt counting and expiry are the caller's
// business.
//
// The PNG carries only pixel data (IHDR, IDAT and IEND chunks), so nothing
// but the picture reveals the code.
//
// Both renders share one [Alphabet], chosen so that no two characters look
// alike (no 0/O, 1/I/l, 5/S, 2/Z, 8/B, 6/G, U/V, ...) and no two letter names
// rhyme (at most one letter from each of the "ee", "eh", "ay" and "you"
// groups).
//
// The voice samples under voice/ (four voices, two registers) were generated
// once, at development time, with eSpeak NG 1.51, then trimmed, low-pass
// filtered and resampled to 8 kHz 16-bit mono by voice/gen.sh; see
// voice/README.md. The image uses the Go fonts shipped in
// golang.org/x/image/font/gofont (BSD-style licence).
//
// The renders are measured against machine attacks (OCR with preprocessing,
// a speech recogniser with the code grammar, template matching against the
// public voice samples; internal/visual/attack and docs/visual.md). Still,
// these challenges are friction, not security: the generator is open source,
// so an attacker can train an OCR or speech model on unlimited labelled
// samples. Always offer the no-cognitive-test path next to them.
package visual

// Alphabet is the set of characters codes are drawn from, in upper case. It
// excludes characters that look alike (0/O/Q/D, 1/I/L, 2/Z, 5/S, 8/B, 6/G,
// U/V) and letters whose English names rhyme, so that the image and the audio
// rendition can share it. Answers are compared case-insensitively.
const Alphabet = "34679HKMRWY"

// Code length bounds. [NewCode] accepts n in [MinCodeLen, MaxCodeLen]; the
// renderers accept any length from 1 to MaxCodeLen. Five or six characters
// are recommended.
const (
	MinCodeLen = 4
	MaxCodeLen = 8
)

// alphabetIndex returns the position of c in Alphabet, or -1.
func alphabetIndex(c byte) int {
	for i := 0; i < len(Alphabet); i++ {
		if Alphabet[i] == c {
			return i
		}
	}
	return -1
}

// validateCode checks that code can be rendered.
func validateCode(code string) error {
	if len(code) == 0 || len(code) > MaxCodeLen {
		return ErrInvalidCode
	}
	for i := 0; i < len(code); i++ {
		if alphabetIndex(code[i]) < 0 {
			return ErrInvalidCode
		}
	}
	return nil
}
