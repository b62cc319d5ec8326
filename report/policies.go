package report

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/compat/cfnpv"
	"github.com/tollgate-dev/tollgate/model"
	"github.com/tollgate-dev/tollgate/template"
)

// tollgate policies lists every policy tollgate extracted from the
// templates and resolved: where it is, what declares it, what kind it is,
// who or what it attaches to, in which branch it holds, and its document
// with what only deployment can tell shown as its origin
// ("<GetAtt Queue.Arn>").

// PolicyEntry is one policy of PoliciesJSON.
type PolicyEntry struct {
	template.Span
	Resource     string `json:"resource"`
	ResourceType string `json:"resourceType"`
	// Kind is identity, trust or resource; permissions boundary; session,
	// endpoint, service control or resource control (policies that cap
	// access); or the name of a policy tollgate builds from properties
	// ("bucket ACL PublicRead", "layer permission").
	Kind string `json:"kind"`
	// Name is the policy's name as cfn-policy-validator reports it
	// (TrustPolicy, an inline policy's name, BucketPolicy).
	Name string `json:"name"`
	Path string `json:"path"`
	// AttachedTo are the principals an identity policy attaches to, or
	// the resource a resource policy governs.
	AttachedTo []Attachment `json:"attachedTo"`
	Branch     string       `json:"branch,omitempty"`
	// When is set when only non-default parameter values reach this
	// document: one assignment that does ("Stage=sandbox").
	When string `json:"when,omitempty"`
	// Document is the resolved document, in template key order.
	Document json.RawMessage `json:"document"`
}

// Attachment is a principal or resource a policy applies to.
type Attachment struct {
	// Kind is role, user, group, permission set or resource.
	Kind string `json:"kind"`
	// Name is the principal's or resource's name (RoleName, the bucket's
	// name), Type the governed resource's type.
	Name string `json:"name"`
	Type string `json:"type,omitempty"`
	// Boundary is set when the policy is the principal's permissions
	// boundary rather than attached to it.
	Boundary bool `json:"boundary,omitempty"`
}

// NotChecked is a place that declares access which tollgate does not read.
type NotChecked struct {
	template.Span
	Resource     string `json:"resource"`
	ResourceType string `json:"resourceType"`
	Reason       string `json:"reason"`
}

// TemplateError is a template that could not be read as CloudFormation
// would read it (PARSE_ERROR, INVALID_TEMPLATE): its policies are missing
// from the list, or may be.
type TemplateError struct {
	template.Span
	Code    string `json:"code"`
	Message string `json:"message"`
}

// PoliciesReport is the JSON of tollgate policies.
type PoliciesReport struct {
	Version    int           `json:"version"`
	Policies   []PolicyEntry `json:"policies"`
	NotChecked []NotChecked  `json:"notChecked"`
	// TemplateErrors are present when some template could not be read.
	TemplateErrors []TemplateError `json:"templateErrors,omitempty"`
	Notices        []string        `json:"notices,omitempty"`
	Errors         []string        `json:"errors,omitempty"`
}

// NewPoliciesReport lists the policies of a result whose templates kept
// them (engine.Options.KeepPolicies).
func NewPoliciesReport(r *Result) PoliciesReport {
	out := PoliciesReport{Version: 1, Policies: []PolicyEntry{}, NotChecked: []NotChecked{}, Errors: template.NoticeStrings(r.Errors)}
	for _, n := range r.Notices {
		if !strings.Contains(n.String(), ": not checked: ") { // listed under notChecked
			out.Notices = append(out.Notices, n.String())
		}
	}
	for _, t := range r.Templates {
		if t.Extracted == nil {
			continue
		}
		out.Policies = append(out.Policies, templatePolicies(t.File, t.Extracted)...)
		out.NotChecked = append(out.NotChecked, notChecked(t.File, t.Extracted)...)
	}
	for _, f := range r.Active() {
		if isTemplateError(f.Code) {
			out.TemplateErrors = append(out.TemplateErrors, TemplateError{Span: f.Span.At(), Code: f.Code, Message: f.Message})
		}
	}
	return out
}

func isTemplateError(code string) bool { return code == "PARSE_ERROR" || code == "INVALID_TEMPLATE" }

// Unreadable reports whether some template of the result could not be
// read (PARSE_ERROR): tollgate policies then exits as a failed listing.
func Unreadable(r *Result) bool {
	for _, f := range r.Active() {
		if f.Code == "PARSE_ERROR" {
			return true
		}
	}
	return false
}

func templatePolicies(file string, x *model.Extracted) []PolicyEntry {
	attached := cfnpv.Attachments(x)
	boundaries := permissionBoundaries(x.Template)
	// names are the principals' names as evaluated, by logical ID.
	names := map[string]string{}
	for _, list := range attached {
		for _, a := range list {
			if a.LogicalID != "" && a.Kind != cfnpv.KindResource {
				names[a.LogicalID] = a.Name
			}
		}
	}
	var out []PolicyEntry
	for _, p := range x.Extraction.Policies {
		e := PolicyEntry{Span: template.At(file, p.Pos, 0), Resource: p.LogicalID, ResourceType: p.ResourceType,
			Kind: policyKind(p, boundaries[p.LogicalID]), Path: p.Path, Branch: p.Branch, When: p.When, AttachedTo: []Attachment{}}
		for _, a := range attached[p] {
			if e.Name == "" {
				e.Name = a.PolicyName
			}
			// Identity policies attach as tollgate's principal model
			// says (principals of other stacks included); the rest as
			// cfn-policy-validator names what they govern.
			if a.Kind != cfnpv.KindOrphan && (p.Kind != template.Identity || a.Boundary) {
				e.AttachedTo = append(e.AttachedTo, Attachment{Kind: a.Kind, Name: a.Name, Type: a.Type, Boundary: a.Boundary})
			}
		}
		if p.Kind == template.Identity {
			e.AttachedTo = append(e.AttachedTo, principalsOf(p, x.Extraction, names)...)
		}
		if e.Name == "" {
			e.Name = cmp.Or(p.Name, p.LogicalID)
		}
		var buf bytes.Buffer
		writePolicyDocument(&buf, p.Document, "", 0)
		e.Document = json.RawMessage(buf.Bytes())
		out = append(out, e)
	}
	// In template order: the variants of one policy (parameter values,
	// branches) come after one another, the defaults' first.
	sort.SliceStable(out, func(i, j int) bool {
		return out[i].Line < out[j].Line || out[i].Line == out[j].Line && out[i].Column < out[j].Column
	})
	return out
}

// principalsOf lists the principals an identity policy is attached to,
// from the extraction's principal model.
func principalsOf(p *template.Policy, x *template.Extraction, names map[string]string) []Attachment {
	var out []Attachment
	for _, pr := range x.Principals {
		for _, a := range pr.Attached {
			if !slices.Contains(a.Policies, p) {
				continue
			}
			name := pr.Name
			switch {
			case pr.External != nil:
				name = cfnpv.OriginText(pr.External)
			case name == "" && names[pr.LogicalID] != "":
				name = names[pr.LogicalID]
			case name == "":
				name = pr.LogicalID
			}
			if !pr.Declared() {
				name += " (not in this template)"
			}
			out = append(out, Attachment{Kind: pr.Kind.String(), Name: name, Type: pr.ResourceType})
			break
		}
	}
	return out
}

// policyKind names what a policy is: identity, trust or resource; a
// permissions boundary; a session, endpoint or organization policy, which
// cap access rather than grant it; or what the extraction calls a policy
// it built (a bucket ACL, a layer permission).
func policyKind(p *template.Policy, boundary bool) string {
	limits := p.Spec().Limits
	switch {
	case boundary && p.ResourceType == "AWS::IAM::ManagedPolicy":
		return "permissions boundary"
	case p.Noun != "":
		return strings.TrimSuffix(p.Noun, " policy")
	case limits && p.Kind == template.Identity:
		return "session"
	case limits:
		return "endpoint"
	}
	return p.Kind.String()
}

// permissionBoundaries are the managed policies of the template that a
// principal uses as its permissions boundary.
func permissionBoundaries(t *template.Template) map[string]bool {
	out := map[string]bool{}
	for _, r := range t.Resources {
		if fn, arg, ok := r.Properties.Get("PermissionsBoundary").Intrinsic(); ok && fn == "Ref" {
			if id, ok := arg.Str(); ok {
				out[id] = true
			}
		}
	}
	return out
}

// notChecked lists what the extraction says it did not read.
func notChecked(file string, x *model.Extracted) []NotChecked {
	var out []NotChecked
	for _, u := range x.Extraction.Unchecked {
		out = append(out, NotChecked{Span: template.At(file, u.Pos, 0), Resource: u.LogicalID, ResourceType: u.ResourceType, Reason: u.Reason})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}

// writePolicyDocument writes a resolved node as indented JSON in template key
// order; an unknown value is written as its origin in angle brackets.
func writePolicyDocument(b *bytes.Buffer, n *template.Node, indent string, depth int) {
	str := func(s string) {
		var q bytes.Buffer
		enc := json.NewEncoder(&q)
		enc.SetEscapeHTML(false)
		enc.Encode(s)
		b.Write(bytes.TrimSuffix(q.Bytes(), []byte("\n")))
	}
	switch {
	case n == nil || depth > template.MaxDepth:
		b.WriteString("null")
	case n.Kind == template.Map:
		if len(n.Fields) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteString("{")
		for i, f := range n.Fields {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString("\n" + indent + "  ")
			str(f.Key)
			b.WriteString(": ")
			writePolicyDocument(b, f.Value, indent+"  ", depth+1)
		}
		b.WriteString("\n" + indent + "}")
	case n.Kind == template.Seq:
		if len(n.Items) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteString("[")
		for i, it := range n.Items {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString("\n" + indent + "  ")
			writePolicyDocument(b, it, indent+"  ", depth+1)
		}
		b.WriteString("\n" + indent + "]")
	case n.Kind == template.Null:
		b.WriteString("null")
	case n.Kind == template.Unknown:
		str(cfnpv.OriginText(n))
	default:
		str(n.Value)
	}
}

// PoliciesJSON writes the policies of a result as JSON.
func PoliciesJSON(w io.Writer, r *Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(NewPoliciesReport(r))
}

// PoliciesText writes the policies of a result for a terminal: one block
// per policy, its place and facts, then its document.
func PoliciesText(w io.Writer, r *Result, o TextOptions) error {
	rep := NewPoliciesReport(r)
	var b bytes.Buffer
	bold := func(s string) string {
		if o.Color {
			return "\x1b[1m" + s + "\x1b[0m"
		}
		return s
	}
	for _, p := range rep.Policies {
		kind := p.Kind + " policy"
		if p.Kind == "permissions boundary" || strings.Contains(p.Kind, "ACL") || strings.HasSuffix(p.Kind, "permission") {
			kind = p.Kind
		}
		fmt.Fprintf(&b, "%s: %s %s %s [%s]\n", Plain(p.Span.String()), bold(Plain(p.Resource)),
			Plain(kind), Plain(p.Name), Plain(p.ResourceType))
		if len(p.AttachedTo) > 0 {
			var to []string
			for _, a := range p.AttachedTo {
				kind := a.Kind
				if kind == cfnpv.KindResource {
					kind = a.Type
				}
				if a.Boundary {
					kind = "bounds " + kind
				}
				to = append(to, kind+" "+a.Name)
			}
			fmt.Fprintf(&b, "    attaches to: %s\n", Plain(strings.Join(to, ", ")))
		} else if p.Kind == "identity" {
			b.WriteString("    attaches to: no principal of this template\n")
		}
		if h := checks.Holds(p.Branch, p.When); h != "" {
			fmt.Fprintf(&b, "    %s\n", Plain(h))
		}
		for _, line := range strings.Split(string(p.Document), "\n") {
			b.WriteString("    " + PlainLines(line) + "\n")
		}
		b.WriteString("\n")
	}
	for _, u := range rep.NotChecked {
		fmt.Fprintf(&b, "%s: not checked: %s [%s]: %s\n", Plain(u.Span.String()), Plain(u.Resource), Plain(u.ResourceType), Plain(u.Reason))
	}
	for _, t := range rep.TemplateErrors {
		fmt.Fprintf(&b, "%s: ERROR %s %s\n", Plain(t.Span.String()), t.Code, Plain(t.Message))
	}
	for _, n := range rep.Notices {
		fmt.Fprintf(&b, "note: %s\n", Plain(n))
	}
	for _, e := range rep.Errors {
		fmt.Fprintf(&b, "error: %s\n", Plain(e))
	}
	fmt.Fprintf(&b, "%s in %s\n", plural(len(rep.Policies), "policy", "policies"), plural(r.Stats.Templates, "template", "templates"))
	_, err := w.Write(b.Bytes())
	return err
}
