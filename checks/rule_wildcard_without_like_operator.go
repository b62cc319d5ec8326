package checks

import (
	"fmt"
	"strings"
)

func ruleWildcardWithoutLikeOperator() *Rule {
	r := &Rule{
		Code:  "WILDCARD_WITHOUT_LIKE_OPERATOR",
		Type:  Warning,
		Title: "A condition value has a wildcard but the operator compares exactly",
		Why: "StringEquals and ArnEquals compare literally: \"repo:acme/*\" matches only a value with a real asterisk. " +
			"The wildcard was meant to match; the condition matches nothing (an Allow never applies) or, negated, " +
			"everything (a Deny always applies).",
		Fix:       "use StringLike (or ArnLike) to match with wildcards",
		Example:   "Condition:\n  StringEquals:\n    aws:PrincipalArn: arn:aws:iam::123456789012:role/deploy-*",
		LearnMore: aaSection("general-warning", "wildcard-without-like-operator"),
	}
	r.Policy = func(c *PolicyContext) {
		for _, s := range c.Doc.Statements {
			for i := range s.Conditions {
				cond := &s.Conditions[i]
				op, ok := condOperator(cond)
				if !ok || op.like || (op.class != opString && op.class != opARN) {
					continue
				}
				for _, v := range cond.Values.Values {
					text := strings.ReplaceAll(v.Text, "${*}", "")
					text = strings.ReplaceAll(text, "${?}", "")
					if !v.Known || !strings.ContainsAny(text, "*?") {
						continue
					}
					like := strings.Replace(cond.Base, "Equals", "Like", 1)
					if op.class == opString && strings.Contains(cond.Base, "IgnoreCase") {
						like = strings.Replace(strings.Replace(cond.Base, "EqualsIgnoreCase", "Like", 1), "NotEqualsIgnoreCase", "NotLike", 1)
					}
					c.At(v.Node, v.Path, v.Text, fmt.Sprintf("%q has a wildcard, but %s compares literally, so it does not match as a pattern.", v.Text, cond.Operator),
						fmt.Sprintf("use %s", strings.Replace(cond.Operator, cond.Base, like, 1)))
				}
			}
		}
	}
	return r
}
