package checks

import (
	"strings"

	"github.com/tollgate-dev/tollgate/iamdata"
	"github.com/tollgate-dev/tollgate/policy"
)

func ruleAdministratorAccess() *Rule {
	r := &Rule{
		Code:  "ADMINISTRATOR_ACCESS",
		Type:  SecurityWarning,
		Title: "A role, user or group gets every permission",
		Why: "Action \"*\" on Resource \"*\", or an AWS managed policy that grants it (AdministratorAccess), lets the " +
			"principal do anything in the account, including turning off logging and granting access to others. A " +
			"compromised workload with it compromises the account. A condition on how, when or from where the request " +
			"is made (aws:SecureTransport, aws:RequestedRegion, aws:MultiFactorAuthPresent, aws:CurrentTime, " +
			"aws:UserAgent, aws:SourceIp, aws:SourceVpc…), a negated operator, Null, ForAllValues or IfExists on a key " +
			"a request may lack does not change that. Only a condition that narrows who gets the access or what it " +
			"applies to (aws:PrincipalArn, aws:PrincipalOrgID, aws:ResourceTag, aws:SourceArn, aws:CalledVia, or a " +
			"service's own key, which only that service's requests carry) softens the finding to a WARNING that says " +
			"what remains. A Deny without condition on every resource that takes actions away means the principal no " +
			"longer has every permission; PRIVILEGE_ESCALATION then judges what is left. The rule judges each policy, " +
			"and each principal's attached AWS managed policies by their content, at the line that attaches them.",
		Fix: "grant the actions the workload needs on the resources it uses; if administrator access is intended " +
			"(a break-glass role), suppress the finding with the reason",
		Example:   "Statement:\n  - Effect: Allow\n    Action: \"*\"\n    Resource: \"*\"\n    Condition:\n      Bool: {aws:SecureTransport: true}   # does not narrow it",
		LearnMore: docsURL + "administrator_access",
	}
	r.Policy = func(c *PolicyContext) {
		if !c.grantsPermissions() {
			return
		}
		for _, a := range c.facts(c.Doc).admin {
			rep := c.atNode(a.v.Node, a.v.Path, "*", "", "")
			rep.Message, rep.Type = adminMessage(c.Options.Data, a, "The statement allows every action on every resource")
			c.Report(rep)
		}
	}
	r.Template = func(c *TemplateContext) {
		for _, f := range c.effective().admin {
			c.Report(f)
		}
	}
	return r
}

// adminGrant is a statement that allows every action on every resource.
type adminGrant struct {
	s      *policy.Statement
	v      policy.Value
	narrow narrowing
}

// adminGrants returns the statements of a document that grant
// administrator access (factsOf leaves them out when an unconditional Deny
// on every resource takes some actions away).
func adminGrants(data *iamdata.Set, stmts []*policy.Statement) []adminGrant {
	var out []adminGrant
	for _, s := range stmts {
		if v, ok := administratorStatement(s); ok {
			out = append(out, adminGrant{s: s, v: v, narrow: conditionsOf(data, s, nil)})
		}
	}
	return out
}

// adminMessage words an administrator access finding, and softens it to a
// WARNING when a condition narrows the grant. lead says what grants it.
func adminMessage(data *iamdata.Set, a adminGrant, lead string) (string, Type) {
	if a.narrow.narrowed() {
		them := "it"
		if len(a.narrow.narrow) > 1 {
			them = "them"
		}
		return lead + " only where " + a.narrow.where(data) + ": administrator access remains for every request that meets " + them + "." + a.narrow.looseNote(), Warning
	}
	return lead + ": administrator access." + a.narrow.looseNote(), ""
}

// administratorStatement returns the "*" action of an Allow on every
// resource, whatever its conditions.
func administratorStatement(s *policy.Statement) (policy.Value, bool) {
	if !s.Allows() || !s.Resource.Has("*", false) {
		return policy.Value{}, false
	}
	for _, v := range s.Action.Values {
		if v.Known && (strings.TrimSpace(v.Text) == "*" || strings.TrimSpace(v.Text) == "*:*") {
			return v, true
		}
	}
	return policy.Value{}, false
}
