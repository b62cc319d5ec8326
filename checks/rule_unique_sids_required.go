package checks

import "fmt"

func ruleUniqueSidsRequired() *Rule {
	r := &Rule{
		Code:  "UNIQUE_SIDS_REQUIRED",
		Type:  Error,
		Title: "Two statements of a policy have the same Sid",
		Why: "A statement ID (Sid) must be unique within its policy. IAM, S3, SNS and SQS reject a policy in which two " +
			"statements share one, so the deploy fails. It happens most when a statement is copied and edited.",
		Fix:       "give each statement its own Sid, or remove the Sid of one of them",
		Example:   "Statement:\n  - Sid: ReadReports\n    ...\n  - Sid: ReadReports\n    ...",
		LearnMore: aaSection("error", "unique-sids-required"),
	}
	r.Policy = func(c *PolicyContext) {
		first := map[string]int{}
		for _, s := range c.Doc.Statements {
			if s.Sid == "" {
				continue
			}
			i, seen := first[s.Sid]
			if !seen {
				first[s.Sid] = s.Index
				continue
			}
			f := s.Node.Field("Sid")
			c.AtPos(f.KeyPos, 0, s.Path+".Sid", s.Sid,
				fmt.Sprintf("Sid %q is already the Sid of statement %d of this %s; statement IDs must be unique within a policy.", s.Sid, i+1, c.KindNoun()),
				"rename this statement's Sid, e.g. "+s.Sid+"2, or remove it")
		}
	}
	return r
}
