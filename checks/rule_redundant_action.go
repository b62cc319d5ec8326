package checks

import (
	"fmt"
	"strings"
)

func ruleRedundantAction() *Rule {
	r := &Rule{
		Code:  "REDUNDANT_ACTION",
		Type:  Suggestion,
		Title: "An action is already covered by another in the same statement",
		Why: "An action listed next to a wildcard that covers it (s3:GetObject beside s3:Get*), or listed twice, " +
			"adds nothing. It makes the policy longer to review and hides what the statement really grants.",
		Fix:       "remove the redundant action",
		Example:   "Action:\n  - s3:Get*\n  - s3:GetObject",
		LearnMore: aaSection("suggestion", "redundant-action"),
	}
	r.Policy = func(c *PolicyContext) {
		for _, s := range c.Doc.Statements {
			// Only a wildcard covers another action; a literal only its
			// duplicates. Comparing with the wildcards alone keeps long
			// action lists linear.
			var wild []int
			first := map[string]int{}
			norm := make([]string, len(s.Action.Values))
			for i, v := range s.Action.Values {
				if !v.Known {
					continue
				}
				norm[i] = strings.ToLower(strings.TrimSpace(v.Text))
				if strings.ContainsAny(norm[i], "*?") {
					wild = append(wild, i)
				}
			}
			for i, v := range s.Action.Values {
				a := norm[i]
				if a == "" {
					continue
				}
				if j, dup := first[a]; dup {
					c.At(v.Node, v.Path, v.Text, fmt.Sprintf("%s is listed twice in the same statement (first as %s).", v.Text, s.Action.Values[j].Text), "remove "+v.Text)
					continue
				}
				first[a] = i
				for _, j := range wild {
					if j != i && norm[j] != a && globCovers(norm[j], a) {
						c.At(v.Node, v.Path, v.Text, fmt.Sprintf("%s is already covered by %s in the same statement.", v.Text, s.Action.Values[j].Text), "remove "+v.Text)
						break
					}
				}
			}
		}
	}
	return r
}

// globCovers reports whether every string matched by the pattern sub is
// matched by the pattern super (both with * and ?). It is exact for the
// patterns of IAM actions: a * in super may absorb anything in sub, a ? in
// super one character or ?, and a * in sub only a * in super.
func globCovers(super, sub string) bool {
	n, m := len(super), len(sub)
	// ok[i][j]: super[i:] covers sub[j:].
	ok := make([][]bool, n+1)
	for i := range ok {
		ok[i] = make([]bool, m+1)
	}
	ok[n][m] = true
	for i := n; i >= 0; i-- {
		for j := m; j >= 0; j-- {
			if i == n {
				ok[i][j] = j == m
				continue
			}
			switch super[i] {
			case '*':
				ok[i][j] = ok[i+1][j] || (j < m && ok[i][j+1])
			case '?':
				ok[i][j] = j < m && sub[j] != '*' && ok[i+1][j+1]
			default:
				ok[i][j] = j < m && sub[j] == super[i] && ok[i+1][j+1]
			}
		}
	}
	return ok[0][0]
}
