package checks

import (
	"fmt"
	"strings"

	"github.com/tollgate-dev/tollgate/policy"
)

func ruleWildcardInServiceName() *Rule {
	r := &Rule{
		Code:  "WILDCARD_IN_SERVICE_NAME",
		Type:  Suggestion,
		Title: "An action has a wildcard in its service prefix",
		Why: "A wildcard in the service prefix (s*:Get*, *:Describe*) matches services whose names happen to fit, " +
			"including services launched later. It grants more than anyone can review.",
		Fix:       "list the services you mean, each with its own actions",
		Example:   "Action: \"*:List*\"",
		LearnMore: aaSection("suggestion", "wildcard-in-service-name"),
	}
	r.Policy = func(c *PolicyContext) {
		if c.IsBoundary() {
			return
		}
		for _, s := range c.Doc.Statements {
			if !s.Allows() {
				continue
			}
			actionValues(s, func(v policy.Value, element string) {
				prefix, _, ok := splitAction(strings.TrimSpace(v.Text))
				if ok && strings.ContainsAny(prefix, "*?") {
					c.At(v.Node, v.Path, v.Text, fmt.Sprintf("%s has a wildcard in its service prefix, so it covers every service whose prefix fits %q.", v.Text, prefix), "")
				}
			})
		}
	}
	return r
}
