package checks

import (
	"fmt"
	"strconv"
	"strings"
)

func ruleManagedPolicyNotFound() *Rule {
	r := &Rule{
		Code:  "MANAGED_POLICY_NOT_FOUND",
		Type:  Error,
		Title: "An AWS managed policy that is attached does not exist",
		Why: "ManagedPolicyArns (and a SAM function's Policies, a permission set's ManagedPolicies) may name AWS " +
			"managed policies, by ARN or, in SAM, by name. A policy that does not exist, a misspelled or wrongly cased " +
			"name, or a wrong path (service-role/ left out) fails the deploy: IAM answers that the policy does not " +
			"exist or is not attachable, after review. tollgate knows every AWS managed policy (`tollgate data info` " +
			"says as of when; `tollgate data refresh` updates them). IAM Access Analyzer has no such check, so the code " +
			"is tollgate's.",
		Fix:       "write the name as AWS spells it, with its path (arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole)",
		Example:   "ManagedPolicyArns:\n  - !Sub arn:${AWS::Partition}:iam::aws:policy/AmazonS3ReadOnlyAcess",
		LearnMore: docsURL + "managed_policy_not_found",
	}
	r.Template = func(c *TemplateContext) {
		for i := range c.Extraction.ManagedPolicies {
			m := &c.Extraction.ManagedPolicies[i]
			l := c.lookupManaged(m)
			if l.notFound == nil {
				continue
			}
			nf := l.notFound
			msg := fmt.Sprintf("There is no AWS managed policy %s, so the deploy fails", strconv.Quote(nf.Ref.String()))
			if m.SAM && !nf.Ref.IsARN() {
				msg += " (SAM passes a name it does not know through as an ARN, which IAM rejects)"
			}
			msg += "."
			fix := ""
			if nf.Suggestion != "" {
				msg += " Did you mean " + strconv.Quote(nf.Suggestion) + "?"
				if nf.Why != "" {
					msg += " (" + nf.Why + ")"
				}
				fix = "write " + nf.Suggestion
			}
			if set, err := c.managed.Set(); err == nil && set.Updated != "" {
				msg += fmt.Sprintf(" tollgate knows the AWS managed policies as of %s; if AWS published this one since, run tollgate data refresh.",
					strings.SplitN(set.Updated, "T", 2)[0])
			}
			c.Report(Report{Pos: m.ARN.Pos, EndLine: m.ARN.EndLine, Resource: m.LogicalID, ResourceType: m.ResourceType,
				Path: m.Path, Subject: l.text, Message: msg, Fix: fix, Branch: m.Branch})
		}
	}
	return r
}
