package checks

import (
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"github.com/tollgate-dev/tollgate/iamdata"
	"github.com/tollgate-dev/tollgate/policy"
)

// opClass is the kind of value a condition operator compares.
type opClass uint8

const (
	opString opClass = iota
	opNumeric
	opDate
	opBool
	opBinary
	opIP
	opARN
	opNull
)

var opClassNames = [...]string{"String", "Numeric", "Date", "Bool", "Binary", "IpAddress", "Arn", "Null"}

// operatorInfo describes a condition operator without qualifiers.
type operatorInfo struct {
	class opClass
	// negated operators hold for every value but those listed.
	negated bool
	// like operators treat * and ? as wildcards.
	like bool
}

// operators are IAM's condition operators, by exact name.
var operators = map[string]operatorInfo{
	"StringEquals":              {class: opString},
	"StringNotEquals":           {class: opString, negated: true},
	"StringEqualsIgnoreCase":    {class: opString},
	"StringNotEqualsIgnoreCase": {class: opString, negated: true},
	"StringLike":                {class: opString, like: true},
	"StringNotLike":             {class: opString, negated: true, like: true},
	"NumericEquals":             {class: opNumeric},
	"NumericNotEquals":          {class: opNumeric, negated: true},
	"NumericLessThan":           {class: opNumeric},
	"NumericLessThanEquals":     {class: opNumeric},
	"NumericGreaterThan":        {class: opNumeric},
	"NumericGreaterThanEquals":  {class: opNumeric},
	"DateEquals":                {class: opDate},
	"DateNotEquals":             {class: opDate, negated: true},
	"DateLessThan":              {class: opDate},
	"DateLessThanEquals":        {class: opDate},
	"DateGreaterThan":           {class: opDate},
	"DateGreaterThanEquals":     {class: opDate},
	"Bool":                      {class: opBool},
	"BinaryEquals":              {class: opBinary},
	"IpAddress":                 {class: opIP},
	"NotIpAddress":              {class: opIP, negated: true},
	"ArnEquals":                 {class: opARN},
	"ArnLike":                   {class: opARN, like: true},
	"ArnNotEquals":              {class: opARN, negated: true},
	"ArnNotLike":                {class: opARN, negated: true, like: true},
	"Null":                      {class: opNull},
}

// operatorNames lists the operators for did-you-mean hints.
var operatorNames = func() []string {
	out := make([]string, 0, len(operators))
	for k := range operators {
		out = append(out, k)
	}
	return out
}()

// condOperator returns the operator of a condition when it is valid.
func condOperator(c *policy.Condition) (operatorInfo, bool) {
	op, ok := operators[c.Base]
	if !ok || (c.Set != "" && c.Set != "ForAllValues" && c.Set != "ForAnyValue") || (c.Base == "Null" && c.IfExists) {
		return operatorInfo{}, false
	}
	return op, true
}

// keyType looks a condition key up: global keys, and keys of known
// services. known is false when the key is not in the data; checkable is
// false when the data cannot say (a key of an identity provider, "saml:").
func keyType(data *iamdata.Set, key string) (k iamdata.ConditionKey, known, checkable bool) {
	prefix, _, ok := strings.Cut(key, ":")
	if !ok {
		return iamdata.ConditionKey{}, false, false
	}
	if strings.EqualFold(prefix, "aws") {
		k, known = data.GlobalConditionKey(key)
		return k, known, true
	}
	if !data.HasService(prefix) {
		return iamdata.ConditionKey{}, false, false
	}
	k, known = data.ConditionKey(key)
	return k, known, true
}

// baseType strips the ArrayOf of multivalued key types: "ArrayOfString" →
// "String", multi true.
func baseType(t string) (base string, multi bool) {
	if b, ok := strings.CutPrefix(t, "ArrayOf"); ok {
		return b, true
	}
	return t, false
}

// compatible reports whether an operator class may compare a key type.
// String operators are accepted on ARN keys and ARN operators on String
// keys (many String keys hold ARNs); Numeric operators on Date keys
// (aws:EpochTime is documented as both).
func compatible(class opClass, keyType string) bool {
	switch class {
	case opNull:
		return true
	case opString:
		return keyType == "String" || keyType == "ARN"
	case opARN:
		return keyType == "ARN" || keyType == "String"
	case opNumeric:
		return keyType == "Numeric" || keyType == "Date"
	case opDate:
		return keyType == "Date"
	case opBool:
		return keyType == "Bool"
	case opIP:
		return keyType == "IPAddress"
	case opBinary:
		return keyType == "Binary"
	}
	return true
}

// operatorFor names the operator family a key type needs.
func operatorFor(keyType string) string {
	switch keyType {
	case "Numeric":
		return "Numeric (NumericEquals, NumericLessThan, ...)"
	case "Date":
		return "Date (DateGreaterThan, DateLessThan, ...)"
	case "Bool":
		return "Bool"
	case "IPAddress":
		return "IpAddress or NotIpAddress"
	case "ARN":
		return "Arn (ArnEquals, ArnLike, ...) or String"
	case "Binary":
		return "BinaryEquals"
	}
	return "String (StringEquals, StringLike, ...)"
}

// isBool reports whether a condition value is a Boolean as IAM reads them.
func isBool(s string) bool {
	return strings.EqualFold(s, "true") || strings.EqualFold(s, "false")
}

// isNumber reports whether a condition value is a number.
func isNumber(s string) bool {
	_, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return err == nil
}

// dateRE matches the W3C (ISO 8601 profile) dates and times IAM accepts.
var dateRE = regexp.MustCompile(`^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$`)

// isDate reports whether a condition value is a date: an ISO 8601 date or
// time, or an epoch time in seconds.
func isDate(s string) bool {
	s = strings.TrimSpace(s)
	if dateRE.MatchString(s) {
		return validDateFields(s)
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 {
		return true
	}
	return false
}

// validDateFields rejects months and days out of range (2024-13-45).
func validDateFields(s string) bool {
	if len(s) >= 7 {
		if m, _ := strconv.Atoi(s[5:7]); m < 1 || m > 12 {
			return false
		}
	}
	if len(s) >= 10 {
		if d, _ := strconv.Atoi(s[8:10]); d < 1 || d > 31 {
			return false
		}
	}
	if len(s) >= 16 {
		h, _ := strconv.Atoi(s[11:13])
		mi, _ := strconv.Atoi(s[14:16])
		if h > 23 || mi > 59 {
			return false
		}
	}
	return true
}

// isIPRange reports whether a value is an IPv4 or IPv6 address or CIDR range.
func isIPRange(s string) bool {
	s = strings.TrimSpace(s)
	if _, err := netip.ParsePrefix(s); err == nil {
		return true
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}

// positiveCondition reports whether a condition limits a statement to the
// values it lists: a positive operator, not IfExists (which lets requests
// without the key through) and not ForAllValues (which holds for a request
// without the key).
func positiveCondition(c *policy.Condition) bool {
	op, ok := condOperator(c)
	return ok && !op.negated && op.class != opNull && !c.IfExists && c.Set != "ForAllValues"
}

// conditionsOn returns the conditions of a statement on key (compared
// without regard to case, as IAM compares keys).
func conditionsOn(s *policy.Statement, key string) []*policy.Condition {
	var out []*policy.Condition
	for i := range s.Conditions {
		if strings.EqualFold(s.Conditions[i].Key, key) {
			out = append(out, &s.Conditions[i])
		}
	}
	return out
}
