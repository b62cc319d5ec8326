package checks

import (
	"fmt"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/spelling"
)

func ruleInvalidGlobalConditionKey() *Rule {
	r := &Rule{
		Code:  "INVALID_GLOBAL_CONDITION_KEY",
		Type:  Error,
		Title: "An aws: condition key does not exist",
		Why: "A condition on a key that does not exist never matches: an Allow it guards never applies, and a Deny " +
			"it guards never denies. A misspelt aws:PrincipalOrgID in a data-perimeter Deny silently removes the " +
			"perimeter.",
		Fix:       "use a global condition key from the IAM reference, e.g. aws:PrincipalOrgID, aws:SourceIp, aws:SecureTransport",
		Example:   "Condition:\n  StringEquals:\n    aws:PrincipalOrgId: o-a1b2c3d4e5\n    aws:SourceVpce: vpce-1a2b3c4d\n    aws:SecureTransports: \"true\"",
		LearnMore: aaSection("error", "invalid-global-condition-key"),
	}
	r.Policy = func(c *PolicyContext) {
		data := c.Options.Data
		for _, s := range c.Doc.Statements {
			for i := range s.Conditions {
				cond := &s.Conditions[i]
				prefix, name, _ := strings.Cut(cond.Key, ":")
				if !strings.EqualFold(prefix, "aws") {
					continue
				}
				if _, known, _ := keyType(data, cond.Key); known {
					continue
				}
				msg := fmt.Sprintf("%s is not a global condition key.", cond.Key)
				fix := r.Fix
				switch base, _, _ := strings.Cut(strings.ToLower(name), "/"); {
				case base == "requesttag" || base == "resourcetag" || base == "principaltag":
					msg = fmt.Sprintf("%s needs a tag key: write %s/TAG-KEY.", cond.Key, cond.Key)
					fix = fmt.Sprintf("write %s/TAG-KEY, e.g. %s/project", cond.Key, cond.Key)
				default:
					if s, ok := spelling.Closest(cond.Key, data.GlobalConditionKeys()); ok {
						msg += fmt.Sprintf(" Did you mean %s?", s)
						fix = "write " + s
					}
				}
				c.AtPos(cond.KeyPos, 0, cond.Path, cond.Key, msg, fix)
			}
		}
	}
	return r
}
