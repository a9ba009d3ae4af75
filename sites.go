package astracaph

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/idna"
)

// Sites. A registered site has a public site key (pk_live_…) and a secret (sk_live_…)
// shown once at creation. Tokens for a site are signed with its secret, so the site's
// backend can verify them offline with any ALTCHA library, or online with the secret.
//
// Secret storage: the store never holds a secret in plain text. Each secret is kept as
// AES-256-GCM ciphertext under a key derived from the server's master secret
// (HMAC-SHA256(master, "astracaph/site-secret-encryption/v1")), because the server must
// recover it to sign tokens; and as an HMAC verifier (HMAC-SHA256(derived key, secret))
// used for constant-time comparisons and atomic compare-and-delete in Redis. A dump of the
// store without the master secret yields neither. The master secret must therefore stay
// stable and be shared by every server (ASTRACAPH_TOKEN_SECRET).

// Turnstile-style test keys (docs/protocol-notes.md, "Widget conventions and test keys") for integrators' own test suites. They work
// without registration: the site keys drive the widget flow, the secrets make Verify
// always pass, always fail, or report an already spent token.
const (
	TestSiteKeyPass    = "1x00000000000000000000AA"
	TestSiteKeyBlock   = "2x00000000000000000000AB"
	TestSiteKeyStepUp  = "3x00000000000000000000FF"
	TestSecretPass     = "1x0000000000000000000000000000000AA"
	TestSecretFail     = "2x0000000000000000000000000000000AA"
	TestSecretSpent    = "3x0000000000000000000000000000000AA"
	TestToken          = "XXXX.DUMMY.TOKEN.XXXX"
	siteKeyPrefix      = "pk_live_"
	siteSecretPrefix   = "sk_live_"
	defaultRotationGap = 24 * time.Hour
)

// isTestSiteKey reports whether k is one of the test site keys.
func isTestSiteKey(k string) bool {
	return k == TestSiteKeyPass || k == TestSiteKeyBlock || k == TestSiteKeyStepUp
}

// Site is the public view of a registered site.
type Site struct {
	SiteKey   string    `json:"siteKey"`
	Domain    string    `json:"domain"`
	Name      string    `json:"name"`
	Origins   []string  `json:"origins,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	// PoWVersion 1 serves this site legacy PoW v1 challenges (widgets 0.x–2.x).
	PoWVersion int `json:"powVersion,omitempty"`
	// AllowALTCHAWidget accepts the official ALTCHA widget (which sends no telemetry) for
	// this site; see RiskEngineOptions.AllowALTCHAWidget.
	AllowALTCHAWidget bool `json:"allowAltchaWidget,omitempty"`
}

// SiteCredentials is returned once when a site is created or its secret rotated; it is
// also an entry of ASTRACAPH_SITE_CONFIG (SeedSites).
type SiteCredentials struct {
	Site
	Secret string `json:"secret"`
}

// SiteRequest registers a site.
type SiteRequest struct {
	Domain  string   // host name or URL; normalised
	Name    string   //
	Origins []string // extra allowed origins (scheme://host[:port])
	// Claim is the id of a proven DomainClaim: with it, a domain registered by someone
	// else is taken over (their site is removed). See ClaimDomain.
	Claim string
}

// normalizeDomain lower-cases a host name, converts IDNA to punycode, and strips the
// scheme, port, path, and trailing dot when a URL is given.
func normalizeDomain(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", ErrInvalidDomain
	}
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil || u.Host == "" {
			return "", fmt.Errorf("%w: %q", ErrInvalidDomain, s)
		}
		s = u.Host
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	if h, port, err := net.SplitHostPort(s); err == nil {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("%w: bad port in %q", ErrInvalidDomain, s)
		}
		s = h
	}
	s = strings.TrimSuffix(strings.ToLower(s), ".")
	if s == "" || strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") || strings.Contains(s, "..") {
		return "", fmt.Errorf("%w: empty label in %q", ErrInvalidDomain, s)
	}
	if ip := net.ParseIP(strings.Trim(s, "[]")); ip != nil {
		return ip.String(), nil
	}
	if plainHost(s) {
		return s, nil // what IDNA would return, without its cost on every verification
	}
	a, err := idna.Lookup.ToASCII(s)
	if err != nil || a == "" || len(a) > 253 || !strings.Contains(a, ".") && a != "localhost" || !validLabels(a) {
		return "", fmt.Errorf("%w: %q", ErrInvalidDomain, s)
	}
	return a, nil
}

// plainHost reports whether s is a host name that IDNA lookup maps to itself: at most 253
// bytes, a dot (or "localhost"), and labels of 1–63 characters from [a-z0-9-] that neither
// start nor end with a hyphen nor carry one at both the third and fourth places (which
// includes the punycode "xn--" labels, left to IDNA). FuzzPlainHostIsIDNA checks it
// against the IDNA path.
func plainHost(s string) bool {
	if len(s) > 253 || !strings.Contains(s, ".") && s != "localhost" {
		return false
	}
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != '.' {
			c := s[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
			continue
		}
		l := s[start:i]
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' || len(l) >= 4 && l[2] == '-' && l[3] == '-' {
			return false
		}
		start = i + 1
	}
	return true
}

// validLabels checks the punycode result: non-empty labels of at most 63 characters
// from [a-z0-9_-].
func validLabels(a string) bool {
	for _, l := range strings.Split(a, ".") {
		if l == "" || len(l) > 63 {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// NormalizeOrigin returns scheme://host[:port] in lower case with default ports dropped.
func NormalizeOrigin(s string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("astracaph: invalid origin %q", s)
	}
	host, err := normalizeDomain(u.Hostname())
	if err != nil {
		return "", err
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	port := u.Port()
	if (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80") {
		port = ""
	}
	if port != "" {
		host += ":" + port
	}
	return u.Scheme + "://" + host, nil
}

// originHost returns the normalised host of an origin.
func originHost(origin string) string {
	u, err := url.Parse(origin)
	if err != nil {
		return ""
	}
	h, _ := normalizeDomain(u.Hostname())
	return h
}

// siteCrypto encrypts and verifies site secrets under keys derived from the master.
type siteCrypto struct {
	aead   cipher.AEAD
	verKey []byte
}

func newSiteCrypto(master []byte) siteCrypto {
	ek := deriveSubkey(master, "astracaph/site-secret-encryption/v1")
	block, _ := aes.NewCipher(ek) // 32-byte key: cannot fail
	aead, _ := cipher.NewGCM(block)
	return siteCrypto{aead: aead, verKey: deriveSubkey(master, "astracaph/site-secret-verifier/v1")}
}

func (sc siteCrypto) seal(secret, siteKey string) []byte {
	nonce := make([]byte, sc.aead.NonceSize())
	_, _ = rand.Read(nonce)
	return sc.aead.Seal(nonce, nonce, []byte(secret), []byte(siteKey))
}

func (sc siteCrypto) open(ct []byte, siteKey string) (string, error) {
	ns := sc.aead.NonceSize()
	if len(ct) < ns {
		return "", errors.New("astracaph: site secret ciphertext too short")
	}
	pt, err := sc.aead.Open(nil, ct[:ns], ct[ns:], []byte(siteKey))
	if err != nil {
		return "", errors.New("astracaph: cannot decrypt site secret (is the master secret the one the site was created with?)")
	}
	return string(pt), nil
}

func (sc siteCrypto) verifier(secret string) string {
	mac, n := hmacSum(SHA256, sc.verKey, []byte(secret))
	return hex.EncodeToString(mac[:n])
}

// deriveSubkey is HMAC-SHA256(master, label): independent keys from one master secret.
func deriveSubkey(master []byte, label string) []byte {
	mac, n := hmacSum(SHA256, master, []byte(label))
	return append([]byte(nil), mac[:n]...)
}

func randomToken(prefix string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

func publicSite(r SiteRecord) Site {
	return Site{SiteKey: r.SiteKey, Domain: r.Domain, Name: r.Name, Origins: r.Origins, CreatedAt: r.CreatedAt,
		PoWVersion: r.PoWVersion, AllowALTCHAWidget: r.AllowALTCHAWidget}
}

// RegisterSite creates a site and returns its credentials; the secret is shown only here.
func (c *Captcha) RegisterSite(ctx context.Context, req SiteRequest) (SiteCredentials, error) {
	domain, err := normalizeDomain(req.Domain)
	if err != nil {
		return SiteCredentials{}, err
	}
	origins, err := normalizeOrigins(req.Origins)
	if err != nil {
		return SiteCredentials{}, err
	}
	name := strings.TrimSpace(req.Name)
	if len(name) > 200 {
		return SiteCredentials{}, fmt.Errorf("astracaph: site name longer than 200 characters")
	}
	cfg := SiteCredentials{Site: Site{Name: name, SiteKey: randomToken(siteKeyPrefix, 18), Domain: domain, Origins: origins, CreatedAt: c.now().UTC().Truncate(time.Second)}, Secret: randomToken(siteSecretPrefix, 32)}
	if req.Claim != "" {
		if err := c.proveClaim(ctx, req.Claim, domain); err != nil {
			return SiteCredentials{}, err
		}
		old, err := c.store.GetSiteByDomain(ctx, domain)
		switch {
		case err == nil:
			if err := c.store.DeleteSite(ctx, old.SiteKey, old.SecretHash); err != nil && !errors.Is(err, ErrNotFound) {
				return SiteCredentials{}, err
			}
			c.log.InfoContext(ctx, "site taken over by a proven domain claim", "oldSiteKey", old.SiteKey, "domain", domain)
		case !errors.Is(err, ErrNotFound):
			return SiteCredentials{}, err
		}
	}
	if err := c.storeSite(ctx, cfg); err != nil {
		return SiteCredentials{}, err
	}
	c.log.InfoContext(ctx, "site registered", "siteKey", cfg.SiteKey, "domain", domain)
	return cfg, nil
}

func (c *Captcha) storeSite(ctx context.Context, cfg SiteCredentials) error {
	rec := SiteRecord{SiteKey: cfg.SiteKey, Domain: cfg.Domain, Name: cfg.Name, Origins: cfg.Origins, CreatedAt: cfg.CreatedAt,
		SecretEnc: c.sites.seal(cfg.Secret, cfg.SiteKey), SecretHash: c.sites.verifier(cfg.Secret), PoWVersion: cfg.PoWVersion,
		AllowALTCHAWidget: cfg.AllowALTCHAWidget}
	if err := c.store.CreateSite(ctx, rec); err != nil {
		if errors.Is(err, ErrExists) {
			return errSiteExists
		}
		return err
	}
	return nil
}

func normalizeOrigins(in []string) ([]string, error) {
	var out []string
	for _, o := range in {
		n, err := NormalizeOrigin(o)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// SeedSites registers sites from configuration (ASTRACAPH_SITE_CONFIG), keeping their
// site keys and secrets. Sites that already exist with the same key are left alone.
func (c *Captcha) SeedSites(ctx context.Context, sites []SiteCredentials) error {
	for _, s := range sites {
		if !strings.HasPrefix(s.SiteKey, siteKeyPrefix) || !strings.HasPrefix(s.Secret, siteSecretPrefix) || len(s.Secret) < len(siteSecretPrefix)+16 {
			return fmt.Errorf("astracaph: site %q: siteKey must start with %s and secret with %s (at least 16 characters after it)", s.Name, siteKeyPrefix, siteSecretPrefix)
		}
		origins, err := normalizeOrigins(s.Origins)
		if err != nil {
			return fmt.Errorf("astracaph: site %q: %w", s.Name, err)
		}
		domain := s.Domain
		if domain == "" {
			if len(origins) == 0 {
				return fmt.Errorf("astracaph: site %q: needs a domain or at least one origin", s.Name)
			}
			domain = originHost(origins[0])
		}
		if domain, err = normalizeDomain(domain); err != nil {
			return fmt.Errorf("astracaph: site %q: %w", s.Name, err)
		}
		if _, err := c.store.GetSite(ctx, s.SiteKey); err == nil {
			continue
		}
		s.Domain, s.Origins = domain, origins
		if s.CreatedAt.IsZero() {
			s.CreatedAt = c.now().UTC().Truncate(time.Second)
		}
		if err := c.storeSite(ctx, s); err != nil {
			return fmt.Errorf("astracaph: site %q: %w", s.Name, err)
		}
	}
	return nil
}

// GetSite returns the public fields of a site.
func (c *Captcha) GetSite(ctx context.Context, siteKey string) (Site, error) {
	r, err := c.store.GetSite(ctx, siteKey)
	if errors.Is(err, ErrNotFound) {
		return Site{}, errSiteNotFound
	}
	if err != nil {
		return Site{}, err
	}
	return publicSite(r), nil
}

// SiteByDomain returns the public fields of the site registered for domain.
func (c *Captcha) SiteByDomain(ctx context.Context, domain string) (Site, error) {
	d, err := normalizeDomain(domain)
	if err != nil {
		return Site{}, err
	}
	r, err := c.store.GetSiteByDomain(ctx, d)
	if errors.Is(err, ErrNotFound) {
		return Site{}, errSiteNotFound
	}
	if err != nil {
		return Site{}, err
	}
	return publicSite(r), nil
}

// ListSites returns every registered site (public fields).
func (c *Captcha) ListSites(ctx context.Context) ([]Site, error) {
	rs, err := c.store.ListSites(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Site, 0, len(rs))
	for _, r := range rs {
		out = append(out, publicSite(r))
	}
	return out, nil
}

// DeleteSite removes the site of domain, only with its current secret. A wrong secret
// returns ErrForbidden.
func (c *Captcha) DeleteSite(ctx context.Context, domain, secret string) error {
	d, err := normalizeDomain(domain)
	if err != nil {
		return err
	}
	r, err := c.store.GetSiteByDomain(ctx, d)
	if errors.Is(err, ErrNotFound) {
		return errSiteNotFound
	}
	if err != nil {
		return err
	}
	err = c.store.DeleteSite(ctx, r.SiteKey, c.sites.verifier(secret))
	switch {
	case errors.Is(err, ErrForbidden):
		return ErrForbidden
	case errors.Is(err, ErrNotFound):
		return errSiteNotFound
	case err != nil:
		return err
	}
	c.log.InfoContext(ctx, "site deleted", "siteKey", r.SiteKey, "domain", d)
	return nil
}

// RotateSecret issues a new secret for siteKey, authorised by the current secret. The old
// secret keeps verifying tokens for overlap (default 24 h) so backends can be redeployed.
func (c *Captcha) RotateSecret(ctx context.Context, siteKey, currentSecret string, overlap time.Duration) (SiteCredentials, error) {
	if overlap <= 0 {
		overlap = defaultRotationGap
	}
	r, err := c.store.GetSite(ctx, siteKey)
	if errors.Is(err, ErrNotFound) {
		return SiteCredentials{}, errSiteNotFound
	}
	if err != nil {
		return SiteCredentials{}, err
	}
	h := c.sites.verifier(currentSecret)
	if subtle.ConstantTimeCompare([]byte(h), []byte(r.SecretHash)) != 1 {
		return SiteCredentials{}, ErrForbidden
	}
	secret := randomToken(siteSecretPrefix, 32)
	upd := r
	upd.PrevSecretEnc, upd.PrevSecretHash, upd.PrevUntil = r.SecretEnc, r.SecretHash, c.now().Add(overlap).UTC()
	upd.SecretEnc, upd.SecretHash = c.sites.seal(secret, siteKey), c.sites.verifier(secret)
	if err := c.store.UpdateSite(ctx, upd, h); err != nil {
		return SiteCredentials{}, err
	}
	c.log.InfoContext(ctx, "site secret rotated", "siteKey", siteKey, "overlapUntil", upd.PrevUntil)
	return SiteCredentials{Site: publicSite(upd), Secret: secret}, nil
}

// siteKeys returns the secrets a site's tokens verify with: the current one, and the
// previous one during the rotation overlap.
func (c *Captcha) siteKeys(r SiteRecord) ([][]byte, error) {
	cur, err := c.sites.open(r.SecretEnc, r.SiteKey)
	if err != nil {
		return nil, err
	}
	keys := [][]byte{[]byte(cur)}
	if len(r.PrevSecretEnc) > 0 && c.now().Before(r.PrevUntil) {
		if prev, err := c.sites.open(r.PrevSecretEnc, r.SiteKey); err == nil {
			keys = append(keys, []byte(prev))
		}
	}
	return keys, nil
}

// secretMatches compares a presented secret with the site's current (or, during the
// overlap, previous) secret in constant time via their verifiers.
func (c *Captcha) secretMatches(r SiteRecord, secret string) bool {
	h := []byte(c.sites.verifier(secret))
	ok := subtle.ConstantTimeCompare(h, []byte(r.SecretHash)) == 1
	if r.PrevSecretHash != "" && c.now().Before(r.PrevUntil) {
		ok = subtle.ConstantTimeCompare(h, []byte(r.PrevSecretHash)) == 1 || ok
	}
	return ok
}

// originAllowed reports whether origin may use the site: its domain (or a subdomain), or
// one of its extra origins.
func originAllowed(r SiteRecord, origin string) bool {
	for _, o := range r.Origins {
		if o == origin {
			return true
		}
	}
	h := originHost(origin)
	return h != "" && (h == r.Domain || strings.HasSuffix(h, "."+r.Domain))
}
