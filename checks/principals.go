package checks

import (
	"github.com/tollgate-dev/tollgate/internal/awsid"
	"strings"

	"github.com/tollgate-dev/tollgate/policy"
	"github.com/tollgate-dev/tollgate/template"
)

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
	if !awsid.IsAccount(acct) {
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
			colons += strings.Count(p.Value, ":")
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

// trusted reports whether account is the deploy account or a trusted one.
func (o *Options) trusted(account string) bool {
	if account == o.Values.AccountID && account != "" {
		return true
	}
	return contains(o.TrustedAccounts, account)
}

// Condition keys by what they say about the caller.
var (
	accountKeys = map[string]bool{"aws:principalaccount": true, "aws:sourceaccount": true, "aws:sourceowner": true, "kms:calleraccount": true}
	orgKeys     = map[string]bool{"aws:principalorgid": true, "aws:sourceorgid": true}
	orgPathKeys = map[string]bool{"aws:principalorgpaths": true, "aws:sourceorgpaths": true}
	arnKeys     = map[string]bool{"aws:principalarn": true, "aws:sourcearn": true}
	// otherLimits narrow the caller in ways an offline check cannot place
	// inside or outside the organization (a network, a service, an ID).
	otherLimits = map[string]bool{
		"aws:sourcevpc": true, "aws:sourcevpce": true, "aws:sourceip": true, "aws:vpcsourceip": true,
		"aws:sourcevpcarn": true, "aws:userid": true, "aws:principalservicename": true,
		"aws:principalservicenameslist": true, "aws:vpceaccount": true, "aws:vpceorgid": true, "aws:vpceorgpaths": true,
	}
)

// restriction is what a statement's conditions say about its caller.
type restriction struct {
	// limited: some condition keeps the caller to the deploy account, a
	// trusted account or organization, a network, or something computed
	// at deploy time. Nothing external can be proven.
	limited bool
	// external names the untrusted accounts or organizations that every
	// limiting condition still lets in, with the condition naming them.
	external []string
	cond     *policy.Condition
}

// verdict is what one condition says about the caller.
type verdict int

const (
	noLimit      verdict = iota // the condition does not limit the caller
	limitTrusted                // to trusted or unknowable callers
	limitExternal
)

// callerRestriction reads the conditions of an Allow statement. Conditions
// are ANDed, so one that keeps the caller inside is enough; the values of
// one condition are ORed, so one value that lets anyone in voids it.
func (o *Options) callerRestriction(s *policy.Statement) restriction {
	var r restriction
	for i := range s.Conditions {
		c := &s.Conditions[i]
		key := strings.ToLower(c.Key)
		if !positiveCondition(c) {
			continue
		}
		var v verdict
		var ext []string
		switch {
		case key == "aws:principalisawsservice":
			if c.Values.Has("true", true) && c.Values.AllKnown() {
				v = limitTrusted
			}
		case otherLimits[key]:
			v = limitTrusted
		case accountKeys[key], orgKeys[key], orgPathKeys[key], arnKeys[key]:
			v, ext = o.judgeValues(c, key)
		default:
			continue
		}
		switch v {
		case limitTrusted:
			return restriction{limited: true}
		case limitExternal:
			if r.external == nil {
				r.external, r.cond = ext, c
			}
		}
	}
	return r
}

// judgeValues reads the values of an account, organization or ARN
// condition. Its values are ORed: one that lets anyone in voids the
// condition, and one naming an untrusted account lets that account in
// whatever the other values are.
func (o *Options) judgeValues(c *policy.Condition, key string) (verdict, []string) {
	if len(c.Values.Values) == 0 {
		return noLimit, nil
	}
	var ext []string
	for _, v := range c.Values.Values {
		if !v.Known {
			continue // computed at deploy time: assume it names a trusted caller
		}
		text := strings.TrimSpace(v.Text)
		var id string
		switch {
		case orgPathKeys[key]:
			id, _, _ = strings.Cut(text, "/")
		case arnKeys[key]:
			fields := strings.SplitN(text, ":", 6)
			if len(fields) < 6 {
				if hasHole(text) {
					return noLimit, nil // "*" or "arn:*"
				}
				continue
			}
			id = fields[4]
			if id == "" {
				continue // an S3 bucket ARN: its owner is not in it
			}
		default:
			id = text
		}
		switch {
		case id == "" || strings.Trim(id, "*?") == "":
			return noLimit, nil // a wildcard that lets every caller in
		case hasHole(id):
			if c.Base == "StringLike" || c.Base == "ArnLike" {
				return noLimit, nil // a partial wildcard: cannot tell whose
			}
		case awsid.IsAccount(id):
			if o.Values.AccountID != "" && !o.trusted(id) {
				ext = append(ext, id)
			}
		case awsid.IsOrg(id):
			if len(o.TrustedOrgs) > 0 && !contains(o.TrustedOrgs, id) {
				ext = append(ext, id)
			}
		}
	}
	if len(ext) > 0 {
		return limitExternal, ext
	}
	return limitTrusted, nil
}
