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
			vals := s.Action.Values
			for i, v := range vals {
				if !v.Known {
					continue
				}
				a := strings.ToLower(strings.TrimSpace(v.Text))
				for j, w := range vals {
					if i == j || !w.Known {
						continue
					}
					b := strings.ToLower(strings.TrimSpace(w.Text))
					if a == b && j > i {
						continue // the later duplicate is the one reported
					}
					if globCovers(b, a) {
						what := fmt.Sprintf("%s is already covered by %s", v.Text, w.Text)
						if a == b {
							what = fmt.Sprintf("%s is listed twice", v.Text)
						}
						c.At(v.Node, v.Path, v.Text, what+" in the same statement.", "remove "+v.Text)
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
