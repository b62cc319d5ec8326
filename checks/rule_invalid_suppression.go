package checks

func ruleInvalidSuppression() *Rule {
	r := &Rule{
		Code:  "INVALID_SUPPRESSION",
		Type:  Error,
		Title: "A tollgate ignore entry in a resource's Metadata cannot be used",
		Why: "An ignore entry must name a rule code and give a reason, so that reviewers can see what was " +
			"accepted and why. An entry without a reason, with an unknown code or of the wrong shape suppresses " +
			"nothing: the finding it was written for still counts.",
		Fix:       "write Metadata: {tollgate: {ignore: [{code: CODE, reason: WHY}]}}",
		Example:   "Metadata:\n  tollgate:\n    ignore:\n      - code: EXTERNAL_PRINCIPAL",
		LearnMore: docsURL + "invalid_suppression",
	}
	r.After = func(c *TemplateContext) {
		for _, p := range c.suppressions().problems {
			c.Report(Report{Pos: p.pos, Resource: p.resource.LogicalID, ResourceType: p.resource.Type, Path: p.path,
				Subject: p.path, Message: p.message, Fix: p.fix})
		}
	}
	return r
}
