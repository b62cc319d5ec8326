package checks

import (
	"fmt"
	"strings"

	"github.com/tollgate-dev/tollgate/policy"
	"github.com/tollgate-dev/tollgate/template"
)

// policyServices are the service prefixes whose actions a resource policy of
// each type can hold: a queue policy governs the queue, so only sqs actions.
var policyServices = map[string][]string{
	"AWS::S3::BucketPolicy":               {"s3"},
	"AWS::S3::AccessPoint":                {"s3"},
	"AWS::SQS::QueuePolicy":               {"sqs"},
	"AWS::SQS::QueueInlinePolicy":         {"sqs"},
	"AWS::SNS::TopicPolicy":               {"sns"},
	"AWS::SNS::TopicInlinePolicy":         {"sns"},
	"AWS::KMS::Key":                       {"kms"},
	"AWS::KMS::ReplicaKey":                {"kms"},
	"AWS::Lambda::Permission":             {"lambda"},
	"AWS::SecretsManager::ResourcePolicy": {"secretsmanager"},
	"AWS::ECR::Repository":                {"ecr"},
	"AWS::EFS::FileSystem":                {"elasticfilesystem"},
	"AWS::Glacier::Vault":                 {"glacier"},
	"AWS::DynamoDB::Table":                {"dynamodb"},
	"AWS::DynamoDB::GlobalTable":          {"dynamodb"},
	"AWS::Kinesis::ResourcePolicy":        {"kinesis"},
	"AWS::Events::EventBus":               {"events"},
	"AWS::ApiGateway::RestApi":            {"execute-api"},
	"AWS::OpenSearchService::Domain":      {"es"},
	"AWS::Elasticsearch::Domain":          {"es"},
	"AWS::Logs::Destination":              {"logs"},
}

// trustActions are the actions a trust policy may allow.
var trustActions = []string{"sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity",
	"sts:tagsession", "sts:setsourceidentity", "sts:setcontext"}

func ruleUnsupportedActionInPolicy() *Rule {
	r := &Rule{
		Code:  "UNSUPPORTED_ACTION_IN_POLICY",
		Type:  Error,
		Title: "A resource or trust policy names actions of another service",
		Why: "A resource policy governs its own resource: a queue policy can only name sqs actions, a key policy " +
			"kms actions, a trust policy the sts:AssumeRole family. The service rejects the policy (or ignores the " +
			"statement), and the access it was meant to give goes nowhere.",
		Fix:       "grant the action in the policy of the resource it acts on, or in the caller's identity policy",
		Example:   "QueuePolicy:\n  Statement:\n    - Effect: Allow\n      Principal: {Service: sns.amazonaws.com}\n      Action: sns:Publish",
		LearnMore: aaSection("error", "unsupported-action-in-policy"),
	}
	r.Policy = func(c *PolicyContext) {
		allowed, ok := policyServices[c.Policy.ResourceType]
		trust := c.Policy.Kind == template.Trust
		if !trust && (!ok || c.Policy.Kind != template.ResourcePolicy) {
			return
		}
		data := c.Options.Data
		for _, s := range c.Doc.Statements {
			actionValues(s, func(v policy.Value, element string) {
				text := strings.TrimSpace(v.Text)
				prefix, _, ok := splitAction(text)
				if !ok || strings.ContainsAny(prefix, "*?") || !data.HasService(prefix) {
					return
				}
				if trust {
					if strings.ContainsAny(text, "*?") && strings.EqualFold(prefix, "sts") || contains(trustActions, strings.ToLower(text)) {
						return
					}
					c.At(v.Node, v.Path, text, fmt.Sprintf("%s cannot be allowed in a trust policy: trust policies name sts:AssumeRole, sts:AssumeRoleWithWebIdentity, sts:AssumeRoleWithSAML, sts:TagSession, sts:SetSourceIdentity or sts:SetContext.", text),
						"grant "+text+" in the role's permission policies (Policies or ManagedPolicyArns) instead")
					return
				}
				if contains(allowed, strings.ToLower(prefix)) {
					return
				}
				c.At(v.Node, v.Path, text, fmt.Sprintf("%s is not an action of %s, so the %s (%s) cannot grant it.", text, strings.Join(allowed, " or "), c.KindNoun(), c.Policy.ResourceType),
					"")
			})
		}
	}
	return r
}
