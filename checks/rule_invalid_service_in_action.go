package checks

import (
	"fmt"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/spelling"
	"github.com/tollgate-dev/tollgate/policy"
)

func ruleInvalidServiceInAction() *Rule {
	r := &Rule{
		Code:  "INVALID_SERVICE_IN_ACTION",
		Type:  Error,
		Title: "An action names a service prefix that does not exist",
		Why: "IAM ignores actions of services that do not exist, so the statement grants or denies less than " +
			"its author meant; a Deny that names a misspelled service protects nothing.",
		Fix:       "use the service prefix from the service authorization reference, e.g. s3, dynamodb, lambda",
		Example:   "Action: s4:GetObject",
		LearnMore: aaURL + "access-analyzer-reference-policy-checks-error-invalid-service-in-action",
	}
	r.Policy = func(c *PolicyContext) {
		data := c.Options.Data
		for _, s := range c.Doc.Statements {
			actionValues(s, func(v policy.Value, element string) {
				if v.Text == "*" {
					return
				}
				prefix, _, ok := splitAction(v.Text)
				if !ok {
					c.At(v.Node, v.Path, v.Text, fmt.Sprintf("%q is not an action: actions are written service:Action, e.g. s3:GetObject", v.Text),
						"write the action as service:Action")
					return
				}
				if strings.ContainsAny(prefix, "*?") || data.HasService(prefix) {
					return
				}
				msg := fmt.Sprintf("%s is not a service prefix, so %s matches no action", prefix, v.Text)
				fix := r.Fix
				if s, ok := spelling.Closest(prefix, data.Prefixes()); ok {
					msg += fmt.Sprintf(". Did you mean %s (%s)?", s, data.ServiceName(s))
					fix = fmt.Sprintf("replace %s with %s", prefix, s)
				}
				c.At(v.Node, v.Path, v.Text, msg, fix)
			})
		}
	}
	return r
}
