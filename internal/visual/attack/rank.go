package attack

import (
	"container/heap"
	"slices"
	"strings"

	"github.com/astracat/astracaph/internal/visual"
)

// bestSequences returns up to k codes with the lowest total cost, where cost[i][c] is the
// cost of visual.Alphabet[c] at position i (lazy k-best over independent positions).
func bestSequences(cost [][]float64, k int) []string {
	n := len(cost)
	if n == 0 || k <= 0 {
		return nil
	}
	order := make([][]int, n) // per position, alphabet indices by rising cost
	for i, row := range cost {
		order[i] = make([]int, len(row))
		for c := range row {
			order[i][c] = c
		}
		slices.SortStableFunc(order[i], func(a, b int) int {
			switch {
			case row[a] < row[b]:
				return -1
			case row[a] > row[b]:
				return 1
			}
			return 0
		})
	}
	total := func(idx []int) float64 {
		var s float64
		for i, r := range idx {
			s += cost[i][order[i][r]]
		}
		return s
	}
	key := func(idx []int) string {
		var b strings.Builder
		for i, r := range idx {
			b.WriteByte(visual.Alphabet[order[i][r]])
		}
		return b.String()
	}
	start := make([]int, n)
	h := &seqHeap{{idx: start, cost: total(start)}}
	seen := map[string]bool{key(start): true}
	var out []string
	for h.Len() > 0 && len(out) < k {
		s := heap.Pop(h).(seq)
		out = append(out, key(s.idx))
		for i := range s.idx {
			if s.idx[i]+1 >= len(order[i]) {
				continue
			}
			next := slices.Clone(s.idx)
			next[i]++
			if kk := key(next); !seen[kk] {
				seen[kk] = true
				heap.Push(h, seq{idx: next, cost: total(next)})
			}
		}
	}
	return out
}

type seq struct {
	idx  []int
	cost float64
}

type seqHeap []seq

func (h seqHeap) Len() int           { return len(h) }
func (h seqHeap) Less(i, j int) bool { return h[i].cost < h[j].cost }
func (h seqHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *seqHeap) Push(x any)        { *h = append(*h, x.(seq)) }
func (h *seqHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// vote ranks readings of length n: whole readings by how often they occur (ties by first
// appearance), with the per-position majority reading inserted after the top one.
// Longer readings (a clutter stroke read as a character) count as each of their
// windows of length n, with less weight; shorter ones are padded at both ends with
// the most frequent character, so an attacker always has guesses to submit.
func vote(readings []string, n, k int) []string {
	counts := map[string]float64{}
	var order []string
	pos := make([][len(visual.Alphabet)]float64, n)
	add := func(r string, w float64) {
		if counts[r] == 0 {
			order = append(order, r)
		}
		counts[r] += w
		for i := 0; i < n; i++ {
			pos[i][strings.IndexByte(visual.Alphabet, r[i])] += w
		}
	}
	for _, r := range readings {
		if len(r) == n {
			add(r, 1)
		}
	}
	for _, r := range readings {
		switch {
		case len(r) > n:
			for i := 0; i+n <= len(r); i++ {
				add(r[i:i+n], 0.5/float64(len(r)-n+1))
			}
		case len(r) > 0 && len(r) < n:
			for lead := 0; lead <= n-len(r); lead++ {
				pad := strings.Repeat(r[:1], lead) + r + strings.Repeat(r[len(r)-1:], n-len(r)-lead)
				add(pad, 0.25/float64(n-len(r)+1))
			}
		}
	}
	slices.SortStableFunc(order, func(a, b string) int {
		switch {
		case counts[a] > counts[b]:
			return -1
		case counts[a] < counts[b]:
			return 1
		}
		return 0
	})
	if len(order) == 0 {
		return nil
	}
	// The per-position majority as costs, so its runner-up readings come for free.
	cost := make([][]float64, n)
	for i := range cost {
		cost[i] = make([]float64, len(visual.Alphabet))
		for c := range cost[i] {
			cost[i][c] = -pos[i][c]
		}
	}
	out := []string{order[0]}
	for _, c := range append(bestSequences(cost, k), order[1:]...) {
		if len(out) == k {
			break
		}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// clean keeps the alphabet characters of s, upper-cased.
func clean(s string) string {
	s = strings.ToUpper(s)
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(visual.Alphabet, s[i]) >= 0 {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
