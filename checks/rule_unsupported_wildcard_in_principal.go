package checks

import (
	"fmt"
	"strings"
)

func ruleUnsupportedWildcardInPrincipal() *Rule {
	r := &Rule{
		Code:  "UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
		Type:  Error,
		Title: "A principal has a wildcard inside it",
		Why: "Principals do not take wildcards except \"*\" on its own: arn:aws:iam::123456789012:role/deploy-* or " +
			"arn:aws:iam::*:root are rejected by IAM, and the deploy fails. To match principals by pattern, use " +
			"Principal \"*\" with a condition on aws:PrincipalArn.",
		Fix:       "name the principals exactly, or use Principal {AWS: \"*\"} with Condition ArnLike aws:PrincipalArn",
		Example:   "Principal:\n  AWS: arn:aws:iam::123456789012:role/deploy-*",
		LearnMore: aaSection("error", "unsupported-wildcard-in-principal"),
	}
	r.Policy = func(c *PolicyContext) {
		for _, s := range c.Doc.Statements {
			for _, e := range principalElements(s) {
				for _, typ := range e.p.TypeNames() {
					for _, v := range e.p.Types[typ].Values {
						text := strings.TrimSpace(v.Text)
						if !v.Known || !strings.ContainsAny(text, "*?") || (text == "*" && typ == "AWS") {
							continue
						}
						fix := r.Fix
						if typ == "AWS" {
							fix = fmt.Sprintf("use Principal {AWS: \"*\"} with Condition {ArnLike: {aws:PrincipalArn: %q}}, and keep an account condition", text)
						}
						c.At(v.Node, v.Path, text, fmt.Sprintf("The %s principal %q has a wildcard; principals match exactly, and IAM rejects it.", typ, text), fix)
					}
				}
			}
		}
	}
	return r
}
