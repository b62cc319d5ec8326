package cfnpv

import (
	"strconv"
	"strings"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/model"
	"github.com/tollgate-dev/tollgate/policy"
	"github.com/tollgate-dev/tollgate/template"
)

// Codes of the custom policy checks, as cfn-policy-validator reports them.
const (
	CodeNoNewAccess       = "policy-analysis-CheckNoNewAccess"
	CodeAccessNotGranted  = "policy-analysis-CheckAccessNotGranted"
	CodeNoPublicAccess    = "policy-analysis-CheckNoPublicAccess"
	assumeRolePolicyType  = "AWS::IAM::AssumeRolePolicyDocument"
	customCheckFindingTyp = "SECURITY_WARNING"
)

// Checked is one policy as a custom check reads it, named as the tool
// names it.
type Checked struct {
	ResourceName, PolicyName string
	// Type is the resource type Access Analyzer is told for public access
	// (AWS::S3::Bucket; AWS::IAM::AssumeRolePolicyDocument for a trust
	// policy); "" for an identity policy.
	Type string
	// Document is the policy parsed; JSON the text sent to Access Analyzer.
	Document *policy.Document
	JSON     string
	// Policy is the template policy (the first of a merged one), for its
	// position; nil for an AWS managed policy.
	Policy *template.Policy
	// Managed is set for an AWS managed policy.
	Managed bool
	// File is the template's file.
	File string
}

// IdentityPolicies lists the identity policies attached to principals, in
// the order the custom checks read them: permission sets, users, roles,
// groups.
func IdentityPolicies(x *model.Extracted, exclude []string) []Checked {
	b := newBuilder(x.Template, x.Values, x.Extraction, exclude)
	var out []Checked
	for _, list := range [][]*Principal{b.view.PermissionSets, b.view.Users, b.view.Roles, b.view.Groups} {
		for _, p := range list {
			for _, a := range p.Policies {
				doc := a.Document
				if a.Policy != nil {
					doc = a.Policy.Document
				}
				if doc == nil {
					continue
				}
				out = append(out, Checked{ResourceName: p.Name, PolicyName: a.Name, Document: policy.Parse(doc),
					JSON: compact(b.tree(doc, 0), nil), Policy: a.Policy, Managed: a.AWSManaged, File: x.Template.File})
			}
		}
	}
	return out
}

// ResourcePolicies lists the resource policies, then the roles' trust
// policies, in the order the custom checks read them.
func ResourcePolicies(x *model.Extracted, exclude []string) []Checked {
	b := newBuilder(x.Template, x.Values, x.Extraction, exclude)
	var out []Checked
	for _, r := range b.view.Resources {
		if len(r.Parts) == 0 {
			continue
		}
		doc := b.mergedNode(r)
		out = append(out, Checked{ResourceName: r.Name, PolicyName: r.PolicyName, Type: r.Type, Document: policy.Parse(doc),
			JSON: compact(b.document(r), nil), Policy: r.Parts[0], File: x.Template.File})
	}
	for _, p := range b.view.Roles {
		if p.Trust == nil {
			continue
		}
		out = append(out, Checked{ResourceName: p.Name, PolicyName: "TrustPolicy", Type: assumeRolePolicyType,
			Document: policy.Parse(p.Trust.Document), JSON: compact(b.tree(p.Trust.Document, 0), nil), Policy: p.Trust, File: x.Template.File})
	}
	return out
}

// mergedNode is a resource's policy document as one node: a function's
// permissions are the statements of one policy.
func (b *builder) mergedNode(r *Resource) *template.Node {
	if len(r.Parts) == 1 {
		return r.Parts[0].Document
	}
	first := r.Parts[0].Document
	stmts := &template.Node{Kind: template.Seq, Pos: first.Pos}
	for _, p := range r.Parts {
		if s := p.Document.Get("Statement"); s != nil {
			stmts.Items = append(stmts.Items, s.Items...)
		}
	}
	return &template.Node{Kind: template.Map, Pos: first.Pos, Fields: []template.Field{
		{Key: "Version", Value: &template.Node{Kind: template.String, Value: "2012-10-17", Pos: first.Pos}},
		{Key: "Statement", Value: stmts}}}
}

// publicAccessTypes are the resource types IAM Access Analyzer's
// CheckNoPublicAccess takes; cfn-policy-validator checks the first group.
var publicAccessTypes = map[string]bool{
	"AWS::KMS::Key": true, "AWS::Lambda::Function": true, "AWS::S3::Bucket": true, "AWS::S3::AccessPoint": true,
	"AWS::SecretsManager::Secret": true, "AWS::SNS::Topic": true, "AWS::SQS::Queue": true, assumeRolePolicyType: true,
	"AWS::S3Tables::TableBucket": true, "AWS::ApiGateway::RestApi": true, "AWS::CodeArtifact::Domain": true,
	"AWS::CloudTrail::Dashboard": true, "AWS::CloudTrail::EventDataStore": true, "AWS::S3Express::AccessPoint": true,
	"AWS::Backup::BackupVault": true,
	// Types only tollgate reads.
	"AWS::DynamoDB::Table": true, "AWS::DynamoDB::Stream": true, "AWS::EFS::FileSystem": true,
	"AWS::OpenSearchService::Domain": true, "AWS::Kinesis::Stream": true, "AWS::S3Express::DirectoryBucket": true,
	"AWS::S3::Glacier": true, "AWS::ECR::Repository": true,
}

// PublicAccess is check-no-public-access: the resource and trust policies
// of supported types with statements that public reports as granting
// public access.
func PublicAccess(x *model.Extracted, exclude []string, public func(*policy.Document) []int) []Finding {
	var out []Finding
	for i, c := range ResourcePolicies(x, exclude) {
		if !publicAccessTypes[c.Type] {
			continue
		}
		idx := public(c.Document)
		if len(idx) == 0 {
			continue
		}
		msg := "The policy grants public access: " + statementList(idx) + " let in anyone, with no condition on the caller's account or organization."
		reasons := []any{}
		for _, n := range idx {
			reasons = append(reasons, Object{{"description", "Statement " + strconv.Itoa(n) + " grants public access."}, {"statementIndex", n}})
		}
		out = append(out, customFinding(c, CodeNoPublicAccess, msg, Object{{"result", "FAIL"}, {"message", msg}, {"reasons", reasons}}, i))
	}
	return out
}

// AccessNotGranted is check-access-not-granted: the policies that allow
// one of the actions (on one of the resources, when given).
func AccessNotGranted(x *model.Extracted, exclude []string, actions, resources []string) []Finding {
	b := newBuilder(x.Template, x.Values, x.Extraction, exclude)
	input := Object{}
	if len(actions) > 0 {
		input.Set("actions", strs(actions))
	}
	if len(resources) > 0 {
		input.Set("resources", strs(resources))
	}
	var out []Finding
	all := append(IdentityPolicies(x, exclude), ResourcePolicies(x, exclude)...)
	for i, c := range all {
		idx := granting(b, c.Document, actions, resources)
		if len(idx) == 0 {
			continue
		}
		msg := "The policy grants access to one or more of the listed actions or resources: " + statementList(idx) + "."
		reasons := []any{}
		for _, n := range idx {
			reasons = append(reasons, Object{{"description", "Statement " + strconv.Itoa(n) + " allows the listed access."},
				{"statementIndex", n}, {"accessInput", []any{input}}})
		}
		out = append(out, customFinding(c, CodeAccessNotGranted, msg, Object{{"result", "FAIL"}, {"reasons", reasons}, {"message", msg}}, i))
	}
	return out
}

func strs(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func statementList(idx []int) string {
	parts := make([]string, len(idx))
	for i, n := range idx {
		parts[i] = strconv.Itoa(n)
	}
	if len(parts) == 1 {
		return "statement " + parts[0]
	}
	return "statements " + strings.Join(parts, ", ")
}

// CustomFinding is a finding of a custom check on a policy; order is its
// place among the checked policies.
func CustomFinding(c Checked, code, findingType, message string, details Object, order int) Finding {
	f := customFinding(c, code, message, details, order)
	f.FindingType = findingType
	return f
}

func customFinding(c Checked, code, message string, details Object, order int) Finding {
	f := Finding{FindingType: customCheckFindingTyp, Code: code, Message: message, ResourceName: c.ResourceName, PolicyName: c.PolicyName,
		Details: details, key: sortKey{target: order}}
	if p := c.Policy; p != nil {
		f.Tollgate = Object{{"code", code}, {"file", c.File}, {"line", p.Pos.Line}, {"column", p.Pos.Col}, {"resource", p.LogicalID}, {"path", p.Path}}
		if p.Branch != "" {
			f.Tollgate.Set("branch", p.Branch)
		}
	} else {
		f.Tollgate = Object{{"code", code}}
	}
	return f
}

// CustomReport classifies custom-check findings: they all block unless
// nonBlocking (--treat-findings-as-non-blocking); the ignored ones are
// left out.
func CustomReport(fs []Finding, ignore []checks.IgnoreSelector, nonBlocking bool) *Report {
	rep := &Report{}
	for _, f := range fs {
		if ignored(ignore, f) {
			continue
		}
		f.Blocking = !nonBlocking
		if f.Blocking {
			rep.Blocking = append(rep.Blocking, f)
		} else {
			rep.NonBlocking = append(rep.NonBlocking, f)
		}
	}
	return rep
}

// granting returns the statements of a policy that allow one of the
// actions on one of the resources (any action, or any resource, when that
// list is empty), unless an unconditional Deny takes it back.
func granting(b *builder, doc *policy.Document, actions, resources []string) []int {
	texts := func(l policy.List) []string {
		out := make([]string, 0, len(l.Values))
		for _, v := range l.Values {
			out = append(out, b.text(v.Node, v.Text))
		}
		return out
	}
	covers := func(s *policy.Statement, action, resource string) bool {
		if action != "" {
			switch {
			case s.Action.Present && !anyMatch(texts(s.Action), action, true):
				return false
			case s.NotAction.Present && anyMatch(texts(s.NotAction), action, true):
				return false
			}
		}
		if resource != "" {
			switch {
			case s.Resource.Present && !anyMatch(texts(s.Resource), resource, false):
				return false
			case s.NotResource.Present && anyMatch(texts(s.NotResource), resource, false):
				return false
			}
		}
		return true
	}
	acts, ress := orAny(actions), orAny(resources)
	var out []int
	for _, s := range doc.Statements {
		if !s.Allows() {
			continue
		}
	grant:
		for _, a := range acts {
			for _, r := range ress {
				if !covers(s, a, r) {
					continue
				}
				denied := false
				for _, d := range doc.Statements {
					denied = denied || d.Effect == "Deny" && len(d.Conditions) == 0 && covers(d, a, r)
				}
				if !denied {
					out = append(out, s.Index)
					break grant
				}
			}
		}
	}
	return out
}

// orAny is the list, or one empty value standing for "any".
func orAny(list []string) []string {
	if len(list) == 0 {
		return []string{""}
	}
	return list
}

// anyMatch reports whether a pattern of the policy (with * and ?) matches
// value, or value (a pattern itself) matches one of them.
func anyMatch(patterns []string, value string, fold bool) bool {
	if fold {
		value = strings.ToLower(value)
	}
	for _, p := range patterns {
		if fold {
			p = strings.ToLower(p)
		}
		if glob(p, value) || glob(value, p) {
			return true
		}
	}
	return false
}

// glob matches s against a pattern of * (any run) and ? (one character).
func glob(pattern, s string) bool {
	px, sx, nextPx, nextSx := 0, 0, -1, -1
	for px < len(pattern) || sx < len(s) {
		if px < len(pattern) {
			switch c := pattern[px]; c {
			case '*':
				nextPx, nextSx = px, sx+1
				px++
				continue
			case '?':
				if sx < len(s) {
					px++
					sx++
					continue
				}
			default:
				if sx < len(s) && s[sx] == c {
					px++
					sx++
					continue
				}
			}
		}
		if nextSx > 0 && nextSx <= len(s) {
			px, sx = nextPx, nextSx
			continue
		}
		return false
	}
	return true
}
