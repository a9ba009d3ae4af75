package astracaph

import (
	"crypto/subtle"
	"encoding/base64"
	"strings"
)

// Mint proof. A site secret is handed to whoever registers the site, so a signature under
// it proves nothing to anyone else: with it, anybody can sign a verificationData offline
// (any origin, score 1, no proof of work). Every token this server issues therefore also
// carries a MAC under a key derived from the master secret, which no site secret can
// produce, inside its id:
//
//	id  = <issue id> "." <tag>
//	tag = base64url(HMAC-SHA256(mintKey, verificationData without "." <tag>)[:16])
//
// The tag covers the whole signed text (origin, site, score, classification, expiry…), so
// a token cannot be re-signed with changed claims either. Verify checks it on every
// token. The wire format stays ALTCHA's server-signature payload: backends still verify
// tokens offline with the site secret and any ALTCHA library, for whom the id is opaque.

const mintTagLen = 22 // base64url of 16 bytes

// mintTag computes the tag of a verificationData text that does not contain one.
func (c *Captcha) mintTag(vd []byte) string {
	mac, _ := hmacSum(SHA256, c.mintKey, vd)
	return base64.RawURLEncoding.EncodeToString(mac[:16])
}

// minted reports whether raw (a signed verificationData text) carries a valid mint tag in
// its id, and that id is the one the parsed data holds (no duplicate id parameter). sc
// lends its keyed HMAC states (mac.go) and a buffer.
func (c *Captcha) minted(sc *scratch, raw, id string) bool {
	start, end := idValueSpan(raw)
	if start < 0 || raw[start:end] != id {
		return false
	}
	dot := strings.LastIndexByte(raw[start:end], '.')
	if dot < 0 || end-(start+dot+1) != mintTagLen {
		return false
	}
	dot += start
	msg := sc.tmp[:0]
	if len(raw) > len(sc.tmp) {
		msg = make([]byte, 0, len(raw))
	}
	msg = append(append(msg, raw[:dot]...), raw[end:]...)
	mac := sc.macs.sum(SHA256, c.mintKey, msg)
	var want [mintTagLen]byte
	base64.RawURLEncoding.Encode(want[:], mac[:16])
	return subtle.ConstantTimeCompare(want[:], []byte(raw[dot+1:end])) == 1
}

// idValueSpan finds the value of the first "id" parameter of a URL-encoded text.
func idValueSpan(raw string) (int, int) {
	for i := 0; i < len(raw); {
		if strings.HasPrefix(raw[i:], "id=") {
			start := i + 3
			end := strings.IndexByte(raw[start:], '&')
			if end < 0 {
				return start, len(raw)
			}
			return start, start + end
		}
		next := strings.IndexByte(raw[i:], '&')
		if next < 0 {
			break
		}
		i += next + 1
	}
	return -1, -1
}
