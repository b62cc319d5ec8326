package checks

import "github.com/tollgate-dev/tollgate/template"

func ruleMissingStatement() *Rule {
	r := &Rule{
		Code:      "MISSING_STATEMENT",
		Type:      Error,
		Title:     "A policy has no statements",
		Why:       "A policy document without a Statement grants and denies nothing, and IAM rejects it: the deploy fails.",
		Fix:       "add a Statement list with at least one statement, or remove the policy",
		Example:   "PolicyDocument:\n  Version: \"2012-10-17\"",
		LearnMore: aaSection("error", "missing-statement"),
	}
	r.Policy = func(c *PolicyContext) {
		d := c.Doc
		if d.Node == nil || d.Node.Kind != template.Map {
			return
		}
		switch st := d.StatementNode; {
		case st == nil:
			c.At(d.Node, "", "Statement", "The policy document has no Statement element.", "")
		case st.Kind == template.Seq && len(st.Items) == 0:
			c.At(st, "Statement", "Statement", "The policy's Statement list is empty.", "")
		}
	}
	return r
}
