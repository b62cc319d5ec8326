package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"

	"github.com/tollgate-dev/tollgate/cloud"
	"github.com/tollgate-dev/tollgate/github/githubtest"
	"github.com/tollgate-dev/tollgate/internal/fakeaws"
	"github.com/tollgate-dev/tollgate/internal/motoserver"
)

const liveOrders = `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties: {QueueName: orders}
`

const headOrders = `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties: {QueueName: orders, VisibilityTimeout: 60}
  QueuePolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Queue]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: sns.amazonaws.com}
            Action: sqs:SendMessage
            Resource: !GetAtt Queue.Arn
            Condition:
              ArnEquals: {aws:SourceArn: !Sub "arn:aws:sns:${AWS::Region}:${AWS::AccountId}:orders"}
`

// awsActionRun sets up everything a review with role-to-assume talks to:
// moto (STS, CloudFormation) with a live stack, a fake GitHub OIDC token
// endpoint, a fake IAM Access Analyzer and a fake GitHub.
func awsActionRun(t *testing.T) (map[string]string, *githubtest.Server, *fakeaws.TokenIssuer, *fakeaws.Analyzer) {
	t.Helper()
	moto := motoserver.Shared(t)
	moto.Env(t)
	analyzer := fakeaws.NewAnalyzer(t, fakeaws.Rule{Needle: "sqs:SendMessage", Code: "MISSING_ARN_FIELD_IN_CONDITION", Type: "SUGGESTION",
		Details: "Add the account of the topic to the condition."})
	t.Setenv("AWS_ENDPOINT_URL_ACCESSANALYZER", analyzer.URL)
	issuer := fakeaws.NewTokenIssuer(t, "repo:Codertocat/Hello-World:pull_request")
	gh := githubtest.New(t)
	vars := actionWorkspace(t, "pull_request", "pull_request.synchronize.json", gh.URL())
	os.MkdirAll("stacks", 0o755)
	os.WriteFile(filepath.Join("stacks", "orders.yaml"), []byte(headOrders), 0o644)
	os.WriteFile(".tollgate.yml", []byte("region: eu-west-1\naccount: \"123456789012\"\ngitops: {preset: gitflow}\n"), 0o644)
	// The example stacks are not part of this review.
	os.RemoveAll(filepath.Join("stacks", "payments"))
	os.RemoveAll(filepath.Join("stacks", "web"))
	cfg, err := cloud.LoadConfig(context.Background(), "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cloud.NewCloudFormation(cfg).CreateStack(context.Background(), &cfn.CreateStackInput{StackName: aws.String("orders"), TemplateBody: aws.String(liveOrders)}); err != nil {
		t.Fatal(err)
	}
	vars["ACTIONS_ID_TOKEN_REQUEST_URL"] = issuer.RequestURL()
	vars["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = issuer.Bearer
	vars["INPUT_ROLE-TO-ASSUME"] = "arn:aws:iam::123456789012:role/tollgate-review"
	vars["INPUT_AWS-REGION"] = "eu-west-1"
	vars["INPUT_ACCESS-ANALYZER"] = "true"
	vars["INPUT_PREVIEW"] = "true"
	return vars, gh, issuer, analyzer
}

func TestActionWithARoleRunsAccessAnalyzerAndPreviews(t *testing.T) {
	vars, gh, issuer, analyzer := awsActionRun(t)
	r := runActionWith(vars)
	if r.code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if len(issuer.Issued) != 1 || issuer.Requests[0].Get("audience") != "sts.amazonaws.com" {
		t.Errorf("token requests = %v", issuer.Requests)
	}
	if len(analyzer.Requests) == 0 {
		t.Error("Access Analyzer was not called")
	}
	var comment string
	for _, c := range gh.Comments() {
		if strings.HasPrefix(c.Body, "<!-- tollgate:v1 ") {
			comment = c.Body
		}
	}
	for _, want := range []string{
		"MISSING\\_ARN\\_FIELD\\_IN\\_CONDITION",            // Access Analyzer's finding
		"#### Change set preview (against the live stacks)", // the preview
		"**orders** (stacks/orders.yaml): 2 changes",
		"| Add | `QueuePolicy` | `AWS::SQS::QueuePolicy` |",
	} {
		if !strings.Contains(comment, want) {
			t.Errorf("the comment lacks %q:\n%s", want, comment)
		}
	}
	if strings.Contains(comment, "are not configured") {
		t.Errorf("the comment says AWS is not configured:\n%s", comment)
	}
	// The preview's change set is gone and the stack untouched.
	cfg, _ := cloud.LoadConfig(context.Background(), "eu-west-1")
	sets, _ := cloud.NewCloudFormation(cfg).ListChangeSets(context.Background(), &cfn.ListChangeSetsInput{StackName: aws.String("orders")})
	if len(sets.Summaries) != 0 {
		t.Errorf("change sets left behind: %+v", sets.Summaries)
	}
	// No secret reaches the log except inside add-mask commands.
	for _, secret := range append([]string{issuer.Bearer}, issuer.Issued...) {
		for _, line := range strings.Split(r.stdout+r.stderr, "\n") {
			if strings.Contains(line, secret) && !strings.HasPrefix(line, "::add-mask::") {
				t.Errorf("a secret is in the log: %q", line)
			}
		}
		if !strings.Contains(r.stdout, "::add-mask::"+secret) {
			t.Error("a secret was not masked")
		}
	}
	summary := readFile(t, vars["GITHUB_STEP_SUMMARY"])
	if strings.Contains(summary, issuer.Issued[0]) || strings.Contains(summary, issuer.Bearer) {
		t.Error("a secret is in the summary")
	}
}

func TestActionWithoutAnOIDCTokenStillReviews(t *testing.T) {
	vars, _, _, analyzer := awsActionRun(t)
	delete(vars, "ACTIONS_ID_TOKEN_REQUEST_URL")
	delete(vars, "ACTIONS_ID_TOKEN_REQUEST_TOKEN")
	r := runActionWith(vars)
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	summary := readFile(t, vars["GITHUB_STEP_SUMMARY"])
	if !strings.Contains(summary, "AWS checks skipped: this job cannot request a GitHub OIDC token") || !strings.Contains(summary, "id-token: write") {
		t.Errorf("summary:\n%s", summary)
	}
	if len(analyzer.Requests) != 0 {
		t.Error("Access Analyzer was called without credentials")
	}
}

func TestActionExportsCredentialsOnlyWhenAsked(t *testing.T) {
	vars, _, _, _ := awsActionRun(t)
	envFile := filepath.Join(t.TempDir(), "env")
	os.WriteFile(envFile, nil, 0o644)
	vars["GITHUB_ENV"] = envFile
	runActionWith(vars)
	if got := readFile(t, envFile); got != "" {
		t.Errorf("credentials were exported without export-credentials:\n%s", got)
	}
	vars["INPUT_EXPORT-CREDENTIALS"] = "true"
	r := runActionWith(vars)
	got := readFile(t, envFile)
	if !strings.Contains(got, "AWS_ACCESS_KEY_ID<<ghadelimiter_") || !strings.Contains(got, "AWS_SESSION_TOKEN<<") {
		t.Errorf("GITHUB_ENV:\n%s", got)
	}
	for _, line := range strings.Split(got, "\n") {
		if strings.HasPrefix(line, "ASIA") || strings.HasPrefix(line, "AKIA") {
			if !strings.Contains(r.stdout, "::add-mask::"+line) {
				t.Errorf("exported key %q was not masked", line)
			}
		}
	}
}
