package checks

import (
	"fmt"

	"github.com/tollgate-dev/tollgate/diff"
	"github.com/tollgate-dev/tollgate/template"
)

// ChangeContext is what a change rule sees: the diff of one template
// against its base revision.
type ChangeContext struct {
	Options *Options
	Diff    *diff.StackDiff
	// Base and Head are the two versions; either is nil when the file was
	// added or deleted.
	Base, Head *template.Template
	rule       *Rule
	out        *[]Finding
}

// Report records a finding in the head version of the template (the base
// version when the file was deleted).
func (c *ChangeContext) Report(r Report) {
	t := c.Head
	if t == nil {
		t = c.Base
	}
	tc := &TemplateContext{Options: c.Options, Template: t, rule: c.rule, out: c.out}
	tc.Report(r)
}

// ResourcePos is where a changed resource is reported: its logical ID at
// head, or, for a resource that is gone, the Resources key of the head
// template (line 1 when there is none).
func (c *ChangeContext) ResourcePos(rc *diff.ResourceChange) template.Pos {
	if rc.Pos != nil {
		return template.Pos{Line: rc.Pos.Line, Col: rc.Pos.Column}
	}
	if c.Head != nil && c.Head.Root != nil {
		if f := c.Head.Root.Field("Resources"); f != nil {
			return f.KeyPos
		}
	}
	return template.Pos{Line: 1, Col: 1}
}

// Changed reports whether the change added, modified or renamed the
// resource with this logical ID (at head).
func Changed(d *diff.StackDiff, logicalID string) bool {
	for _, rc := range d.Resources {
		if rc.LogicalID == logicalID && rc.Change != diff.Removed {
			return true
		}
	}
	return false
}

// CheckChange checks the head version of a template that a change touched
// and keeps only what the change introduced: findings about resources it
// added, modified or renamed, findings about the template as a whole, and
// the findings of the change rules (data loss, removed deletion policies).
// online, when not nil, runs the online backends as CheckWith does; inline
// suppressions apply to every finding. head is nil when the file was
// deleted.
func (k *Checker) CheckChange(base, head *template.Template, d *diff.StackDiff, online func(*template.Extraction) []Finding) TemplateResult {
	cc := &ChangeContext{Options: &k.opts, Diff: d, Base: base, Head: head}
	if head == nil {
		var out []Finding
		cc.out = &out
		for _, rule := range k.rules {
			if rule.Change != nil {
				cc.rule = rule
				rule.Change(cc)
			}
		}
		return TemplateResult{Findings: Finalize(out)}
	}
	res := k.checkWith(head, online, cc)
	change := map[string]bool{}
	for _, r := range k.rules {
		if r.Change != nil {
			change[r.Code] = true
		}
	}
	kept := res.Findings[:0]
	for _, f := range res.Findings {
		if f.Resource == "" || change[f.Code] || Changed(d, f.Resource) {
			kept = append(kept, f)
		}
	}
	res.Findings = kept
	return res
}

// protects reports whether a deletion or update-replace policy keeps the
// data of a resource that CloudFormation deletes.
func protects(policy string) bool {
	switch policy {
	case "Retain", "Snapshot", "RetainExceptOnCreate":
		return true
	}
	return false
}

// deletionPolicy returns the policy CloudFormation applies when it deletes
// the resource: the one written, or the default, which is Snapshot for RDS
// clusters and for instances outside a cluster.
func deletionPolicy(written, typ string, props *template.Node) string {
	if written != "" {
		return written
	}
	switch typ {
	case "AWS::RDS::DBCluster":
		return "Snapshot"
	case "AWS::RDS::DBInstance":
		if props.Get("DBClusterIdentifier") == nil {
			return "Snapshot"
		}
	}
	return "Delete"
}

func describeResource(rc *diff.ResourceChange) string {
	return fmt.Sprintf("%s (%s)", rc.LogicalID, rc.Type)
}
