package checks

func ruleBranchesMerged() *Rule {
	r := &Rule{
		Code:  "BRANCHES_MERGED",
		Type:  Warning,
		Title: "A policy depends on more combinations of conditions than are checked one by one",
		Why: "tollgate checks a policy under every combination of conditions that some accepted parameter values " +
			"reach, one by one, up to 64 combinations per policy (the most likely first: those the defaults reach). " +
			"Past that, the other combinations are checked at once, in one evaluation where each Fn::If is the union of " +
			"its branches: whatever a branch allows, that evaluation allows too, so a wildcard or a public principal " +
			"hidden behind any combination is still found. What the merged evaluation cannot say is which exact " +
			"combination reaches a finding that is made of several branches. Conditions that decide which policies a " +
			"resource has at all are explored the same way, up to 16 combinations, the rest in one evaluation that holds " +
			"every policy any branch declares. What a role, user or group can do with all its policies together is " +
			"judged per combination of the conditions they depend on, up to 64, the rest with every attached policy at " +
			"once; that bound is reported only when the evaluation of the rest finds something the others do not.",
		Fix: "pin the parameters the conditions read (--parameter, a parameters file, or the gitops environment's " +
			"parameters), constrain them with AllowedValues, or split the policy so each part depends on fewer conditions",
		Example: "Statement:\n  - Effect: Allow\n    Action: \"*\"\n    Resource:\n      - !If [C1, arn:aws:s3:::a, arn:aws:s3:::b]\n" +
			"      # ... seven such Fn::If on seven parameters: 128 combinations",
		LearnMore: docsURL + "branches_merged",
	}
	r.Template = func(c *TemplateContext) {
		for _, b := range c.Extraction.Bounds {
			c.Report(Report{Pos: b.Pos, Resource: b.LogicalID, ResourceType: b.ResourceType, Path: "Resources." + b.LogicalID,
				Subject: b.Message, Message: b.Message + "."})
		}
		for _, r := range c.effective().bounds {
			c.Report(r)
		}
	}
	return r
}
