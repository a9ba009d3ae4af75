package astracaph

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
