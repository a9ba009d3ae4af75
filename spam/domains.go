package spam

// Domain lists for the e-mail signals: the disposable-domain blocklist (file format of
// disposable-email-domains/disposable_email_blocklist.conf) and the free-mail list.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// DisposableFile is the file name `astracaph data update` writes the list under.
const DisposableFile = "disposable_email_blocklist.conf"

// maxDomains bounds a loaded list so a hostile or corrupt download cannot exhaust memory.
const maxDomains = 1 << 20

// DomainList is a set of registrable domains. Lookups match the domain itself and every
// parent, which covers both upstream conventions: plain eTLD+1 entries and entries one level
// under a public suffix (e.g. "0-mailer.dynv6.net").
type DomainList struct {
	set map[string]struct{}
}

// NewDomainList returns a list holding the given domains (normalised; invalid ones dropped).
func NewDomainList(domains ...string) *DomainList {
	l := &DomainList{set: make(map[string]struct{}, len(domains))}
	for _, d := range domains {
		if d, ok := normDomain(d); ok {
			l.set[d] = struct{}{}
		}
	}
	return l
}

// LoadDisposableList reads one domain per line. Blank lines and comments (# to end of
// line) are ignored; lines that are not plausible domain names are skipped rather than failing
// the whole list, because upstream lists occasionally carry odd entries.
func LoadDisposableList(r io.Reader) (*DomainList, error) {
	l := &DomainList{set: make(map[string]struct{}, 1024)}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64*1024)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		d, ok := normDomain(line)
		if !ok {
			continue
		}
		if len(l.set) >= maxDomains {
			return nil, fmt.Errorf("%w: more than %d entries", ErrDomainList, maxDomains)
		}
		l.set[d] = struct{}{}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDomainList, err)
	}
	return l, nil
}

// LoadDisposableFile loads a list from a file, typically
// <data dir>/disposable_email_blocklist.conf written by `astracaph data update`.
func LoadDisposableFile(path string) (*DomainList, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDomainList, err)
	}
	defer fh.Close()
	return LoadDisposableList(fh)
}

// maxListBytes bounds a downloaded list (upstream is ~120 KB).
const maxListBytes = 32 << 20

// FetchDisposableList downloads a list over HTTP(S), e.g. the raw
// disposable_email_blocklist.conf of disposable-email-domains; nil client means
// http.DefaultClient. `astracaph data update` is the usual way to keep a local copy instead.
func FetchDisposableList(ctx context.Context, client *http.Client, url string) (*DomainList, error) {
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDomainList, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDomainList, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: GET %s: %s", ErrDomainList, url, resp.Status)
	}
	lr := &io.LimitedReader{R: resp.Body, N: maxListBytes + 1}
	l, err := LoadDisposableList(lr)
	if err != nil {
		return nil, err
	}
	if lr.N <= 0 {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrDomainList, url, maxListBytes)
	}
	return l, nil
}

// Len is the number of entries.
func (l *DomainList) Len() int { return len(l.set) }

// Merge adds every entry of o to l. Not safe while l is used by a running filter.
func (l *DomainList) Merge(o *DomainList) {
	for d := range o.set {
		l.set[d] = struct{}{}
	}
}

// Contains reports whether domain, its eTLD+1 or any parent domain is listed.
func (l *DomainList) Contains(domain string) bool {
	d, ok := normDomain(domain)
	if !ok {
		return false
	}
	// Stop at the public suffix: "co.uk" itself is never an entry that should match.
	etld1, err := publicsuffix.EffectiveTLDPlusOne(d)
	if err != nil {
		etld1 = ""
	}
	for {
		if _, hit := l.set[d]; hit {
			return true
		}
		if d == etld1 {
			return false
		}
		i := strings.IndexByte(d, '.')
		if i < 0 {
			return false
		}
		d = d[i+1:]
		if etld1 == "" && strings.IndexByte(d, '.') < 0 {
			return false // never match a bare TLD
		}
	}
}

// normDomain lower-cases and trims a domain and rejects anything that is not a plausible
// DNS name (ASCII letters, digits, '-', '.', '_'; at least one dot; labels 1..63; total ≤ 253).
func normDomain(s string) (string, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, ".")
	if len(s) < 3 || len(s) > 253 {
		return "", false
	}
	lower := true
	dots, label := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			lower = false
			label++
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
			label++
		case c == '.':
			if label == 0 {
				return "", false
			}
			dots++
			label = 0
		default:
			return "", false
		}
		if label > 63 {
			return "", false
		}
	}
	if dots == 0 || label == 0 {
		return "", false
	}
	if !lower {
		s = strings.ToLower(s)
	}
	return s, true
}

// BuiltinDisposable returns a fresh copy of the small built-in list of the most common
// disposable-mail domains, used when no downloaded list is configured.
func BuiltinDisposable() *DomainList { return NewDomainList(builtinDisposableDomains...) }

func builtinFree() *DomainList { return NewDomainList(builtinFreeMailDomains...) }

// Hand-written from well-known services; the full list comes from `astracaph data update`.
var builtinDisposableDomains = []string{
	"mailinator.com", "guerrillamail.com", "guerrillamail.net", "guerrillamail.org", "guerrillamail.biz",
	"guerrillamail.de", "guerrillamailblock.com", "sharklasers.com", "grr.la", "pokemail.net", "spam4.me",
	"10minutemail.com", "10minutemail.net", "20minutemail.com", "temp-mail.org", "temp-mail.io",
	"tempmail.com", "tempmail.net", "tempmailo.com", "tempail.com", "tempr.email", "temp-mail.ru",
	"yopmail.com", "yopmail.fr", "yopmail.net", "trashmail.com", "trashmail.de", "trashmail.net",
	"throwawaymail.com", "getnada.com", "nada.email", "dispostable.com", "maildrop.cc", "mailnesia.com",
	"mintemail.com", "mohmal.com", "mytemp.email", "fakeinbox.com", "emailondeck.com", "spamgourmet.com",
	"mailcatch.com", "moakt.com", "burnermail.io", "discard.email", "dropmail.me", "getairmail.com",
	"harakirimail.com", "inboxkitten.com", "jetable.org", "mailpoof.com", "mvrht.com", "spambox.us",
	"tmpmail.org", "tmpmail.net", "1secmail.com", "1secmail.net", "1secmail.org", "emailfake.com",
	"fakemail.net", "mailtemp.net", "spamdecoy.net", "33mail.com", "anonbox.net", "mail-temp.com",
}

var builtinFreeMailDomains = []string{
	"gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "yahoo.fr", "yahoo.de", "yahoo.es",
	"ymail.com", "outlook.com", "hotmail.com", "hotmail.co.uk", "hotmail.fr", "hotmail.de", "hotmail.es",
	"live.com", "msn.com", "aol.com", "icloud.com", "me.com", "mac.com", "proton.me", "protonmail.com",
	"pm.me", "gmx.com", "gmx.de", "gmx.net", "web.de", "t-online.de", "mail.com", "zoho.com",
	"yandex.ru", "yandex.com", "ya.ru", "mail.ru", "bk.ru", "inbox.ru", "list.ru", "rambler.ru",
	"orange.fr", "free.fr", "laposte.net", "libero.it", "uol.com.br", "bol.com.br", "terra.com.br",
	"qq.com", "163.com", "126.com", "naver.com", "tutanota.com", "fastmail.com",
}
