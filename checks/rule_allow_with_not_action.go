package checks

func ruleAllowWithNotAction() *Rule {
	r := &Rule{
		Code:  "ALLOW_WITH_NOT_ACTION",
		Type:  SecurityWarning,
		Title: "A statement allows every action except those it lists",
		Why: "Allow with NotAction grants every action of every AWS service but the ones listed, including actions " +
			"and services launched after the review. With Resource \"*\" it is close to administrator access.",
		Fix:       "list the actions to allow in Action; keep NotAction for Deny statements",
		Example:   "Statement:\n  - Effect: Allow\n    NotAction: iam:*\n    Resource: \"*\"",
		LearnMore: docsURL + "allow_with_not_action",
	}
	r.Policy = func(c *PolicyContext) {
		if c.IsBoundary() {
			return
		}
		for _, s := range c.Doc.Statements {
			if !s.Allows() || !s.NotAction.Present {
				continue
			}
			msg := "The statement allows every action of every AWS service except those in NotAction, including actions added later"
			if onEveryResource(s) {
				msg += ", on every resource"
			}
			c.At(s.NotAction.Node, s.NotAction.Path, "NotAction", msg+".", "")
		}
	}
	return r
}
