package checks

func ruleInvalidPolicyProperty() *Rule {
	r := &Rule{
		Code:  "INVALID_POLICY_PROPERTY",
		Type:  Error,
		Title: "A resource that carries a policy lacks a required property or has one of the wrong shape",
		Why: "CloudFormation validates a resource's properties against the type's schema before it creates anything: " +
			"a role without AssumeRolePolicyDocument, Policies that is not a list, an inline policy without " +
			"PolicyDocument or PolicyName, a Lambda permission without Principal, or a ManagedPolicyArns entry that " +
			"is not an ARN fails the deploy. Until it is fixed, tollgate cannot check the policy either: it is not there.",
		Fix:       "add the property the message names, in the shape the type's documentation gives",
		Example:   "Role:\n  Type: AWS::IAM::Role\n  Properties:\n    ManagedPolicyArns: [ReadOnlyAccess]   # no AssumeRolePolicyDocument; not an ARN",
		LearnMore: docsURL + "invalid_policy_property",
	}
	r.Template = func(c *TemplateContext) {
		for _, p := range c.Extraction.Invalid {
			c.Report(Report{Pos: p.Pos, Resource: p.LogicalID, ResourceType: p.ResourceType, Path: p.Path, Branch: p.Branch,
				Subject: p.Message, Message: p.Message, Fix: p.Fix})
		}
	}
	return r
}
