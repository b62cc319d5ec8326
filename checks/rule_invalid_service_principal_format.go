package checks

import (
	"fmt"
	"regexp"
	"strings"
)

// servicePrincipalRE is what a service principal looks like: a DNS name in
// one of the domains AWS service principals use.
var bareNameRE = regexp.MustCompile(`^[a-z0-9-]+$`)

// servicePrincipalRE is what a service principal looks like.
var servicePrincipalRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]*[a-z0-9])?\.(amazonaws\.com|amazonaws\.com\.cn|amazon\.com|amazonaws\.eu|c2s\.ic\.gov|sc2s\.sgov\.gov)$`)

func ruleInvalidServicePrincipalFormat() *Rule {
	r := &Rule{
		Code:  "INVALID_SERVICE_PRINCIPAL_FORMAT",
		Type:  Error,
		Title: "A service principal is not a service's DNS name",
		Why: "A Service principal is the service's DNS name, such as lambda.amazonaws.com. IAM rejects anything else " +
			"(\"lambda\", an ARN, a name with capitals), and the deploy fails.",
		Fix:       "write the service principal, e.g. lambda.amazonaws.com",
		Example:   "Principal:\n  Service: lambda",
		LearnMore: aaSection("error", "invalid-service-principal-format"),
	}
	r.Policy = func(c *PolicyContext) {
		for _, s := range c.Doc.Statements {
			for _, e := range principalElements(s) {
				for _, v := range e.p.Types["Service"].Values {
					text := strings.TrimSpace(v.Text)
					if !v.Known || hasHole(text) || servicePrincipalRE.MatchString(text) {
						continue
					}
					msg := fmt.Sprintf("%q is not a service principal: service principals are DNS names such as lambda.amazonaws.com.", text)
					fix := r.Fix
					if lower := strings.ToLower(text); bareNameRE.MatchString(lower) {
						msg += fmt.Sprintf(" Did you mean %s.amazonaws.com?", lower)
						fix = "write " + lower + ".amazonaws.com"
					} else if servicePrincipalRE.MatchString(lower) {
						msg += " Service principals are lower case."
						fix = "write " + lower
					}
					c.At(v.Node, v.Path, text, msg, fix)
				}
			}
		}
	}
	return r
}
