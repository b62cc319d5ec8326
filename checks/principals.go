package checks

import (
	"regexp"
	"strings"

	"github.com/tollgate-dev/tollgate/policy"
	"github.com/tollgate-dev/tollgate/template"
)

var accountIDRE = regexp.MustCompile(`^\d{12}$`)

// principalScope is what an AWS principal value grants access to.
type principalScope int

const (
	// scopeUnknown: computed at deploy time (a GetAtt, a parameter).
	scopeUnknown principalScope = iota
	// scopeEveryone: "*".
	scopeEveryone
	// scopeAccount: a principal of one named account.
	scopeAccount
	// scopeOwn: a principal of the account the stack deploys to.
	scopeOwn
)

// awsPrincipalScope reads an AWS principal: "*", an account ID, or an ARN
// whose fifth field is the account. own is the deploy account ("" unknown).
func awsPrincipalScope(v policy.Value, own string) (principalScope, string) {
	if !v.Known {
		return unknownPrincipalScope(v.Node)
	}
	s := strings.TrimSpace(v.Text)
	if s == "*" {
		return scopeEveryone, ""
	}
	acct := s
	if strings.HasPrefix(s, "arn:") {
		fields := strings.SplitN(s, ":", 6)
		if len(fields) < 6 {
			return scopeUnknown, ""
		}
		acct = fields[4]
	}
	if !accountIDRE.MatchString(acct) {
		return scopeUnknown, ""
	}
	if acct == own {
		return scopeOwn, acct
	}
	return scopeAccount, acct
}

// unknownPrincipalScope handles a principal built at deploy time: a Sub
// whose account field is ${AWS::AccountId} is the stack's own account; a
// GetAtt or Ref to a resource of the template is in it too.
func unknownPrincipalScope(n *template.Node) (principalScope, string) {
	if n == nil {
		return scopeUnknown, ""
	}
	if o := n.Origin; o != nil && o.Resource != "" {
		return scopeOwn, ""
	}
	if o := n.Origin; o != nil && o.Pseudo == "AWS::AccountId" {
		return scopeOwn, ""
	}
	if len(n.Items) == 0 {
		return scopeUnknown, ""
	}
	// Find which part holds the account field (after the fourth colon).
	colons := 0
	for _, p := range n.Items {
		if p.Kind == template.String {
			for _, r := range p.Value {
				if r == ':' {
					colons++
				}
			}
			if colons > 4 {
				// The account field was entirely literal text.
				return scopeUnknown, ""
			}
			continue
		}
		if colons == 4 {
			if p.Origin != nil && p.Origin.Pseudo == "AWS::AccountId" {
				return scopeOwn, ""
			}
			return scopeUnknown, ""
		}
	}
	return scopeUnknown, ""
}

// restrictingKeys are the condition keys that limit which principals a
// statement lets in (by organization, account, source or network).
var restrictingKeys = map[string]bool{
	"aws:principalorgid":        true,
	"aws:principalorgpaths":     true,
	"aws:principalaccount":      true,
	"aws:principalarn":          true,
	"aws:sourceaccount":         true,
	"aws:sourcearn":             true,
	"aws:sourceorgid":           true,
	"aws:sourceorgpaths":        true,
	"aws:sourceowner":           true,
	"aws:sourcevpc":             true,
	"aws:sourcevpce":            true,
	"aws:sourceip":              true,
	"aws:vpcsourceip":           true,
	"aws:userid":                true,
	"aws:principalisawsservice": true,
	"kms:calleraccount":         true,
}

// positiveOperators are the operators whose condition holds only for the
// values listed; negated operators (StringNotEquals) let everyone else in.
var positiveOperators = map[string]bool{
	"StringEquals": true, "StringEqualsIgnoreCase": true, "StringLike": true,
	"ArnEquals": true, "ArnLike": true, "IpAddress": true, "Bool": true,
}

// restrictingCondition returns the first condition of s that limits the
// principals it applies to, or nil.
func restrictingCondition(s *policy.Statement) *policy.Condition {
	for i := range s.Conditions {
		c := &s.Conditions[i]
		if !restrictingKeys[strings.ToLower(c.Key)] || !positiveOperators[c.Base] || c.IfExists {
			continue
		}
		if strings.EqualFold(c.Key, "aws:PrincipalIsAWSService") {
			if c.Values.Has("true", true) {
				return c
			}
			continue
		}
		if c.Base == "Bool" {
			continue
		}
		wild := len(c.Values.Values) > 0
		for _, v := range c.Values.Values {
			if !v.Known || strings.Trim(v.Text, "*?") != "" {
				wild = false
			}
		}
		if !wild {
			return c
		}
	}
	return nil
}

// trusted reports whether account is the deploy account or a trusted one.
func (o *Options) trusted(account string) bool {
	if account == o.Values.AccountID && account != "" {
		return true
	}
	for _, a := range o.TrustedAccounts {
		if a == account {
			return true
		}
	}
	return false
}
