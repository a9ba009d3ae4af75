package astracaph

import (
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/astracat/astracaph/privacypass"
)

// Captcha is the engine. It is safe for concurrent use.
type Captcha struct {
	store        Store
	log          *slog.Logger
	logSet       bool // WithLogger was given
	now          func() time.Time
	rand         io.Reader
	sites        siteCrypto
	powKey       []byte // signs challenges (ASTRACAPH_ALTCHA_HMAC_KEY, or derived)
	keySigKey    []byte // deterministic keySignature (fast verification path)
	openKey      []byte // signs open-mode tokens
	envKey       []byte // derives the per-challenge environment checks (risk.go)
	mintKey      []byte // the mint proof inside every token id (mint.go)
	pow          PoWConfig
	challengeTTL time.Duration
	tokenTTL     time.Duration
	openMode     bool
	difficulty   DifficultyFunc
	risk         RiskFunc
	waitFactor   float64 // "verify by waiting" work, in multiples of the base PoW
	powV1        bool    // legacy PoW v1 for every client (else only for v1 sites)
	noExpiryOK   bool    // accept (foreign) challenges without an expiry
	kdfLimit     KDFLimit
	epochReady   atomic.Bool // the store's epoch exists (EpochStarter)
	domains      DomainVerifier
	visualLimit  visualLimit
	privacyPass  *privacypass.Issuers // Private Access Tokens (privatetoken.go); nil: off

	// countFailures records failed redemptions and visual answers per client prefix
	// (risk.go); widgetOnly: the risk engine requires our widget (risk.go).
	countFailures, widgetOnly bool
}

// PoWConfig is the base proof of work of every challenge before difficulty scaling.
type PoWConfig struct {
	Algorithm              Algorithm
	Cost                   int
	CounterMin, CounterMax uint32 // deterministic counter range
	MemoryCost             int    // SCRYPT/ARGON2ID only
	Parallelism            int    // SCRYPT/ARGON2ID only
	V1MaxNumber            int64  // legacy PoW v1 maxnumber
}

// DefaultPoW is PBKDF2/SHA-256, cost 5000, deterministic counter in [5000, 10000] — the
// ALTCHA ecosystem's recommendation (about 1–2 s in a desktop browser).
var DefaultPoW = PoWConfig{Algorithm: PBKDF2SHA256, Cost: 5000, CounterMin: 5000, CounterMax: 10000, V1MaxNumber: 100_000}

// Option configures New.
type Option func(*Captcha) error

// WithStore sets the store (default: NewMemoryStore(MemoryOptions{})).
func WithStore(s Store) Option {
	return func(c *Captcha) error {
		if s == nil {
			return errors.New("astracaph: nil store")
		}
		c.store = s
		return nil
	}
}

// WithSecret sets the master secret (ASTRACAPH_TOKEN_SECRET), at least 16 bytes. Every
// server sharing a store must use the same one. Without it New generates a random secret
// and logs a warning: tokens and sites then do not survive a restart.
func WithSecret(secret []byte) Option {
	return func(c *Captcha) error {
		if len(secret) < 16 {
			return errors.New("astracaph: master secret shorter than 16 bytes")
		}
		c.setMaster(secret)
		return nil
	}
}

// WithOpenSecret sets the key that signs open-mode tokens (ASTRACAPH_OPEN_SECRET), so a
// backend holding it can verify them offline. Default: derived from the master secret.
func WithOpenSecret(secret []byte) Option {
	return func(c *Captcha) error {
		if len(secret) == 0 {
			return ErrEmptyKey
		}
		c.openKey = append([]byte(nil), secret...)
		return nil
	}
}

// WithALTCHAKey signs and verifies challenges with an existing ALTCHA deployment's HMAC
// key (ASTRACAPH_ALTCHA_HMAC_KEY), so challenges from either side stay valid.
func WithALTCHAKey(key []byte) Option {
	return func(c *Captcha) error {
		if len(key) == 0 {
			return ErrEmptyKey
		}
		c.powKey = append([]byte(nil), key...)
		return nil
	}
}

// WithLogger sets the logger (default: discard, except the development-secret warning of New,
// which then goes to slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(c *Captcha) error {
		if l != nil {
			c.log, c.logSet = l, true
		}
		return nil
	}
}

// WithClock sets the time source (tests).
func WithClock(now func() time.Time) Option {
	return func(c *Captcha) error { c.now = now; return nil }
}

// WithPoW sets the base proof of work.
func WithPoW(p PoWConfig) Option {
	return func(c *Captcha) error {
		c.pow = p
		// Validate the parameters now, with a throwaway key: the real one may come later.
		o := c.challengeOptions(1, nil)
		o.HMACKey, o.Counter = []byte("validate"), new(uint32)
		_, err := CreateChallenge(o)
		return err
	}
}

// WithExpiry sets how long challenges (default 10 min) and tokens (default 5 min) live.
func WithExpiry(challenge, token time.Duration) Option {
	return func(c *Captcha) error {
		if challenge < time.Second || token < time.Second {
			return errors.New("astracaph: expiries must be at least one second")
		}
		c.challengeTTL, c.tokenTTL = challenge, token
		return nil
	}
}

// WithVisualWait sets the work of the visual step's "verify by waiting" alternative, in
// multiples of the base proof of work (default 4).
func WithVisualWait(multiplier float64) Option {
	return func(c *Captcha) error {
		if multiplier < 1 {
			return errors.New("astracaph: visual wait multiplier below 1")
		}
		c.waitFactor = multiplier
		return nil
	}
}

// WithPoWV1 serves and accepts legacy PoW v1 challenges for any client
// (ASTRACAPH_POW_V1). Off by default: v1 is far weaker per second of the user's time than
// v2 — a native solver does its SHA-256 calls thousands of times faster than the JavaScript
// widget, and its work cannot be made memory-hard — so a client that may pick v1 would
// downgrade every site. Sites registered with PoWVersion 1 get v1 either way.
func WithPoWV1(enabled bool) Option {
	return func(c *Captcha) error { c.powV1 = enabled; return nil }
}

// WithUnexpiringChallenges accepts challenges that carry no expiry (only challenges signed
// by another ALTCHA deployment's key can lack one: this server always sets it). Off by
// default, because such a challenge can be redeemed again once its replay record is
// gone; when on, its replay record is kept for 30 days.
func WithUnexpiringChallenges(allow bool) Option {
	return func(c *Captcha) error { c.noExpiryOK = allow; return nil }
}

// WithOpenMode allows (default) or refuses flows without a registered site key.
func WithOpenMode(allow bool) Option {
	return func(c *Captcha) error { c.openMode = allow; return nil }
}

// WithDifficulty sets the function choosing each challenge's work (see DifficultyFunc).
func WithDifficulty(f DifficultyFunc) Option {
	return func(c *Captcha) error { c.difficulty = f; return nil }
}

// WithRisk sets the risk assessment run at redemption (see RiskFunc).
func WithRisk(f RiskFunc) Option {
	return func(c *Captcha) error { c.risk = f; return nil }
}

// New builds a Captcha. With no options it is ready to use: memory store, a random
// master secret (with a logged warning), PoW v2 PBKDF2/SHA-256 cost 5000 deterministic
// with a counter in 5000–10000, 10-minute challenges and 5-minute tokens.
func New(opts ...Option) (*Captcha, error) {
	c := &Captcha{
		log: slog.New(slog.DiscardHandler), now: time.Now, rand: rand.Reader, pow: DefaultPoW,
		challengeTTL: 10 * time.Minute, tokenTTL: 5 * time.Minute, openMode: true, waitFactor: defaultWaitFactor,
		kdfLimit: DefaultKDFLimit(),
	}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	if c.sites.aead == nil {
		secret := make([]byte, 32)
		_, _ = rand.Read(secret)
		c.setMaster(secret)
		warn := c.log
		if !c.logSet {
			warn = slog.Default() // a program that configured no logger must still see this
		}
		warn.Warn("astracaph: no master secret configured; using a random development secret: tokens and sites will not survive a restart and servers cannot share work (set ASTRACAPH_TOKEN_SECRET, e.g. to the output of: openssl rand -hex 32)")
	}
	if c.store == nil {
		ms := NewMemoryStore(MemoryOptions{}).(*memoryStore)
		ms.epoch = time.UnixMilli(c.now().UnixMilli()) // the engine's clock: a test clock's ids are not "before" it
		c.store = ms
	}
	return c, nil
}

func (c *Captcha) setMaster(secret []byte) {
	c.sites = newSiteCrypto(secret)
	if c.powKey == nil {
		c.powKey = deriveSubkey(secret, "astracaph/challenge-signature/v1")
	}
	c.keySigKey = deriveSubkey(secret, "astracaph/key-signature/v1")
	c.envKey = deriveSubkey(secret, "astracaph/env-proof/v1")
	if c.openKey == nil {
		c.openKey = deriveSubkey(secret, "astracaph/open-token/v1")
	}
	c.mintKey = deriveSubkey(secret, "astracaph/token-mint/v1")
}

// Store returns the engine's store (health checks, rate limits).
func (c *Captcha) Store() Store { return c.store }

// Logger returns the engine's logger.
func (c *Captcha) Logger() *slog.Logger { return c.log }
