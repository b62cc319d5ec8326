package checks

func ruleInvalidSAMPolicy() *Rule {
	r := &Rule{
		Code:  "INVALID_SAM_POLICY",
		Type:  Error,
		Title: "A SAM Policies entry is one the SAM transform rejects",
		Why: "The Policies of an AWS::Serverless::Function or StateMachine take AWS managed policy names or ARNs, policy " +
			"documents with Statement, and SAM policy templates (S3CrudPolicy: {BucketName: …}). A template name SAM " +
			"does not know (they are compared exactly), a template without a value for each of its parameters, or a " +
			"value that is not a mapping of them makes the transform fail, so nothing deploys. tollgate expands SAM's " +
			"policy templates from their published definitions and checks the result like any policy. IAM Access " +
			"Analyzer has no such check, so the code is tollgate's.",
		Fix:       "name a SAM policy template exactly and give each of its parameters a value, or write a policy document with Statement",
		Example:   "Policies:\n  - S3CrudPolicy: {Bucket: !Ref Uploads}   # its parameter is BucketName",
		LearnMore: docsURL + "invalid_sam_policy",
	}
	r.Template = func(c *TemplateContext) {
		for _, p := range c.Extraction.SAMProblems {
			c.Report(Report{Pos: p.Pos, EndLine: p.EndLine, Resource: p.LogicalID, ResourceType: p.ResourceType,
				Path: p.Path, Subject: p.Path, Message: p.Message, Fix: p.Fix, Branch: p.Branch})
		}
	}
	return r
}
