package astracaph

// Text signals. spamAnalyze makes one pass over the submitted text and collects everything
// the heuristics and the Bayes tokenizer need, so Classify reads the text only a few times.

import (
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"
)

// spamAnalysis is the digest of one text. words and tokens are substrings of lower (no copies)
// except the few normalised number tokens.
type spamAnalysis struct {
	text, lower string

	words  []string // letter/digit runs outside URLs, lower-cased
	tokens []string // Bayes tokens (words with numbers normalised, plus <url>, <phone>, <cur>)
	buf    []byte   // scratch for the duplicate key

	urls, shorteners, ipURLs int
	upper, cased             int // cased letters: upper-case ones and all of them
	letters                  int
	scripts                  [spamScriptCount]int
	maxRun                   int // longest run of one repeated non-space, non-separator rune
}

// Unicode script buckets for text.SCRIPT_MISMATCH.
const (
	spamLatin = iota
	spamCyrillic
	spamGreek
	spamArabic
	spamHebrew
	spamHan
	spamKana
	spamHangul
	spamThai
	spamDevanagari
	spamOtherScript
	spamScriptCount
)

func spamAnalyze(text string) spamAnalysis {
	var a spamAnalysis
	a.reset(text)
	return a
}

// reset analyses text, reusing the slices of a previous analysis (Classify pools them).
func (a *spamAnalysis) reset(text string) {
	words, tokens, buf := a.words[:0], a.tokens[:0], a.buf[:0]
	*a = spamAnalysis{text: text, words: words, tokens: tokens, buf: buf}
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
func (a *spamAnalysis) release() {
	clear(a.words)
	clear(a.tokens)
	a.words, a.tokens = a.words[:0], a.tokens[:0]
	a.text, a.lower = "", ""
}

// scanAndLower lower-cases the text (as strings.ToLower, except that invalid UTF-8 bytes are
// kept) and, in the same pass, counts cases and scripts and the longest repeated rune.
// Text with nothing to lower-case is not copied.
func (a *spamAnalysis) scanAndLower() {
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
			if run > a.maxRun && !spamRunExempt(r) {
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
				a.scripts[spamLatin]++
			case c >= 'A' && c <= 'Z':
				a.letters++
				a.cased++
				a.upper++
				a.scripts[spamLatin]++
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
			a.scripts[spamScriptOf(r)]++
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

// spamRunExempt: runes whose long runs are layout, not shouting ("......", "-----", spaces).
func spamRunExempt(r rune) bool {
	switch r {
	case '.', '-', '_', '=', '*', '~', '#', '/', '\\':
		return true
	}
	return unicode.IsSpace(r)
}

func spamScriptOf(r rune) int {
	switch {
	case unicode.Is(unicode.Latin, r):
		return spamLatin
	case unicode.Is(unicode.Cyrillic, r):
		return spamCyrillic
	case unicode.Is(unicode.Greek, r):
		return spamGreek
	case unicode.Is(unicode.Arabic, r):
		return spamArabic
	case unicode.Is(unicode.Hebrew, r):
		return spamHebrew
	case unicode.Is(unicode.Han, r):
		return spamHan
	case unicode.In(r, unicode.Hiragana, unicode.Katakana):
		return spamKana
	case unicode.Is(unicode.Hangul, r):
		return spamHangul
	case unicode.Is(unicode.Thai, r):
		return spamThai
	case unicode.Is(unicode.Devanagari, r):
		return spamDevanagari
	}
	return spamOtherScript
}

// spamChunkTrim reports punctuation that surrounds URLs in prose: "(see http://x.y/)." .
func spamChunkTrim(r rune) bool {
	switch r {
	case '(', ')', '<', '>', '[', ']', '{', '}', '"', '\'', '`', ',', ';', ':', '!', '?', '.', '*':
		return true
	}
	return false
}

func (a *spamAnalysis) addChunk(chunk string) {
	// Cheap gates first: a URL needs a '.' or ':'; a phone number starts with a digit, '+' or '('.
	if spamHasDotOrColon(chunk) {
		if c := strings.TrimFunc(chunk, spamChunkTrim); spamHasDotOrColon(c) { // not just "end."
			if host, ok := spamURLHost(c); ok {
				a.urls++
				a.tokens = append(a.tokens, "<url>")
				if _, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
					a.ipURLs++
				} else if spamIsShortener(host) {
					a.shorteners++
				}
				return
			}
		}
	}
	if c := chunk[0]; c >= '0' && c <= '9' || c == '+' || c == '(' {
		if spamIsPhone(strings.TrimFunc(chunk, spamChunkTrim)) {
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

// spamHasDotOrColon is a plain loop: chunks are a few bytes, too short for IndexByte to pay off.
func spamHasDotOrColon(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' || s[i] == ':' {
			return true
		}
	}
	return false
}

// spamNumTokens are the normalised tokens for all-digit words, by length (1..8+).
var spamNumTokens = [...]string{"<num>", "<num1>", "<num2>", "<num3>", "<num4>", "<num5>", "<num6>", "<num7>", "<num8>"}

// addWord records a word; digits is the number of ASCII digits in it.
func (a *spamAnalysis) addWord(w string, digits int) {
	a.words = append(a.words, w)
	switch {
	case digits == 0:
		a.tokens = append(a.tokens, w)
	case digits == len(w):
		a.tokens = append(a.tokens, spamNumTokens[min(len(w), 8)])
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

// spamIsPhone: a chunk of 7..15 digits with only phone punctuation, e.g. "+44-7700-900123".
func spamIsPhone(c string) bool {
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

// spamURLHost recognises a URL chunk (lower-case) and returns its host: anything with "://",
// "www.", or a bare domain whose TLD is on a short list of TLDs that are not also words.
func spamURLHost(c string) (string, bool) {
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
	if dot <= 0 || !spamURLTLDs[host[dot+1:]] {
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

// spamURLTLDs: TLDs accepted for bare domains without a scheme. Two-letter TLDs that are
// common words or abbreviations (in, it, is, at, me, to, no, so, us…) are left out on purpose.
var spamURLTLDs = map[string]bool{
	"com": true, "net": true, "org": true, "info": true, "biz": true, "ru": true, "uk": true,
	"de": true, "fr": true, "es": true, "br": true, "io": true, "co": true, "xyz": true,
	"top": true, "online": true, "site": true, "club": true, "shop": true, "ly": true, "gl": true,
	"cc": true, "tk": true, "ml": true, "ga": true, "cf": true, "gq": true, "pw": true, "su": true,
	"eu": true, "ca": true, "au": true, "nl": true, "pl": true, "cn": true, "jp": true, "kr": true,
	"ua": true, "kz": true, "store": true, "live": true, "vip": true, "win": true, "bid": true,
	"loan": true, "click": true, "link": true, "work": true, "icu": true, "pro": true, "mobi": true,
}

var spamShorteners = map[string]bool{
	"bit.ly": true, "bitly.com": true, "tinyurl.com": true, "t.co": true, "goo.gl": true, "ow.ly": true,
	"is.gd": true, "buff.ly": true, "cutt.ly": true, "rebrand.ly": true, "shorturl.at": true,
	"tiny.cc": true, "rb.gy": true, "t.ly": true, "s.id": true, "v.gd": true, "clck.ru": true,
	"tr.im": true, "shorte.st": true, "adf.ly": true, "bl.ink": true, "lnkd.in": true, "qr.net": true,
}

func spamIsShortener(host string) bool {
	return spamShorteners[strings.TrimPrefix(host, "www.")]
}

// Injection and markup patterns, matched on the lower-cased text. Hand-written scans instead
// of a regexp: a backtracking regexp over a 1 KB message cost ~150 µs.
var (
	spamInjectionLiterals = []string{
		"<script", "javascript:", "vbscript:", "onerror=", "onerror =", "onload=", "onload =",
		"<iframe", "document.cookie", "<svg/onload", "' or '1'='1", "\" or \"1\"=\"1", "' or 1=1",
		" or 1=1--", "'; drop ", ";drop table", "; drop table", "information_schema", "xp_cmdshell",
		"waitfor delay", "%0d%0a", "%0abcc:",
	}
	spamHeaderNames = []string{"bcc:", "content-type:"}
	spamMarkupLits  = []string{"<a href", "<a  href", "[url=", "[url]", "[link=", "[/url]", "<img src", "](http"}
)

func spamInjection(a *spamAnalysis) bool {
	lower := a.lower
	// One pass records which bytes occur; a literal is searched for only when all of its
	// bytes do, which skips nearly every literal on ordinary prose.
	var present [256]bool
	for i := 0; i < len(lower); i++ {
		present[lower[i]] = true
	}
lits:
	for _, p := range spamInjectionLiterals {
		for i := 0; i < len(p); i++ {
			if !present[p[i]] {
				continue lits
			}
		}
		if strings.Contains(lower, p) {
			return true
		}
	}
	// SQL: "union [all] select" as consecutive words.
	for i, w := range a.words {
		if w == "union" && i+1 < len(a.words) {
			next := a.words[i+1:]
			if next[0] == "select" || len(next) > 1 && next[0] == "all" && next[1] == "select" {
				return true
			}
		}
	}
	// Mail header injection: a line of a text field starting with a header name.
	for rest := lower; ; {
		i := strings.IndexAny(rest, "\r\n")
		if i < 0 {
			return false
		}
		rest = strings.TrimLeft(rest[i+1:], " \t\r\n")
		for _, h := range spamHeaderNames {
			if strings.HasPrefix(rest, h) {
				return true
			}
		}
	}
}

func spamMarkup(lower string) bool {
	if !strings.ContainsAny(lower, "<[]") {
		return false
	}
	for _, p := range spamMarkupLits {
		if strings.Contains(lower, p) {
			return true
		}
	}
	return false
}

func (f *SpamFilter) checkText(s *spamScore, a *spamAnalysis, langs []string) {
	if a.urls > 0 {
		// First URL is cheap (support messages link things); each further one costs more.
		pts := min(0.3+0.5*float64(a.urls-1), 2.0)
		if a.shorteners > 0 {
			pts += 0.5
		}
		if a.ipURLs > 0 {
			pts += 1.0
		}
		s.add(SpamReasonURLs, min(pts, 3.0))
	}
	if spamMarkup(a.lower) {
		s.add(SpamReasonMarkup, spamPtsMarkup)
	}
	if spamInjection(a) {
		s.add(SpamReasonInjection, spamPtsInjection)
	}
	if a.cased >= 20 && float64(a.upper) > 0.7*float64(a.cased) {
		s.add(SpamReasonCaps, spamPtsCaps)
	}
	if n := f.keywords.count(a.words); n > 0 {
		s.add(SpamReasonKeywords, min(0.5*float64(n), 2.0))
	}
	if spamGibberish(a.words) {
		s.add(SpamReasonGibberish, spamPtsGibberish)
	}
	if a.maxRun >= 6 || spamRepeatedWord(a.words) {
		s.add(SpamReasonRepeat, spamPtsRepeat)
	}
	if spamScriptMismatch(a, langs) {
		s.add(SpamReasonScriptMismatch, spamPtsScriptMismatch)
	}
	if len(a.words) < 2 && a.urls == 0 {
		s.add(SpamReasonTooShort, spamPtsTooShort)
	}
}

// spamRepeatedWord: one word (2+ characters) making up at least a quarter of a text of 5+
// words, e.g. "buy buy buy buy buy". Misra-Gries with 4 counters finds every word above a
// fifth of the text without allocating; a second pass confirms the count.
func spamRepeatedWord(words []string) bool {
	if len(words) < 5 {
		return false
	}
	var cand [4]string
	var cnt [4]int
	for _, w := range words {
		if len(w) < 2 {
			continue
		}
		placed := false
		for k := range cand {
			if cnt[k] > 0 && cand[k] == w {
				cnt[k]++
				placed = true
				break
			}
		}
		if placed {
			continue
		}
		for k := range cand {
			if cnt[k] == 0 {
				cand[k], cnt[k] = w, 1
				placed = true
				break
			}
		}
		if !placed {
			for k := range cnt {
				cnt[k]--
			}
		}
	}
	for k, c := range cand {
		if cnt[k] == 0 {
			continue
		}
		n := 0
		for _, w := range words {
			if w == c {
				n++
			}
		}
		if n >= 5 && n*4 >= len(words) {
			return true
		}
	}
	return false
}

// spamKeyPos maps 'a'..'z' to its keyboard row (1..3, QWERTY) and position in the row, for
// spotting runs of adjacent keys ("asdfg", "lkjhg").
var spamKeyPos = func() (t [26]struct{ row, pos int8 }) {
	for r, row := range []string{"qwertyuiop", "asdfghjkl", "zxcvbnm"} {
		for i := 0; i < len(row); i++ {
			t[row[i]-'a'] = struct{ row, pos int8 }{int8(r + 1), int8(i)}
		}
	}
	return t
}()

// spamGibberish looks for keyboard mashing in Latin text (the ALTCHA report's "random" case,
// "dsdsdsdsd mbmnm qwqwwqw"): ASCII words of 5+ letters with no vowel (y counts as one), or
// containing 5 keys in a row of the keyboard. Interjections with a tripled letter ("hmmmm",
// "grrrr", "shhh") are exempt. It fires when such words are at least 2 and a fifth of the
// words of 3+ characters, or when they are the whole message.
func spamGibberish(words []string) bool {
	bad, eligible := 0, 0
	for _, w := range words {
		if len(w) < 3 {
			continue
		}
		eligible++
		if spamGibberishWord(w) {
			bad++
		}
	}
	return bad > 0 && (bad >= 2 && bad*5 >= eligible || bad == eligible)
}

func spamGibberishWord(w string) bool {
	if len(w) < 5 {
		return false
	}
	vowel := false
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c < 'a' || c > 'z' {
			return false // only plain ASCII words; other scripts have other rules
		}
		if i >= 2 && c == w[i-1] && c == w[i-2] {
			return false
		}
		if strings.IndexByte("aeiouy", c) >= 0 {
			vowel = true
		}
	}
	if !vowel {
		return true
	}
	// 5 keys in a row of the keyboard, in either direction: 4 steps of the same ±1.
	run, dir := 0, int8(0)
	for i := 1; i < len(w); i++ {
		p, q := spamKeyPos[w[i-1]-'a'], spamKeyPos[w[i]-'a']
		d := q.pos - p.pos
		if p.row == q.row && (d == 1 || d == -1) {
			if d == dir {
				run++
			} else {
				dir, run = d, 1
			}
			if run >= 4 {
				return true
			}
		} else {
			run, dir = 0, 0
		}
	}
	return false
}

// spamLangScripts maps a primary language subtag to the scripts it is written in.
var spamLangScripts = map[string][]int{
	"ru": {spamCyrillic}, "uk": {spamCyrillic}, "be": {spamCyrillic}, "bg": {spamCyrillic},
	"mk": {spamCyrillic}, "sr": {spamCyrillic, spamLatin}, "kk": {spamCyrillic}, "ky": {spamCyrillic},
	"tg": {spamCyrillic}, "mn": {spamCyrillic}, "tt": {spamCyrillic}, "ba": {spamCyrillic},
	"el": {spamGreek}, "ar": {spamArabic}, "fa": {spamArabic}, "ur": {spamArabic}, "ps": {spamArabic},
	"he": {spamHebrew}, "iw": {spamHebrew}, "yi": {spamHebrew}, "zh": {spamHan},
	"ja": {spamHan, spamKana}, "ko": {spamHangul, spamHan}, "th": {spamThai},
	"hi": {spamDevanagari}, "mr": {spamDevanagari}, "ne": {spamDevanagari}, "sa": {spamDevanagari},
	"en": {spamLatin}, "es": {spamLatin}, "de": {spamLatin}, "fr": {spamLatin}, "pt": {spamLatin},
	"it": {spamLatin}, "nl": {spamLatin}, "pl": {spamLatin}, "cs": {spamLatin}, "sk": {spamLatin},
	"sl": {spamLatin}, "hr": {spamLatin}, "bs": {spamLatin}, "ro": {spamLatin}, "hu": {spamLatin},
	"fi": {spamLatin}, "et": {spamLatin}, "lv": {spamLatin}, "lt": {spamLatin}, "sv": {spamLatin},
	"no": {spamLatin}, "nb": {spamLatin}, "nn": {spamLatin}, "da": {spamLatin}, "is": {spamLatin},
	"tr": {spamLatin}, "vi": {spamLatin}, "id": {spamLatin}, "ms": {spamLatin}, "ca": {spamLatin},
	"ga": {spamLatin}, "cy": {spamLatin}, "eu": {spamLatin}, "gl": {spamLatin}, "sq": {spamLatin},
	"af": {spamLatin}, "sw": {spamLatin}, "tl": {spamLatin}, "fil": {spamLatin}, "az": {spamLatin, spamCyrillic},
	"uz": {spamLatin, spamCyrillic},
}

// spamScriptMismatch: the text's dominant script (over half of 10+ letters) is written by none
// of the browser's languages. Latin is never a mismatch, because people everywhere write
// English, and an unknown language tag disables the check rather than guessing.
func spamScriptMismatch(a *spamAnalysis, langs []string) bool {
	if len(langs) == 0 || a.letters < 10 {
		return false
	}
	dom := -1
	for sc, n := range a.scripts {
		if n*2 > a.letters {
			dom = sc
		}
	}
	if dom < 0 || dom == spamLatin || dom == spamOtherScript {
		return false
	}
	for _, tag := range langs {
		tag = strings.TrimSpace(tag)
		if i := strings.IndexAny(tag, "-_;"); i >= 0 {
			tag = tag[:i]
		}
		tag = strings.ToLower(tag)
		if tag == "" || tag == "*" {
			continue
		}
		scripts, ok := spamLangScripts[tag]
		if !ok {
			return false
		}
		for _, sc := range scripts {
			if sc == dom {
				return false
			}
		}
	}
	return true
}
