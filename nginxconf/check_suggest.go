package nginxconf

import "fmt"

// didYouMean suggests the known directive closest to an unknown name,
// preferring ones allowed in ctx. Empty when nothing is close enough.
func didYouMean(name string, ctx Context) string {
	var allowed, other []string
	for _, s := range directiveIndex.sorted {
		if s.AllowedIn(ctx) {
			allowed = append(allowed, s.Name)
		} else {
			other = append(other, s.Name)
		}
	}
	if best := closest(name, allowed); best != "" {
		return fmt.Sprintf("did you mean %q?", best)
	}
	if best := closest(name, other); best != "" {
		return fmt.Sprintf("did you mean %q? (it is not allowed in this context either)", best)
	}
	return ""
}

// closest returns the candidate with the smallest edit distance to name, if
// that distance is small for the name's length (1 for short names, up to
// a third of the length for long ones). Ties go to the first candidate.
func closest(name string, candidates []string) string {
	limit := len(name) / 3
	if limit < 1 {
		limit = 1
	}
	if limit > 4 {
		limit = 4
	}
	best, bestDist := "", limit+1
	for _, cand := range candidates {
		if abs(len(cand)-len(name)) >= bestDist {
			continue
		}
		if dist := editDistance(name, cand, bestDist); dist < bestDist {
			best, bestDist = cand, dist
		}
	}
	return best
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// editDistance is the optimal string alignment distance (Levenshtein plus
// adjacent transpositions, the typo people make most) between a and b in
// bytes. It stops early and returns max when the distance reaches max.
func editDistance(a, b string, max int) int {
	prev2 := make([]int, len(b)+1)
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
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin >= max {
			return max
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(b)], max)
}
