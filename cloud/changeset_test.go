package cloud

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/tollgate-dev/tollgate/internal/motoserver"
	"github.com/tollgate-dev/tollgate/model"
)

const stackV1 = `AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Env: {Type: String, Default: dev}
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties: {QueueName: !Sub "orders-${Env}"}
  Bucket:
    Type: AWS::S3::Bucket
`

const stackV2 = `AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Env: {Type: String, Default: dev}
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties: {QueueName: !Sub "orders-v2-${Env}"}
  Topic:
    Type: AWS::SNS::Topic
`

func motoCloudFormation(t *testing.T) *cfn.Client {
	t.Helper()
	moto := motoserver.Shared(t)
	moto.Env(t)
	cfg, err := LoadConfig(context.Background(), "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	return NewCloudFormation(cfg)
}

func fastWait() Waiting {
	return Waiting{Interval: time.Millisecond, Timeout: 10 * time.Second}
}

func TestPreviewAgainstALiveStackInMoto(t *testing.T) {
	api := motoCloudFormation(t)
	ctx := context.Background()
	if _, err := api.CreateStack(ctx, &cfn.CreateStackInput{StackName: aws.String("shop"), TemplateBody: aws.String(stackV1),
		Parameters: []cfntypes.Parameter{{ParameterKey: aws.String("Env"), ParameterValue: aws.String("prod")}}}); err != nil {
		t.Fatal(err)
	}
	name := ChangeSetName("tollgate-preview", "acme/shop run 42")
	p, err := PreviewChangeSet(ctx, api, Target{File: "stacks/shop.yaml", StackName: "shop", Body: stackV2}, name, fastWait())
	if err != nil {
		t.Fatal(err)
	}
	if p.Failed || p.NoChanges || p.NewStack {
		t.Fatalf("preview = %+v", p)
	}
	got := map[string]string{}
	for _, c := range p.Changes {
		got[c.LogicalID] = c.Action
	}
	want := map[string]string{"Queue": "Modify", "Topic": "Add", "Bucket": "Remove"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	sets, err := api.ListChangeSets(ctx, &cfn.ListChangeSetsInput{StackName: aws.String("shop")})
	if err != nil {
		t.Fatal(err)
	}
	if len(sets.Summaries) != 0 {
		t.Errorf("the change set was left behind: %+v", sets.Summaries)
	}
	stacks, _ := api.DescribeStacks(ctx, &cfn.DescribeStacksInput{StackName: aws.String("shop")})
	if s := stacks.Stacks[0]; s.StackStatus != cfntypes.StackStatusCreateComplete {
		t.Errorf("the preview changed the stack: %s", s.StackStatus)
	}
}

func TestPreviewOfAStackThatDoesNotExistYet(t *testing.T) {
	api := motoCloudFormation(t)
	p, err := PreviewChangeSet(context.Background(), api, Target{File: "new.yaml", StackName: "brand-new", Body: stackV1}, ChangeSetName("tollgate-preview", "1"), fastWait())
	if err != nil {
		t.Fatal(err)
	}
	if !p.NewStack || len(p.Changes) != 2 {
		t.Errorf("preview = %+v", p)
	}
	out, err := api.DescribeStacks(context.Background(), &cfn.DescribeStacksInput{StackName: aws.String("brand-new")})
	if err == nil && len(out.Stacks) > 0 && out.Stacks[0].StackStatus != cfntypes.StackStatusDeleteComplete {
		t.Errorf("the preview left stack brand-new behind in %s", out.Stacks[0].StackStatus)
	}
}

// scripted is a CloudFormation whose answers a test scripts, for the states
// moto cannot reach.
type scripted struct {
	stack       *cfntypes.Stack
	describeErr error
	createErr   error
	statuses    []cfntypes.ChangeSetStatus
	reason      string
	pages       [][]cfntypes.Change
	nested      map[string][]cfntypes.Change
	calls       []string
	deleted     []string
}

func (s *scripted) DescribeStacks(ctx context.Context, in *cfn.DescribeStacksInput, _ ...func(*cfn.Options)) (*cfn.DescribeStacksOutput, error) {
	s.calls = append(s.calls, "DescribeStacks")
	if s.describeErr != nil {
		return nil, s.describeErr
	}
	if s.stack == nil {
		return nil, &smithy.GenericAPIError{Code: "ValidationError", Message: "Stack with id " + aws.ToString(in.StackName) + " does not exist"}
	}
	return &cfn.DescribeStacksOutput{Stacks: []cfntypes.Stack{*s.stack}}, nil
}

func (s *scripted) CreateChangeSet(ctx context.Context, in *cfn.CreateChangeSetInput, _ ...func(*cfn.Options)) (*cfn.CreateChangeSetOutput, error) {
	s.calls = append(s.calls, "CreateChangeSet")
	if s.createErr != nil {
		return nil, s.createErr
	}
	return &cfn.CreateChangeSetOutput{Id: aws.String("arn:cs/" + aws.ToString(in.ChangeSetName))}, nil
}

func (s *scripted) DescribeChangeSet(ctx context.Context, in *cfn.DescribeChangeSetInput, _ ...func(*cfn.Options)) (*cfn.DescribeChangeSetOutput, error) {
	s.calls = append(s.calls, "DescribeChangeSet")
	id := aws.ToString(in.ChangeSetName)
	if changes, ok := s.nested[id]; ok {
		return &cfn.DescribeChangeSetOutput{Status: cfntypes.ChangeSetStatusCreateComplete, Changes: changes}, nil
	}
	if len(s.statuses) > 1 {
		st := s.statuses[0]
		s.statuses = s.statuses[1:]
		return &cfn.DescribeChangeSetOutput{Status: st}, nil
	}
	out := &cfn.DescribeChangeSetOutput{Status: s.statuses[0], StatusReason: aws.String(s.reason)}
	page := 0
	if in.NextToken != nil {
		page = len(aws.ToString(in.NextToken))
	}
	if page < len(s.pages) {
		out.Changes = s.pages[page]
		if page+1 < len(s.pages) {
			out.NextToken = aws.String(strings.Repeat("x", page+1))
		}
	}
	return out, nil
}

func (s *scripted) DeleteChangeSet(ctx context.Context, in *cfn.DeleteChangeSetInput, _ ...func(*cfn.Options)) (*cfn.DeleteChangeSetOutput, error) {
	s.deleted = append(s.deleted, aws.ToString(in.ChangeSetName))
	return &cfn.DeleteChangeSetOutput{}, nil
}

func change(action cfntypes.ChangeAction, id, typ string, repl cfntypes.Replacement, nested string) cfntypes.Change {
	rc := &cfntypes.ResourceChange{Action: action, LogicalResourceId: aws.String(id), ResourceType: aws.String(typ), Replacement: repl,
		Details: []cfntypes.ResourceChangeDetail{{Target: &cfntypes.ResourceTargetDefinition{Attribute: cfntypes.ResourceAttributeProperties,
			Name: aws.String("TableName"), RequiresRecreation: cfntypes.RequiresRecreationAlways}, ChangeSource: cfntypes.ChangeSourceDirectModification}}}
	if nested != "" {
		rc.ChangeSetId = aws.String(nested)
		rc.PhysicalResourceId = aws.String("shop-Network-ABC")
	}
	return cfntypes.Change{Type: cfntypes.ChangeTypeResource, ResourceChange: rc}
}

func TestPreviewStatesAndFailures(t *testing.T) {
	stable := &cfntypes.Stack{StackName: aws.String("shop"), StackStatus: cfntypes.StackStatusUpdateComplete,
		Parameters: []cfntypes.Parameter{{ParameterKey: aws.String("Env"), ParameterValue: aws.String("prod")}}}
	t.Run("changes across pages and nested stacks, replacements counted", func(t *testing.T) {
		s := &scripted{stack: stable, statuses: []cfntypes.ChangeSetStatus{"CREATE_PENDING", "CREATE_IN_PROGRESS", "CREATE_COMPLETE"},
			pages: [][]cfntypes.Change{
				{change("Modify", "Table", "AWS::DynamoDB::Table", "True", "")},
				{change("Modify", "Network", "AWS::CloudFormation::Stack", "False", "arn:nested")},
			},
			nested: map[string][]cfntypes.Change{"arn:nested": {change("Modify", "Subnet", "AWS::EC2::Subnet", "Conditional", "")}}}
		p, err := PreviewChangeSet(context.Background(), s, Target{StackName: "shop", Body: stackV1}, "cs", fastWait())
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Changes) != 2 || p.Changes[1].Nested == nil || p.Changes[1].Nested.Changes[0].LogicalID != "Subnet" {
			t.Fatalf("changes = %+v", p.Changes)
		}
		if a, c := p.Replacements(); a != 1 || c != 1 {
			t.Errorf("replacements = %d, %d", a, c)
		}
		if len(s.deleted) != 1 {
			t.Errorf("deleted = %v", s.deleted)
		}
	})
	t.Run("an empty change set means no changes", func(t *testing.T) {
		s := &scripted{stack: stable, statuses: []cfntypes.ChangeSetStatus{"FAILED"},
			reason: "The submitted information didn't contain changes. Submit different information to create a change set."}
		p, err := PreviewChangeSet(context.Background(), s, Target{StackName: "shop", Body: stackV1}, "cs", fastWait())
		if err != nil || !p.NoChanges || p.Failed {
			t.Errorf("p = %+v, err = %v", p, err)
		}
	})
	t.Run("a failed change set says why", func(t *testing.T) {
		s := &scripted{stack: stable, statuses: []cfntypes.ChangeSetStatus{"FAILED"}, reason: "Parameters: [Subnet] must have values"}
		p, err := PreviewChangeSet(context.Background(), s, Target{StackName: "shop", Body: stackV1}, "cs", fastWait())
		if err != nil || !p.Failed || !strings.Contains(model.Preview(p).Reason, "must have values") || len(s.deleted) != 1 {
			t.Errorf("p = %+v, err = %v, deleted %v", p, err, s.deleted)
		}
	})
	t.Run("a stack being updated is refused", func(t *testing.T) {
		busy := *stable
		busy.StackStatus = cfntypes.StackStatusUpdateInProgress
		_, err := PreviewChangeSet(context.Background(), &scripted{stack: &busy}, Target{StackName: "shop", Body: stackV1}, "cs", fastWait())
		if err == nil || !strings.Contains(err.Error(), "UPDATE_IN_PROGRESS") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("a stack that never deployed is refused with the fix", func(t *testing.T) {
		dead := *stable
		dead.StackStatus = cfntypes.StackStatusRollbackComplete
		_, err := PreviewChangeSet(context.Background(), &scripted{stack: &dead}, Target{StackName: "shop", Body: stackV1}, "cs", fastWait())
		if err == nil || !strings.Contains(err.Error(), "ROLLBACK_COMPLETE") || !strings.Contains(err.Error(), "delete it") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("a change set that never finishes times out and is deleted", func(t *testing.T) {
		s := &scripted{stack: stable, statuses: []cfntypes.ChangeSetStatus{"CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS"}}
		_, err := PreviewChangeSet(context.Background(), s, Target{StackName: "shop", Body: stackV1}, "cs", Waiting{Timeout: time.Nanosecond, Interval: time.Millisecond})
		if err == nil || !strings.Contains(err.Error(), "still CREATE_IN_PROGRESS") || len(s.deleted) != 1 {
			t.Errorf("err = %v, deleted = %v", err, s.deleted)
		}
	})
	t.Run("access denied names the call", func(t *testing.T) {
		s := &scripted{stack: stable, createErr: &smithy.GenericAPIError{Code: "AccessDenied", Message: "not authorized to perform cloudformation:CreateChangeSet"}}
		_, err := PreviewChangeSet(context.Background(), s, Target{StackName: "shop", Body: stackV1}, "cs", fastWait())
		if err == nil || !strings.Contains(err.Error(), "creating change set cs on shop: AccessDenied") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("a template too large for a preview", func(t *testing.T) {
		s := &scripted{stack: stable}
		_, err := PreviewChangeSet(context.Background(), s, Target{File: "big.yaml", StackName: "shop", Body: strings.Repeat("x", InlineTemplateLimit+1)}, "cs", fastWait())
		if err == nil || !strings.Contains(err.Error(), "at most 51200 inline") || len(s.calls) != 0 {
			t.Errorf("err = %v, calls = %v", err, s.calls)
		}
	})
	t.Run("previous parameter values are kept", func(t *testing.T) {
		got := parameters(map[string]string{"Size": "3"}, stable)
		if len(got) != 2 || aws.ToString(got[0].ParameterValue) != "3" || !aws.ToBool(got[1].UsePreviousValue) {
			t.Errorf("parameters = %+v", got)
		}
	})
	t.Run("a cancelled run still deletes its change set", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		s := &scripted{stack: stable, statuses: []cfntypes.ChangeSetStatus{"CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS"}}
		w := fastWait()
		w.Sleep = func(context.Context, time.Duration) error { cancel(); return context.Canceled }
		_, err := PreviewChangeSet(ctx, s, Target{StackName: "shop", Body: stackV1}, "cs", w)
		if !errors.Is(err, context.Canceled) || len(s.deleted) != 1 {
			t.Errorf("err = %v, deleted = %v", err, s.deleted)
		}
	})
}

func TestChangeSetNamesAreValidAndUnique(t *testing.T) {
	a := ChangeSetName("tollgate-preview", "acme/shop:run#42 attempt 1")
	b := ChangeSetName("tollgate-preview", "acme/shop:run#42 attempt 1")
	if a == b {
		t.Error("two names collide")
	}
	valid := func(s string) bool {
		return len(s) <= 128 && s[0] >= 'A' && s[0] <= 'z' && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == ""
	}
	for _, n := range []string{a, ChangeSetName("tollgate-preview", strings.Repeat("ü/", 100)), ChangeSetName("tollgate-preview", "")} {
		if !valid(n) {
			t.Errorf("invalid name %q", n)
		}
	}
}

func TestParametersFilesInBothShapes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	m, err := ReadParameters(write("map.json", `{"Env": "prod", "Count": 3, "Subnets": ["a", "b"]}`))
	if diff := cmp.Diff(map[string]string{"Env": "prod", "Count": "3", "Subnets": "a,b"}, m); err != nil || diff != "" {
		t.Errorf("map shape: %v %s", err, diff)
	}
	l, err := ReadParameters(write("list.json", `[{"ParameterKey": "Env", "ParameterValue": "prod"}]`))
	if err != nil || l["Env"] != "prod" {
		t.Errorf("list shape: %v %v", err, l)
	}
	for name, body := range map[string]string{"bad.json": `{`, "nokey.json": `[{"ParameterValue": "x"}]`} {
		if _, err := ReadParameters(write(name, body)); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if _, err := ReadParameters(filepath.Join(dir, "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing file: %v", err)
	}
}

func TestADeployTargetsParametersMustBeTheTemplates(t *testing.T) {
	dir := t.TempDir()
	tpl := filepath.Join(dir, "stack.yaml")
	os.WriteFile(tpl, []byte("Parameters:\n  Env: {Type: String}\nResources:\n  T: {Type: AWS::SNS::Topic}\n"), 0o644)
	params := filepath.Join(dir, "p.json")
	os.WriteFile(params, []byte(`{"Parameters": {"Env": "prod", "Envv": "x"}}`), 0o644)
	_, err := LoadTarget(tpl, "stack", params)
	var usage interface{ Usage() }
	if err == nil || !strings.Contains(err.Error(), "p.json:1:32: parameter Envv is not declared by "+tpl+" (did you mean Env?)") || !errors.As(err, &usage) {
		t.Errorf("err = %v", err)
	}
	os.WriteFile(params, []byte(`{"Parameters": {"Env": "prod"}, "Tags": {"a": "b"}}`), 0o644)
	if target, err := LoadTarget(tpl, "stack", params); err != nil || target.Parameters["Env"] != "prod" {
		t.Errorf("target %+v, err %v", target, err)
	}
}
