package checks

import "github.com/tollgate-dev/tollgate/template"

func ruleInvalidTemplate() *Rule {
	r := &Rule{
		Code:  "INVALID_TEMPLATE",
		Type:  Error,
		Title: "The template's structure is not what CloudFormation accepts",
		Why: "A template whose sections have the wrong shape (a resource without a Type, Resources that is " +
			"not a mapping, an invalid AWSTemplateFormatVersion), whose resources refer to each other in a cycle, " +
			"whose parameter Default is an intrinsic function, or whose Fn::Select index is outside its list " +
			"fails validation before anything deploys.",
		Fix:       "give the section the shape the message describes",
		Example:   "Resources:\n  Bucket:\n    Properties: {}   # no Type",
		LearnMore: docsURL + "invalid_template",
	}
	r.Template = func(c *TemplateContext) {
		for _, ps := range [][]template.Problem{c.Template.Problems, c.Extraction.Problems} {
			for _, p := range ps {
				if p.Structure {
					c.Report(Report{Pos: p.Pos, Message: p.Message, Fix: p.Fix, Subject: p.Message})
				}
			}
		}
	}
	return r
}
