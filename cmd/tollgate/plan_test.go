package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/gittest"
)

// planRepo writes a small repository with a gitflow configuration and
// moves into it.
func planRepo(t *testing.T, cfg string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range map[string]string{
		"stacks/payments/template.yaml": "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n",
		"stacks/web.json":               `{"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}`,
		".github/workflows/ci.yml":      "on: push\njobs: {}\n",
		".tollgate.yml":                 cfg,
	} {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(body), 0o644)
	}
	t.Chdir(dir)
	return dir
}

type planJSON struct {
	Branch      string
	Environment *string
	Gate        map[string]string
	Matrix      struct{ Include []map[string]any }
	Stages      []map[string]any
}

func decodePlan(t *testing.T, out string) planJSON {
	t.Helper()
	var p planJSON
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return p
}

func TestPlanMapsBranchesWithTheSmallestConfig(t *testing.T) {
	planRepo(t, "region: eu-west-1\ngitops: {preset: gitflow}\n")
	o := runArgs(t, nil, "plan", "--branch", "release/1.2")
	p := decodePlan(t, o.stdout)
	if o.code != exitOK || *p.Environment != "integration" || len(p.Matrix.Include) != 2 || p.Matrix.Include[0]["stack"] != "payments" {
		t.Fatalf("code %d plan %+v\n%s", o.code, p, o.stderr)
	}
	p = decodePlan(t, runArgs(t, nil, "plan", "--branch", "main").stdout)
	if *p.Environment != "production" || p.Gate["approval"] != "github-environment" {
		t.Errorf("main: %+v", p)
	}
	p = decodePlan(t, runArgs(t, nil, "plan", "--branch", "feature/login").stdout)
	if s := p.Matrix.Include[0]["stack"].(string); !strings.HasPrefix(s, "payments-feature-login-") {
		t.Errorf("feature branch stack = %s", s)
	}
	o = runArgs(t, nil, "plan", "--branch", "wip/x")
	if p = decodePlan(t, o.stdout); o.code != exitOK || p.Environment != nil || len(p.Matrix.Include) != 0 {
		t.Errorf("unmapped: %d %+v", o.code, p)
	}
	o = runArgs(t, nil, "plan", "--explain", "hotfix/1")
	if !strings.Contains(o.stdout, `branch "hotfix/1" matches "hotfix/**" of environment integration`) {
		t.Errorf("explain: %s", o.stdout)
	}
}

func TestPlanReadsTheEventAndSetsOutputs(t *testing.T) {
	event, err := filepath.Abs(filepath.Join("..", "..", "fixtures", "events", "pull_request.opened.json"))
	if err != nil {
		t.Fatal(err)
	}
	planRepo(t, "region: eu-west-1\ngitops: {preset: github-flow}\n")
	out := filepath.Join(t.TempDir(), "out")
	os.WriteFile(out, nil, 0o644)
	env := map[string]string{"GITHUB_EVENT_NAME": "pull_request", "GITHUB_OUTPUT": out, "GITHUB_EVENT_PATH": event}
	o := runArgs(t, env, "plan")
	p := decodePlan(t, o.stdout)
	if o.code != exitOK || p.Environment == nil || *p.Environment != "preview" {
		t.Fatalf("code %d plan %+v stderr %s", o.code, p, o.stderr)
	}
	b, _ := os.ReadFile(out)
	if !strings.Contains(string(b), "matrix<<") || !strings.Contains(string(b), `"stack":"payments-pr-`) || !strings.Contains(string(b), "has-deployments<<") {
		t.Errorf("outputs:\n%s", b)
	}
}

func TestPlanConfigurationErrors(t *testing.T) {
	planRepo(t, "region: eu-west-1\n")
	if o := runArgs(t, nil, "plan", "--branch", "main"); o.code != exitUsage || !strings.Contains(o.stderr, "has no gitops section") {
		t.Errorf("no gitops: %d %s", o.code, o.stderr)
	}
	planRepo(t, "gitops:\n  environments:\n    - {name: a, branches: [\"feature/*\"]}\n    - {name: b, branches: [\"**\"]}\n")
	if o := runArgs(t, nil, "plan", "--branch", "main"); o.code != exitUsage || !strings.Contains(o.stderr, "tollgate: .tollgate.yml:4:") || !strings.Contains(o.stderr, "both match branches such as") {
		t.Errorf("overlap: %d %s", o.code, o.stderr)
	}
	planRepo(t, "gitops: {preset: gitflow}\n")
	if o := runArgs(t, nil, "plan", "--branch", "main"); o.code != exitUsage || !strings.Contains(o.stderr, "has no regions") {
		t.Errorf("no region: %d %s", o.code, o.stderr)
	}
	planRepo(t, "gitops: {preset: gitflw}\n")
	if o := runArgs(t, nil, "plan", "--branch", "main"); o.code != exitUsage || !strings.Contains(o.stderr, "did you mean gitflow") {
		t.Errorf("typo: %d %s", o.code, o.stderr)
	}
}

func TestPlanOnPushPlansOnlyChangedTemplates(t *testing.T) {
	repo := gittest.New(t)
	before := repo.Commit("base", map[string]string{
		"stacks/orders.yaml": "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n",
		"stacks/web.yaml":    "Resources:\n  B:\n    Type: AWS::S3::Bucket\n",
		".tollgate.yml":      "region: eu-west-1\ngitops: {preset: gitflow}\n",
	})
	after := repo.Commit("change orders", map[string]string{"stacks/orders.yaml": "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {DelaySeconds: 5}\n"})
	t.Chdir(repo.Sub(""))
	event := filepath.Join(t.TempDir(), "push.json")
	os.WriteFile(event, []byte(`{"ref": "refs/heads/release/2.0", "before": "`+before+`", "after": "`+after+`"}`), 0o644)
	o := runArgs(t, map[string]string{"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": event}, "plan")
	p := decodePlan(t, o.stdout)
	if o.code != exitOK || len(p.Matrix.Include) != 1 || p.Matrix.Include[0]["stack"] != "orders" {
		t.Fatalf("code %d plan %+v\n%s", o.code, p.Matrix.Include, o.stderr)
	}
	// A shallow clone cannot tell: everything is planned, with a note.
	repo.MakeShallow(after)
	o = runArgs(t, map[string]string{"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": event}, "plan")
	if p = decodePlan(t, o.stdout); len(p.Matrix.Include) != 2 || !strings.Contains(o.stderr, "every stack is planned") {
		t.Errorf("shallow: %+v\n%s", p.Matrix.Include, o.stderr)
	}
}
