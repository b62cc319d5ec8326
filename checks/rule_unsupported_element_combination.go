package checks

import "fmt"

func ruleUnsupportedElementCombination() *Rule {
	r := &Rule{
		Code:  "UNSUPPORTED_ELEMENT_COMBINATION",
		Type:  Error,
		Title: "A statement has an element and its Not form together",
		Why: "A statement can have Action or NotAction, Resource or NotResource, Principal or NotPrincipal, never both " +
			"of a pair. IAM rejects the policy and the deploy fails.",
		Fix:       "keep one element of the pair; split the statement in two if you need both",
		Example:   "Statement:\n  - Effect: Allow\n    Action: s3:*\n    NotAction: s3:DeleteBucket\n    Resource: \"*\"",
		LearnMore: aaSection("error", "unsupported-element-combination"),
	}
	r.Policy = func(c *PolicyContext) {
		for _, s := range c.Doc.Statements {
			for _, pair := range [][2]string{{"Action", "NotAction"}, {"Resource", "NotResource"}, {"Principal", "NotPrincipal"}} {
				a, b := s.Node.Field(pair[0]), s.Node.Field(pair[1])
				if a == nil || b == nil {
					continue
				}
				second := b
				if b.KeyPos.Line < a.KeyPos.Line || b.KeyPos.Line == a.KeyPos.Line && b.KeyPos.Col < a.KeyPos.Col {
					second = a
				}
				c.AtPos(second.KeyPos, 0, s.Path+"."+second.Key, pair[0]+"+"+pair[1],
					fmt.Sprintf("The statement has both %s and %s; IAM accepts one or the other.", pair[0], pair[1]), "")
			}
		}
	}
	return r
}
