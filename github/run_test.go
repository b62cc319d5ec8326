package github

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/github/githubtest"
	"github.com/tollgate-dev/tollgate/model"
	"github.com/tollgate-dev/tollgate/report"
	"github.com/tollgate-dev/tollgate/template"
)

func testRunner(t *testing.T, f *githubtest.Server, clock Clock, res *report.Result) (*Runner, *bytes.Buffer) {
	t.Helper()
	dir := t.TempDir()
	env := testEnv(f.URL())
	env.EventPath = "../fixtures/events/pull_request.opened.json"
	env.OutputFile = filepath.Join(dir, "output")
	env.SummaryFile = filepath.Join(dir, "summary")
	env.Inputs.OutputDir = filepath.Join(dir, "reports")
	var log bytes.Buffer
	return &Runner{Env: env, Log: NewLog(&log, false), Clock: clock, Policy: testPolicy,
		Check: func(context.Context, *Event) (*report.Result, error) { return res, nil }}, &log
}

func TestRun(t *testing.T) {
	t.Run("a GitHub that keeps failing ends the run in bounded time with the report in the summary", func(t *testing.T) {
		f := githubtest.New(t)
		f.Fail(&githubtest.Fault{Route: "GET ", Times: 1000, Status: 502, Body: `{"message":"Bad Gateway"}`})
		clock := githubtest.NewClock()
		r, log := testRunner(t, f, clock, resultWith(0))
		status, err := r.Run(context.Background())
		if err != nil || status != model.Failed {
			t.Fatalf("status %v, err %v; want StatusFailed", status, err)
		}
		var waited int64
		for _, d := range clock.Slept() {
			waited += int64(d)
		}
		if budget := int64(testPolicy.Budget); waited > budget {
			t.Errorf("waited %d ns, over the budget %d", waited, budget)
		}
		summary, _ := os.ReadFile(r.Env.SummaryFile)
		for _, want := range []string{"### ✅ tollgate: all clear", "❗ listing the check runs of commit ec26c3e: GitHub answered 502"} {
			if !strings.Contains(string(summary), want) {
				t.Errorf("summary lacks %q:\n%s", want, summary)
			}
		}
		if !strings.Contains(log.String(), "::warning::tollgate: listing the check runs") {
			t.Errorf("log does not warn:\n%s", log)
		}
		if _, err := os.Stat(filepath.Join(r.Env.Inputs.OutputDir, "report.json")); err != nil {
			t.Errorf("JSON report missing: %v", err)
		}
	})

	t.Run("a summary file that cannot be written goes to the log instead", func(t *testing.T) {
		f := githubtest.New(t)
		r, log := testRunner(t, f, githubtest.NewClock(), resultWith(2))
		r.Env.SummaryFile = filepath.Join(t.TempDir(), "missing-dir", "summary")
		if status, err := r.Run(context.Background()); err != nil || status != model.Blocking {
			t.Fatalf("status %v, err %v", status, err)
		}
		if !strings.Contains(log.String(), "the summary follows in the log") || !strings.Contains(log.String(), "### ⛔ tollgate: 2 blocking findings") {
			t.Errorf("summary not in the log:\n%s", log)
		}
	})

	t.Run("a template that could not be read fails the run even when findings block", func(t *testing.T) {
		f := githubtest.New(t)
		res := resultWith(2)
		res.Errors = []template.Notice{{Span: template.Span{File: "stacks/broken.yaml"}, Message: "cannot read: permission denied"}}
		r, _ := testRunner(t, f, githubtest.NewClock(), res)
		if status, err := r.Run(context.Background()); err != nil || status != model.Failed {
			t.Fatalf("status %v, err %v; want failed, as tollgate check exits", status, err)
		}
	})

	t.Run("secrets in template text never reach the comment", func(t *testing.T) {
		f := githubtest.New(t)
		res := resultWith(1)
		res.Findings[0].Message = "environ: INPUT_GITHUB-TOKEN=" + testToken
		r, _ := testRunner(t, f, githubtest.NewClock(), res)
		r.Run(context.Background())
		for _, c := range f.Comments() {
			if strings.Contains(c.Body, testToken) {
				t.Errorf("token in comment:\n%s", c.Body)
			}
		}
		summary, _ := os.ReadFile(r.Env.SummaryFile)
		if strings.Contains(string(summary), testToken) || !strings.Contains(string(summary), "INPUT\\_GITHUB-TOKEN=\\*\\*\\*") {
			t.Errorf("summary does not redact the token:\n%s", summary)
		}
	})
}
