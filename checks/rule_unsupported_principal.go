package checks

import (
	"fmt"

	"github.com/tollgate-dev/tollgate/policy"
	"github.com/tollgate-dev/tollgate/template"
)

func ruleUnsupportedPrincipal() *Rule {
	r := &Rule{
		Code:  "UNSUPPORTED_PRINCIPAL",
		Type:  Error,
		Title: "An identity policy has a Principal",
		Why: "An identity policy applies to the role, user or group it is attached to; it cannot name a principal. " +
			"IAM rejects it (MalformedPolicyDocument: Policy document should not specify a principal). A Principal " +
			"here usually means a trust policy was pasted into Policies.",
		Fix:       "remove Principal; if the statement says who may assume a role, it belongs in AssumeRolePolicyDocument",
		Example:   "Policies:\n  - PolicyName: app\n    PolicyDocument:\n      Statement:\n        - Effect: Allow\n          Principal: {Service: lambda.amazonaws.com}\n          Action: sts:AssumeRole",
		LearnMore: aaSection("error", "unsupported-principal"),
	}
	r.Policy = func(c *PolicyContext) {
		if c.Policy.Kind != template.Identity {
			return
		}
		for _, s := range c.Doc.Statements {
			for _, e := range principalElements(s) {
				c.At(e.p.Node, e.p.Path, e.name, fmt.Sprintf("An identity policy cannot have %s; IAM rejects the policy.", e.name), "")
			}
		}
	}
	return r
}

// principalElement is a Principal or NotPrincipal element with its name.
type principalElement struct {
	name string
	p    *policy.Principal
}

// principalElements returns the Principal and NotPrincipal of a statement,
// in that order, when present.
func principalElements(s *policy.Statement) []principalElement {
	var out []principalElement
	if s.Principal != nil {
		out = append(out, principalElement{"Principal", s.Principal})
	}
	if s.NotPrincipal != nil {
		out = append(out, principalElement{"NotPrincipal", s.NotPrincipal})
	}
	return out
}
