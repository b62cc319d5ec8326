package checks

import "github.com/tollgate-dev/tollgate/template"

func ruleMissingResource() *Rule {
	r := &Rule{
		Code:  "MISSING_RESOURCE",
		Type:  Error,
		Title: "A statement has neither Resource nor NotResource",
		Why: "Identity policies, S3 bucket policies and KMS key policies must say which resources each statement " +
			"covers. IAM rejects a statement without Resource or NotResource, and the deploy fails.",
		Fix:       "add Resource with the ARNs the statement covers (\"*\" for every resource)",
		Example:   "PolicyDocument:\n  Version: \"2012-10-17\"\n  Statement:\n    - Effect: Allow\n      Action: s3:GetObject",
		LearnMore: aaSection("error", "missing-resource"),
	}
	r.Policy = func(c *PolicyContext) {
		if c.Policy.Kind != template.Identity && !c.Policy.Spec().RequiresResource {
			return
		}
		for _, s := range c.Doc.Statements {
			if !s.Resource.Present && !s.NotResource.Present {
				c.At(s.Node, s.Path, "Resource", "The statement has neither Resource nor NotResource.", "")
			}
		}
	}
	return r
}
