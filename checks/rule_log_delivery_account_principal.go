package checks

import (
	"fmt"
	"strings"
)

func ruleLogDeliveryAccountPrincipal() *Rule {
	r := &Rule{
		Code:  "LOG_DELIVERY_ACCOUNT_PRINCIPAL",
		Type:  Suggestion,
		Title: "A bucket policy lets in an AWS log-delivery account, which newer Regions do not have",
		Why: "Elastic Load Balancing writes access logs from an AWS-owned account of each Region (127311923021 in " +
			"us-east-1), and its documentation asks for a bucket policy granting that account s3:PutObject. The " +
			"account is AWS's, not an external principal, so tollgate does not report it as EXTERNAL_PRINCIPAL. " +
			"But the table ends at the Regions opened before August 2022: newer Regions have no such account, and a " +
			"template that looks the account up per Region fails to deliver logs there. The service principal " +
			"logdelivery.elasticloadbalancing.amazonaws.com is what those Regions need. Only a grant of what the " +
			"service needs (s3:PutObject on objects of the bucket) counts; anything more granted to the account is " +
			"judged like any other account's. The accounts and their sources are in checks/logdelivery.json.",
		Fix: "for a template meant for any Region, grant Principal {Service: logdelivery.elasticloadbalancing.amazonaws.com} " +
			"s3:PutObject on arn:${AWS::Partition}:s3:::BUCKET/PREFIX/AWSLogs/${AWS::AccountId}/*; the account grant can stay " +
			"for the Regions that have one",
		Example: "LogsBucketPolicy:\n  Type: AWS::S3::BucketPolicy\n  Properties:\n    PolicyDocument:\n      Statement:\n" +
			"        - Effect: Allow\n          Principal: {AWS: !FindInMap [Region2ELBAccountId, !Ref AWS::Region, AccountId]}\n" +
			"          Action: s3:PutObject\n          Resource: !Sub arn:${AWS::Partition}:s3:::${LogsBucket}/AWSLogs/${AWS::AccountId}/*",
		LearnMore: docsURL + "log_delivery_account_principal",
	}
	r.Policy = func(c *PolicyContext) {
		if c.Options.ExternalLogDeliveryAccounts {
			return // reported as EXTERNAL_PRINCIPAL instead
		}
		for _, s := range c.Doc.Statements {
			if s.Principal == nil {
				continue
			}
			for _, v := range s.Principal.Types["AWS"].Values {
				g, ok := logDeliveryGrant(c, s, v)
				if !ok {
					continue
				}
				subject := g.account
				if subject == "" {
					subject = g.mapping
				}
				msg, fix := logDeliveryMessage(c, g)
				c.At(v.Node, v.Path, subject, msg, fix)
			}
		}
	}
	return r
}

// logDeliveryMessage says whose account it is and what to do, and names the
// right account when the grant is for another Region than the stack's.
func logDeliveryMessage(c *PolicyContext, g deliveryGrant) (msg, fix string) {
	var b strings.Builder
	fmt.Fprintf(&b, "The bucket policy grants %s to %s: AWS's own account, not an external principal.",
		strings.Join(g.svc.Actions, ", "), g.describe())
	region := c.Options.Values.Region
	switch {
	case region == "" || region == g.region || g.mapping != "":
		fmt.Fprintf(&b, " Regions opened since August 2022 have no such account; there the bucket policy must name the service principal %s.",
			g.svc.ServicePrincipal)
	case g.svc.Accounts[region] != "":
		fmt.Fprintf(&b, " But this template deploys to %s, where %s writes as %s: logs will not arrive.", region, g.svc.Service, g.svc.Accounts[region])
		fix = fmt.Sprintf("grant %s, the account of %s, or the service principal %s", g.svc.Accounts[region], region, g.svc.ServicePrincipal)
	default:
		fmt.Fprintf(&b, " But this template deploys to %s, which has no such account: logs will not arrive.", region)
		fix = fmt.Sprintf("grant the service principal %s instead", g.svc.ServicePrincipal)
	}
	return b.String(), fix
}
