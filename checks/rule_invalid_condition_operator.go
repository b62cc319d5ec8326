package checks

import (
	"fmt"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/spelling"
	"github.com/tollgate-dev/tollgate/policy"
	"github.com/tollgate-dev/tollgate/template"
)

func ruleInvalidConditionOperator() *Rule {
	r := &Rule{
		Code:  "INVALID_CONDITION_OPERATOR",
		Type:  Error,
		Title: "A condition operator does not exist",
		Why: "Condition operators are a fixed, case-sensitive set (StringEquals, ArnLike, IpAddress, ...), optionally " +
			"qualified by ForAllValues: or ForAnyValue: and suffixed by IfExists (except Null). IAM rejects any other " +
			"operator, and the deploy fails.",
		Fix:       "use one of IAM's condition operators",
		Example:   "Condition:\n  StringEqual:\n    aws:PrincipalOrgID: o-a1b2c3d4e5",
		LearnMore: aaSection("error", "invalid-condition-operator"),
	}
	r.Policy = func(c *PolicyContext) {
		for _, s := range c.Doc.Statements {
			n := s.ConditionNode
			if n == nil || n.Kind != template.Map {
				continue
			}
			for _, f := range n.Fields {
				msg, fix := operatorProblem(f.Key)
				if msg != "" {
					c.AtPos(f.KeyPos, 0, s.Path+".Condition."+f.Key, f.Key, msg, fix)
				}
			}
		}
	}
	return r
}

// operatorProblem explains what is wrong with an operator, or "".
func operatorProblem(op string) (msg, fix string) {
	base, set, ifExists := policy.SplitOperator(op)
	if set != "" && set != "ForAllValues" && set != "ForAnyValue" {
		msg = fmt.Sprintf("%q is not a set qualifier; the qualifiers are ForAllValues and ForAnyValue.", set)
		if s, ok := spelling.Closest(set, []string{"ForAllValues", "ForAnyValue"}); ok {
			return msg, fmt.Sprintf("write %s:%s", s, strings.TrimPrefix(op, set+":"))
		}
		return msg, "write ForAllValues: or ForAnyValue:"
	}
	if _, ok := operators[base]; !ok {
		msg = fmt.Sprintf("%q is not a condition operator.", base)
		fix = "use one of IAM's condition operators, e.g. StringEquals, StringLike, ArnLike, Bool, IpAddress"
		if s, ok := spelling.Closest(base, operatorNames); ok {
			msg += fmt.Sprintf(" Did you mean %s?", s)
			fix = "write " + strings.Replace(op, base, s, 1)
		}
		return msg, fix
	}
	if base == "Null" && ifExists {
		return "NullIfExists is not an operator: Null already tests whether the key exists.", "write Null"
	}
	return "", ""
}
