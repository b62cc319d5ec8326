package checks

import "github.com/tollgate-dev/tollgate/template"

func ruleMissingVersion() *Rule {
	r := &Rule{
		Code:  "MISSING_VERSION",
		Type:  Warning,
		Title: "A policy has no Version",
		Why: "Without Version \"2012-10-17\", IAM reads the policy in the 2008 policy language, where policy variables " +
			"such as ${aws:username} or ${aws:PrincipalTag/team} are literal text: statements that use them match nothing.",
		Fix:       `add Version: "2012-10-17" to the policy document`,
		Example:   "PolicyDocument:\n  Statement:\n    - Effect: Allow\n      Action: s3:GetObject\n      Resource: arn:aws:s3:::reports/${aws:username}/*",
		LearnMore: aaSection("general-warning", "missing-version"),
	}
	r.Policy = func(c *PolicyContext) {
		d := c.Doc
		if d.Node == nil || d.Node.Kind != template.Map || d.VersionNode != nil || c.Policy.Synthesized || c.Policy.Expanded != "" {
			return
		}
		c.At(d.Node, "", "Version", "The policy document has no Version, so IAM reads it in the 2008 language, without policy variables.", "")
	}
	return r
}
