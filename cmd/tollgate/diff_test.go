package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/gittest"
)

func testEnv(vars map[string]string) (*env, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}, &out, &errb
}

func TestDiffCommand(t *testing.T) {
	r := gittest.New(t)
	base := r.Commit("base", map[string]string{
		"stacks/db.yaml":  "Resources:\n  Orders:\n    Type: AWS::DynamoDB::Table\n    Properties: {KeySchema: [{AttributeName: id, KeyType: HASH}]}\n",
		"stacks/web.yaml": "Resources:\n  T:\n    Type: AWS::SNS::Topic\n",
	})
	head := r.Commit("head", map[string]string{
		"stacks/db.yaml":  "Resources:\n  Orders:\n    Type: AWS::DynamoDB::Table\n    Properties: {KeySchema: [{AttributeName: orderId, KeyType: HASH}]}\n",
		"stacks/web.yaml": "Resources:\n  T:\n    Type: AWS::SNS::Topic\n    Properties: {DisplayName: web}\n",
	})
	t.Chdir(r.Dir)
	for _, tc := range []struct {
		name   string
		args   []string
		vars   map[string]string
		code   int
		stdout []string
		stderr []string
	}{
		{"a replaced table without a retain policy blocks", []string{"diff", "--base", "HEAD~1"}, nil, exitBlocking,
			[]string{"stacks/db.yaml (modified): 1 replaced", "DATA_LOSS", "2 templates changed"}, nil},
		{"a path limits the diff and a clean change exits 0", []string{"diff", "--base", "HEAD~1", "stacks/web.yaml"}, nil, exitOK,
			[]string{"stacks/web.yaml (modified): 1 modified", "1 template changed"}, nil},
		{"no change says so", []string{"diff", "--base", "HEAD", "--head", "HEAD"}, nil, exitOK,
			[]string{"no CloudFormation template changed"}, nil},
		{"a missing ref exits 2 and names it", []string{"diff", "--base", "origin/develop"}, nil, exitUsage,
			nil, []string{`revision "origin/develop"`}},
		{"no base outside Actions exits 2", []string{"diff"}, nil, exitUsage, nil, []string{"--base is required"}},
		{"an unknown format exits 2", []string{"diff", "--base", "HEAD~1", "--format", "sarif"}, nil, exitUsage, nil, []string{"--format"}},
		{"help lists the flags", []string{"help", "diff"}, nil, exitOK, []string{"-merge-base", "fetch-depth: 0"}, nil},
		{"markdown is written to a file and the command says where", []string{"diff", "--base", "HEAD~1", "--format", "markdown", "--output", "diff.md"}, nil, exitBlocking,
			nil, []string{"wrote markdown diff to diff.md (2 templates changed, 1 findings)"}},
		{"in a pull request workflow the event gives base and head", []string{"diff", "--format", "json"},
			map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": writeEvent(t, base, head)}, exitBlocking,
			[]string{`"base": "` + base, `"head": "` + head}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, out, errb := testEnv(tc.vars)
			code := run(tc.args, e)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, errb)
			}
			for _, s := range tc.stdout {
				if !strings.Contains(out.String(), s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			for _, s := range tc.stderr {
				if !strings.Contains(errb.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, errb)
				}
			}
		})
	}
	md, err := os.ReadFile("diff.md")
	if err != nil || !strings.Contains(string(md), "#### What this change does") {
		t.Errorf("diff.md: %v\n%s", err, md)
	}
}

func writeEvent(t *testing.T, base, head string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "event.json")
	ev := map[string]any{"pull_request": map[string]any{"number": 3, "base": map[string]any{"sha": base, "ref": "main"}, "head": map[string]any{"sha": head}}}
	data, _ := json.Marshal(ev)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheckDiffBase(t *testing.T) {
	r := gittest.New(t)
	policy := "Resources:\n  P:\n    Type: AWS::IAM::Policy\n    Properties: {PolicyName: p, Roles: [r], PolicyDocument: {Statement: [{Effect: Allow, Action: s3:GetObjekt, Resource: '*'}]}}\n"
	r.Commit("base", map[string]string{"stacks/p.yaml": policy, "stacks/t.yaml": "Resources:\n  T:\n    Type: AWS::SNS::Topic\n"})
	r.Commit("head", map[string]string{"stacks/t.yaml": "Resources:\n  T:\n    Type: AWS::SNS::Topic\n    Properties: {DisplayName: x}\n"})
	t.Chdir(r.Dir)
	t.Run("an unchanged template's findings are left out", func(t *testing.T) {
		e, out, errb := testEnv(nil)
		if code := run([]string{"check", "--diff-base", "HEAD~1", "--format", "markdown", "stacks"}, e); code != exitOK {
			t.Fatalf("exit %d\n%s\n%s", code, out, errb)
		}
		if strings.Contains(out.String(), "INVALID_ACTION") || !strings.Contains(out.String(), "What this change does") {
			t.Errorf("output:\n%s", out)
		}
	})
	t.Run("without --diff-base the finding is reported", func(t *testing.T) {
		e, out, _ := testEnv(nil)
		if code := run([]string{"check", "stacks"}, e); code != exitBlocking || !strings.Contains(out.String(), "INVALID_ACTION") {
			t.Errorf("exit %d\n%s", code, out)
		}
	})
	t.Run("a shallow clone warns and checks everything", func(t *testing.T) {
		head, _ := r.Git.Head()
		r.MakeShallow(head.Hash().String())
		e, out, errb := testEnv(nil)
		code := run([]string{"check", "--diff-base", "HEAD~1", "stacks"}, e)
		if code != exitBlocking || !strings.Contains(errb.String(), "fetch-depth: 0") || !strings.Contains(out.String(), "INVALID_ACTION") {
			t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errb)
		}
	})
}
