package ipintel

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// mobileWordPrefixes match the start of a word of an AS name ("T-Mobile", "Mobilink",
// "Telefonica Moviles", "Cellco Partnership"). Matching whole-word prefixes instead of
// substrings keeps "Automobile Club" out.
var mobileWordPrefixes = []string{"MOBIL", "MOVIL", "MÓVIL", "WIRELESS", "CELLULAR", "CELLCO", "GPRS"}

// mobileWords must match a whole word: as prefixes they would hit unrelated names.
var mobileWords = []string{"LTE", "5G", "PCS"}

// isMobileName reports whether an AS name looks like a cellular network. It does not
// allocate, since it runs on the lookup path for .mmdb databases.
func isMobileName(name string) bool {
	i := 0
	for i < len(name) {
		// Skip separators.
		r, n := utf8.DecodeRuneInString(name[i:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			i += n
			continue
		}
		j := i
		for j < len(name) {
			r, n := utf8.DecodeRuneInString(name[j:])
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				break
			}
			j += n
		}
		if mobileWord(name[i:j]) {
			return true
		}
		i = j
	}
	return false
}

func mobileWord(w string) bool {
	for _, p := range mobileWordPrefixes {
		if len(w) >= len(p) && strings.EqualFold(w[:len(p)], p) {
			return true
		}
	}
	for _, p := range mobileWords {
		if strings.EqualFold(w, p) {
			return true
		}
	}
	return false
}
