package checks

import (
	"fmt"

	"github.com/tollgate-dev/tollgate/policy"
)

func ruleTypeMismatchBoolean() *Rule {
	return valueRule(&Rule{
		Code:  "TYPE_MISMATCH_BOOLEAN",
		Type:  Warning,
		Title: "A Bool or Null condition has a value that is not true or false",
		Why: "Bool and Null compare with true or false. Any other value (yes, 1, enabled) matches no request: an " +
			"Allow it guards never applies, a Deny never denies.",
		Fix:       `write "true" or "false"`,
		Example:   "Condition:\n  Bool:\n    aws:SecureTransport: \"yes\"",
		LearnMore: aaSection("general-warning", "type-mismatch-boolean"),
	}, []opClass{opBool, opNull}, func(s string) bool { return !isBool(s) }, func(c *policy.Condition, v string) string {
		return fmt.Sprintf("%s %s compares with true or false; %q matches no request.", c.Operator, c.Key, v)
	})
}
