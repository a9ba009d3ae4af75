// Package suggest finds the known name closest to a misspelt one, for configuration errors
// that say "did you mean …".
package suggest

import "strings"

// Closest returns the candidate nearest to word by edit distance (case-insensitive), or ""
// when none is near enough to be a plausible typo: at most a third of the longer word's
// letters differ, and at least one letter matches.
func Closest(word string, candidates []string) string {
	w := strings.ToLower(word)
	best, bestD := "", -1
	for _, c := range candidates {
		d := distance(w, strings.ToLower(c))
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	if bestD < 0 || bestD*3 > max(len(w), len(best)) || bestD >= max(len(w), len(best)) {
		return ""
	}
	return best
}

// distance is the Damerau–Levenshtein distance (optimal string alignment) in bytes: a
// swapped pair of letters ("nmae") counts as one edit.
func distance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
