package spam

// text.KEYWORDS: small hand-written phrase lists per locale, matched on whole words. A trailing
// '*' on the last word of a phrase matches any word with that prefix, for inflected languages
// ("криптовалют*" matches "криптовалюта", "криптовалюты"). Lists were written up front from
// common form-spam themes (pills, casino, SEO, loans, crypto, prizes) and not tuned on any corpus.

import "strings"

var keywordLists = map[string][]string{
	"en": {
		"viagra", "cialis", "levitra", "casino", "online casino", "crypto investment", "bitcoin investment",
		"forex", "seo services", "seo service", "backlinks", "guaranteed", "click here", "payday loan",
		"loan offer", "dear sir", "dear madam", "work from home", "make money", "earn money", "extra income",
		"weight loss", "lose weight", "buy now", "limited time", "act now", "risk free", "no credit check",
		"you have won", "you won", "claim your", "cash prize", "lottery", "winner", "free gift", "unsubscribe",
		"hot singles", "adult dating", "porn", "replica watches", "cheap meds", "online pharmacy",
		"first page of google", "increase traffic", "website traffic", "100 free", "double your",
		"investment opportunity", "wire transfer", "no prescription",
	},
	"ru": {
		"казино", "виагра", "сиалис", "займ", "займы", "кредит без", "легкий заработок", "заработок в интернете",
		"заработать деньги", "пассивный доход", "бесплатно",
		"раскрутка сайта", "продвижение сайта", "seo продвижение", "ставки на спорт", "букмекер*",
		"криптовалют*", "инвестиции с", "гарантированн*", "вы выиграли", "ваш выигрыш", "приз", "ваш приз",
		"перейдите по ссылке", "нажмите здесь", "только сегодня", "интим*", "знакомства для взрослых",
		"похудени*", "без вложений", "работа на дому",
	},
	"es": {
		"casino", "viagra", "gana dinero", "ganar dinero", "préstamo*", "prestamo*", "oferta exclusiva",
		"haga clic aquí", "haz clic aquí", "haga clic aqui", "haz clic aqui", "100 gratis", "felicidades",
		"has ganado", "ha ganado", "premio", "lotería", "loteria", "inversión garantizada",
		"criptomoneda*", "sin riesgo", "trabajo desde casa", "servicios seo", "perder peso",
		"ingresos extra", "dinero fácil",
	},
	"de": {
		"kasino", "casino", "viagra", "kredit ohne schufa", "geld verdienen", "gewinnspiel",
		"sie haben gewonnen", "100 kostenlos", "jetzt klicken", "hier klicken", "garantiert",
		"krypto*", "seo dienstleistungen", "abnehmen", "von zu hause arbeiten", "schnelles geld",
		"nebeneinkommen", "sehr geehrte damen und herren", "jetzt kaufen", "ohne rezept",
	},
	"fr": {
		"casino", "viagra", "gagner de l argent", "gagnez de l argent", "cliquez ici", "100 gratuit",
		"félicitations", "vous avez gagné", "prêt sans", "crédit rapide", "argent facile", "sans risque",
		"crypto*", "investissement garanti", "référencement", "perdre du poids", "travail à domicile",
		"offre exclusive", "sans ordonnance",
	},
	"pt": {
		"cassino", "viagra", "ganhe dinheiro", "ganhar dinheiro", "clique aqui", "100 grátis", "parabéns",
		"você ganhou", "voce ganhou", "empréstimo*", "emprestimo*", "prêmio", "premio", "criptomoeda*",
		"investimento garantido", "renda extra", "trabalhe em casa", "perder peso", "dinheiro fácil",
		"oferta exclusiva",
	},
}

// pattern is one phrase: words to match in sequence; prefix marks a trailing '*'.
type pattern struct {
	words  []string
	prefix bool
}

// keywordIndex finds phrases by the first (up to) 4 bytes of their first word, so a text
// is scanned once with one map lookup per word.
type keywordIndex struct {
	byKey map[string][]int
	pats  []pattern
}

func keyOf(w string) string { return w[:min(len(w), 4)] }

func newKeywordIndex(lists map[string][]string) *keywordIndex {
	ix := &keywordIndex{byKey: make(map[string][]int)}
	seen := make(map[string]bool)
	for _, list := range lists {
		for _, phrase := range list {
			if seen[phrase] {
				continue // shared words across locales count once
			}
			seen[phrase] = true
			p := pattern{}
			if strings.HasSuffix(phrase, "*") {
				p.prefix = true
				phrase = strings.TrimSuffix(phrase, "*")
			}
			a := analyze(phrase)
			if len(a.words) == 0 {
				continue
			}
			p.words = a.words
			if p.prefix && len(p.words) == 1 && len(p.words[0]) < 4 {
				p.prefix = false // too short to index as a prefix
			}
			id := len(ix.pats)
			ix.pats = append(ix.pats, p)
			k := keyOf(p.words[0])
			ix.byKey[k] = append(ix.byKey[k], id)
		}
	}
	return ix
}

// count returns how many distinct phrases occur in words.
func (ix *keywordIndex) count(words []string) int {
	var found []int
	for i, w := range words {
		for _, id := range ix.byKey[keyOf(w)] {
			if ix.pats[id].match(words[i:]) && !containsInt(found, id) {
				found = append(found, id)
			}
		}
	}
	return len(found)
}

func (p *pattern) match(words []string) bool {
	if len(words) < len(p.words) {
		return false
	}
	last := len(p.words) - 1
	for j, pw := range p.words {
		if j == last && p.prefix {
			if !strings.HasPrefix(words[j], pw) {
				return false
			}
		} else if words[j] != pw {
			return false
		}
	}
	return true
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
