package checks

func ruleMissingEffect() *Rule {
	r := &Rule{
		Code:      "MISSING_EFFECT",
		Type:      Error,
		Title:     "A statement has no Effect",
		Why:       "Every statement must say whether it allows or denies. IAM rejects a statement without Effect, and the deploy fails.",
		Fix:       "add Effect: Allow or Effect: Deny",
		Example:   "Statement:\n  - Action: s3:GetObject\n    Resource: \"*\"",
		LearnMore: aaSection("error", "missing-effect"),
	}
	r.Policy = func(c *PolicyContext) {
		for _, s := range c.Doc.Statements {
			if s.EffectNode == nil {
				c.At(s.Node, s.Path, "Effect", "The statement has no Effect; write Effect: Allow or Effect: Deny.", "")
			}
		}
	}
	return r
}
