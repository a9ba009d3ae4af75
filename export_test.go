package astracaph

import (
	"context"
	"net/url"
	"time"
)

// OpenSecretForTest returns the key of open-mode tokens (ASTRACAPH_OPEN_SECRET or derived).
func OpenSecretForTest(c *Captcha) string { return string(c.openKey) }

// ChallengeKeyForTest returns the key that signs challenges.
func ChallengeKeyForTest(c *Captcha) []byte { return c.powKey }

// MintForTest issues an open-mode token bound to origin as Redeem would after a pass,
// without a proof of work (benchmarks that need many fresh tokens).
func MintForTest(c *Captcha, origin string) (string, time.Time, error) {
	return c.issueToken(context.Background(), binding{origin: origin}, Assessment{Action: ActionPass, Score: 0.9})
}

// SaltParamsForTest returns the signed parameters of a v1 salt.
func SaltParamsForTest(r *SolutionResult) url.Values { return r.saltParams() }

// NormalizeDomainForTest is normalizeDomain.
func NormalizeDomainForTest(s string) (string, error) { return normalizeDomain(s) }
