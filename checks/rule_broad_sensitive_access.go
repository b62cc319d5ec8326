package checks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tollgate-dev/tollgate/iamdata"
	"github.com/tollgate-dev/tollgate/policy"
)

// SensitiveAccess configures BROAD_SENSITIVE_ACCESS (broad-sensitive-access
// in .tollgate.yml). A nil field takes its default.
type SensitiveAccess struct {
	// Wildcards are the access levels ("permissions-management", "write",
	// "read", "list", "tagging") that make a wildcard action (s3:*,
	// ec2:Delete*) sensitive on every resource.
	Wildcards []string
	// Actions are the access levels that make a single action sensitive on
	// every resource.
	Actions []string
	// Secrets are the actions (patterns allowed) that read secrets: any
	// grant of them on every resource is sensitive.
	Secrets []string
	// Allow are actions (patterns allowed) never reported.
	Allow []string
}

// Default settings of BROAD_SENSITIVE_ACCESS.
var (
	DefaultSensitiveWildcards = []string{"permissions-management", "write"}
	DefaultSensitiveActions   = []string{"permissions-management"}
	DefaultSecretReads        = []string{
		"secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue",
		"ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:GetParameterHistory",
		"kms:Decrypt", "ssm-contacts:GetContactChannel", "sts:GetFederationToken",
	}
)

// AccessLevelNames maps the names configuration uses to the service
// reference's access levels.
var AccessLevelNames = map[string]iamdata.AccessLevel{
	"permissions-management": iamdata.PermissionsManagement,
	"write":                  iamdata.Write,
	"read":                   iamdata.Read,
	"list":                   iamdata.List,
	"tagging":                iamdata.Tagging,
}

// sensitivity is SensitiveAccess resolved once per checker.
type sensitivity struct {
	wildcards, actions map[iamdata.AccessLevel]bool
	secrets, allow     []string
}

func (o *Options) sensitivity() *sensitivity {
	s := o.Sensitive
	if s == nil {
		s = &SensitiveAccess{}
	}
	levels := func(names, def []string) map[iamdata.AccessLevel]bool {
		if names == nil {
			names = def
		}
		m := map[iamdata.AccessLevel]bool{}
		for _, n := range names {
			if l, ok := AccessLevelNames[strings.ToLower(n)]; ok {
				m[l] = true
			}
		}
		return m
	}
	secrets := s.Secrets
	if secrets == nil {
		secrets = DefaultSecretReads
	}
	return &sensitivity{wildcards: levels(s.Wildcards, DefaultSensitiveWildcards), actions: levels(s.Actions, DefaultSensitiveActions),
		secrets: lowered(secrets), allow: lowered(s.Allow)}
}

func lowered(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(s)
	}
	return out
}

// matchesAny reports whether a lower-case action matches one of the
// lower-case patterns.
func matchesAny(patterns []string, action string) bool {
	for _, p := range patterns {
		if iamdata.WildcardMatch(p, action) {
			return true
		}
	}
	return false
}

// coveringCodes are the rules whose finding on the same action already says
// more than this one would.
var coveringCodes = map[string]bool{"ADMINISTRATOR_ACCESS": true, "PRIVILEGE_ESCALATION": true,
	"PASS_ROLE_WITH_STAR_IN_RESOURCE": true, "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE": true,
	"PASS_ROLE_WITH_NOT_RESOURCE": true, "PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE": true,
	"PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION": true, "PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE": true}

func ruleBroadSensitiveAccess() *Rule {
	r := &Rule{
		Code:  "BROAD_SENSITIVE_ACCESS",
		Type:  Warning,
		Title: "A policy grants sensitive actions on every resource",
		Why: "A reviewer should see when a role may read every secret (secretsmanager:GetSecretValue, ssm:GetParameter*, " +
			"kms:Decrypt on \"*\"), change the permissions of any resource (Permissions management actions such as " +
			"s3:PutBucketPolicy or kms:CreateGrant on \"*\"), or change every resource of a service (cloudformation:*, " +
			"ec2:*, lambda:*, s3:*, iot:* on \"*\"). Which actions count comes from the access levels of the IAM " +
			"service reference; actions that only work on \"*\" (they have no resource types) are never reported, " +
			"since nothing narrower can be written. A condition on the resource (aws:ResourceTag, aws:ResourceAccount, " +
			"a service's own keys, what the request carries, or the service it goes through) narrows the grant, and the statement is not reported; one on the caller or the context (transport, Region, MFA, time, network) does not.",
		Fix: "name the resources the principal needs (their ARNs), or the actions it calls; if the grant is intended, " +
			"list the action under broad-sensitive-access.allow in .tollgate.yml",
		Example:   "Statement:\n  - Effect: Allow\n    Action: secretsmanager:GetSecretValue\n    Resource: \"*\"",
		LearnMore: docsURL + "broad_sensitive_access",
	}
	r.Policy = func(c *PolicyContext) {
		if !c.grantsPermissions() {
			return
		}
		if c.sens == nil {
			c.sens = c.Options.sensitivity()
		}
		for _, s := range c.Doc.Statements {
			if !s.Allows() || !everyResource(c, s) || narrowsResource(c.Options.Data, s) {
				continue
			}
			for _, v := range s.Action.Values {
				c.broadAction(v)
			}
		}
	}
	return r
}

// broadAction reports one action value of a statement on every resource.
func (c *PolicyContext) broadAction(v policy.Value) {
	if !v.Known {
		return
	}
	text := strings.TrimSpace(v.Text)
	prefix, name, ok := splitAction(text)
	if !ok || text == "*" || strings.ContainsAny(prefix, "*?") || matchesAny(c.sens.allow, strings.ToLower(text)) || c.covered(v.Path) {
		return
	}
	acts := c.Options.Data.MatchActions(prefix, name)
	wildcard := strings.ContainsAny(name, "*?")
	levels := c.sens.actions
	if wildcard {
		levels = c.sens.wildcards
	}
	var byLevel map[iamdata.AccessLevel][]string
	var secrets []string
	lp := strings.ToLower(prefix) + ":"
	for _, a := range acts {
		l, sensitive := sensitiveLevel(a.Access, levels)
		sensitive = sensitive && len(a.Resources) > 0
		if !sensitive && len(c.sens.secrets) == 0 {
			continue
		}
		lower := lp + strings.ToLower(a.Name)
		switch {
		case matchesAny(c.sens.allow, lower):
		case matchesAny(c.sens.secrets, lower):
			secrets = append(secrets, prefix+":"+a.Name)
		case sensitive:
			if byLevel == nil {
				byLevel = map[iamdata.AccessLevel][]string{}
			}
			byLevel[l] = append(byLevel[l], prefix+":"+a.Name)
		}
	}
	if len(secrets) == 0 && len(byLevel) == 0 {
		return
	}
	c.At(v.Node, v.Path, text, broadMessage(c, text, wildcard, secrets, byLevel), "")
}

func broadMessage(c *PolicyContext, action string, wildcard bool, secrets []string, byLevel map[iamdata.AccessLevel][]string) string {
	prefix := strings.SplitN(action, ":", 2)[0]
	if !wildcard {
		if len(secrets) > 0 {
			return fmt.Sprintf("%s on every resource reads every secret it applies to in the account, not only those this principal needs.", action)
		}
		if len(byLevel[iamdata.PermissionsManagement]) > 0 {
			return fmt.Sprintf("%s on every resource lets the principal change who may access any %s resource it applies to (Permissions management), not only those it needs.", action, prefix)
		}
		for l := range byLevel {
			return fmt.Sprintf("%s (%s) on every resource applies to any %s resource, not only those this principal needs.", action, l, prefix)
		}
	}
	var parts, examples []string
	for _, l := range levelOrder {
		if n := len(byLevel[l]); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, l))
			examples = append(examples, sample(byLevel[l], 2)...)
		}
	}
	what := strings.Join(parts, " and ") + " actions"
	switch {
	case len(secrets) > 0 && len(parts) > 0:
		what += fmt.Sprintf(", and %d that read secrets", len(secrets))
		examples = append(examples, sample(secrets, 1)...)
	case len(secrets) > 0:
		what = fmt.Sprintf("%d actions that read secrets", len(secrets))
		examples = append(examples, sample(secrets, 2)...)
	}
	return fmt.Sprintf("%s on every resource grants %s on all %s resources (%s, ...), not only those this principal needs.",
		action, what, prefix, strings.Join(examples, ", "))
}

// levelOrder is the access levels, most sensitive first.
var levelOrder = []iamdata.AccessLevel{iamdata.PermissionsManagement, iamdata.Write, iamdata.Tagging, iamdata.Read, iamdata.List}

// sensitiveLevel returns the most sensitive of an action's access levels
// (the reference gives some two: "Permissions management, Write") that is
// among levels.
func sensitiveLevel(access iamdata.AccessLevel, levels map[iamdata.AccessLevel]bool) (iamdata.AccessLevel, bool) {
	if levels[access] {
		return access, true
	}
	if !strings.Contains(string(access), ", ") {
		return "", false
	}
	for _, l := range levelOrder {
		if levels[l] && strings.Contains(string(access), string(l)) {
			return l, true
		}
	}
	return "", false
}

// sample returns up to n of the names, sorted.
func sample(names []string, n int) []string {
	s := append([]string(nil), names...)
	sort.Strings(s)
	if len(s) > n {
		s = s[:n]
	}
	return s
}

// everyResource reports whether a statement applies to every resource:
// Resource "*", an ARN whose resource part is "*", or NotResource.
func everyResource(c *PolicyContext, s *policy.Statement) bool {
	if s.NotResource.Present {
		return true
	}
	for _, v := range s.Resource.Values {
		if !v.Known {
			continue
		}
		t := strings.TrimSpace(v.Text)
		if t == "*" {
			return true
		}
		if f := strings.SplitN(t, ":", 6); len(f) == 6 && f[0] == "arn" && f[5] == "*" {
			return true
		}
	}
	return false
}

// narrowsResource reports whether a statement's conditions narrow what it
// applies to: a condition, in a form that narrows (see narrows), on the
// resource (aws:ResourceTag, a service's resource keys), on what the
// request carries (ec2:Subnet, aws:RequestTag) or on the service it goes
// through (aws:CalledVia, kms:ViaService). Keys about the caller or the
// context (transport, Region, time, network) do not.
func narrowsResource(data *iamdata.Set, s *policy.Statement) bool {
	for i := range s.Conditions {
		c := &s.Conditions[i]
		switch ClassifyKey(data, c.Key) {
		case KeyResource, KeyRequest, KeySource:
			if ok, _ := narrows(data, c); ok {
				return true
			}
		}
	}
	return false
}

// covered reports whether a rule that says more (ADMINISTRATOR_ACCESS,
// PRIVILEGE_ESCALATION, the PassRole rules) already reported this element.
func (c *PolicyContext) covered(path string) bool {
	full := c.Policy.Path + "." + path
	for _, f := range c.Findings() {
		if coveringCodes[f.Code] && f.Resource == c.Policy.LogicalID && (f.Path == full || strings.HasPrefix(full, f.Path+".")) && f.Branch == c.Policy.Branch {
			return true
		}
	}
	return false
}
