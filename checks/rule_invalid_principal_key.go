package checks

import (
	"fmt"

	"github.com/tollgate-dev/tollgate/internal/spelling"
	"github.com/tollgate-dev/tollgate/template"
)

// principalTypes are the keys of a Principal object, spelled as IAM requires.
var principalTypes = []string{"AWS", "Service", "Federated", "CanonicalUser"}

func ruleInvalidPrincipalKey() *Rule {
	r := &Rule{
		Code:  "INVALID_PRINCIPAL_KEY",
		Type:  Error,
		Title: "A principal has a type IAM does not know",
		Why: "A Principal object's keys are AWS, Service, Federated and CanonicalUser, spelled exactly so. IAM rejects " +
			"any other key (Aws, Services, Account), and the deploy fails.",
		Fix:       "use AWS, Service, Federated or CanonicalUser",
		Example:   "Principal:\n  Services: lambda.amazonaws.com",
		LearnMore: aaSection("error", "invalid-principal-key"),
	}
	r.Policy = func(c *PolicyContext) {
		for _, s := range c.Doc.Statements {
			for _, e := range principalElements(s) {
				if e.p.Node == nil || e.p.Node.Kind != template.Map {
					continue
				}
				for _, f := range e.p.Node.Fields {
					if contains(principalTypes, f.Key) {
						continue
					}
					msg := fmt.Sprintf("%q is not a principal type.", f.Key)
					fix := "use AWS, Service, Federated or CanonicalUser"
					if t, ok := spelling.Closest(f.Key, principalTypes); ok {
						msg += fmt.Sprintf(" Did you mean %s?", t)
						fix = "write " + t
					}
					c.AtPos(f.KeyPos, 0, e.p.Path+"."+f.Key, f.Key, msg, fix)
				}
			}
		}
	}
	return r
}
