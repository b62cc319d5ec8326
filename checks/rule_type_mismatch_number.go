package checks

import (
	"fmt"

	"github.com/tollgate-dev/tollgate/policy"
)

func ruleTypeMismatchNumber() *Rule {
	return valueRule(&Rule{
		Code:      "TYPE_MISMATCH_NUMBER",
		Type:      Warning,
		Title:     "A Numeric condition has a value that is not a number",
		Why:       "Numeric operators compare with numbers. Another value (1h, 3,600) matches no request.",
		Fix:       "write the value as a number",
		Example:   "Condition:\n  NumericLessThan:\n    aws:MultiFactorAuthAge: 1h",
		LearnMore: aaSection("general-warning", "type-mismatch-number"),
	}, []opClass{opNumeric}, func(s string) bool { return !isNumber(s) }, func(c *policy.Condition, v string) string {
		return fmt.Sprintf("%s %s compares with numbers; %q is not one.", c.Operator, c.Key, v)
	})
}
