package checks

import (
	"fmt"

	"github.com/tollgate-dev/tollgate/policy"
)

func ruleTypeMismatchIPRange() *Rule {
	return valueRule(&Rule{
		Code:  "TYPE_MISMATCH_IP_RANGE",
		Type:  Warning,
		Title: "An IpAddress condition has a value that is not an address or CIDR range",
		Why: "IpAddress and NotIpAddress compare with IPv4 or IPv6 addresses and CIDR ranges (203.0.113.0/24). " +
			"Another value (a host name, 10.0.0.0/33, a range written with a dash) matches nothing, which can turn " +
			"a NotIpAddress Deny into a Deny of everything or an IpAddress Allow into nothing.",
		Fix:       "write the range in CIDR notation, e.g. 203.0.113.0/24",
		Example:   "Condition:\n  IpAddress:\n    aws:SourceIp: 10.0.0.0-10.0.0.255",
		LearnMore: aaSection("general-warning", "type-mismatch-ip-range"),
	}, []opClass{opIP}, func(s string) bool { return !isIPRange(s) }, func(c *policy.Condition, v string) string {
		return fmt.Sprintf("%s %s compares with IP addresses and CIDR ranges; %q is neither.", c.Operator, c.Key, v)
	})
}
