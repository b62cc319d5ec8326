package checks

func ruleMissingAction() *Rule {
	r := &Rule{
		Code:      "MISSING_ACTION",
		Type:      Error,
		Title:     "A statement has neither Action nor NotAction",
		Why:       "A statement must name the actions it allows or denies. IAM rejects a statement without Action or NotAction.",
		Fix:       "add Action with the actions the statement is about",
		Example:   "Statement:\n  - Effect: Allow\n    Resource: \"*\"",
		LearnMore: aaSection("error", "missing-action"),
	}
	r.Policy = func(c *PolicyContext) {
		for _, s := range c.Doc.Statements {
			if !s.Action.Present && !s.NotAction.Present {
				c.At(s.Node, s.Path, "Action", "The statement has neither Action nor NotAction.", "")
			}
		}
	}
	return r
}
