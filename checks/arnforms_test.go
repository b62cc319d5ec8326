package checks_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/template"
)

// TestValidARNFormsPass checks each valid way of writing a resource that
// a service accepts, and that the service reference does not list
// literally (or lists in a form that is easy to misread), in an identity
// policy with the action it is written for: none may get an ARN finding
// or RESOURCE_MISMATCH.
func TestValidARNFormsPass(t *testing.T) {
	cases := []struct{ name, action, resource string }{
		{"Multi-Region Access Point objects (empty Region)", "s3:GetObject", "arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap/object/*"},
		{"Multi-Region Access Point objects written with Sub", "s3:PutObject", "!Sub arn:${AWS::Partition}:s3::${AWS::AccountId}:accesspoint/mfzwi23gnjvgw.mrap/object/reports/*"},
		{"Multi-Region Access Point, listed", "s3:ListBucket", "arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap"},
		{"Multi-Region Access Point itself", "s3:GetMultiRegionAccessPoint", "arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap"},
		{"access point objects", "s3:GetObject", "arn:aws:s3:eu-west-1:123456789012:accesspoint/reports/object/*"},
		{"Object Lambda access point", "s3-object-lambda:GetObject", "arn:aws:s3-object-lambda:eu-west-1:123456789012:accesspoint/redact"},
		{"objects under a policy variable", "s3:GetObject", "arn:aws:s3:::reports/${aws:username}/*"},
		{"Lambda function alias", "lambda:InvokeFunction", "arn:aws:lambda:eu-west-1:123456789012:function:orders:live"},
		{"Lambda function, every version", "lambda:InvokeFunction", "arn:aws:lambda:eu-west-1:123456789012:function:orders:*"},
		{"Lambda layer version", "lambda:GetLayerVersion", "arn:aws:lambda:eu-west-1:123456789012:layer:shared:3"},
		{"log streams of a log group", "logs:PutLogEvents", "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/orders:log-stream:*"},
		{"log group with a trailing :*", "logs:CreateLogStream", "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/orders:*"},
		{"DynamoDB index", "dynamodb:Query", "arn:aws:dynamodb:eu-west-1:123456789012:table/Orders/index/*"},
		{"DynamoDB stream", "dynamodb:GetRecords", "arn:aws:dynamodb:eu-west-1:123456789012:table/Orders/stream/*"},
		{"public AMI (empty account)", "ec2:RunInstances", "arn:aws:ec2:eu-west-1::image/ami-0abcdef1234567890"},
		{"AWS-owned SSM document (empty account)", "ssm:SendCommand", "arn:aws:ssm:eu-west-1::document/AWS-RunShellScript"},
		{"Bedrock foundation model (empty account)", "bedrock:InvokeModel", "arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"},
		{"AWS managed policy (account aws)", "iam:GetPolicyVersion", "arn:aws:iam::aws:policy/ReadOnlyAccess"},
		{"role with a path", "iam:PassRole", "arn:aws:iam::123456789012:role/service-role/orders"},
		{"SSM parameters under a path", "ssm:GetParametersByPath", "arn:aws:ssm:eu-west-1:123456789012:parameter/orders/db/*"},
		{"secret with its random suffix", "secretsmanager:GetSecretValue", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/db-AbCdEf"},
		{"execute-api method and path", "execute-api:Invoke", "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/GET/orders/*"},
		{"API Gateway management path (empty account)", "apigateway:GET", "arn:aws:apigateway:eu-west-1::/restapis/*"},
		{"Route 53 hosted zone (no Region, no account)", "route53:ChangeResourceRecordSets", "arn:aws:route53:::hostedzone/Z0123456789ABC"},
		{"CloudFront distribution (no Region)", "cloudfront:CreateInvalidation", "arn:aws:cloudfront::123456789012:distribution/E1ABCDEF2GHIJK"},
		{"ECR repository in a namespace", "ecr:BatchGetImage", "arn:aws:ecr:eu-west-1:123456789012:repository/team/orders"},
		{"Step Functions executions", "states:DescribeExecution", "arn:aws:states:eu-west-1:123456789012:execution:orders:*"},
		{"Kinesis stream consumer", "kinesis:SubscribeToShard", "arn:aws:kinesis:eu-west-1:123456789012:stream/orders/consumer/app:1700000000"},
		{"IoT topic with levels", "iot:Publish", "arn:aws:iot:eu-west-1:123456789012:topic/orders/created"},
		{"EventBridge default bus", "events:PutEvents", "arn:aws:events:eu-west-1:123456789012:event-bus/default"},
		{"Glue Data Catalog", "glue:GetTable", "arn:aws:glue:eu-west-1:123456789012:catalog"},
		{"every Region and account", "sqs:SendMessage", "arn:aws:sqs:*:*:orders"},
		{"S3 Express directory bucket", "s3express:CreateSession", "arn:aws:s3express:eu-west-1:123456789012:bucket/orders--euw1-az1--x-s3"},
		{"China partition", "s3:GetObject", "arn:aws-cn:s3:::reports/*"},
	}
	k := newChecker(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := c.resource
			if !strings.HasPrefix(res, "!") {
				res = `"` + res + `"`
			}
			src := fmt.Sprintf(`Resources:
  P:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: %s
            Resource: %s
`, c.action, res)
			for _, f := range k.Check(template.Parse("forms.yaml", []byte(src))).Findings {
				if strings.Contains(f.Code, "ARN") || f.Code == "RESOURCE_MISMATCH" || f.Code == "INVALID_ACTION" || f.Type == "ERROR" {
					t.Errorf("%s %s: %s", f.Type, f.Code, f.Message)
				}
			}
		})
	}
}

// TestExtraARNFormsDoNotHideMismatches keeps the extra forms narrow: the
// slips they sit next to are still reported.
func TestExtraARNFormsDoNotHideMismatches(t *testing.T) {
	cases := []struct{ name, action, resource, code string }{
		{"object action on a Multi-Region Access Point without /object/", "s3:GetObject", "arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap", "RESOURCE_MISMATCH"},
		{"object action on a bucket", "s3:GetObject", "arn:aws:s3:::reports", "RESOURCE_MISMATCH"},
		{"layer action on a qualified function", "lambda:GetLayerVersion", "arn:aws:lambda:eu-west-1:123456789012:function:orders:live", "RESOURCE_MISMATCH"},
		{"a Region on a bucket", "s3:ListBucket", "arn:aws:s3:eu-west-1::reports", "ARN_REGION_NOT_ALLOWED"},
	}
	k := newChecker(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := fmt.Sprintf("Resources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n        Version: \"2012-10-17\"\n        Statement:\n          - {Effect: Allow, Action: %s, Resource: %q}\n", c.action, c.resource)
			var codes []string
			for _, f := range k.Check(template.Parse("forms.yaml", []byte(src))).Findings {
				codes = append(codes, f.Code)
			}
			if !slices.Contains(codes, c.code) {
				t.Errorf("findings %v, want %s", codes, c.code)
			}
		})
	}
}
