package template

import (
	"fmt"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/spelling"
)

// rulesOnly are the functions CloudFormation accepts only inside the Rules
// section: they read parameter values before the stack exists.
var rulesOnly = map[string]bool{
	"Fn::Contains": true, "Fn::EachMemberEquals": true, "Fn::EachMemberIn": true,
	"Fn::RefAll": true, "Fn::ValueOf": true, "Fn::ValueOfAll": true,
}

// ruleBooleans are the functions an Assert or a RuleCondition may be.
var ruleBooleans = map[string]bool{
	"Fn::And": true, "Fn::Or": true, "Fn::Not": true, "Fn::Equals": true,
	"Fn::Contains": true, "Fn::EachMemberEquals": true, "Fn::EachMemberIn": true,
}

const rulesFix = "see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/rules-section-structure.html"

// checkRules validates the Rules section as CloudFormation does when it
// accepts a template: each rule is a mapping of an optional RuleCondition
// and a list of Assertions, each an Assert (a rule function) with an
// optional AssertDescription.
func (t *Template) checkRules(rules *Node) {
	if rules.Kind != Map {
		t.structure(rules.Pos, "Rules must be a mapping of rule names to rules", rulesFix)
		return
	}
	for _, f := range rules.Fields {
		rule := f.Value
		if rule.Kind != Map {
			t.structure(rule.Pos, fmt.Sprintf("rule %s must be a mapping with Assertions", f.Key), rulesFix)
			continue
		}
		for _, k := range rule.Fields {
			switch k.Key {
			case "RuleCondition":
				t.ruleBoolean(k.Value, "the RuleCondition of rule "+f.Key, 0)
			case "Assertions":
				t.assertions(f.Key, k.Value)
			default:
				t.unknownRuleKey(k, "rule "+f.Key, "RuleCondition", "Assertions")
			}
		}
		if rule.Get("Assertions") == nil {
			t.structure(f.KeyPos, fmt.Sprintf("rule %s has no Assertions", f.Key), "add Assertions: a list of {Assert, AssertDescription}")
		}
	}
}

// unknownRuleKey notes a key a rule or assertion does not have. It is a
// note, not an error: cfn-lint accepts such keys and AWS's own samples have
// them (AssetDescription), so CloudFormation is not known to reject them.
func (t *Template) unknownRuleKey(k Field, where string, known ...string) {
	n := NoticeAt(Span{File: t.File, Line: k.KeyPos.Line}, "%s has a key %s that CloudFormation does not use (it has %s)", where, k.Key, strings.Join(known, " and "))
	if s, ok := spelling.Closest(k.Key, known); ok {
		n.Message += fmt.Sprintf("; did you mean %s?", s)
	}
	t.Notes = append(t.Notes, n)
}

func (t *Template) assertions(rule string, list *Node) {
	if list.Kind != Seq {
		t.structure(list.Pos, fmt.Sprintf("the Assertions of rule %s must be a list", rule), rulesFix)
		return
	}
	for i, a := range list.Items {
		where := fmt.Sprintf("assertion %d of rule %s", i+1, rule)
		if a.Kind != Map {
			t.structure(a.Pos, where+" must be a mapping with an Assert", rulesFix)
			continue
		}
		for _, k := range a.Fields {
			switch k.Key {
			case "Assert":
				t.ruleBoolean(k.Value, "the Assert of "+where, 0)
			case "AssertDescription":
				if !k.Value.IsScalar() {
					t.structure(k.Value.Pos, "the AssertDescription of "+where+" must be a string", "")
				}
			default:
				t.unknownRuleKey(k, where, "Assert", "AssertDescription")
			}
		}
		if a.Get("Assert") == nil {
			t.structure(a.Pos, where+" has no Assert", "add Assert: a rule function such as !Contains or !EachMemberIn")
		}
	}
}

// ruleBoolean checks a value that must evaluate to true or false.
func (t *Template) ruleBoolean(n *Node, where string, depth int) {
	if depth > MaxDepth {
		return
	}
	if n.Kind == Bool {
		return
	}
	fn, arg, ok := n.Intrinsic()
	if !ok || !ruleBooleans[fn] {
		t.structure(n.Pos, fmt.Sprintf("%s is %s; it must be a rule function (Fn::And, Fn::Or, Fn::Not, Fn::Equals, Fn::Contains, Fn::EachMemberEquals or Fn::EachMemberIn)",
			where, Describe(n)), rulesFix)
		return
	}
	name := shortName(fn)
	switch fn {
	case "Fn::And", "Fn::Or":
		if arg.Kind != Seq || len(arg.Items) < 2 || len(arg.Items) > 10 {
			t.structure(arg.Pos, fmt.Sprintf("%s takes a list of 2 to 10 conditions", name), "")
			return
		}
		for _, it := range arg.Items {
			t.ruleBoolean(it, "an argument of "+name, depth+1)
		}
	case "Fn::Not":
		if arg.Kind != Seq || len(arg.Items) != 1 {
			t.structure(arg.Pos, "!Not takes a list of one condition", "")
			return
		}
		t.ruleBoolean(arg.Items[0], "the argument of !Not", depth+1)
	default: // Equals, Contains, EachMemberEquals, EachMemberIn: two values
		if arg.Kind != Seq || len(arg.Items) != 2 {
			t.structure(arg.Pos, fmt.Sprintf("%s takes a list of two values", name), "")
			return
		}
		for _, it := range arg.Items {
			t.ruleValue(it, depth+1)
		}
	}
}

// ruleValue checks a value inside a rule function: parameters can be read
// (Ref, Fn::ValueOf, Fn::ValueOfAll, Fn::RefAll), resources cannot, since
// rules run before any resource exists.
func (t *Template) ruleValue(n *Node, depth int) {
	if depth > MaxDepth {
		return
	}
	switch n.Kind {
	case Seq:
		for _, it := range n.Items {
			t.ruleValue(it, depth+1)
		}
		return
	case Map:
	default:
		return
	}
	fn, arg, ok := n.Intrinsic()
	if !ok {
		return
	}
	switch fn {
	case "Ref":
		name, _ := arg.Str()
		if _, isParam := t.Parameters[name]; !isParam && !strings.HasPrefix(name, "AWS::") {
			t.structure(n.Pos, fmt.Sprintf("!Ref %s in Rules names no parameter; rules can read parameters and pseudo parameters only", name), "")
		}
	case "Fn::ValueOf":
		if arg.Kind != Seq || len(arg.Items) != 2 {
			t.structure(arg.Pos, "!ValueOf takes a list of a parameter name and an attribute, e.g. [Subnets, VpcId]", rulesFix)
			return
		}
		if name, ok := arg.Items[0].Str(); ok {
			if _, isParam := t.Parameters[name]; !isParam {
				t.structure(arg.Items[0].Pos, fmt.Sprintf("!ValueOf names parameter %s, which the template does not declare", name), "")
			}
		}
	case "Fn::ValueOfAll":
		if arg.Kind != Seq || len(arg.Items) != 2 {
			t.structure(arg.Pos, "!ValueOfAll takes a list of a parameter type and an attribute, e.g. [AWS::EC2::Subnet::Id, VpcId]", rulesFix)
		}
	case "Fn::RefAll":
		if s, ok := arg.Str(); !ok || !strings.Contains(s, "::") {
			t.structure(arg.Pos, "!RefAll takes a parameter type, e.g. AWS::EC2::VPC::Id", rulesFix)
		}
	case "Fn::GetAtt", "Fn::ImportValue":
		t.structure(n.Pos, fmt.Sprintf("%s cannot be used in Rules: rules run before any resource exists", shortName(fn)), "")
	default:
		if ruleBooleans[fn] {
			t.ruleBoolean(n, "a value", depth+1)
		}
	}
}

// checkRulesOnlyOutside reports rule functions used outside the Rules
// section, which CloudFormation rejects. Metadata is free-form and skipped.
func (t *Template) checkRulesOnlyOutside(n *Node, depth int) {
	if n == nil || depth > MaxDepth {
		return
	}
	switch n.Kind {
	case Seq:
		for _, it := range n.Items {
			t.checkRulesOnlyOutside(it, depth+1)
		}
	case Map:
		if fn, _, ok := n.Intrinsic(); ok && rulesOnly[fn] {
			t.structure(n.Pos, fmt.Sprintf("%s can only be used in the Rules section", fn),
				"move the check into a rule's Assert, or use Fn::Equals/Fn::If outside Rules")
		}
		for _, f := range n.Fields {
			if f.Key == "Metadata" && depth <= 3 {
				continue
			}
			t.checkRulesOnlyOutside(f.Value, depth+1)
		}
	}
}
