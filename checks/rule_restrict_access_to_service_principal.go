package checks

import (
	"fmt"
	"strings"

	"github.com/tollgate-dev/tollgate/policy"
	"github.com/tollgate-dev/tollgate/template"
)

// sourceKeys tie a service's access to the resource or account it acts for.
var sourceKeys = []string{"aws:SourceAccount", "aws:SourceArn", "aws:SourceOrgID", "aws:SourceOrgPaths", "aws:SourceOwner"}

// encryptionContextSource reports keys that KMS key policies use instead of
// aws:SourceArn for services that encrypt on a resource's behalf
// (kms:EncryptionContext:aws:logs:arn, ...:aws:cloudtrail:arn).
func encryptionContextSource(key string) bool {
	k := strings.ToLower(key)
	return strings.HasPrefix(k, "kms:encryptioncontext:aws:") && strings.HasSuffix(k, ":arn")
}

func ruleRestrictAccessToServicePrincipal() *Rule {
	r := &Rule{
		Code:  "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL",
		Type:  SecurityWarning,
		Title: "A resource policy lets a service in on behalf of anyone",
		Why: "A service principal acts for every customer of the service. Without a condition on aws:SourceAccount, " +
			"aws:SourceArn or aws:SourceOrgID, another account can make the service (SNS, S3 notifications, " +
			"CloudWatch Logs, ...) reach your resource for them: the confused deputy problem.",
		Fix:       "add a condition on aws:SourceArn (the resource that calls, e.g. the topic or bucket) or aws:SourceAccount",
		Example:   "QueuePolicy:\n  Statement:\n    - Effect: Allow\n      Principal: {Service: sns.amazonaws.com}\n      Action: sqs:SendMessage\n      Resource: !GetAtt Queue.Arn",
		LearnMore: aaSection("security-warning", "restrict-access-to-service-principal"),
	}
	r.Policy = func(c *PolicyContext) {
		if c.Policy.Kind != template.ResourcePolicy || c.IsBoundary() {
			return
		}
		for _, s := range c.Doc.Statements {
			if !s.Allows() || s.Principal == nil || hasSourceCondition(s) {
				continue
			}
			for _, v := range s.Principal.Types["Service"].Values {
				if !v.Known || hasHole(v.Text) {
					continue
				}
				svc := strings.TrimSpace(v.Text)
				fix := r.Fix
				if c.Policy.Synthesized {
					fix = "set SourceArn (the resource that invokes the function) or SourceAccount on the permission"
				}
				c.At(v.Node, v.Path, svc, fmt.Sprintf("The %s lets %s in on behalf of any account: there is no condition on aws:SourceArn, aws:SourceAccount or aws:SourceOrgID.",
					c.KindNoun(), svc), fix)
			}
		}
	}
	return r
}

// hasSourceCondition reports whether a statement ties its service
// principals to a source. Negated or IfExists conditions do not.
func hasSourceCondition(s *policy.Statement) bool {
	for i := range s.Conditions {
		cond := &s.Conditions[i]
		if !positiveCondition(cond) {
			continue
		}
		for _, k := range sourceKeys {
			if strings.EqualFold(cond.Key, k) {
				return true
			}
		}
		if encryptionContextSource(cond.Key) {
			return true
		}
	}
	return false
}
