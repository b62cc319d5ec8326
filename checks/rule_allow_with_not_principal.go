package checks

func ruleAllowWithNotPrincipal() *Rule {
	r := &Rule{
		Code:  "ALLOW_WITH_NOT_PRINCIPAL",
		Type:  SecurityWarning,
		Title: "A statement allows everyone except the principals it lists",
		Why: "Allow with NotPrincipal grants access to every principal not listed, including anonymous callers and " +
			"every other AWS account. It is almost never what was meant.",
		Fix:       "name the principals that need access in Principal; use NotPrincipal only with Effect: Deny",
		Example:   "Statement:\n  - Effect: Allow\n    NotPrincipal: {AWS: arn:aws:iam::123456789012:role/Auditor}\n    Action: s3:GetObject\n    Resource: arn:aws:s3:::reports/*",
		LearnMore: aaSection("security-warning", "allow-with-not-principal"),
	}
	r.Policy = func(c *PolicyContext) {
		for _, s := range c.Doc.Statements {
			if s.Allows() && s.NotPrincipal != nil {
				c.At(s.NotPrincipal.Node, s.NotPrincipal.Path, "NotPrincipal",
					"The statement allows every principal except those in NotPrincipal, including anonymous callers and every other AWS account.", "")
			}
		}
	}
	return r
}
