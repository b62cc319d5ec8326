package checks

import (
	"fmt"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/awsid"
	"github.com/tollgate-dev/tollgate/policy"
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
			"(aws:PrincipalOrgID, aws:PrincipalAccount, aws:SourceAccount, aws:SourceArn, ...) keeps it in bounds, " +
			"unless it names an account or organization that is not yours. Conditions with IfExists or " +
			"ForAllValues do not count: they let in callers without the key.",
		Fix: "name the account you mean (arn:aws:iam::123456789012:root), or add a condition on aws:PrincipalOrgID or " +
			"aws:PrincipalAccount; if the access is intended, list the account in trusted-accounts in .tollgate.yml",
		Example:   "AssumeRolePolicyDocument:\n  Statement:\n    - Effect: Allow\n      Principal: {AWS: \"*\"}\n      Action: sts:AssumeRole",
		LearnMore: docsURL + "external_principal",
	}
	r.Policy = func(c *PolicyContext) {
		if c.Policy.Kind == template.Identity || c.IsBoundary() {
			return
		}
		o := c.Options
		for _, s := range c.Doc.Statements {
			if !s.Allows() || s.Principal == nil {
				continue
			}
			rest := o.callerRestriction(s)
			if rest.limited {
				continue
			}
			report := func(node *template.Node, path, what string) {
				if len(rest.external) > 0 {
					c.At(node, path, strings.Join(rest.external, ","), conditionMessage(c, rest), externalFix(rest.external))
					return
				}
				c.At(node, path, "*", everyoneMessage(c, what), c.Policy.Narrow)
			}
			if s.Principal.Wildcard {
				if !o.trustsPrincipal("*") {
					report(s.Principal.Node, s.Principal.Path, `Principal "*"`)
				}
				continue
			}
			for _, v := range s.Principal.Types["AWS"].Values {
				scope, acct := awsPrincipalScope(v, o.Values.AccountID)
				switch {
				case scope == scopeEveryone && !o.trustsPrincipal("*"):
					report(v.Node, v.Path, `Principal AWS "*"`)
				case scope == scopeAccount && o.Values.AccountID != "" && !o.trusted(acct) && !o.trustsPrincipal(v.Text) && !o.logDelivery(c, s, v):
					c.At(v.Node, v.Path, acct, accountMessage(c, acct), externalFix([]string{acct}))
				}
			}
			for _, v := range s.Principal.Types["Federated"].Values {
				if acct, ok := providerAccount(v); ok && o.Values.AccountID != "" && !o.trusted(acct) && !o.trustsPrincipal(v.Text) {
					c.At(v.Node, v.Path, acct, providerMessage(c, v.Text, acct), externalFix([]string{acct}))
				}
			}
		}
	}
	return r
}

// providerAccount returns the account of a SAML or OIDC identity provider
// ARN (arn:aws:iam::111111111111:saml-provider/Corp), when it is literal.
func providerAccount(v policy.Value) (string, bool) {
	if !v.Known {
		return "", false
	}
	fields := strings.SplitN(strings.TrimSpace(v.Text), ":", 6)
	if len(fields) < 6 || fields[0] != "arn" || fields[2] != "iam" ||
		!(strings.HasPrefix(fields[5], "saml-provider/") || strings.HasPrefix(fields[5], "oidc-provider/")) {
		return "", false
	}
	return fields[4], awsid.IsAccount(fields[4])
}

// trustsPrincipal reports whether a principal value was declared trusted
// as such: its ARN, an identity provider, or "*" for anonymous access.
func (o *Options) trustsPrincipal(value string) bool {
	return contains(o.TrustedPrincipals, strings.TrimSpace(value))
}

func providerMessage(c *PolicyContext, provider, acct string) string {
	return fmt.Sprintf("The trust policy lets users of the identity provider %s assume this role; its account %s is neither the account this template deploys to (%s) nor a trusted account.",
		provider, acct, c.Options.Values.AccountID)
}

// logDelivery reports whether v is an AWS log-delivery account granted what
// its service needs (LOG_DELIVERY_ACCOUNT_PRINCIPAL says so instead).
func (o *Options) logDelivery(c *PolicyContext, s *policy.Statement, v policy.Value) bool {
	if o.ExternalLogDeliveryAccounts {
		return false
	}
	_, ok := logDeliveryGrant(c, s, v)
	return ok
}

func externalFix(ids []string) string {
	kind, flag := "trusted-accounts", ids[0]
	if strings.HasPrefix(ids[0], "o-") {
		kind = "trusted-orgs"
	}
	return fmt.Sprintf("if %s is meant to have access, add it to %s in .tollgate.yml (or pass --allow-external-principal %s); otherwise remove it",
		strings.Join(ids, ", "), kind, flag)
}

func everyoneMessage(c *PolicyContext, what string) string {
	if c.Policy.Kind == template.Trust {
		return fmt.Sprintf("The trust policy lets any AWS account assume this role (%s, no condition on the caller's organization or account).", what)
	}
	if c.Policy.Synthesized && c.Policy.Noun != "" && !(c.Policy.Name == "BucketAcl" && what == `Principal "*"`) {
		// A permission (layer, event bus) or an AuthenticatedUsers grant:
		// every AWS account, though not anonymous callers.
		return fmt.Sprintf("The %s grants access to every AWS account (%s, no condition on the caller's organization or account).", c.KindNoun(), what)
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

func conditionMessage(c *PolicyContext, r restriction) string {
	who := "account"
	if strings.HasPrefix(r.external[0], "o-") {
		who = "organization"
	}
	if len(r.external) > 1 {
		who += "s"
	}
	verb := "lets " + who + " " + strings.Join(r.external, ", ") + " in"
	if c.Policy.Kind == template.Trust {
		verb = "lets " + who + " " + strings.Join(r.external, ", ") + " assume this role"
	}
	return fmt.Sprintf("The %s %s: its condition %s names %s, which is not trusted.", c.KindNoun(), verb, r.cond.Key, strings.Join(r.external, ", "))
}

// PublicStatements returns the indexes of the Allow statements of a trust
// or resource policy that let anyone in: Principal "*" (or AWS "*") with
// no condition that keeps the caller to an account, organization, network
// or source. It answers IAM Access Analyzer's CheckNoPublicAccess offline.
func (o *Options) PublicStatements(doc *policy.Document) []int {
	var out []int
	for _, s := range doc.Statements {
		if !s.Allows() || s.Principal == nil {
			continue
		}
		if rest := o.callerRestriction(s); rest.limited || len(rest.external) > 0 {
			continue
		}
		everyone := s.Principal.Wildcard
		for _, v := range s.Principal.Types["AWS"].Values {
			if scope, _ := awsPrincipalScope(v, o.Values.AccountID); scope == scopeEveryone {
				everyone = true
			}
		}
		if everyone {
			out = append(out, s.Index)
		}
	}
	return out
}
