package checks

import (
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/tollgate-dev/tollgate/template"
)

// IAM's character quotas for identity policies, whitespace excluded.
const (
	managedPolicyQuota = 6144
	roleInlineQuota    = 10240
	userInlineQuota    = 2048
	groupInlineQuota   = 5120
)

func rulePolicySize() *Rule {
	r := &Rule{
		Code:  "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA",
		Type:  Error,
		Title: "Identity policies exceed IAM's size quota",
		Why: "IAM limits a managed policy to 6,144 characters, and the inline policies of a role, user or group to " +
			"10,240, 2,048 and 5,120 characters together (whitespace is not counted). A larger policy fails the " +
			"deploy (LimitExceeded) after review. tollgate counts unresolved values as empty, so the real size is " +
			"at least what it reports.",
		Fix: "split the statements into customer managed policies (6,144 characters each, 10 per principal by " +
			"default), use wildcards for long action lists, or split the role",
		Example:   "ManagedPolicy:\n  Type: AWS::IAM::ManagedPolicy\n  Properties:\n    PolicyDocument:\n      Statement:\n        - Effect: Allow\n          Action: [... 400 actions ...]\n          Resource: \"*\"",
		LearnMore: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-entity-length",
	}
	r.Template = func(c *TemplateContext) {
		book := &quotaBook{targets: map[string]*quotaTarget{}}
		for _, pc := range c.Policies {
			pol := pc.Policy
			if pol.Kind != template.Identity || pol.Merged != nil {
				// A merged evaluation takes every branch at once: its size
				// is no policy's.
				continue
			}
			pt := sizedPolicy{p: pc, size: policySize(pol.Document)}
			for _, q := range pol.Spec().Quota {
				switch {
				case q.Kind == "managed":
					checkManagedPolicySize(c, pt)
				case q.Prop == "":
					book.add(q.Kind, pol.LogicalID, pt)
				default:
					for _, id := range principalRefs(c.Template.Resource(pol.LogicalID), q.Prop) {
						book.add(q.Kind, id, pt)
					}
				}
			}
		}
		for _, key := range book.order {
			checkInlineQuota(c, book.targets[key])
		}
	}
	return r
}

// inlineQuotas are the quotas of the inline policies of one principal.
var inlineQuotas = map[string]int{"role": roleInlineQuota, "user": userInlineQuota, "group": groupInlineQuota}

// sizedPolicy is an identity policy and its size as IAM counts it.
type sizedPolicy struct {
	p    *PolicyContext
	size int
}

// quotaTarget is a principal and the inline policies counted against its
// quota.
type quotaTarget struct {
	kind, id string
	limit    int
	parts    []sizedPolicy
}

// quotaBook groups the identity policies of a template by principal, in
// the order the principals first appear.
type quotaBook struct {
	order   []string
	targets map[string]*quotaTarget
}

func (b *quotaBook) add(kind, id string, p sizedPolicy) {
	key := kind + "\x00" + id
	t := b.targets[key]
	if t == nil {
		t = &quotaTarget{kind: kind, id: id, limit: inlineQuotas[kind]}
		b.targets[key] = t
		b.order = append(b.order, key)
	}
	t.parts = append(t.parts, p)
}

// checkManagedPolicySize reports a managed policy over its own quota.
func checkManagedPolicySize(c *TemplateContext, pt sizedPolicy) {
	if pt.size <= managedPolicyQuota {
		return
	}
	pol := pt.p.Policy
	c.Report(Report{Pos: pol.Pos, Resource: pol.LogicalID, ResourceType: pol.ResourceType, Path: pol.Path,
		Branch: pol.Branch, When: pol.When, Subject: pol.LogicalID, Policy: policyName(pol),
		Message: fmt.Sprintf("The managed policy %s is at least %s characters (whitespace excluded); IAM accepts at most %s, so the deploy fails.",
			pol.LogicalID, thousands(pt.size), thousands(managedPolicyQuota))})
}

// branchLabels lists the branches to total a principal's policies in:
// policies that hold in every branch count in each, the others only in
// their own. "" alone means no policy depends on a condition.
func branchLabels(parts []sizedPolicy) []string {
	branches := map[string]bool{}
	for _, p := range parts {
		if l := sizeLabel(p.p.Policy); l != "" {
			branches[l] = true
		}
	}
	if len(branches) == 0 {
		return []string{""}
	}
	labels := make([]string, 0, len(branches))
	for b := range branches {
		labels = append(labels, b)
	}
	sort.Strings(labels)
	return labels
}

// checkInlineQuota reports, per branch, a principal whose inline policies
// add up to more than its quota.
func checkInlineQuota(c *TemplateContext, t *quotaTarget) {
	for _, label := range branchLabels(t.parts) {
		total := 0
		var items []string
		var first *PolicyContext
		for _, p := range t.parts {
			if b := sizeLabel(p.p.Policy); b != "" && b != label {
				continue
			}
			total += p.size
			items = append(items, fmt.Sprintf("%s %s", policyLabel(p.p), thousands(p.size)))
			if first == nil {
				first = p.p
			}
		}
		if total <= t.limit {
			continue
		}
		pos, resource, rtype := first.Policy.Pos, first.Policy.LogicalID, first.Policy.ResourceType
		name := t.id
		if strings.HasPrefix(t.id, "name:") {
			name = strings.TrimPrefix(t.id, "name:")
		} else if res := c.Template.Resource(t.id); res != nil {
			pos, resource, rtype = res.Pos, res.LogicalID, res.Type
		}
		branch, when, _ := strings.Cut(label, "\x00")
		c.Report(Report{Pos: pos, Resource: resource, ResourceType: rtype, Branch: branch, When: when, Subject: t.kind + ":" + t.id,
			Path: "Resources." + resource,
			Message: fmt.Sprintf("The inline policies of %s %s add up to at least %s characters (whitespace excluded); IAM accepts at most %s per %s, so the deploy fails. Sizes: %s.",
				t.kind, name, thousands(total), thousands(t.limit), t.kind, strings.Join(items, ", "))})
	}
}

// principalRefs reads the role, user or group a policy resource attaches
// to: a Ref to a resource of the template gives its logical ID, a literal
// name gives "name:NAME". Names computed otherwise are skipped.
func principalRefs(res *template.Resource, prop string) []string {
	if res == nil {
		return nil
	}
	v := res.Properties.Get(prop)
	items := []*template.Node{v}
	if v != nil && v.Kind == template.Seq {
		items = v.Items
	}
	var out []string
	for _, it := range items {
		if fn, arg, ok := it.Intrinsic(); ok && fn == "Ref" {
			if id, ok := arg.Str(); ok {
				out = append(out, id)
			}
			continue
		}
		if s, ok := it.Str(); ok && s != "" {
			out = append(out, "name:"+s)
		}
	}
	return out
}

// policyLabel names a policy in a size breakdown.
func policyLabel(p *PolicyContext) string {
	if p.Policy.Name != "" {
		return p.Policy.Name
	}
	return p.Policy.LogicalID
}

// policySize counts the characters of a policy document as IAM does,
// without whitespace. Unknown values count as empty strings, so the result
// is a lower bound of the deployed size.
func policySize(n *template.Node) int {
	if n == nil {
		return 0
	}
	switch n.Kind {
	case template.Map:
		size := 2 + max(len(n.Fields)-1, 0) // braces and commas
		for _, f := range n.Fields {
			size += nonSpace(f.Key) + 3 + policySize(f.Value) // quotes and colon
		}
		return size
	case template.Seq:
		size := 2 + max(len(n.Items)-1, 0)
		for _, it := range n.Items {
			size += policySize(it)
		}
		return size
	case template.String:
		return nonSpace(n.Value) + 2
	case template.Number, template.Bool:
		return nonSpace(n.Value)
	case template.Null:
		return 4
	case template.Unknown:
		size := 2
		for _, p := range n.Items {
			if s, ok := p.Str(); ok {
				size += nonSpace(s)
			}
		}
		return size
	}
	return 0
}

func nonSpace(s string) int {
	n := 0
	for _, r := range s {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// thousands formats 10240 as "10,240".
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// sizeLabel names the branch a policy counts in: "" for every branch; else
// its branch label and its non-default parameter values.
func sizeLabel(p *template.Policy) string {
	if p.Branch == "" && p.When == "" {
		return ""
	}
	return p.Branch + "\x00" + p.When
}
