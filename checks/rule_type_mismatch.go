package checks

import "fmt"

func ruleTypeMismatch() *Rule {
	r := &Rule{
		Code:  "TYPE_MISMATCH",
		Type:  Warning,
		Title: "A condition operator does not fit the type of its key",
		Why: "Each condition key has a type: aws:CurrentTime is a Date, aws:SourceIp an IP address, " +
			"aws:SecureTransport a Boolean. An operator of another type (StringEquals on aws:SourceIp, " +
			"DateLessThan on aws:username) compares the wrong way and usually never matches.",
		Fix:       "use an operator of the key's type",
		Example:   "Condition:\n  StringEquals:\n    aws:SourceIp: 203.0.113.0/24",
		LearnMore: aaSection("general-warning", "type-mismatch"),
	}
	r.Policy = func(c *PolicyContext) {
		data := c.Options.Data
		for _, s := range c.Doc.Statements {
			for i := range s.Conditions {
				cond := &s.Conditions[i]
				op, ok := condOperator(cond)
				if !ok {
					continue
				}
				k, known, _ := keyType(data, cond.Key)
				if !known {
					continue
				}
				base, _ := baseType(k.Type)
				if compatible(op.class, base) {
					continue
				}
				c.AtPos(cond.KeyPos, 0, cond.Path, cond.Key,
					fmt.Sprintf("%s has type %s, but %s compares %s values.", cond.Key, base, cond.Operator, opClassNames[op.class]),
					"use a "+operatorFor(base)+" operator")
			}
		}
	}
	return r
}
