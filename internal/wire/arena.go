package wire

import "strings"

// Result arenas. A verification returns a few short strings (salt, nonce, challenge id,
// the signed verificationData and its values), a data slice and the fields/reasons lists.
// Allocated one by one they are most of a verification's garbage; instead each pooled
// scratch cuts them from append-only blocks: strings are views of a strings.Builder
// (written bytes never change, so a view stays valid while more is appended), slices are
// capacity-capped windows of a slab (an append by the caller copies, never overwrites a
// neighbour). A block is replaced when full, so the allocation happens once per block.
//
// The price: a result kept alive keeps its whole block alive (at most arenaSize bytes,
// or listSlab strings), including other verifications' values. Nothing can reach those
// through the API; it is only memory, and replay keys and store entries are new strings.

const (
	arenaSize = 8 << 10 // bytes per string or byte block
	listSlab  = 128     // strings per list block
)

// Arena cuts results from append-only blocks; the zero value is ready. It is not safe for
// concurrent use (each pooled scratch has its own).
type Arena struct {
	strs  strings.Builder
	bytes []byte
	lists []string
}

// Keep returns b as a string cut from the arena.
func (a *Arena) Keep(b []byte) string {
	if len(b) > arenaSize/4 {
		return string(b) // too big to share a block
	}
	if a.strs.Cap()-a.strs.Len() < len(b) {
		a.strs = strings.Builder{}
		a.strs.Grow(arenaSize)
	}
	start := a.strs.Len()
	a.strs.Write(b)
	return a.strs.String()[start:]
}

// KeepBytes returns a copy of b cut from the arena, with capacity len(b).
func (a *Arena) KeepBytes(b []byte) []byte {
	if len(b) > arenaSize/4 {
		return append([]byte(nil), b...)
	}
	if cap(a.bytes)-len(a.bytes) < len(b) {
		a.bytes = make([]byte, 0, arenaSize)
	}
	start := len(a.bytes)
	a.bytes = append(a.bytes, b...)
	return a.bytes[start:len(a.bytes):len(a.bytes)]
}

// List returns n empty strings cut from the arena, with capacity n.
func (a *Arena) List(n int) []string {
	if n > listSlab/4 {
		return make([]string, n)
	}
	if cap(a.lists)-len(a.lists) < n {
		a.lists = make([]string, 0, listSlab)
	}
	start := len(a.lists)
	a.lists = a.lists[:start+n]
	return a.lists[start : start+n : start+n]
}
