package checks

import (
	"fmt"

	"github.com/tollgate-dev/tollgate/diff"
)

func ruleDeletionPolicyRemoved() *Rule {
	r := &Rule{
		Code:  "DELETION_POLICY_REMOVED",
		Type:  Warning,
		Title: "A resource that holds data lost its Retain or Snapshot policy",
		Why: "DeletionPolicy and UpdateReplacePolicy decide what happens to a database, table, bucket, file system " +
			"or key when CloudFormation deletes or replaces it. Removing Retain or Snapshot makes the next deletion or " +
			"replacement, perhaps by an unrelated change, destroy the data.",
		Fix:       "keep DeletionPolicy: Retain (or Snapshot), or say in the pull request why the data may go",
		Example:   "Resources:\n  Orders:\n    Type: AWS::DynamoDB::Table\n    # DeletionPolicy: Retain  (removed)",
		LearnMore: docsURL + "deletion_policy_removed",
	}
	r.Change = func(c *ChangeContext) {
		for _, rc := range c.Diff.Resources {
			if !rc.Stateful || (rc.Change != diff.Modified && rc.Change != diff.Renamed) {
				continue
			}
			for _, p := range []struct{ attr, before, after string }{
				{"DeletionPolicy", rc.BaseDeletionPolicy, rc.DeletionPolicy},
				{"UpdateReplacePolicy", rc.BaseUpdateReplacePolicy, rc.UpdateReplacePolicy},
			} {
				if !protects(p.before) || protects(p.after) {
					continue
				}
				msg := fmt.Sprintf("%s: %s was %s and is now %s, so deleting or replacing it deletes its data.",
					describeResource(rc), p.attr, p.before, policyText(p.after))
				c.Report(Report{Pos: c.ResourcePos(rc), Resource: rc.LogicalID, ResourceType: rc.Type, Path: "Resources." + rc.LogicalID + "." + p.attr, Subject: p.attr, Message: msg,
					Fix: fmt.Sprintf("restore %s: %s, or say in the pull request why the data may go", p.attr, p.before)})
			}
		}
	}
	return r
}
