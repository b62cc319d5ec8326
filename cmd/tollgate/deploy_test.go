package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"

	"github.com/tollgate-dev/tollgate/cloud"
	"github.com/tollgate-dev/tollgate/github/githubtest"
	"github.com/tollgate-dev/tollgate/internal/motoserver"
)

const queueTemplate = `AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Name: {Type: String, Default: orders}
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties: {QueueName: !Ref Name}
`

const openTrustTemplate = `Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {AWS: "*"}, Action: sts:AssumeRole}
`

func deployRepo(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"stacks/orders.yaml": queueTemplate,
		"stacks/open.yaml":   openTrustTemplate,
		"params/int.json":    `{"Name": "orders-int"}`,
		".tollgate.yml": `region: eu-west-1
account: "123456789012"
gitops:
  preset: gitflow
  environments:
    - name: integration
      stacks:
        - {template: stacks/orders.yaml, name: orders, parameters: params/int.json}
        - {template: stacks/open.yaml, name: open}
`,
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(body), 0o644)
	}
	t.Chdir(dir)
}

func planEntry(t *testing.T, branch, stack string) string {
	t.Helper()
	o := runArgs(t, nil, "plan", "--branch", branch)
	p := decodePlan(t, o.stdout)
	for _, en := range p.Matrix.Include {
		if en["baseStack"] == stack {
			b, _ := json.Marshal(en)
			return string(b)
		}
	}
	t.Fatalf("no entry for %s in %s", stack, o.stdout)
	return ""
}

func TestDeployBehindTheGateAgainstMoto(t *testing.T) {
	moto := motoserver.Shared(t)
	moto.Env(t)
	deployRepo(t)
	fake := githubtest.New(t)
	gh := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "workflow_dispatch", "GITHUB_REPOSITORY": "acme/shop", "GITHUB_TOKEN": "test-token-123456",
		"GITHUB_API_URL": fake.URL(), "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567", "GITHUB_RUN_ID": "42",
		"GITHUB_RUN_ATTEMPT": "1", "GITHUB_SERVER_URL": "https://github.com", "ENTRY": planEntry(t, "release/1.2", "orders")}
	o := runArgs(t, gh, "deploy", "--entry-env", "ENTRY", "--branch", "release/1.2")
	if o.code != exitOK || !strings.Contains(o.stdout, "orders: CREATE_COMPLETE") || !strings.Contains(o.stdout, "Queue                            AWS::SQS::Queue") {
		t.Fatalf("first deploy: code %d\n%s\n%s", o.code, o.stdout, o.stderr)
	}
	cfg, _ := cloud.LoadConfig(context.Background(), "eu-west-1")
	out, err := cloud.NewCloudFormation(cfg).DescribeStacks(context.Background(), &cfn.DescribeStacksInput{StackName: aws.String("orders")})
	if err != nil || aws.ToString(out.Stacks[0].Parameters[0].ParameterValue) != "orders-int" {
		t.Errorf("stack: %v %+v", err, out)
	}
	o = runArgs(t, gh, "deploy", "--entry-env", "ENTRY", "--branch", "release/1.2")
	if o.code != exitOK || !strings.Contains(o.stdout, "orders: no changes") {
		t.Errorf("rerun: code %d\n%s\n%s", o.code, o.stdout, o.stderr)
	}
	ds := fake.Deployments()
	if len(ds) != 1 || ds[0].Environment != "integration" || ds[0].Task != "deploy:orders" {
		t.Fatalf("deployments = %+v", ds)
	}
	var states []string
	for _, s := range ds[0].Statuses {
		states = append(states, s.State)
	}
	if strings.Join(states, ",") != "in_progress,success,in_progress,success" {
		t.Errorf("statuses = %v", states)
	}
}

func TestDeployRefusals(t *testing.T) {
	moto := motoserver.Shared(t)
	moto.Env(t)
	deployRepo(t)
	entry := planEntry(t, "release/1.2", "orders")
	cases := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"a feature branch over the shared stack", []string{"--entry", entry, "--branch", "feature/x"}, exitUsage,
			`refusing to deploy: branch "feature/x" matches "feature/**" of environment integration; its plan has no stack orders in eu-west-1 of integration`},
		{"a branch that does not map to the environment", []string{"--entry", strings.Replace(entry, `"integration"`, `"production"`, -1), "--branch", "release/1.2"}, exitUsage,
			"its plan has no stack orders in eu-west-1 of production"},
		{"a branch of no environment", []string{"--entry", entry, "--branch", "wip/x"}, exitUsage,
			`refusing to deploy: branch "wip/x" matches no environment`},
		{"an unknown environment", []string{"--entry", strings.Replace(entry, `"integration"`, `"qa"`, -1), "--branch", "release/1.2"}, exitUsage,
			`environment "qa" is not in .tollgate.yml`},
		{"blocking findings", []string{"--entry", planEntry(t, "release/1.2", "open"), "--branch", "release/1.2"}, exitBlocking,
			"refusing to deploy open: stacks/open.yaml has 1 blocking findings"},
		{"a missing parameters file", []string{"--entry", strings.Replace(entry, "params/int.json", "params/missing.json", 1), "--branch", "release/1.2"}, exitUsage,
			"parameters file params/missing.json"},
		{"a malformed entry", []string{"--entry", `{"stack": 1}`}, exitUsage, "the plan entry is not valid"},
		{"an entry with unknown fields", []string{"--entry", `{"stack": "a", "shell": "$(rm -rf /)"}`}, exitUsage, "unknown field"},
		{"an invalid stack name", []string{"--stack", "a_b", "--template", "stacks/orders.yaml", "--environment", "integration", "--region", "eu-west-1"}, exitUsage,
			`stack "a_b" is not a valid stack name`},
		{"no entry", nil, exitUsage, "the plan entry has no environment, region, stack, template"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := runArgs(t, nil, append([]string{"deploy"}, c.args...)...)
			if o.code != c.code || !strings.Contains(o.stderr, c.stderr) {
				t.Errorf("code %d (want %d)\nstderr: %s\nwant: %s", o.code, c.code, o.stderr, c.stderr)
			}
		})
	}
	cfg, _ := cloud.LoadConfig(context.Background(), "eu-west-1")
	out, _ := cloud.NewCloudFormation(cfg).ListStacks(context.Background(), &cfn.ListStacksInput{})
	if len(out.StackSummaries) != 0 {
		t.Errorf("a refused deploy left stacks: %+v", out.StackSummaries)
	}
}

func TestDryRunDeploysNothing(t *testing.T) {
	moto := motoserver.Shared(t)
	moto.Env(t)
	deployRepo(t)
	o := runArgs(t, nil, "deploy", "--entry", planEntry(t, "release/1.2", "orders"), "--branch", "release/1.2", "--dry-run")
	if o.code != exitOK || !strings.Contains(o.stdout, "dry run") || !strings.Contains(o.stdout, "Add Queue (AWS::SQS::Queue)") {
		t.Fatalf("code %d\n%s\n%s", o.code, o.stdout, o.stderr)
	}
	cfg, _ := cloud.LoadConfig(context.Background(), "eu-west-1")
	out, _ := cloud.NewCloudFormation(cfg).ListStacks(context.Background(), &cfn.ListStacksInput{})
	for _, s := range out.StackSummaries {
		if s.StackStatus != "DELETE_COMPLETE" {
			t.Errorf("the dry run left %s in %s", aws.ToString(s.StackName), s.StackStatus)
		}
	}
}
