package checks

func ruleInvalidTemplate() *Rule {
	r := &Rule{
		Code:  "INVALID_TEMPLATE",
		Type:  Error,
		Title: "The template's structure is not what CloudFormation accepts",
		Why: "A template whose sections have the wrong shape (a resource without a Type, Resources that is " +
			"not a mapping, an invalid AWSTemplateFormatVersion) fails validation before anything deploys.",
		Fix:       "give the section the shape the message describes",
		Example:   "Resources:\n  Bucket:\n    Properties: {}   # no Type",
		LearnMore: docsURL + "invalid_template",
	}
	r.Template = func(c *TemplateContext) {
		for _, p := range c.Template.Problems {
			if p.Structure {
				c.Report(Report{Pos: p.Pos, Message: p.Message, Fix: p.Fix, Subject: p.Message})
			}
		}
	}
	return r
}
