package checks

import (
	"fmt"
	"regexp"

	"github.com/tollgate-dev/tollgate/template"
)

// principalPath matches the path of a statement's Principal or NotPrincipal
// element, or of anything inside it.
var principalPath = regexp.MustCompile(`^Statement(\[\d+\])?\.(Not)?Principal(\.|\[|$)`)

func ruleDataTypeMismatch() *Rule {
	r := &Rule{
		Code:  "DATA_TYPE_MISMATCH",
		Type:  Error,
		Title: "A policy element has the wrong JSON type",
		Why: "IAM rejects a policy whose elements have the wrong shape: a Statement that is a string, an Action " +
			"that is an object, a Principal that is an ARN string instead of {\"AWS\": ARN}. CloudFormation fails the " +
			"deploy with MalformedPolicyDocument after the change was approved.",
		Fix:       "give the element the type the message names",
		Example:   "PolicyDocument:\n  Version: \"2012-10-17\"\n  Statement:\n    - Effect: Allow\n      Action: {s3: GetObject}\n      Resource: \"*\"",
		LearnMore: aaSection("error", "data-type-mismatch"),
	}
	r.Policy = func(c *PolicyContext) {
		for _, p := range c.Doc.Problems {
			if c.Policy.Kind == template.Identity && principalPath.MatchString(p.Path) {
				// An identity policy may have no Principal of any shape:
				// UNSUPPORTED_PRINCIPAL reports the element once, and its
				// fix (remove it) makes the shape moot.
				continue
			}
			where := p.Path
			if where == "" {
				where = "The policy document"
			}
			c.AtPos(p.Pos, 0, p.Path, p.Path, fmt.Sprintf("%s: %s.", where, p.Message), "")
		}
	}
	return r
}
