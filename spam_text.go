package astracaph

// Text signals (docs/risk-notes.md, "Spam heuristics"): URLs, markup, injection, capitals, keywords, gibberish,
// repetition, script mismatch and too-short messages, computed from a spamAnalysis.

import (
	"strings"
)

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
