package spam

// The text digest shared by the heuristics and the Bayes tokenizer: analyze lower-cases the
// text and splits it into words and tokens once, so Classify reads the text only a few times.

import (
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"
)

// analysis is the digest of one text. words and tokens are substrings of lower (no copies)
// except the few normalised number tokens.
type analysis struct {
	text, lower string

	words  []string // letter/digit runs outside URLs, lower-cased
	tokens []string // Bayes tokens (words with numbers normalised, plus <url>, <phone>, <cur>)
	buf    []byte   // scratch for the duplicate key

	urls, shorteners, ipURLs int
	upper, cased             int // cased letters: upper-case ones and all of them
	letters                  int
	scripts                  [scriptCount]int
	maxRun                   int // longest run of one repeated non-space, non-separator rune
}

// Unicode script buckets for text.SCRIPT_MISMATCH.
const (
	latin = iota
	cyrillic
	greek
	arabic
	hebrew
	han
	kana
	hangul
	thai
	devanagari
	otherScript
	scriptCount
)

func analyze(text string) analysis {
	var a analysis
	a.reset(text)
	return a
}

// reset analyses text, reusing the slices of a previous analysis (Classify pools them).
func (a *analysis) reset(text string) {
	words, tokens, buf := a.words[:0], a.tokens[:0], a.buf[:0]
	*a = analysis{text: text, words: words, tokens: tokens, buf: buf}
	if n := len(text)/5 + 4; cap(a.words) < n {
		a.words = make([]string, 0, n)
		a.tokens = make([]string, 0, n)
	}
	a.scanAndLower()
	// Split into whitespace-separated chunks: URLs and phone numbers are whole chunks.
	lower, start := a.lower, -1
	for i := 0; i < len(lower); {
		c, size := lower[i], 1
		space := false
		if c < utf8.RuneSelf {
			space = c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\v' || c == '\f'
		} else {
			var r rune
			r, size = utf8.DecodeRuneInString(lower[i:])
			space = unicode.IsSpace(r)
		}
		if space {
			if start >= 0 {
				a.addChunk(lower[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
		i += size
	}
	if start >= 0 {
		a.addChunk(lower[start:])
	}
}

// release drops references to the text so a pooled analysis does not keep it alive.
func (a *analysis) release() {
	clear(a.words)
	clear(a.tokens)
	a.words, a.tokens = a.words[:0], a.tokens[:0]
	a.text, a.lower = "", ""
}

// scanAndLower lower-cases the text (as strings.ToLower, except that invalid UTF-8 bytes are
// kept) and, in the same pass, counts cases and scripts and the longest repeated rune.
// Text with nothing to lower-case is not copied.
func (a *analysis) scanAndLower() {
	text := a.text
	var b strings.Builder
	lowering := false // b holds text[:span] lower-cased
	span := 0         // start of the unchanged bytes not yet copied into b
	// flush copies the pending unchanged bytes up to i, starting the copy on first use.
	flush := func(i int) {
		if !lowering {
			lowering = true
			b.Grow(len(text) + 8)
		}
		b.WriteString(text[span:i])
	}
	var prev rune = -1
	run := 0
	for i := 0; i < len(text); {
		c := text[i]
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		if r == prev {
			run++
			if run > a.maxRun && !runExempt(r) {
				a.maxRun = run
			}
		} else {
			prev, run = r, 1
		}
		if c < utf8.RuneSelf {
			switch {
			case c >= 'a' && c <= 'z':
				a.letters++
				a.cased++
				a.scripts[latin]++
			case c >= 'A' && c <= 'Z':
				a.letters++
				a.cased++
				a.upper++
				a.scripts[latin]++
				flush(i)
				b.WriteByte(c + 'a' - 'A')
				span = i + 1
			}
			i++
			continue
		}
		if unicode.IsLetter(r) {
			a.letters++
			if unicode.IsUpper(r) {
				a.upper++
				a.cased++
			} else if unicode.IsLower(r) {
				a.cased++
			}
			a.scripts[scriptOf(r)]++
		}
		if lr := unicode.ToLower(r); lr != r {
			flush(i)
			b.WriteRune(lr)
			span = i + size
		}
		i += size
	}
	a.lower = text
	if lowering {
		b.WriteString(text[span:])
		a.lower = b.String()
	}
}

// runExempt: runes whose long runs are layout, not shouting ("......", "-----", spaces).
func runExempt(r rune) bool {
	switch r {
	case '.', '-', '_', '=', '*', '~', '#', '/', '\\':
		return true
	}
	return unicode.IsSpace(r)
}

func scriptOf(r rune) int {
	switch {
	case unicode.Is(unicode.Latin, r):
		return latin
	case unicode.Is(unicode.Cyrillic, r):
		return cyrillic
	case unicode.Is(unicode.Greek, r):
		return greek
	case unicode.Is(unicode.Arabic, r):
		return arabic
	case unicode.Is(unicode.Hebrew, r):
		return hebrew
	case unicode.Is(unicode.Han, r):
		return han
	case unicode.In(r, unicode.Hiragana, unicode.Katakana):
		return kana
	case unicode.Is(unicode.Hangul, r):
		return hangul
	case unicode.Is(unicode.Thai, r):
		return thai
	case unicode.Is(unicode.Devanagari, r):
		return devanagari
	}
	return otherScript
}

// chunkTrim reports punctuation that surrounds URLs in prose: "(see http://x.y/)." .
func chunkTrim(r rune) bool {
	switch r {
	case '(', ')', '<', '>', '[', ']', '{', '}', '"', '\'', '`', ',', ';', ':', '!', '?', '.', '*':
		return true
	}
	return false
}

func (a *analysis) addChunk(chunk string) {
	// Cheap gates first: a URL needs a '.' or ':'; a phone number starts with a digit, '+' or '('.
	if hasDotOrColon(chunk) {
		if c := strings.TrimFunc(chunk, chunkTrim); hasDotOrColon(c) { // not just "end."
			if host, ok := urlHost(c); ok {
				a.urls++
				a.tokens = append(a.tokens, "<url>")
				if _, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
					a.ipURLs++
				} else if isShortener(host) {
					a.shorteners++
				}
				return
			}
		}
	}
	if c := chunk[0]; c >= '0' && c <= '9' || c == '+' || c == '(' {
		if isPhone(strings.TrimFunc(chunk, chunkTrim)) {
			a.tokens = append(a.tokens, "<phone>")
			return
		}
	}
	// Words: maximal runs of letters and digits (and combining marks).
	start, digits := -1, 0
	for i := 0; i < len(chunk); {
		r, size := rune(chunk[i]), 1
		var word bool
		if r < utf8.RuneSelf {
			word = r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
			if r >= '0' && r <= '9' {
				word = true
				digits++
			}
		} else {
			r, size = utf8.DecodeRuneInString(chunk[i:])
			word = unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
		}
		if word {
			if start < 0 {
				start = i
			}
			i += size
			continue
		}
		if start >= 0 {
			a.addWord(chunk[start:i], digits)
			start, digits = -1, 0
		}
		switch r {
		case '£', '$', '€', '¥', '₽':
			a.tokens = append(a.tokens, "<cur>")
		}
		i += size
	}
	if start >= 0 {
		a.addWord(chunk[start:], digits)
	}
}

// hasDotOrColon is a plain loop: chunks are a few bytes, too short for IndexByte to pay off.
func hasDotOrColon(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' || s[i] == ':' {
			return true
		}
	}
	return false
}

// numTokens are the normalised tokens for all-digit words, by length (1..8+).
var numTokens = [...]string{"<num>", "<num1>", "<num2>", "<num3>", "<num4>", "<num5>", "<num6>", "<num7>", "<num8>"}

// addWord records a word; digits is the number of ASCII digits in it.
func (a *analysis) addWord(w string, digits int) {
	a.words = append(a.words, w)
	switch {
	case digits == 0:
		a.tokens = append(a.tokens, w)
	case digits == len(w):
		a.tokens = append(a.tokens, numTokens[min(len(w), 8)])
	default:
		// Mixed tokens keep their shape ("150p" → "000p", "2nite" → "0nite").
		b := []byte(w)
		for i, c := range b {
			if c >= '0' && c <= '9' {
				b[i] = '0'
			}
		}
		a.tokens = append(a.tokens, string(b))
	}
}

// isPhone: a chunk of 7..15 digits with only phone punctuation, e.g. "+44-7700-900123".
func isPhone(c string) bool {
	digits := 0
	for i := 0; i < len(c); i++ {
		switch ch := c[i]; {
		case ch >= '0' && ch <= '9':
			digits++
		case ch == '+' || ch == '-' || ch == '(' || ch == ')' || ch == '.':
		default:
			return false
		}
	}
	return digits >= 7 && digits <= 15
}

// urlHost recognises a URL chunk (lower-case) and returns its host: anything with "://",
// "www.", or a bare domain whose TLD is on a short list of TLDs that are not also words.
func urlHost(c string) (string, bool) {
	rest, scheme := c, false
	if i := strings.Index(c, "://"); i > 0 {
		rest, scheme = c[i+3:], true
	}
	host := rest
	if i := strings.IndexAny(host, "/?#"); i >= 0 {
		host = host[:i]
	}
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		if !scheme {
			return "", false // an e-mail address, not a URL
		}
		host = host[i+1:]
	}
	if strings.HasPrefix(host, "[") { // [v6]:port
		if i := strings.IndexByte(host, ']'); i > 0 {
			host = host[:i+1]
		}
	} else if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	if host == "" {
		return "", false
	}
	if scheme || strings.HasPrefix(host, "www.") {
		return host, true
	}
	dot := strings.LastIndexByte(host, '.')
	if dot <= 0 || !urlTLDs[host[dot+1:]] {
		return "", false
	}
	for i := 0; i < len(host); i++ {
		ch := host[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '.') {
			return "", false
		}
	}
	return host, true
}

// urlTLDs: TLDs accepted for bare domains without a scheme. Two-letter TLDs that are
// common words or abbreviations (in, it, is, at, me, to, no, so, us…) are left out on purpose.
var urlTLDs = map[string]bool{
	"com": true, "net": true, "org": true, "info": true, "biz": true, "ru": true, "uk": true,
	"de": true, "fr": true, "es": true, "br": true, "io": true, "co": true, "xyz": true,
	"top": true, "online": true, "site": true, "club": true, "shop": true, "ly": true, "gl": true,
	"cc": true, "tk": true, "ml": true, "ga": true, "cf": true, "gq": true, "pw": true, "su": true,
	"eu": true, "ca": true, "au": true, "nl": true, "pl": true, "cn": true, "jp": true, "kr": true,
	"ua": true, "kz": true, "store": true, "live": true, "vip": true, "win": true, "bid": true,
	"loan": true, "click": true, "link": true, "work": true, "icu": true, "pro": true, "mobi": true,
}

var shorteners = map[string]bool{
	"bit.ly": true, "bitly.com": true, "tinyurl.com": true, "t.co": true, "goo.gl": true, "ow.ly": true,
	"is.gd": true, "buff.ly": true, "cutt.ly": true, "rebrand.ly": true, "shorturl.at": true,
	"tiny.cc": true, "rb.gy": true, "t.ly": true, "s.id": true, "v.gd": true, "clck.ru": true,
	"tr.im": true, "shorte.st": true, "adf.ly": true, "bl.ink": true, "lnkd.in": true, "qr.net": true,
}

func isShortener(host string) bool {
	return shorteners[strings.TrimPrefix(host, "www.")]
}
