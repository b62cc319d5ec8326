package checks

import (
	"fmt"

	"github.com/tollgate-dev/tollgate/internal/spelling"
	"github.com/tollgate-dev/tollgate/template"
)

// documentElements and statementElements are what IAM accepts, spelled as
// IAM requires (element names are case-sensitive).
var (
	documentElements  = []string{"Version", "Id", "Statement"}
	statementElements = []string{"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"}
)

func ruleInvalidPolicyElement() *Rule {
	r := &Rule{
		Code:  "INVALID_POLICY_ELEMENT",
		Type:  Error,
		Title: "A policy has an element IAM does not know",
		Why: "IAM rejects policies with unknown elements, such as Actions or Resources (plural) or effect (lower case), " +
			"and trust policies with a Resource. The deploy fails with MalformedPolicyDocument.",
		Fix:       "rename the element as the message suggests, or remove it",
		Example:   "Statement:\n  - Effect: Allow\n    Actions: s3:GetObject\n    Resource: \"*\"",
		LearnMore: aaSection("error", "invalid-policy-element"),
	}
	r.Policy = func(c *PolicyContext) {
		d := c.Doc
		if c.Policy.Synthesized || d.Node == nil || d.Node.Kind != template.Map {
			return
		}
		for _, f := range d.Node.Fields {
			if !contains(documentElements, f.Key) {
				c.AtPos(f.KeyPos, 0, f.Key, f.Key, unknownElement(f.Key, "a policy document", documentElements), "")
			}
		}
		for _, s := range d.Statements {
			for _, f := range s.Node.Fields {
				path := s.Path + "." + f.Key
				switch {
				case !contains(statementElements, f.Key):
					c.AtPos(f.KeyPos, 0, path, f.Key, unknownElement(f.Key, "a statement", statementElements), "")
				case c.Policy.Kind == template.Trust && (f.Key == "Resource" || f.Key == "NotResource"):
					c.AtPos(f.KeyPos, 0, path, f.Key,
						fmt.Sprintf("A trust policy cannot have %s: it applies to the role itself. IAM rejects it (MalformedPolicyDocument: Has prohibited field %s).", f.Key, f.Key),
						"remove "+f.Key+" from the trust policy statement")
				}
			}
		}
	}
	return r
}

func unknownElement(key, where string, known []string) string {
	msg := fmt.Sprintf("%q is not an element of %s.", key, where)
	if s, ok := spelling.Closest(key, known); ok {
		msg += fmt.Sprintf(" Did you mean %s?", s)
	} else {
		msg += fmt.Sprintf(" The elements are %v.", known)
	}
	return msg
}
