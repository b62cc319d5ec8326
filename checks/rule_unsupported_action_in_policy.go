package checks

import (
	"fmt"
	"strings"

	"github.com/tollgate-dev/tollgate/policy"
	"github.com/tollgate-dev/tollgate/template"
)

// trustActions are the actions a trust policy may allow.
var trustActions = []string{"sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity",
	"sts:tagsession", "sts:setsourceidentity", "sts:setcontext"}

func ruleUnsupportedActionInPolicy() *Rule {
	r := &Rule{
		Code:  "UNSUPPORTED_ACTION_IN_POLICY",
		Type:  Error,
		Title: "A resource or trust policy names actions of another service",
		Why: "A resource policy governs its own resource: a queue policy can only name sqs actions, a key policy " +
			"kms actions, a trust policy the sts:AssumeRole family. The service rejects the policy (or ignores the " +
			"statement), and the access it was meant to give goes nowhere.",
		Fix:       "grant the action in the policy of the resource it acts on, or in the caller's identity policy",
		Example:   "QueuePolicy:\n  Statement:\n    - Effect: Allow\n      Principal: {Service: sns.amazonaws.com}\n      Action: sns:Publish",
		LearnMore: aaSection("error", "unsupported-action-in-policy"),
	}
	r.Policy = func(c *PolicyContext) {
		allowed := c.Policy.Spec().Services
		trust := c.Policy.Kind == template.Trust
		if !trust && (len(allowed) == 0 || contains(allowed, "*") || c.Policy.Kind != template.ResourcePolicy) {
			return
		}
		data := c.Options.Data
		for _, s := range c.Doc.Statements {
			actionValues(s, func(v policy.Value, element string) {
				text := strings.TrimSpace(v.Text)
				prefix, _, ok := splitAction(text)
				if !ok || strings.ContainsAny(prefix, "*?") || !data.HasService(prefix) {
					return
				}
				if trust {
					if strings.ContainsAny(text, "*?") && strings.EqualFold(prefix, "sts") || contains(trustActions, strings.ToLower(text)) {
						return
					}
					c.At(v.Node, v.Path, text, fmt.Sprintf("%s cannot be allowed in a trust policy: trust policies name sts:AssumeRole, sts:AssumeRoleWithWebIdentity, sts:AssumeRoleWithSAML, sts:TagSession, sts:SetSourceIdentity or sts:SetContext.", text),
						"grant "+text+" in the role's permission policies (Policies or ManagedPolicyArns) instead")
					return
				}
				if !foreignAction(c, prefix) {
					return
				}
				c.At(v.Node, v.Path, text, fmt.Sprintf("%s is not an action of %s, so the %s (%s) cannot grant it.", text, strings.Join(allowed, " or "), c.KindNoun(), c.Policy.ResourceType),
					"")
			})
		}
	}
	return r
}
