package checks

import (
	"strings"

	"github.com/tollgate-dev/tollgate/policy"
)

// valueRule builds a rule that checks the values of every condition whose
// operator is of class: bad reports a value that class cannot read.
func valueRule(r *Rule, classes []opClass, bad func(string) bool, message func(c *policy.Condition, v string) string) *Rule {
	r.Policy = func(c *PolicyContext) {
		for _, s := range c.Doc.Statements {
			for i := range s.Conditions {
				cond := &s.Conditions[i]
				op, ok := condOperator(cond)
				if !ok || !opIn(op.class, classes) {
					continue
				}
				for _, v := range cond.Values.Values {
					text := strings.TrimSpace(v.Text)
					if !v.Known || strings.Contains(text, "${") || !bad(text) {
						continue
					}
					c.At(v.Node, v.Path, text, message(cond, text), "")
				}
			}
		}
	}
	return r
}

func opIn(class opClass, classes []opClass) bool {
	for _, c := range classes {
		if c == class {
			return true
		}
	}
	return false
}
