package checks

import "fmt"

func ruleUnmatchedSuppression() *Rule {
	r := &Rule{
		Code:  "UNMATCHED_SUPPRESSION",
		Type:  Warning,
		Title: "A tollgate ignore entry suppresses nothing",
		Why: "An ignore entry whose finding is gone (fixed, or the code is wrong for this resource) would silently " +
			"hide the next problem of that kind on the resource. Suppressions should be removed with the findings " +
			"they were written for.",
		Fix:       "remove the ignore entry",
		Example:   "Metadata:\n  tollgate:\n    ignore:\n      - code: EXTERNAL_PRINCIPAL\n        reason: fixed long ago",
		LearnMore: docsURL + "unmatched_suppression",
	}
	r.After = func(c *TemplateContext) {
		for _, e := range c.suppressions().entries {
			// A code no offline rule produces is Access Analyzer's: an
			// entry for it can only be judged when the online checks ran.
			if e.used == 0 && (c.ran[e.code] || c.online) {
				c.Report(Report{Pos: e.pos, Resource: e.resource.LogicalID, ResourceType: e.resource.Type, Path: e.path,
					Subject: e.code, Message: fmt.Sprintf("The ignore entry for %s on %s suppresses nothing: %s reports no %s finding.",
						e.code, e.resource.LogicalID, e.resource.LogicalID, e.code)})
			}
		}
	}
	return r
}
