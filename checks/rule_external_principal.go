package checks

import (
	"fmt"

	"github.com/tollgate-dev/tollgate/template"
)

func ruleExternalPrincipal() *Rule {
	r := &Rule{
		Code:  "EXTERNAL_PRINCIPAL",
		Type:  SecurityWarning,
		Title: "A trust or resource policy lets in principals from outside your account",
		Why: "A trust policy with Principal \"*\" lets any AWS account assume the role; a resource policy with " +
			"Principal \"*\" grants access to anyone, often the public. Naming another account grants it access " +
			"that outlives whoever approved it. A condition on the caller's organization or account " +
			"(aws:PrincipalOrgID, aws:PrincipalAccount, aws:SourceAccount, aws:SourceArn, ...) keeps it in bounds.",
		Fix: "name the account you mean (arn:aws:iam::123456789012:root), or add a condition on aws:PrincipalOrgID or " +
			"aws:PrincipalAccount; if the access is intended, list the account in trusted-accounts in .tollgate.yml",
		Example:   "AssumeRolePolicyDocument:\n  Statement:\n    - Effect: Allow\n      Principal: {AWS: \"*\"}\n      Action: sts:AssumeRole",
		LearnMore: docsURL + "external_principal",
	}
	r.Policy = func(c *PolicyContext) {
		if c.Policy.Kind == template.Identity {
			return
		}
		for _, s := range c.Doc.Statements {
			if !s.Allows() || s.Principal == nil || restrictingCondition(s) != nil {
				continue
			}
			if s.Principal.Wildcard {
				c.At(s.Principal.Node, s.Principal.Path, "*", everyoneMessage(c, `Principal "*"`), "")
				continue
			}
			aws, ok := s.Principal.Types["AWS"]
			if !ok {
				continue
			}
			for _, v := range aws.Values {
				scope, acct := awsPrincipalScope(v, c.Options.Values.AccountID)
				switch {
				case scope == scopeEveryone:
					c.At(v.Node, v.Path, "*", everyoneMessage(c, `Principal AWS "*"`), "")
				case scope == scopeAccount && c.Options.Values.AccountID != "" && !c.Options.trusted(acct):
					c.At(v.Node, v.Path, acct, accountMessage(c, acct),
						fmt.Sprintf("if %s is meant to have access, add it to trusted-accounts in .tollgate.yml "+
							"(or pass --allow-external-principal %s); otherwise remove it", acct, acct))
				}
			}
		}
	}
	return r
}

func everyoneMessage(c *PolicyContext, what string) string {
	if c.Policy.Kind == template.Trust {
		return fmt.Sprintf("The trust policy lets any AWS account assume this role (%s, no condition on the caller's organization or account).", what)
	}
	return fmt.Sprintf("The %s grants access to any principal, including anonymous callers (%s, no condition on the caller's organization, account or source).", c.KindNoun(), what)
}

func accountMessage(c *PolicyContext, acct string) string {
	if c.Policy.Kind == template.Trust {
		return fmt.Sprintf("The trust policy lets account %s assume this role; it is neither the account this template deploys to (%s) nor a trusted account.",
			acct, c.Options.Values.AccountID)
	}
	return fmt.Sprintf("The %s grants access to account %s; it is neither the account this template deploys to (%s) nor a trusted account.",
		c.KindNoun(), acct, c.Options.Values.AccountID)
}
