package checks

import (
	"github.com/tollgate-dev/tollgate/iamdata"
	"github.com/tollgate-dev/tollgate/iamdata/managed"
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
	// TrustedPrincipals are principals that are not external whatever
	// their account: principal ARNs (arn:aws:iam::111111111111:role/Peer),
	// identity providers (graph.facebook.com, a SAML or OIDC provider ARN)
	// and "*", which accepts anonymous access. They are cfn-policy-validator's
	// --allow-external-principals values that are not account IDs.
	TrustedPrincipals []string
	// ExcludeTypes are resource types whose policies are not checked
	// (cfn-policy-validator's --exclude-resource-types).
	ExcludeTypes []string
	// AllowDynamicRefWithoutVersion accepts {{resolve:ssm:NAME}} without a
	// version in policies (cfn-policy-validator's
	// --allow-dynamic-ref-without-version).
	AllowDynamicRefWithoutVersion bool
	// Sensitive configures BROAD_SENSITIVE_ACCESS; nil takes the defaults.
	Sensitive *SensitiveAccess
	// Managed is the AWS managed policy data set that attached managed
	// policies are judged by; nil means the built-in one.
	Managed *managed.Set
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
	// refs maps the positions of Refs to parameters to their names.
	refs map[template.Pos]string
	// sens is Options.Sensitive resolved, once per template.
	sens *sensitivity
	// strings walks the strings of documents (SUB_NEEDED).
	strings stringWalker
	// match decides pattern intersections with reused buffers.
	match matcher
	supp  *suppressions
	// boundaries are the managed policies used as permissions boundaries.
	boundaries map[string]bool
	// online is set when online backends ran on the template; ran holds
	// the codes of the offline rules that ran.
	online bool
	ran    map[string]bool
	// managed reads AWS managed policy documents (shared by the checker);
	// managedCache holds this template's lookups; eff is the principals'
	// effective permissions, judged once for the rules that report them.
	managed      *managedDocs
	managedCache map[string]managedLookup
	eff          *effective
	// contexts finds the parsed form of an extracted policy; docFacts
	// holds what the privilege rules found in each document.
	contexts map[*template.Policy]*PolicyContext
	docFacts map[*policy.Document]*docFacts
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
	// When is the non-default parameter assignment the finding needs.
	When string
	// merged marks a finding of a merged evaluation no branch explains.
	merged bool
	// Policy names the policy as cfn-policy-validator does; PolicyPath is
	// the element's path inside the policy document.
	Policy     string
	PolicyPath string
	// Principal is set when the finding is about one principal's union of
	// policies (not every holder of the policy it is located in): its
	// logical ID, or its name when the template does not declare it.
	Principal string
	// Type, when set, replaces the rule's type: a finding the rule softens
	// (a broad grant that a condition narrows) is reported as a WARNING.
	Type Type
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
	typ := c.rule.Type
	if r.Type != "" {
		typ = r.Type
	}
	*c.out = append(*c.out, Finding{
		Code: c.rule.Code, Type: typ, Message: r.Message, Fix: fix,
		Span:     SpanAt(c.Template.File, r.Pos, end),
		Resource: r.Resource, ResourceType: r.ResourceType, Path: r.Path, Branch: r.Branch, When: r.When,
		Policy: r.Policy, PolicyPath: r.PolicyPath, Principal: r.Principal,
		Source: SourceOffline, LearnMore: c.rule.LearnMore, subject: r.Subject, merged: r.merged,
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
	r, ok := c.atNodeReach(n, path, subject, message, fix)
	if !ok {
		return
	}
	c.emit(r)
}

// AtPos reports a finding at a position in the policy, for elements that are
// not nodes (a condition key).
func (c *PolicyContext) AtPos(pos template.Pos, endLine int, path, subject, message, fix string) {
	c.emit(c.report(pos, endLine, path, subject, message, fix))
}

// emit records a policy finding, unless it judges what a SAM policy
// template's own definition says.
func (c *PolicyContext) emit(r Report) {
	if c.Policy.Expanded != "" && c.rule.Type != SecurityWarning && !userValueRules[c.rule.Code] {
		// The SAM policy template's own definition (its actions, the
		// resource types they act on) is AWS's: only what the user's
		// values make of it, and what it grants, is reported.
		return
	}
	c.Report(r)
}

// userValueRules are the rules that judge the ARNs a SAM policy template
// builds from the user's parameter values.
var userValueRules = map[string]bool{
	"INVALID_ARN_PREFIX": true, "MISSING_ARN_FIELD": true, "INVALID_PARTITION": true, "INVALID_ARN_SERVICE_CASE": true,
	"INVALID_SERVICE": true, "INVALID_ARN_REGION": true, "INVALID_ARN_ACCOUNT": true, "INVALID_ARN_RESOURCE": true,
}

// report is the Report of a finding at a position in the policy, labelled
// with the policy's branch and non-default values.
func (c *PolicyContext) report(pos template.Pos, endLine int, path, subject, message, fix string) Report {
	return c.reportIn(pos, endLine, path, subject, message, fix, c.Policy.Branch, c.Policy.When, c.Policy.Merged != nil)
}

func (c *PolicyContext) reportIn(pos template.Pos, endLine int, path, subject, message, fix, branch, when string, merged bool) Report {
	r := Report{Path: c.Policy.Path, Subject: subject, Message: message, Fix: fix, Pos: pos, EndLine: endLine,
		Resource: c.Policy.LogicalID, ResourceType: c.Policy.ResourceType, Branch: branch, When: when,
		Policy: policyName(c.Policy), PolicyPath: path, merged: merged}
	if path != "" && !c.Policy.Synthesized && c.Policy.Expanded == "" {
		r.Path += "." + path
	}
	if pos.IsZero() {
		r.Pos = c.Policy.Pos
	}
	return r
}

// atNodeReach is At returning the Report, for a rule to adjust, instead of
// recording it. In a
// merged evaluation the node's own branch labels it; ok is false for a
// value no accepted parameter values reach (the merge made it up).
func (c *PolicyContext) atNodeReach(n *template.Node, path, subject, message, fix string) (Report, bool) {
	if n == nil {
		return c.report(c.Policy.Pos, 0, path, subject, message, fix), true
	}
	branch, when, ok := c.Policy.Reach(n)
	if !ok {
		return Report{}, false
	}
	return c.reportIn(n.Pos, n.EndLine, path, subject, message, fix, branch, when, c.Policy.Merged != nil && branch == c.Policy.Branch), true
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

// IsBoundary reports whether the policy caps what principals may do and
// grants nothing, so the rules about broad grants and external principals
// do not apply to it: a managed policy the template uses as a permissions
// boundary, or a policy of a type that only limits (ResourceSpec.Limits:
// VPC endpoint, session and service control policies).
func (c *PolicyContext) IsBoundary() bool {
	if c.Policy.Spec().Limits {
		return true // an endpoint, session or service control policy caps too
	}
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
	if c.Policy.Noun != "" {
		return c.Policy.Noun
	}
	switch c.Policy.Kind {
	case template.Trust:
		return "trust policy"
	case template.Identity:
		return "policy"
	}
	return "resource policy"
}
