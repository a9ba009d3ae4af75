package spam

// E-mail signals: syntax, disposable and free-mail domains, random-looking local parts and
// (optionally) a domain that cannot receive mail.

import (
	"context"
	"net/mail"
	"strings"
)

func (f *Filter) checkEmail(ctx context.Context, s *tally, addr string) {
	// Header injection through the address field ("a@b.c\r\nBcc: ...").
	if strings.ContainsAny(addr, "\r\n") {
		s.add(ReasonInjection, ptsInjection)
	}
	local, domain, ok := parseEmail(addr)
	if !ok {
		s.add(ReasonEmailInvalid, ptsEmailInvalid)
		return
	}
	free := false
	if f.disposable.Contains(domain) {
		s.add(ReasonEmailDisposable, ptsEmailDisposable)
	} else if free = f.free.Contains(domain); free {
		s.add(ReasonEmailFree, 0)
	}
	if randomLocal(local) {
		s.add(ReasonEmailRandomLocal, ptsEmailRandomLocal)
	}
	// Big free-mail providers certainly receive mail: no DNS query for them.
	if f.mx != nil && !free && f.mx.noMail(ctx, domain, f.log) {
		s.add(ReasonEmailNoMX, ptsEmailNoMX)
	}
}

// parseEmail accepts a bare addr-spec (no display name, no comments) with an ordinary DNS
// domain: what a sign-up or contact form should receive.
func parseEmail(addr string) (local, domain string, ok bool) {
	addr = strings.TrimSpace(addr)
	if len(addr) < 6 || len(addr) > 254 {
		return "", "", false
	}
	a, err := mail.ParseAddress(addr)
	if err != nil || a.Name != "" || a.Address != addr {
		return "", "", false
	}
	at := strings.LastIndexByte(addr, '@')
	local, domain = addr[:at], addr[at+1:]
	if len(local) == 0 || len(local) > 64 {
		return "", "", false
	}
	d, ok := normDomain(domain)
	if !ok || strings.Contains(d, "_") {
		return "", "", false
	}
	for _, label := range strings.Split(d, ".") {
		if label[0] == '-' || label[len(label)-1] == '-' {
			return "", "", false
		}
	}
	// The TLD must contain a letter: rejects IP-address domains such as a@1.2.3.4.
	tld := d[strings.LastIndexByte(d, '.')+1:]
	if strings.IndexFunc(tld, func(r rune) bool { return r >= 'a' && r <= 'z' }) < 0 {
		return "", "", false
	}
	return local, d, true
}

// randomLocal flags machine-made local parts: mostly digits, or a long letter run with
// (almost) no vowels, e.g. "48213377x" or "xkqzjwvbt".
func randomLocal(local string) bool {
	local = strings.ToLower(local)
	digits, letters, vowels, run, maxRun := 0, 0, 0, 0, 0
	for i := 0; i < len(local); i++ {
		c := local[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
			run = 0
		case c >= 'a' && c <= 'z':
			letters++
			if strings.IndexByte("aeiouy", c) >= 0 {
				vowels++
				run = 0
			} else {
				run++
				maxRun = max(maxRun, run)
			}
		default:
			run = 0
		}
	}
	if n := digits + letters; n >= 6 && digits*2 > n {
		return true
	}
	if maxRun >= 6 {
		return true
	}
	return letters >= 8 && vowels*10 < letters
}
