package checks

import (
	"fmt"

	"github.com/tollgate-dev/tollgate/policy"
)

func ruleTypeMismatchDate() *Rule {
	return valueRule(&Rule{
		Code:  "TYPE_MISMATCH_DATE",
		Type:  Warning,
		Title: "A Date condition has a value that is not a date",
		Why: "Date operators compare with ISO 8601 dates and times (2025-01-31, 2025-01-31T23:59:59Z) or epoch " +
			"seconds. Another value (31/01/2025, tomorrow) matches no request.",
		Fix:       "write the date as YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ",
		Example:   "Condition:\n  DateLessThan:\n    aws:CurrentTime: 31/12/2025",
		LearnMore: aaSection("general-warning", "type-mismatch-date"),
	}, []opClass{opDate}, func(s string) bool { return !isDate(s) }, func(c *policy.Condition, v string) string {
		return fmt.Sprintf("%s %s compares with dates; %q is not an ISO 8601 date or epoch time, so it matches no request.", c.Operator, c.Key, v)
	})
}
