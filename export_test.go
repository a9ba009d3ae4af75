package astracaph

// OpenSecretForTest returns the key of open-mode tokens (ASTRACAPH_OPEN_SECRET or derived).
func OpenSecretForTest(c *Captcha) string { return string(c.openKey) }

// ChallengeKeyForTest returns the key that signs challenges.
func ChallengeKeyForTest(c *Captcha) []byte { return c.powKey }
