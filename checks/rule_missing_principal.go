package checks

import "github.com/tollgate-dev/tollgate/template"

func ruleMissingPrincipal() *Rule {
	r := &Rule{
		Code:  "MISSING_PRINCIPAL",
		Type:  Error,
		Title: "A trust or resource policy statement names no principal",
		Why: "A trust policy or resource policy says who gets access, so each statement needs Principal (or " +
			"NotPrincipal). IAM and the services reject a statement without one, and the deploy fails.",
		Fix:       "add Principal, e.g. {AWS: arn:aws:iam::123456789012:role/Reader} or {Service: lambda.amazonaws.com}",
		Example:   "AssumeRolePolicyDocument:\n  Version: \"2012-10-17\"\n  Statement:\n    - Effect: Allow\n      Action: sts:AssumeRole",
		LearnMore: aaSection("error", "missing-principal"),
	}
	r.Policy = func(c *PolicyContext) {
		if c.Policy.Kind == template.Identity {
			return
		}
		for _, s := range c.Doc.Statements {
			if s.Principal == nil && s.NotPrincipal == nil {
				c.At(s.Node, s.Path, "Principal", "The statement of this "+c.KindNoun()+" names no Principal.", "")
			}
		}
	}
	return r
}
