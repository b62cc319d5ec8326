package cloud

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/tollgate-dev/tollgate/report"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

const deployV1 = `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties: {QueueName: shop-orders}
Outputs:
  Url:
    Value: !Ref Queue
`

const deployV2 = `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties: {QueueName: shop-orders, VisibilityTimeout: 60}
  Topic:
    Type: AWS::SNS::Topic
Outputs:
  Url:
    Value: !Ref Queue
`

func TestDeployCreatesUpdatesAndIsIdempotentInMoto(t *testing.T) {
	api := motoCloudFormation(t)
	ctx := context.Background()
	deploy := func(body string, dry bool) (*DeployResult, string) {
		t.Helper()
		var progress bytes.Buffer
		res, err := Deploy(ctx, api, Target{File: "shop.yaml", StackName: "shop", Body: body, Tags: map[string]string{"tollgate:branch": "main"}},
			DeployOptions{ChangeSet: ChangeSetName("tollgate-deploy", "run 1"), DryRun: dry, Progress: func(e Event) { fmt.Fprintln(&progress, report.DeployEventLine(e)) }, Waiting: fastWait()})
		if err != nil {
			t.Fatalf("deploy: %v\n%s", err, progress.String())
		}
		return res, progress.String()
	}
	res, progress := deploy(deployV1, false)
	// moto gives stacks made through change sets no outputs; the scripted
	// test below covers them.
	if res.Outcome != OutcomeDeployed || !res.Created || res.Status != "CREATE_COMPLETE" {
		t.Fatalf("create: %+v", res)
	}
	if !strings.Contains(progress, "CREATE_COMPLETE              AWS::CloudFormation::Stack") {
		t.Errorf("no progress lines:\n%s", progress)
	}
	res, _ = deploy(deployV1, false)
	if res.Outcome != OutcomeNoChanges {
		t.Errorf("rerun: %+v", res)
	}
	res, _ = deploy(deployV2, true)
	if res.Outcome != OutcomeDryRun || len(res.Preview.Changes) == 0 {
		t.Errorf("dry run: %+v", res)
	}
	out, _ := api.DescribeStackResources(ctx, &cfn.DescribeStackResourcesInput{StackName: aws.String("shop")})
	if len(out.StackResources) != 1 {
		t.Errorf("the dry run deployed: %d resources", len(out.StackResources))
	}
	res, _ = deploy(deployV2, false)
	if res.Outcome != OutcomeDeployed || res.Created || res.Status != "UPDATE_COMPLETE" {
		t.Errorf("update: %+v", res)
	}
	sets, _ := api.ListChangeSets(ctx, &cfn.ListChangeSetsInput{StackName: aws.String("shop")})
	for _, s := range sets.Summaries {
		if s.ExecutionStatus != cfntypes.ExecutionStatusExecuteComplete {
			t.Errorf("a change set was left behind: %s %s", aws.ToString(s.ChangeSetName), s.ExecutionStatus)
		}
	}
}

// failingStack is a Deployer whose change set executes into a rollback.
type failingStack struct {
	scripted
	created   bool
	reads     int
	rollback  cfntypes.StackStatus
	executed  bool
	deletedSt []string
}

func (f *failingStack) ExecuteChangeSet(ctx context.Context, in *cfn.ExecuteChangeSetInput, _ ...func(*cfn.Options)) (*cfn.ExecuteChangeSetOutput, error) {
	f.executed = true
	return &cfn.ExecuteChangeSetOutput{}, nil
}

func (f *failingStack) DescribeStacks(ctx context.Context, in *cfn.DescribeStacksInput, o ...func(*cfn.Options)) (*cfn.DescribeStacksOutput, error) {
	if !f.executed {
		return f.scripted.DescribeStacks(ctx, in, o...)
	}
	f.reads++
	status := cfntypes.StackStatusUpdateInProgress
	if f.reads > 2 {
		status = f.rollback
	}
	return &cfn.DescribeStacksOutput{Stacks: []cfntypes.Stack{{StackName: in.StackName, StackId: aws.String("arn:stack/shop"), StackStatus: status,
		Outputs: []cfntypes.Output{{OutputKey: aws.String("Url"), OutputValue: aws.String("https://shop.example.com")}}}}}, nil
}

func (f *failingStack) DescribeStackEvents(ctx context.Context, in *cfn.DescribeStackEventsInput, _ ...func(*cfn.Options)) (*cfn.DescribeStackEventsOutput, error) {
	now := time.Now()
	ev := func(id, logical, typ string, status cfntypes.ResourceStatus, reason string, age time.Duration) cfntypes.StackEvent {
		return cfntypes.StackEvent{EventId: aws.String(id), LogicalResourceId: aws.String(logical), ResourceType: aws.String(typ),
			ResourceStatus: status, ResourceStatusReason: aws.String(reason), Timestamp: aws.Time(now.Add(-age))}
	}
	old := ev("0", "shop", "AWS::CloudFormation::Stack", "UPDATE_COMPLETE", "", time.Hour)
	if !f.executed {
		// Before the deploy, only the previous operation's events exist.
		return &cfn.DescribeStackEventsOutput{StackEvents: []cfntypes.StackEvent{old}}, nil
	}
	return &cfn.DescribeStackEventsOutput{StackEvents: []cfntypes.StackEvent{
		ev("4", "shop", "AWS::CloudFormation::Stack", "UPDATE_ROLLBACK_COMPLETE", "", 0),
		ev("3", "Topic", "AWS::SNS::Topic", "CREATE_FAILED", "Resource creation cancelled", time.Second),
		ev("2", "Table", "AWS::DynamoDB::Table", "UPDATE_FAILED", "Resource handler returned message: \"Cannot update GSI\x1b[31m\nforged\"", 2*time.Second),
		ev("1", "shop", "AWS::CloudFormation::Stack", "UPDATE_IN_PROGRESS", "User Initiated", 3*time.Second),
		old,
	}}, nil
}

func (f *failingStack) DeleteStack(ctx context.Context, in *cfn.DeleteStackInput, _ ...func(*cfn.Options)) (*cfn.DeleteStackOutput, error) {
	f.deletedSt = append(f.deletedSt, aws.ToString(in.StackName))
	return &cfn.DeleteStackOutput{}, nil
}

func TestAFailedDeployListsTheFailuresAndTheRollback(t *testing.T) {
	f := &failingStack{rollback: cfntypes.StackStatusUpdateRollbackComplete}
	f.stack = &cfntypes.Stack{StackName: aws.String("shop"), StackStatus: cfntypes.StackStatusUpdateComplete}
	f.statuses = []cfntypes.ChangeSetStatus{"CREATE_COMPLETE"}
	f.pages = [][]cfntypes.Change{{change("Modify", "Table", "AWS::DynamoDB::Table", "False", "")}}
	var progress bytes.Buffer
	res, err := Deploy(context.Background(), f, Target{StackName: "shop", Body: deployV2}, DeployOptions{ChangeSet: "cs", Progress: func(e Event) { fmt.Fprintln(&progress, report.DeployEventLine(e)) }, Waiting: fastWait()})
	var fe *FailedError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v", err)
	}
	msg := err.Error()
	for _, want := range []string{"the stack is now UPDATE_ROLLBACK_COMPLETE", "the update was rolled back", "UPDATE_FAILED Table (AWS::DynamoDB::Table)", "Cannot update GSI"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "Resource creation cancelled") || strings.Contains(msg, "\x1b") || strings.Contains(msg, "\nforged") {
		t.Errorf("message:\n%q", msg)
	}
	if res.Outcome != OutcomeFailed || len(res.Failures) != 1 {
		t.Errorf("result = %+v", res)
	}
	if strings.Count(progress.String(), "\n") != 4 || strings.Contains(progress.String(), "\x1b") {
		t.Errorf("progress (the old event must not show, control characters must be escaped):\n%s", progress.String())
	}
}

func TestASuccessfulDeployReturnsTheOutputs(t *testing.T) {
	f := &failingStack{rollback: cfntypes.StackStatusUpdateComplete}
	f.stack = &cfntypes.Stack{StackName: aws.String("shop"), StackStatus: cfntypes.StackStatusUpdateComplete}
	f.statuses = []cfntypes.ChangeSetStatus{"CREATE_COMPLETE"}
	res, err := Deploy(context.Background(), f, Target{StackName: "shop", Body: deployV2}, DeployOptions{ChangeSet: "cs", Waiting: fastWait()})
	if err != nil || res.Outcome != OutcomeDeployed || res.Outputs["Url"] != "https://shop.example.com" {
		t.Errorf("res = %+v, err = %v", res, err)
	}
}

func TestDeployRefusesStacksItCannotUpdate(t *testing.T) {
	for status, want := range map[cfntypes.StackStatus]string{
		cfntypes.StackStatusUpdateInProgress:                "another operation is running",
		cfntypes.StackStatusRollbackComplete:                "delete it (aws cloudformation delete-stack --stack-name shop)",
		cfntypes.StackStatusUpdateRollbackFailed:            "continue the rollback",
		cfntypes.StackStatusDeleteInProgress:                "another operation is running",
		cfntypes.StackStatusUpdateCompleteCleanupInProgress: "another operation is running",
	} {
		f := &failingStack{}
		f.stack = &cfntypes.Stack{StackName: aws.String("shop"), StackStatus: status}
		_, err := Deploy(context.Background(), f, Target{StackName: "shop", Body: deployV1}, DeployOptions{ChangeSet: "cs", Waiting: fastWait()})
		if err == nil || !strings.Contains(err.Error(), want) || len(f.calls) != 1 {
			t.Errorf("%s: err = %v, calls %v", status, err, f.calls)
		}
	}
}

func TestAFailedChangeSetLeavesNothingBehind(t *testing.T) {
	f := &failingStack{}
	f.statuses = []cfntypes.ChangeSetStatus{"FAILED"}
	f.reason = "Template format error: Unresolved resource dependencies [Missing] in the Resources block of the template"
	_, err := Deploy(context.Background(), f, Target{StackName: "new-stack", Body: deployV1}, DeployOptions{ChangeSet: "cs", Waiting: fastWait()})
	if err == nil || !strings.Contains(err.Error(), "Unresolved resource dependencies") {
		t.Fatalf("err = %v", err)
	}
	if len(f.deleted) != 1 || len(f.deletedSt) != 1 || f.deletedSt[0] != "new-stack" || f.executed {
		t.Errorf("deleted change sets %v, stacks %v, executed %v", f.deleted, f.deletedSt, f.executed)
	}
}

func TestProgressShowsOnlyThisDeploysEvents(t *testing.T) {
	api := motoCloudFormation(t)
	deploy := func(body string) string {
		var progress bytes.Buffer
		if _, err := Deploy(context.Background(), api, Target{StackName: "p", Body: body},
			DeployOptions{ChangeSet: ChangeSetName("x", "1"), Progress: func(e Event) { fmt.Fprintln(&progress, report.DeployEventLine(e)) }, Waiting: fastWait()}); err != nil {
			t.Fatal(err)
		}
		return progress.String()
	}
	deploy(deployV1)
	second := deploy(deployV2)
	if strings.Contains(second, "CREATE_COMPLETE") || !strings.Contains(second, "UPDATE_COMPLETE") {
		t.Errorf("the update's progress repeats the creation:\n%s", second)
	}
}
