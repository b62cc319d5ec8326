package engine

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/iamdata"
	"github.com/tollgate-dev/tollgate/internal/gittest"
	"github.com/tollgate-dev/tollgate/report"
)

const (
	tableV1 = "Resources:\n  Orders:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      KeySchema: [{AttributeName: id, KeyType: HASH}]\n"
	tableV2 = "Resources:\n  Orders:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      KeySchema: [{AttributeName: orderId, KeyType: HASH}]\n"
	topic   = "Resources:\n  T:\n    Type: AWS::SNS::Topic\n"
)

func bigQueues(extra string) string {
	var b strings.Builder
	b.WriteString("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n")
	for _, n := range []string{"A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L"} {
		b.WriteString("  Queue" + n + ":\n    Type: AWS::SQS::Queue\n    Properties: {DelaySeconds: 5}\n")
	}
	return b.String() + extra
}

func checksOptions(t testing.TB) checks.Options {
	t.Helper()
	data, err := iamdata.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return checks.Options{Data: data}
}

type stackRow struct{ File, Status, Previous, Verdict string }

func rows(res *report.Result) []stackRow {
	var out []stackRow
	for _, s := range res.Diffs.Stacks {
		c := s.Counts()
		out = append(out, stackRow{s.File, s.Status, s.PreviousFile,
			strings.TrimSpace(strings.Repeat("+", c.Added) + strings.Repeat("-", c.Removed) + strings.Repeat("~", c.Modified) + strings.Repeat("R", c.Replaced))})
	}
	return out
}

func TestDiff(t *testing.T) {
	r := gittest.New(t)
	base := r.Commit("base", map[string]string{
		"stacks/orders.yaml":            tableV1,
		"stacks/old.yaml":               topic,
		"stacks/legacy/queues.yaml":     bigQueues(""),
		"k8s/deploy.yaml":               "apiVersion: apps/v1\nkind: Deployment\n",
		"node_modules/pkg/template.yml": topic,
		"README.md":                     "x\n",
		"stacks/format.json":            `{"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}`,
	})
	head := r.Commit("head", map[string]string{
		"stacks/orders.yaml":            tableV2,
		"stacks/old.yaml":               "",
		"stacks/new.yaml":               "Resources:\n  N:\n    Type: AWS::SQS::Queue\n",
		"stacks/legacy/queues.yaml":     "",
		"stacks/queues.yaml":            bigQueues("  Extra:\n    Type: AWS::SNS::Topic\n"),
		"k8s/deploy.yaml":               "apiVersion: apps/v1\nkind: StatefulSet\n",
		"node_modules/pkg/template.yml": tableV1,
		"README.md":                     "y\n",
		"stacks/format.json":            "{\n  \"Resources\": {\n    \"T\": {\"Type\": \"AWS::SNS::Topic\"}\n  }\n}\n",
	})
	res, err := Diff(context.Background(), DiffOptions{Dir: r.Sub("stacks"), Base: base, Head: "HEAD", Checks: checksOptions(t),
		Block: checks.BlockPolicy{Types: checks.DefaultBlockTypes}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Diffs.Base != base || res.Diffs.Head != head {
		t.Errorf("revisions %s..%s, want %s..%s", res.Diffs.Base, res.Diffs.Head, base, head)
	}
	want := []stackRow{
		{"stacks/format.json", "modified", "", ""},
		{"stacks/new.yaml", "added", "", "+"},
		{"stacks/old.yaml", "deleted", "", "-"},
		{"stacks/orders.yaml", "modified", "", "~R"},
		{"stacks/queues.yaml", "renamed", "stacks/legacy/queues.yaml", "+"},
	}
	if d := cmp.Diff(want, rows(res)); d != "" {
		t.Errorf("stacks (-want +got):\n%s", d)
	}
	if len(res.Findings) != 1 || res.Findings[0].Code != "DATA_LOSS" || !res.Findings[0].Blocking || res.Findings[0].File != "stacks/orders.yaml" {
		t.Errorf("findings: %+v", res.Findings)
	}
	if len(res.Errors) != 0 {
		t.Errorf("errors: %v", res.Errors)
	}
}

func TestDiffPathsAndMergeBase(t *testing.T) {
	r := gittest.New(t)
	r.Commit("root", map[string]string{"a/t.yaml": tableV1, "b/t.yaml": topic})
	r.Branch("feature")
	r.Commit("feature", map[string]string{"a/t.yaml": tableV2, "b/t.yaml": topic + "  U:\n    Type: AWS::SNS::Topic\n"})
	r.Checkout("main")
	r.Commit("main moves on", map[string]string{"c/t.yaml": topic})
	t.Run("paths limit the diff to their folders", func(t *testing.T) {
		res, err := Diff(context.Background(), DiffOptions{Dir: r.Dir, Base: "main", Head: "feature", MergeBase: true,
			Paths: []string{r.Sub("a")}, Checks: checksOptions(t)})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff([]stackRow{{"a/t.yaml", "modified", "", "~R"}}, rows(res)); d != "" {
			t.Error(d)
		}
	})
	t.Run("the merge base leaves out what the base branch did since", func(t *testing.T) {
		res, err := Diff(context.Background(), DiffOptions{Dir: r.Dir, Base: "main", Head: "feature", MergeBase: true, Checks: checksOptions(t)})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Diffs.Stacks) != 2 {
			t.Errorf("stacks: %+v", rows(res))
		}
	})
	t.Run("without the merge base, the base branch's own change shows as a deletion", func(t *testing.T) {
		res, err := Diff(context.Background(), DiffOptions{Dir: r.Dir, Base: "main", Head: "feature", Checks: checksOptions(t)})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Diffs.Stacks) != 3 {
			t.Errorf("stacks: %+v", rows(res))
		}
	})
}

func TestDiffErrors(t *testing.T) {
	r := gittest.New(t)
	first := r.Commit("one", map[string]string{"t.yaml": tableV1})
	tip := r.Commit("two", map[string]string{"t.yaml": tableV2})
	t.Run("a missing ref is a usage error that names it", func(t *testing.T) {
		_, err := Diff(context.Background(), DiffOptions{Dir: r.Dir, Base: "origin/nope", Checks: checksOptions(t)})
		var ue *UsageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), `"origin/nope"`) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("a folder outside a repository is a usage error", func(t *testing.T) {
		_, err := Diff(context.Background(), DiffOptions{Dir: t.TempDir(), Base: "main", Checks: checksOptions(t)})
		var ue *UsageError
		if !errors.As(err, &ue) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("a shallow clone without the base asks for fetch-depth: 0", func(t *testing.T) {
		r.MakeShallow(tip)
		_, err := Diff(context.Background(), DiffOptions{Dir: r.Dir, Base: first, Checks: checksOptions(t)})
		var ue *UsageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "fetch-depth: 0") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestCheckWithBaseline(t *testing.T) {
	r := gittest.New(t)
	policy := func(name, action string) string {
		return "  " + name + ":\n    Type: AWS::IAM::Policy\n    Properties:\n      PolicyName: " + name + "\n      Roles: [r]\n" +
			"      PolicyDocument: {Version: '2012-10-17', Statement: [{Effect: Allow, Action: " + action + ", Resource: '*'}]}\n"
	}
	r.Commit("base", map[string]string{
		"stacks/app.yaml":  "Resources:\n" + policy("Old", "s3:GetObjekt") + policy("Changed", "s3:GetObject"),
		"stacks/same.yaml": "Resources:\n" + policy("Same", "s3:PutObjekt"),
		"stacks/gone.yaml": tableV1,
	})
	r.Commit("delete gone", map[string]string{"stacks/gone.yaml": ""})
	// The change under review is in the working tree, not committed.
	r.Write(map[string]string{
		"stacks/app.yaml": "Resources:\n" + policy("Old", "s3:GetObjekt") + policy("Changed", "s3:ListBuckets"),
		"stacks/new.yaml": "Resources:\n" + policy("Fresh", "s3:DeleteObjekt"),
	})
	t.Chdir(r.Dir)
	b, err := NewDiffBase(context.Background(), ".", "HEAD~1", true)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Check(context.Background(), Options{Paths: []string{"stacks"}, Checks: checksOptions(t), DiffBase: b})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.Code+" "+f.Resource)
	}
	want := []string{"INVALID_ACTION Changed", "INVALID_ACTION Fresh"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("findings (-want +got):\n%s\nunchanged resources and files must not be reported", d)
	}
	if res.Stats.Templates != 3 {
		t.Errorf("%d templates, want 3 (unchanged ones still count)", res.Stats.Templates)
	}
	var files []string
	for _, s := range res.Diffs.Stacks {
		files = append(files, s.File+" "+s.Status)
	}
	if d := cmp.Diff([]string{"stacks/app.yaml modified", "stacks/gone.yaml deleted", "stacks/new.yaml added"}, files); d != "" {
		t.Errorf("diffs (-want +got):\n%s", d)
	}
}

func TestCheckWithBaselineFollowsAFormatChange(t *testing.T) {
	r := gittest.New(t)
	r.Commit("base", map[string]string{
		"stacks/mail.yaml": "Resources:\n  Send:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument: {Version: '2012-10-17', Statement: [{Effect: Allow, Action: ses:SendEmial, Resource: '*'}]}\n",
	})
	r.Commit("convert to JSON", map[string]string{
		"stacks/mail.yaml": "",
		"stacks/mail.json": `{"Resources": {"Send": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ses:SendEmial", "Resource": "*"}]}}}}}` + "\n",
	})
	t.Chdir(r.Dir)
	b, err := NewDiffBase(context.Background(), ".", "HEAD~1", true)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Check(context.Background(), Options{Paths: []string{"stacks"}, Checks: checksOptions(t), DiffBase: b})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 0 {
		t.Errorf("the converted template's old problem is not the change's: %+v", res.Findings)
	}
	var files []string
	for _, s := range res.Diffs.Stacks {
		files = append(files, s.File+" "+s.Status+" "+s.PreviousFile)
	}
	if len(files) != 0 {
		t.Errorf("a template moved to JSON without a change is no diff: %v", files)
	}
}
