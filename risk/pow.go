package risk

// Adaptive proof-of-work difficulty (docs/risk-notes.md, "Adaptive difficulty") as pure functions: the caller multiplies its
// base work (for PoW v2 deterministic mode: the counter range) by the result when issuing the next
// challenge.
//
// Multipliers per band (× base), then × 2^min(level, 4) for velocity, capped at MaxPoWMultiplier:
//
//	band 1 pass               ×1
//	band 2 harder PoW         ×8
//	band 3 step-up, heavy     ×48  ("verify by waiting", the no-cognitive-test alternative; the
//	                                 visual-challenge path keeps the base PoW: VelocityMultiplier)
//	band 4 heavy step-up      ×96  (and the visual challenge)
//	band 5 deny               0    (issue nothing)
//
// Expected solve times at the ALTCHA default base, PBKDF2/SHA-256 cost 5000 with a counter drawn from
// 5000–10000 (≈7,500 KDF calls). ALTCHA measured counter 5000 (docs/protocol-notes.md) at ≈1.6 s in desktop Chrome with 8
// workers (≈0.32 ms per call) and ≈9.5 s on a low-end Android with 4 threads (≈1.9 ms per call):
//
//	multiplier  KDF calls   desktop Chrome (8 workers)   low-end Android (4 threads)
//	×1              7,500   ≈2.4 s                       ≈14 s
//	×2             15,000   ≈4.8 s                       ≈28 s
//	×8             60,000   ≈19 s                        ≈1.9 min
//	×16           120,000   ≈38 s                        ≈3.8 min
//	×48           360,000   ≈1.9 min                     ≈11 min
//	×96           720,000   ≈3.8 min                     ≈23 min
//	×256        1,920,000   ≈10 min                      ≈61 min
//
// So with the ALTCHA default as base the upper bands are unusable on phones (mCaptcha's warning:
// too-high factors make a CAPTCHA inaccessible). The model sizes band 1 at ≈0.25 s on a low-end phone;
// with PBKDF2 cost 5000 that is a base of ≈150–500 KDF calls (band 2 ≈ 2–8 s, the ×48 wait
// ≈ 12–45 s on a low-end phone, ≈ 2–8 s on a desktop). Choose the base for the slowest device you
// must serve; the multipliers are relative.

// MaxPoWMultiplier caps PoWMultiplier so that velocity on top of band 4 stays finite.
const MaxPoWMultiplier = 256

// bandPoW is the work multiplier per band (index = band).
var bandPoW = [...]int{0, 1, 8, 48, 96, 0}

// VelocityMultiplier returns 2^min(level, 4) (mCaptcha / Private Captcha idea). Mobile-carrier
// IPs count half the level, because many humans share one CGNAT address.
func VelocityMultiplier(velocityLevel int, ipClass string) int {
	lvl := velocityLevel
	if ipClass == IPMobile {
		lvl /= 2
	}
	lvl = max(0, min(lvl, 4))
	return 1 << lvl
}

// PoWMultiplier returns the work multiplier for the next challenge of a client assessed as a,
// or 0 when the client is denied. Band 3 returns the heavy "verify by waiting" figure; when the
// client takes the visual challenge instead, use VelocityMultiplier for its base PoW.
func PoWMultiplier(a Assessment, velocityLevel int, ipClass string) int {
	if a.Action == ActionDeny || a.Band < 1 || a.Band >= len(bandPoW) {
		return 0
	}
	m := bandPoW[a.Band] * VelocityMultiplier(velocityLevel, ipClass)
	return min(m, MaxPoWMultiplier)
}
