package checks

import (
	"fmt"

	"github.com/tollgate-dev/tollgate/template"
)

func ruleInvalidVersion() *Rule {
	r := &Rule{
		Code:  "INVALID_VERSION",
		Type:  Error,
		Title: "A policy's Version is not a policy language version",
		Why: "IAM knows two policy language versions, \"2012-10-17\" and \"2008-10-17\". Any other Version (often the " +
			"date the policy was written) makes IAM reject the policy and the deploy fail.",
		Fix:       `set Version: "2012-10-17"`,
		Example:   "PolicyDocument:\n  Version: \"2024-05-01\"\n  Statement: []",
		LearnMore: aaSection("error", "invalid-version"),
	}
	r.Policy = func(c *PolicyContext) {
		v := c.Doc.VersionNode
		if v == nil || v.Kind == template.Unknown {
			return
		}
		s, ok := v.Str()
		if ok && (s == "2012-10-17" || s == "2008-10-17") {
			return
		}
		c.At(v, "Version", "Version", fmt.Sprintf("Version %s is not a policy language version; the versions are \"2012-10-17\" and \"2008-10-17\".",
			template.Describe(v)), "")
	}
	return r
}
