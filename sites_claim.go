package astracaph

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// Domain claims. Registration is first come, first served, so someone could register a
// domain before its owner (squatting). Whoever proves control of the domain can take it
// over: ClaimDomain hands out a random token, the claimant publishes it either as a DNS
// TXT record at _astracaph-challenge.<domain> or as the body of
// https://<domain>/.well-known/astracaph-challenge/<claim id>, and RegisterSite with the
// claim id then replaces the squatter's site (its secret stops working at once) with a
// new one. The claim lives an hour, server-side; the token is compared in constant time.

const (
	claimTTL       = time.Hour
	claimPrefix    = "claim:"
	claimDNSLabel  = "_astracaph-challenge."
	claimWellKnown = "/.well-known/astracaph-challenge/"
)

// DomainClaim is what a claimant must publish to prove control of Domain.
type DomainClaim struct {
	ID        string    `json:"claimId"`
	Domain    string    `json:"domain"`
	Token     string    `json:"token"`
	DNSName   string    `json:"dnsName"`      // publish Token as a TXT record here
	URL       string    `json:"wellKnownUrl"` // or serve Token as this URL's body
	ExpiresAt time.Time `json:"expiresAt"`
}

// DomainVerifier looks for a claim's proof. The default resolves TXT records with the
// system resolver and fetches the well-known URL over HTTPS, refusing private and
// loopback addresses; tests and air-gapped deployments inject their own.
type DomainVerifier interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
	// Fetch GETs url and returns at most a few KiB of its body.
	Fetch(ctx context.Context, url string) ([]byte, error)
}

// WithDomainVerifier sets how domain claims are checked (default: DNS and HTTPS).
func WithDomainVerifier(v DomainVerifier) Option {
	return func(c *Captcha) error {
		if v == nil {
			return errors.New("astracaph: nil domain verifier")
		}
		c.domains = v
		return nil
	}
}

type claimState struct {
	Domain string `json:"domain"`
	Token  string `json:"token"`
}

// ClaimDomain starts a claim of domain (registered or not) and returns what to publish.
func (c *Captcha) ClaimDomain(ctx context.Context, domain string) (DomainClaim, error) {
	d, err := normalizeDomain(domain)
	if err != nil {
		return DomainClaim{}, err
	}
	id := randomToken("", 16)
	cl := DomainClaim{ID: id, Domain: d, Token: randomToken("astracaph-claim-", 24), DNSName: claimDNSLabel + d,
		URL: "https://" + d + claimWellKnown + id, ExpiresAt: c.now().Add(claimTTL).UTC().Truncate(time.Second)}
	st, _ := json.Marshal(claimState{Domain: d, Token: cl.Token})
	if err := c.store.SetState(ctx, claimPrefix+id, st, claimTTL); err != nil {
		return DomainClaim{}, err
	}
	return cl, nil
}

// proveClaim checks that claim id is for domain and that its token is published.
func (c *Captcha) proveClaim(ctx context.Context, id, domain string) error {
	b, err := c.store.GetState(ctx, claimPrefix+id)
	if errors.Is(err, ErrNotFound) {
		return ErrClaimNotFound
	}
	if err != nil {
		return err
	}
	var st claimState
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("astracaph: claim state: %w", err)
	}
	if st.Domain != domain {
		return ErrClaimOtherSite
	}
	match := func(s string) bool {
		return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(s)), []byte(st.Token)) == 1
	}
	v := c.domainVerifier()
	if txts, err := v.LookupTXT(ctx, claimDNSLabel+domain); err == nil {
		for _, t := range txts {
			if match(t) {
				return c.spendClaim(ctx, id)
			}
		}
	}
	if body, err := v.Fetch(ctx, "https://"+domain+claimWellKnown+id); err == nil && match(string(body)) {
		return c.spendClaim(ctx, id)
	}
	return ErrClaimNotProven
}

// spendClaim makes a proven claim single-use.
func (c *Captcha) spendClaim(ctx context.Context, id string) error {
	if _, err := c.store.TakeState(ctx, claimPrefix+id); err != nil {
		if errors.Is(err, ErrNotFound) {
			return ErrClaimNotFound
		}
		return err
	}
	return nil
}

func (c *Captcha) domainVerifier() DomainVerifier {
	if c.domains != nil {
		return c.domains
	}
	return netVerifier{}
}

// netVerifier is the default DomainVerifier.
type netVerifier struct{}

func (netVerifier) LookupTXT(ctx context.Context, name string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return net.DefaultResolver.LookupTXT(ctx, name)
}

func (netVerifier) Fetch(ctx context.Context, url string) ([]byte, error) {
	// The host is the claimant's choice: never let it point the server at its own network
	// (loopback, private ranges, link-local metadata services), also after DNS resolution.
	dialer := &net.Dialer{Timeout: 5 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return err
		}
		if a := ap.Addr().Unmap(); !a.IsGlobalUnicast() || a.IsPrivate() {
			return ErrFetchNotAllowed
		}
		return nil
	}}
	client := &http.Client{
		Timeout:       10 * time.Second,
		Transport:     &http.Transport{DialContext: dialer.DialContext, TLSHandshakeTimeout: 5 * time.Second},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("astracaph: claim URL answered %d", resp.StatusCode)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 4<<10))
}
