package checks

import (
	"github.com/tollgate-dev/tollgate/iamdata"
	"github.com/tollgate-dev/tollgate/policy"
	"github.com/tollgate-dev/tollgate/template"
)

// Rule is one check. Each rule lives in its own file with a constructor, and
// Rules lists them all.
type Rule struct {
	// Code is the issue code, IAM Access Analyzer's where one exists.
	Code string
	Type Type
	// Title is a one-line summary: "Trust or resource policy allows an external principal".
	Title string
	// Why explains the risk; Fix says how to resolve it; Example shows a
	// template snippet that triggers the rule. They make the rules reference.
	Why     string
	Fix     string
	Example string
	// LearnMore links to the documentation of the problem.
	LearnMore string

	// Template examines a whole template; Policy examines one policy;
	// Change examines the diff of a template against its base revision
	// (only runs with a diff). A rule sets one or more.
	Template func(c *TemplateContext)
	Policy   func(c *PolicyContext)
	Change   func(c *ChangeContext)
	// After runs once every other rule has run on the template, and sees
	// their findings: suppressions are applied this way.
	After func(c *TemplateContext)
}

// Info is the description of a rule that renderers need (SARIF rules, the
// rules reference), without its functions.
type Info struct {
	Code      string `json:"code"`
	Type      Type   `json:"type"`
	Title     string `json:"title"`
	Why       string `json:"why"`
	Fix       string `json:"fix"`
	Example   string `json:"example,omitempty"`
	LearnMore string `json:"learnMore,omitempty"`
}

// Info returns the rule's description.
func (r *Rule) Info() Info {
	return Info{Code: r.Code, Type: r.Type, Title: r.Title, Why: r.Why, Fix: r.Fix, Example: r.Example, LearnMore: r.LearnMore}
}

// Options are what rules know about the deployment beyond the template.
type Options struct {
	// Data is the IAM service reference; required.
	Data *iamdata.Set
	// Values are the account, region and parameter values templates are
	// resolved with. Values.AccountID is the account templates deploy to.
	Values template.Values
	// TrustedAccounts and TrustedOrgs are accounts and AWS Organizations
	// (o-xxxxxxxxxx) that principals may come from without being external.
	TrustedAccounts []string
	TrustedOrgs     []string
	// AllowDynamicRefWithoutVersion accepts {{resolve:ssm:NAME}} without a
	// version in policies (cfn-policy-validator's
	// --allow-dynamic-ref-without-version).
	AllowDynamicRefWithoutVersion bool
	// ExternalLogDeliveryAccounts reports grants to AWS log-delivery
	// accounts (Elastic Load Balancing's) as EXTERNAL_PRINCIPAL, as IAM
	// Access Analyzer and cfn-policy-validator do, instead of the
	// LOG_DELIVERY_ACCOUNT_PRINCIPAL suggestion.
	ExternalLogDeliveryAccounts bool
}

// TemplateContext is what a template rule sees.
type TemplateContext struct {
	Options    *Options
	Template   *template.Template
	Extraction *template.Extraction
	// Policies are the parsed policies of the template, in extraction order.
	Policies []*PolicyContext
	rule     *Rule
	out      *[]Finding
	// arns caches ARN diagnoses by text: several rules read each ARN.
	arns map[string]*arnInfo
	// match decides pattern intersections with reused buffers.
	match matcher
	supp  *suppressions
	// boundaries are the managed policies used as permissions boundaries.
	boundaries map[string]bool
	// online is set when online backends ran on the template; ran holds
	// the codes of the offline rules that ran.
	online bool
	ran    map[string]bool
}

// suppressions returns the template's inline suppressions, read once.
func (c *TemplateContext) suppressions() *suppressions {
	if c.supp == nil {
		c.supp = readSuppressions(c.Template)
	}
	return c.supp
}

// Findings returns the findings reported so far; After rules may modify
// them (to mark them suppressed) but not remove them.
func (c *TemplateContext) Findings() []Finding { return *c.out }

// Report is one finding as a rule states it; the context adds the rule's
// code and type and the template's file.
type Report struct {
	Pos     template.Pos
	EndLine int
	// Resource is the logical ID the finding is about, when there is one.
	Resource     string
	ResourceType string
	Path         string
	// Subject is the offending value, part of the fingerprint.
	Subject string
	Message string
	Fix     string
	Branch  string
	// Policy names the policy as cfn-policy-validator does; PolicyPath is
	// the element's path inside the policy document.
	Policy     string
	PolicyPath string
}

// Report records a finding.
func (c *TemplateContext) Report(r Report) {
	fix := r.Fix
	if fix == "" {
		fix = c.rule.Fix
	}
	end := r.EndLine
	if end < r.Pos.Line {
		end = r.Pos.Line
	}
	*c.out = append(*c.out, Finding{
		Code: c.rule.Code, Type: c.rule.Type, Message: r.Message, Fix: fix,
		File: c.Template.File, Line: max(r.Pos.Line, 1), Column: max(r.Pos.Col, 1), EndLine: max(end, 1),
		Resource: r.Resource, ResourceType: r.ResourceType, Path: r.Path, Branch: r.Branch,
		Policy: r.Policy, PolicyPath: r.PolicyPath,
		Source: SourceOffline, LearnMore: c.rule.LearnMore, subject: r.Subject,
	})
}

// PolicyContext is what a policy rule sees: one policy, parsed.
type PolicyContext struct {
	*TemplateContext
	Policy *template.Policy
	Doc    *policy.Document
}

// At reports a finding at a node of the policy. path is relative to the
// document ("Statement[0].Action[1]").
func (c *PolicyContext) At(n *template.Node, path, subject, message, fix string) {
	if n != nil {
		c.AtPos(n.Pos, n.EndLine, path, subject, message, fix)
		return
	}
	c.AtPos(c.Policy.Pos, 0, path, subject, message, fix)
}

// AtPos reports a finding at a position in the policy, for elements that are
// not nodes (a condition key).
func (c *PolicyContext) AtPos(pos template.Pos, endLine int, path, subject, message, fix string) {
	r := Report{Path: c.Policy.Path, Subject: subject, Message: message, Fix: fix, Pos: pos, EndLine: endLine,
		Resource: c.Policy.LogicalID, ResourceType: c.Policy.ResourceType, Branch: c.Policy.Branch,
		Policy: policyName(c.Policy), PolicyPath: path}
	if path != "" && !c.Policy.Synthesized {
		r.Path += "." + path
	}
	if pos.IsZero() {
		r.Pos = c.Policy.Pos
	}
	c.Report(r)
}

// policyName names a policy as cfn-policy-validator does, so that scripts
// reading its output find the same names.
func policyName(p *template.Policy) string {
	switch {
	case p.Kind == template.Trust:
		return "TrustPolicy"
	case p.Name != "":
		return p.Name
	case p.Kind == template.Identity:
		return p.LogicalID
	}
	if n := p.Spec().PolicyName; n != "" {
		return n
	}
	return "ResourcePolicy"
}

// IsBoundary reports whether the policy is a managed policy that the
// template uses as a permissions boundary: it caps what a principal may do
// and grants nothing, so the rules about broad grants do not apply to it.
func (c *PolicyContext) IsBoundary() bool {
	if c.Policy.ResourceType != "AWS::IAM::ManagedPolicy" {
		return false
	}
	if c.boundaries == nil {
		c.boundaries = map[string]bool{}
		for _, r := range c.Template.Resources {
			if fn, arg, ok := r.Properties.Get("PermissionsBoundary").Intrinsic(); ok && fn == "Ref" {
				if id, ok := arg.Str(); ok {
					c.boundaries[id] = true
				}
			}
		}
	}
	return c.boundaries[c.Policy.LogicalID]
}

// grantsPermissions reports whether the policy is an identity policy that
// grants permissions (not a permissions boundary).
func (c *PolicyContext) grantsPermissions() bool {
	return c.Policy.Kind == template.Identity && !c.IsBoundary()
}

// KindNoun names the policy for messages: "trust policy", "bucket policy".
func (c *PolicyContext) KindNoun() string {
	switch c.Policy.Kind {
	case template.Trust:
		return "trust policy"
	case template.Identity:
		return "policy"
	}
	return "resource policy"
}
