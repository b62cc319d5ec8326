// Package spelling finds the word a user probably meant, for "did you mean"
// hints in messages.
package spelling

import "strings"

// Distance is the Levenshtein distance between a and b, compared
// case-insensitively, giving up (returning limit+1) once it exceeds limit.
func Distance(a, b string, limit int) int {
	a, b = strings.ToLower(a), strings.ToLower(b)
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Closest returns the candidate nearest to s when it is near enough to be
// what was meant: at most a third of the length away, and at most 3 edits.
// Ties go to the earlier candidate.
func Closest(s string, candidates []string) (string, bool) {
	limit := min(3, max(1, len(s)/3))
	best, bestD := "", limit+1
	for _, c := range candidates {
		if d := Distance(s, c, limit); d < bestD {
			best, bestD = c, d
		}
	}
	return best, bestD <= limit
}
