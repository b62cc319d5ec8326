package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/github"
	"github.com/tollgate-dev/tollgate/github/githubtest"
)

const headSHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"

// actionWorkspace copies the example templates into a fresh folder, makes it
// the working directory (as /github/workspace is in the container), and
// returns the environment a runner would give the step.
func actionWorkspace(t *testing.T, event, payload, apiURL string) map[string]string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	ws := t.TempDir()
	copyTree(t, filepath.Join(root, "fixtures/example/stacks"), filepath.Join(ws, "stacks"))
	t.Chdir(ws)
	files := t.TempDir()
	for _, f := range []string{"output", "summary"} {
		if err := os.WriteFile(filepath.Join(files, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": event, "GITHUB_EVENT_PATH": filepath.Join(root, "fixtures/events", payload),
		"GITHUB_REPOSITORY": "Codertocat/Hello-World", "GITHUB_API_URL": apiURL, "GITHUB_SERVER_URL": "https://github.com",
		"GITHUB_RUN_ID": "4242", "GITHUB_RUN_ATTEMPT": "1", "GITHUB_WORKFLOW": "PR checks", "GITHUB_JOB": "tollgate",
		"GITHUB_SHA": headSHA, "GITHUB_REF": "refs/pull/2/merge", "GITHUB_WORKSPACE": ws,
		"GITHUB_OUTPUT": filepath.Join(files, "output"), "GITHUB_STEP_SUMMARY": filepath.Join(files, "summary"),
		"INPUT_GITHUB-TOKEN": "test-token-123456", "INPUT_OUTPUT-DIR": filepath.Join(files, "reports"),
	}
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

type actionRun struct {
	code           int
	stdout, stderr string
}

func runActionWith(vars map[string]string) actionRun {
	var out, errb bytes.Buffer
	code := run([]string{"action"}, &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }})
	return actionRun{code, out.String(), errb.String()}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestActionPublishesToThePullRequest(t *testing.T) {
	f := githubtest.New(t)
	vars := actionWorkspace(t, "pull_request", "pull_request.synchronize.json", f.URL())
	for i := 1; i <= 3; i++ {
		vars["GITHUB_RUN_ATTEMPT"] = string(rune('0' + i))
		r := runActionWith(vars)
		if r.code != exitBlocking {
			t.Fatalf("run %d: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", i, r.code, exitBlocking, r.stdout, r.stderr)
		}
	}
	var ours int
	for _, c := range f.Comments() {
		if strings.HasPrefix(c.Body, "<!-- tollgate:v1 key=PR_checks/tollgate ") {
			ours++
			if !strings.Contains(c.Body, "⛔ tollgate: 3 blocking findings") {
				t.Errorf("comment lacks the verdict:\n%s", c.Body)
			}
		}
	}
	if ours != 1 {
		t.Errorf("%d tollgate comments after three runs, want 1", ours)
	}
	runs := f.CheckRuns(headSHA)
	if len(runs) != 1 || len(runs[0].Annotations) != 4 || runs[0].Conclusion != "failure" || runs[0].Title != "3 blocking findings" {
		t.Errorf("check runs = %+v, want one failure with 4 annotations (3 blocking, 1 warning)", runs)
	}
	if n := f.Count("POST "); n != 2 {
		t.Errorf("%d POST requests over three runs, want 2 (one comment, one check run)", n)
	}
	summary := readFile(t, vars["GITHUB_STEP_SUMMARY"])
	if n := strings.Count(summary, "### ⛔ tollgate: 3 blocking findings"); n != 3 {
		t.Errorf("summary has %d reports for 3 runs:\n%s", n, summary)
	}
	if !strings.Contains(summary, github.AWSNotice) {
		t.Errorf("summary does not say the AWS checks are not configured")
	}
	outputs := readFile(t, vars["GITHUB_OUTPUT"])
	for _, want := range []string{"blocking<<", "\n3\n", "sarif-file<<", "report.sarif\n", "report-json<<", "environment<<"} {
		if !strings.Contains(outputs, want) {
			t.Errorf("outputs lack %q:\n%s", want, outputs)
		}
	}
	var sarif struct {
		Runs []struct{ Results []any }
	}
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(vars["INPUT_OUTPUT-DIR"], "report.sarif"))), &sarif); err != nil || len(sarif.Runs) != 1 || len(sarif.Runs[0].Results) != 4 {
		t.Errorf("SARIF file: %v, %+v", err, sarif)
	}
}

func TestActionOnForkWritesAnnotationsAndSummaryOnly(t *testing.T) {
	f := githubtest.New(t)
	vars := actionWorkspace(t, "pull_request", "pull_request.fork.json", f.URL())
	r := runActionWith(vars)
	if r.code != exitBlocking {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	if n := f.Count(""); n != 0 {
		t.Errorf("%d API calls from a fork pull request, want 0", n)
	}
	if !strings.HasPrefix(readFile(t, vars["GITHUB_STEP_SUMMARY"]), github.ForkNotice+"\n") {
		t.Errorf("summary does not start with the fork notice")
	}
	if n := strings.Count(r.stdout, "\n::error "); n != 3 {
		t.Errorf("%d error annotations in the log, want 3:\n%s", n, r.stdout)
	}
}

func TestActionUnderPullRequestTargetIgnoresTheWorkspaceConfig(t *testing.T) {
	f := githubtest.New(t)
	vars := actionWorkspace(t, "pull_request_target", "pull_request_target.fork.json", f.URL())
	// A pull request that tries to switch the gate off.
	if err := os.WriteFile(".tollgate.yml", []byte("block-on: [SUGGESTION]\nallow:\n  codes: [EXTERNAL_PRINCIPAL, INVALID_ACTION, INVALID_SERVICE_IN_ACTION]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runActionWith(vars)
	if r.code != exitBlocking {
		t.Fatalf("exit %d, want %d: the head's configuration must not lift the gate\n%s", r.code, exitBlocking, r.stderr)
	}
	if !strings.Contains(readFile(t, vars["GITHUB_STEP_SUMMARY"]), ".tollgate.yml was not read") {
		t.Errorf("summary does not say why the configuration was ignored")
	}
}

func TestActionFailures(t *testing.T) {
	cases := []struct {
		name     string
		edit     func(map[string]string)
		wantCode int
		wantErr  string
	}{
		{"an unsupported event is a usage error that names the supported ones", func(v map[string]string) { v["GITHUB_EVENT_NAME"] = "issues" },
			exitUsage, `event "issues" is not supported`},
		{"running outside Actions says what to run instead", func(v map[string]string) { delete(v, "GITHUB_REPOSITORY"); delete(v, "GITHUB_EVENT_NAME") },
			exitUsage, "run 'tollgate check'"},
		{"a wrong comment input names the choices", func(v map[string]string) { v["INPUT_COMMENT"] = "sometimes" },
			exitUsage, `input comment: "sometimes" is not one of always, on-failure, never`},
		{"a wrong fail-on input names the types", func(v map[string]string) { v["INPUT_FAIL-ON"] = "CRITICAL" },
			exitUsage, `input fail-on: unknown finding type "CRITICAL"`},
		{"a path that does not exist is a usage error", func(v map[string]string) { v["INPUT_PATH"] = "nowhere" },
			exitUsage, "nowhere: no such file or directory"},
		{"fail-on none reports without blocking", func(v map[string]string) { v["INPUT_FAIL-ON"] = "none"; v["INPUT_GITHUB-TOKEN"] = "" },
			exitOK, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := githubtest.New(t)
			vars := actionWorkspace(t, "pull_request", "pull_request.opened.json", f.URL())
			tc.edit(vars)
			r := runActionWith(vars)
			if r.code != tc.wantCode || !strings.Contains(r.stderr, tc.wantErr) {
				t.Errorf("exit %d, stderr %q; want %d and %q\nstdout:\n%s", r.code, r.stderr, tc.wantCode, tc.wantErr, r.stdout)
			}
			if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic") {
				t.Errorf("stack trace:\n%s", r.stderr)
			}
			if vars["GITHUB_STEP_SUMMARY"] != "" && vars["GITHUB_REPOSITORY"] != "" {
				if s := readFile(t, vars["GITHUB_STEP_SUMMARY"]); !strings.Contains(s, "tollgate") {
					t.Errorf("nothing in the job summary")
				}
			}
		})
	}
}
