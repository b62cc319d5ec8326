package checks

import (
	"strings"

	"github.com/tollgate-dev/tollgate/policy"
)

func ruleAdministratorAccess() *Rule {
	r := &Rule{
		Code:  "ADMINISTRATOR_ACCESS",
		Type:  SecurityWarning,
		Title: "A role, user or group gets every permission",
		Why: "Action \"*\" on Resource \"*\", or the AWS managed policy AdministratorAccess, lets the principal do " +
			"anything in the account, including turning off logging and granting access to others. A compromised " +
			"workload with it compromises the account.",
		Fix: "grant the actions the workload needs on the resources it uses; if administrator access is intended " +
			"(a break-glass role), suppress the finding with the reason",
		Example:   "Statement:\n  - Effect: Allow\n    Action: \"*\"\n    Resource: \"*\"",
		LearnMore: docsURL + "administrator_access",
	}
	r.Policy = func(c *PolicyContext) {
		if !c.grantsPermissions() {
			return
		}
		for _, s := range c.Doc.Statements {
			if v, ok := administratorStatement(s); ok {
				c.At(v.Node, v.Path, "*", "The statement allows every action on every resource: administrator access.", "")
			}
		}
	}
	r.Template = func(c *TemplateContext) {
		for _, m := range c.Extraction.ManagedPolicies {
			s, ok := m.ARN.Str()
			if !ok || !strings.HasSuffix(s, ":iam::aws:policy/AdministratorAccess") {
				continue
			}
			c.Report(Report{Pos: m.ARN.Pos, EndLine: m.ARN.EndLine, Resource: m.LogicalID, ResourceType: m.ResourceType,
				Path: m.Path, Subject: s, Message: "The AWS managed policy AdministratorAccess gives " + m.LogicalID + " every permission in the account."})
		}
	}
	return r
}

// administratorStatement returns the "*" action of an unconditional Allow
// on every resource.
func administratorStatement(s *policy.Statement) (policy.Value, bool) {
	if !s.Allows() || !s.Resource.Has("*", false) || !unconditional(s) {
		return policy.Value{}, false
	}
	for _, v := range s.Action.Values {
		if v.Known && (strings.TrimSpace(v.Text) == "*" || strings.TrimSpace(v.Text) == "*:*") {
			return v, true
		}
	}
	return policy.Value{}, false
}

func hasAdministratorStatement(d *policy.Document) bool {
	for _, s := range d.Statements {
		if _, ok := administratorStatement(s); ok {
			return true
		}
	}
	return false
}
