package spam

// Text signals (docs/risk-notes.md, "Spam heuristics"): URLs, markup, injection, capitals, keywords, gibberish,
// repetition, script mismatch and too-short messages, computed from a analysis.

import (
	"strings"
)

// Injection and markup patterns, matched on the lower-cased text. Hand-written scans instead
// of a regexp: a backtracking regexp over a 1 KB message cost ~150 µs.
var (
	injectionLiterals = []string{
		"<script", "javascript:", "vbscript:", "onerror=", "onerror =", "onload=", "onload =",
		"<iframe", "document.cookie", "<svg/onload", "' or '1'='1", "\" or \"1\"=\"1", "' or 1=1",
		" or 1=1--", "'; drop ", ";drop table", "; drop table", "information_schema", "xp_cmdshell",
		"waitfor delay", "%0d%0a", "%0abcc:",
	}
	headerNames = []string{"bcc:", "content-type:"}
	markupLits  = []string{"<a href", "<a  href", "[url=", "[url]", "[link=", "[/url]", "<img src", "](http"}
)

func injection(a *analysis) bool {
	lower := a.lower
	// One pass records which bytes occur; a literal is searched for only when all of its
	// bytes do, which skips nearly every literal on ordinary prose.
	var present [256]bool
	for i := 0; i < len(lower); i++ {
		present[lower[i]] = true
	}
lits:
	for _, p := range injectionLiterals {
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
		for _, h := range headerNames {
			if strings.HasPrefix(rest, h) {
				return true
			}
		}
	}
}

func markup(lower string) bool {
	if !strings.ContainsAny(lower, "<[]") {
		return false
	}
	for _, p := range markupLits {
		if strings.Contains(lower, p) {
			return true
		}
	}
	return false
}

func (f *Filter) checkText(s *tally, a *analysis, langs []string) {
	if a.urls > 0 {
		// First URL is cheap (support messages link things); each further one costs more.
		pts := min(0.3+0.5*float64(a.urls-1), 2.0)
		if a.shorteners > 0 {
			pts += 0.5
		}
		if a.ipURLs > 0 {
			pts += 1.0
		}
		s.add(ReasonURLs, min(pts, 3.0))
	}
	if markup(a.lower) {
		s.add(ReasonMarkup, ptsMarkup)
	}
	if injection(a) {
		s.add(ReasonInjection, ptsInjection)
	}
	if a.cased >= 20 && float64(a.upper) > 0.7*float64(a.cased) {
		s.add(ReasonCaps, ptsCaps)
	}
	if n := f.keywords.count(a.words); n > 0 {
		s.add(ReasonKeywords, min(0.5*float64(n), 2.0))
	}
	if gibberish(a.words) {
		s.add(ReasonGibberish, ptsGibberish)
	}
	if a.maxRun >= 6 || repeatedWord(a.words) {
		s.add(ReasonRepeat, ptsRepeat)
	}
	if scriptMismatch(a, langs) {
		s.add(ReasonScriptMismatch, ptsScriptMismatch)
	}
	if len(a.words) < 2 && a.urls == 0 {
		s.add(ReasonTooShort, ptsTooShort)
	}
}

// repeatedWord: one word (2+ characters) making up at least a quarter of a text of 5+
// words, e.g. "buy buy buy buy buy". Misra-Gries with 4 counters finds every word above a
// fifth of the text without allocating; a second pass confirms the count.
func repeatedWord(words []string) bool {
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

// keyPos maps 'a'..'z' to its keyboard row (1..3, QWERTY) and position in the row, for
// spotting runs of adjacent keys ("asdfg", "lkjhg").
var keyPos = func() (t [26]struct{ row, pos int8 }) {
	for r, row := range []string{"qwertyuiop", "asdfghjkl", "zxcvbnm"} {
		for i := 0; i < len(row); i++ {
			t[row[i]-'a'] = struct{ row, pos int8 }{int8(r + 1), int8(i)}
		}
	}
	return t
}()

// gibberish looks for keyboard mashing in Latin text (the ALTCHA report's "random" case,
// "dsdsdsdsd mbmnm qwqwwqw"): ASCII words of 5+ letters with no vowel (y counts as one), or
// containing 5 keys in a row of the keyboard. Interjections with a tripled letter ("hmmmm",
// "grrrr", "shhh") are exempt. It fires when such words are at least 2 and a fifth of the
// words of 3+ characters, or when they are the whole message.
func gibberish(words []string) bool {
	bad, eligible := 0, 0
	for _, w := range words {
		if len(w) < 3 {
			continue
		}
		eligible++
		if gibberishWord(w) {
			bad++
		}
	}
	return bad > 0 && (bad >= 2 && bad*5 >= eligible || bad == eligible)
}

func gibberishWord(w string) bool {
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
		p, q := keyPos[w[i-1]-'a'], keyPos[w[i]-'a']
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

// langScripts maps a primary language subtag to the scripts it is written in.
var langScripts = map[string][]int{
	"ru": {cyrillic}, "uk": {cyrillic}, "be": {cyrillic}, "bg": {cyrillic},
	"mk": {cyrillic}, "sr": {cyrillic, latin}, "kk": {cyrillic}, "ky": {cyrillic},
	"tg": {cyrillic}, "mn": {cyrillic}, "tt": {cyrillic}, "ba": {cyrillic},
	"el": {greek}, "ar": {arabic}, "fa": {arabic}, "ur": {arabic}, "ps": {arabic},
	"he": {hebrew}, "iw": {hebrew}, "yi": {hebrew}, "zh": {han},
	"ja": {han, kana}, "ko": {hangul, han}, "th": {thai},
	"hi": {devanagari}, "mr": {devanagari}, "ne": {devanagari}, "sa": {devanagari},
	"en": {latin}, "es": {latin}, "de": {latin}, "fr": {latin}, "pt": {latin},
	"it": {latin}, "nl": {latin}, "pl": {latin}, "cs": {latin}, "sk": {latin},
	"sl": {latin}, "hr": {latin}, "bs": {latin}, "ro": {latin}, "hu": {latin},
	"fi": {latin}, "et": {latin}, "lv": {latin}, "lt": {latin}, "sv": {latin},
	"no": {latin}, "nb": {latin}, "nn": {latin}, "da": {latin}, "is": {latin},
	"tr": {latin}, "vi": {latin}, "id": {latin}, "ms": {latin}, "ca": {latin},
	"ga": {latin}, "cy": {latin}, "eu": {latin}, "gl": {latin}, "sq": {latin},
	"af": {latin}, "sw": {latin}, "tl": {latin}, "fil": {latin}, "az": {latin, cyrillic},
	"uz": {latin, cyrillic},
}

// scriptMismatch: the text's dominant script (over half of 10+ letters) is written by none
// of the browser's languages. Latin is never a mismatch, because people everywhere write
// English, and an unknown language tag disables the check rather than guessing.
func scriptMismatch(a *analysis, langs []string) bool {
	if len(langs) == 0 || a.letters < 10 {
		return false
	}
	dom := -1
	for sc, n := range a.scripts {
		if n*2 > a.letters {
			dom = sc
		}
	}
	if dom < 0 || dom == latin || dom == otherScript {
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
		scripts, ok := langScripts[tag]
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
