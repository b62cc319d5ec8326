package checks

import "fmt"

func ruleForAllValuesWithSingleValuedKey() *Rule {
	r := &Rule{
		Code:  "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
		Type:  SecurityWarning,
		Title: "An Allow uses ForAllValues with a single-valued key",
		Why: "ForAllValues holds when every value of the key in the request is listed, and also when the request " +
			"has no value at all. On a single-valued key such as aws:PrincipalOrgID or aws:SourceVpc, an Allow with " +
			"ForAllValues therefore lets in every request that lacks the key: anonymous and cross-account callers " +
			"included.",
		Fix:       "drop ForAllValues: (use StringEquals); keep set qualifiers for multivalued keys such as aws:TagKeys",
		Example:   "Condition:\n  ForAllValues:StringEquals:\n    aws:PrincipalOrgID: o-a1b2c3d4e5",
		LearnMore: aaSection("security-warning", "forallvalues-with-single-valued-key"),
	}
	r.Policy = func(c *PolicyContext) {
		data := c.Options.Data
		for _, s := range c.Doc.Statements {
			if !s.Allows() {
				continue
			}
			for i := range s.Conditions {
				cond := &s.Conditions[i]
				if cond.Set != "ForAllValues" {
					continue
				}
				k, known, _ := keyType(data, cond.Key)
				if _, multi := baseType(k.Type); !known || multi {
					continue
				}
				c.AtPos(cond.KeyPos, 0, cond.Path, cond.Key,
					fmt.Sprintf("%s takes one value per request, and ForAllValues also holds for requests without it: this Allow lets in every request that lacks %s.", cond.Key, cond.Key),
					"write "+cond.Base+" without ForAllValues:")
			}
		}
	}
	return r
}
