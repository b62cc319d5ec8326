package checks

import (
	"fmt"
	"strings"

	"github.com/tollgate-dev/tollgate/diff"
	"github.com/tollgate-dev/tollgate/template"
)

func ruleDataLoss() *Rule {
	r := &Rule{
		Code:  "DATA_LOSS",
		Type:  SecurityWarning,
		Title: "The change deletes or replaces a resource that holds data, and nothing keeps the data",
		Why: "When CloudFormation replaces a database, table, bucket, file system or key it creates a new one and " +
			"deletes the old one; when a resource leaves the template (or its logical ID changes) it is deleted. " +
			"Unless DeletionPolicy (for deletion) or UpdateReplacePolicy (for replacement) is Retain or Snapshot, " +
			"the data goes with it, and no rollback brings it back.",
		Fix: "keep the logical ID and the properties that force replacement, or first deploy DeletionPolicy: Retain " +
			"and UpdateReplacePolicy: Retain (or Snapshot) on the resource, then make the change",
		Example:   "Resources:\n  Orders:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      KeySchema: [{AttributeName: orderId, KeyType: HASH}]  # was id: replaces the table",
		LearnMore: docsURL + "data_loss",
	}
	r.Change = func(c *ChangeContext) { dataLoss(c, diff.Always) }
	return r
}

func rulePossibleDataLoss() *Rule {
	r := &Rule{
		Code:  "POSSIBLE_DATA_LOSS",
		Type:  Warning,
		Title: "The change may replace a resource that holds data, and nothing keeps the data",
		Why: "Some property changes replace the resource only for some values or transitions (an RDS engine change, " +
			"an instance moved to another Availability Zone). If this one does, the old resource and its data are deleted.",
		Fix:       "check the property's update behaviour in the CloudFormation documentation, or set UpdateReplacePolicy: Retain (or Snapshot) first",
		Example:   "Resources:\n  Db:\n    Type: AWS::RDS::DBInstance\n    Properties:\n      Engine: postgres  # was mysql",
		LearnMore: docsURL + "possible_data_loss",
	}
	r.Change = func(c *ChangeContext) { dataLoss(c, diff.Conditional) }
	return r
}

// dataLoss reports stateful resources deleted or replaced (at the given
// level) without a policy that keeps their data.
func dataLoss(c *ChangeContext, level diff.Replacement) {
	if c.Diff.Status == diff.StackDeleted {
		return
	}
	for _, rc := range c.Diff.Resources {
		if !rc.Stateful {
			continue
		}
		var msg, fix string
		switch {
		case level == diff.Always && rc.Change == diff.Removed:
			p := deletionPolicy(rc.DeletionPolicy, rc.Type, baseProps(c, rc.LogicalID))
			if protects(p) {
				continue
			}
			msg = fmt.Sprintf("%s is removed from the template: CloudFormation deletes it and the data in it (DeletionPolicy is %s).",
				describeResource(rc), policyText(rc.DeletionPolicy))
			if rc.BasePos != nil {
				msg += fmt.Sprintf(" It was at line %d of the base version.", rc.BasePos.Line)
			}
			fix = "keep the resource in the template, or first deploy it with DeletionPolicy: Retain (or Snapshot), then remove it"
		case level == diff.Always && rc.Change == diff.Renamed:
			p := deletionPolicy(rc.BaseDeletionPolicy, rc.Type, baseProps(c, rc.PreviousLogicalID))
			if protects(p) {
				continue
			}
			msg = fmt.Sprintf("%s was %s: a new logical ID is a new resource, so CloudFormation creates %s and deletes %s with its data "+
				"(DeletionPolicy of %s is %s). Keep the old logical ID, or move it with stack refactoring.",
				describeResource(rc), rc.PreviousLogicalID, rc.LogicalID, rc.PreviousLogicalID, rc.PreviousLogicalID, policyText(rc.BaseDeletionPolicy))
			fix = fmt.Sprintf("keep the logical ID %s, or first deploy it with DeletionPolicy: Retain and import the retained resource under the new ID", rc.PreviousLogicalID)
		case rc.Change == diff.Modified && rc.Replacement == level:
			if protects(rc.UpdateReplacePolicy) {
				continue
			}
			verb := "will be replaced"
			if level == diff.Conditional {
				verb = "may be replaced"
			}
			msg = fmt.Sprintf("%s %s (%s): the old resource and the data in it are deleted (UpdateReplacePolicy is %s).",
				describeResource(rc), verb, replacementCauses(rc, level), policyText(rc.UpdateReplacePolicy))
		default:
			continue
		}
		c.Report(Report{Pos: c.ResourcePos(rc), Resource: rc.LogicalID, ResourceType: rc.Type, Path: "Resources." + rc.LogicalID, Subject: rc.Change, Message: msg, Fix: fix})
	}
}

func baseProps(c *ChangeContext, id string) *template.Node {
	if c.Base == nil {
		return nil
	}
	if r := c.Base.Resource(id); r != nil {
		return r.Properties
	}
	return nil
}

func policyText(p string) string {
	if p == "" {
		return "not set"
	}
	return p
}

// replacementCauses names the property changes that replace the resource.
func replacementCauses(rc *diff.ResourceChange, level diff.Replacement) string {
	var parts []string
	for _, p := range rc.Properties {
		if p.Replacement != level {
			continue
		}
		s := p.Path + " changed"
		if p.Cause != "" {
			s = p.Path + " changes because " + strings.TrimSuffix(p.Cause, ", so the value that refers to it changes")
		}
		parts = append(parts, s)
		if len(parts) == 3 {
			break
		}
	}
	if len(parts) == 0 {
		return "a property that forces replacement changed"
	}
	return strings.Join(parts, "; ")
}
