package github

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/github/githubtest"
	"github.com/tollgate-dev/tollgate/report"
	"github.com/tollgate-dev/tollgate/template"
)

const testToken = "test-token-123456"

func testInputs() Inputs {
	return Inputs{Path: ".", Format: "text", Comment: "always", CommentAuthor: "github-actions[bot]",
		CheckName: "tollgate", OutputDir: ".tollgate", Token: testToken}
}

func testEnv(apiURL string) *Env {
	return &Env{EventName: "pull_request", Repository: "Codertocat/Hello-World", Owner: "Codertocat", Repo: "Hello-World",
		Workflow: "CI", Job: "tollgate", RunID: 42, RunAttempt: 1, ServerURL: "https://github.com", APIURL: apiURL,
		Inputs: testInputs(), Secrets: []string{testToken}}
}

func testPlan(t *testing.T, file string) *Event {
	t.Helper()
	data, err := os.ReadFile("../fixtures/events/" + file)
	if err != nil {
		t.Fatal(err)
	}
	name, _, _ := strings.Cut(file, ".")
	p, err := ParseEvent(name, data, &Env{SHA: strings.Repeat("a", 40), Ref: "refs/heads/main"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// resultWith makes a result with n findings, blocking when they are errors
// or security warnings.
func resultWith(n int) *report.Result {
	res := &report.Result{Tool: report.Tool{Name: "tollgate", Version: "v1.0.0"},
		Templates: []report.Template{{File: "stacks/app.yaml", Resources: n, Policies: n}},
		Stats:     report.Stats{Files: 1, Templates: 1, Policies: n, Duration: 41 * time.Millisecond}}
	for i := 0; i < n; i++ {
		typ := checks.Types[i%len(checks.Types)]
		res.Findings = append(res.Findings, checks.Finding{
			Code: "INVALID_ACTION", Type: typ, Message: fmt.Sprintf("s3:GetObjekt%d is not an action of Amazon S3", i),
			Fix: "replace it with s3:GetObject", Span: template.Span{File: "stacks/app.yaml", Line: i + 1, Column: 7, EndLine: i + 1},
			Resource: fmt.Sprintf("Role%d", i), Source: checks.SourceOffline, Fingerprint: fmt.Sprintf("fp%d", i),
			Blocking: typ == checks.Error || typ == checks.SecurityWarning,
		})
	}
	return res
}

type publishRun struct {
	out Outcome
	log string
}

func publishOnce(t *testing.T, f *githubtest.Server, clock Clock, env *Env, plan *Event, res *report.Result) publishRun {
	t.Helper()
	var log bytes.Buffer
	p := &Publisher{Env: env, Event: plan, Svc: services(t, f, clock), Clock: clock, Log: NewLog(&log, true)}
	return publishRun{out: p.Publish(context.Background(), res), log: log.String()}
}

func ourComments(f *githubtest.Server) []githubtest.Comment {
	var out []githubtest.Comment
	for _, c := range f.Comments() {
		if c.Login == "github-actions[bot]" && strings.HasPrefix(c.Body, markerPrefix) {
			out = append(out, c)
		}
	}
	return out
}

func runsFor(f *githubtest.Server, sha string) []githubtest.CheckRun { return f.CheckRuns(sha) }

// testPolicy is the default policy with a short attempt timeout, so the
// "server never answers" tests take seconds, not half a minute, while a
// slow shared machine still answers the others in time; waits use a fake
// clock.
var testPolicy = RetryPolicy{Attempts: 5, BaseDelay: time.Second, MaxDelay: 30 * time.Second,
	MaxWait: 2 * time.Minute, Budget: 4 * time.Minute, AttemptTimeout: 2 * time.Second}

func services(t *testing.T, f *githubtest.Server, clock Clock) Services {
	t.Helper()
	tr := &Transport{Clock: clock, Policy: testPolicy, Jitter: func() float64 { return 0.5 }}
	s, err := NewServices(f.URL(), testToken, "tollgate-test", tr)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// seedBusyThread fills a pull request with 250 comments by people and a
// comment by another bot that carries tollgate's marker.
func seedBusyThread(f *githubtest.Server, key string) {
	for i := 0; i < 250; i++ {
		f.AddComment(fmt.Sprintf("reviewer%d", i%7), "LGTM "+fmt.Sprint(i))
		if i == 120 {
			f.AddComment("other-bot[bot]", marker(key, "0000000000000000")+"\nimpostor")
			f.AddComment("github-actions[bot]", "quoting "+marker(key, "0000000000000000"))
		}
	}
}

func TestPublish(t *testing.T) {
	t.Run("three reruns of the same event leave one comment and one check run with every annotation once", func(t *testing.T) {
		f := githubtest.New(t)
		clock := githubtest.NewClock()
		env := testEnv(f.URL())
		plan := testPlan(t, "pull_request.synchronize.json")
		seedBusyThread(f, env.Key())
		res := resultWith(120)
		var outs []Outcome
		for i := 0; i < 3; i++ {
			env.RunAttempt = int64(i + 1)
			res.Stats.Duration = time.Duration(40+i) * time.Millisecond
			outs = append(outs, publishOnce(t, f, clock, env, plan, res).out)
		}
		if got := ourComments(f); len(got) != 1 {
			t.Fatalf("%d tollgate comments, want 1", len(got))
		}
		runs := runsFor(f, plan.HeadSHA)
		if len(runs) != 1 {
			t.Fatalf("%d check runs on the head SHA, want 1", len(runs))
		}
		if n := len(runs[0].Annotations); n != 120 {
			t.Errorf("check run has %d annotations, want all 120", n)
		}
		if runs[0].Name != "tollgate" || runs[0].ExternalID != "tollgate:v1:CI/tollgate" || runs[0].Conclusion != "failure" {
			t.Errorf("check run = %q %q %q", runs[0].Name, runs[0].ExternalID, runs[0].Conclusion)
		}
		got := []string{outs[0].Comment.Action, outs[1].Comment.Action, outs[2].Comment.Action}
		if diff := cmp.Diff([]string{"created", "unchanged", "unchanged"}, got); diff != "" {
			t.Errorf("comment actions (-want +got):\n%s", diff)
		}
		adds := []int{outs[0].Check.Annotations, outs[1].Check.Annotations, outs[2].Check.Annotations}
		if diff := cmp.Diff([]int{120, 0, 0}, adds); diff != "" {
			t.Errorf("annotations added per run (-want +got):\n%s", diff)
		}
		if n := f.Count("POST /repos/Codertocat/Hello-World/issues/2/comments"); n != 1 {
			t.Errorf("%d comment creations, want 1", n)
		}
		if n := f.Count("POST /repos/Codertocat/Hello-World/check-runs"); n != 1 {
			t.Errorf("%d check run creations, want 1", n)
		}
		for _, o := range outs {
			if len(o.Errors) > 0 || o.ReadOnly {
				t.Errorf("outcome %+v, want no errors", o)
			}
		}
	})

	t.Run("a fixed pull request turns the comment into an all clear with its history", func(t *testing.T) {
		f := githubtest.New(t)
		clock := githubtest.NewClock()
		env := testEnv(f.URL())
		plan := testPlan(t, "pull_request.synchronize.json")
		publishOnce(t, f, clock, env, plan, resultWith(3))
		fixed := *plan
		fixed.HeadSHA = strings.Repeat("b", 40)
		out := publishOnce(t, f, clock, env, &fixed, resultWith(0)).out
		if out.Comment.Action != "updated" {
			t.Fatalf("comment %s, want updated", out.Comment.Action)
		}
		c := ourComments(f)
		if len(c) != 1 {
			t.Fatalf("%d comments, want 1", len(c))
		}
		for _, want := range []string{"✅ tollgate: all clear", "History: ⛔ 2 blocking findings at `ec26c3e` → ✅ all clear at `bbbbbbb`"} {
			if !strings.Contains(c[0].Body, want) {
				t.Errorf("comment lacks %q:\n%s", want, c[0].Body)
			}
		}
		if n := len(runsFor(f, fixed.HeadSHA)); n != 1 {
			t.Errorf("%d check runs on the new head, want 1", n)
		}
	})

	t.Run("on-failure posts nothing for a clean pull request", func(t *testing.T) {
		f := githubtest.New(t)
		env := testEnv(f.URL())
		env.Inputs.Comment = "on-failure"
		out := publishOnce(t, f, githubtest.NewClock(), env, testPlan(t, "pull_request.opened.json"), resultWith(0)).out
		if out.Comment.Action != "skipped" || f.Count("POST /repos/Codertocat/Hello-World/issues") != 0 {
			t.Errorf("comment %q with %d posts, want skipped", out.Comment.Action, f.Count("POST /repos/Codertocat/Hello-World/issues"))
		}
	})

	t.Run("comment never makes no comment call at all", func(t *testing.T) {
		f := githubtest.New(t)
		env := testEnv(f.URL())
		env.Inputs.Comment = "never"
		publishOnce(t, f, githubtest.NewClock(), env, testPlan(t, "pull_request.opened.json"), resultWith(4))
		if n := f.Count("GET /repos/Codertocat/Hello-World/issues") + f.Count("POST /repos/Codertocat/Hello-World/issues"); n != 0 {
			t.Errorf("%d comment calls, want 0", n)
		}
	})

	t.Run("two jobs with their own keys keep their own comments and check runs", func(t *testing.T) {
		f := githubtest.New(t)
		plan := testPlan(t, "pull_request.opened.json")
		for _, key := range []string{"web", "payments", "web"} {
			env := testEnv(f.URL())
			env.Inputs.Key = key
			publishOnce(t, f, githubtest.NewClock(), env, plan, resultWith(2))
		}
		if n := len(ourComments(f)); n != 2 {
			t.Errorf("%d comments, want 2", n)
		}
		var names []string
		for _, r := range runsFor(f, plan.HeadSHA) {
			names = append(names, r.Name)
		}
		if diff := cmp.Diff([]string{"tollgate (web)", "tollgate (payments)"}, names); diff != "" {
			t.Errorf("check runs (-want +got):\n%s", diff)
		}
	})

	t.Run("changed findings on the same commit replace the check run, since annotations cannot be removed", func(t *testing.T) {
		f := githubtest.New(t)
		env := testEnv(f.URL())
		plan := testPlan(t, "pull_request.opened.json")
		publishOnce(t, f, githubtest.NewClock(), env, plan, resultWith(5))
		publishOnce(t, f, githubtest.NewClock(), env, plan, resultWith(2))
		runs := runsFor(f, plan.HeadSHA)
		if len(runs) != 2 || runs[0].Conclusion != "neutral" || len(runs[1].Annotations) != 2 {
			t.Fatalf("runs = %+v, want the old one neutral and a new one with 2 annotations", runs)
		}
	})
}

func TestPublishFaults(t *testing.T) {
	const repo = "/repos/Codertocat/Hello-World"
	list := "GET " + repo + "/issues/2/comments"
	create := "POST " + repo + "/issues/2/comments"
	runsList := "GET " + repo + "/commits/ec26c3e57ca3a959ca5aad62de7213c562f8c821/check-runs"
	runCreate := "POST " + repo + "/check-runs"
	secondary := `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`
	cases := []struct {
		name   string
		faults []*githubtest.Fault
		// wantSleeps are the waits the clock saw, in order.
		wantSleeps []time.Duration
		wantErr    string
	}{
		{name: "a 500 on listing comments is retried after a backoff",
			faults:     []*githubtest.Fault{{Route: list, Times: 1, Status: 500, Body: `{"message":"Server Error"}`}},
			wantSleeps: []time.Duration{750 * time.Millisecond}},
		{name: "two 502s on listing check runs are retried with a growing backoff",
			faults:     []*githubtest.Fault{{Route: runsList, Times: 2, Status: 502, Body: `{"message":"Bad Gateway"}`}},
			wantSleeps: []time.Duration{750 * time.Millisecond, 1500 * time.Millisecond}},
		{name: "a 429 waits exactly its Retry-After",
			faults:     []*githubtest.Fault{{Route: list, Times: 1, Status: 429, Header: map[string]string{"Retry-After": "7"}, Body: `{"message":"Too Many Requests"}`}},
			wantSleeps: []time.Duration{7 * time.Second}},
		{name: "a secondary rate limit 403 on a create waits its Retry-After and posts once",
			faults:     []*githubtest.Fault{{Route: create, Times: 1, Status: 403, Header: map[string]string{"Retry-After": "30"}, Body: secondary}},
			wantSleeps: []time.Duration{30 * time.Second}},
		{name: "a secondary rate limit without Retry-After waits a minute",
			faults:     []*githubtest.Fault{{Route: runCreate, Times: 1, Status: 403, Body: secondary}},
			wantSleeps: []time.Duration{time.Minute}},
		{name: "an exhausted primary limit waits until x-ratelimit-reset",
			faults: []*githubtest.Fault{{Route: list, Times: 1, Status: 403, Body: `{"message":"API rate limit exceeded for installation ID 1."}`,
				Header: map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Limit": "1000", "X-RateLimit-Used": "1000", "X-RateLimit-Reset": fmt.Sprint(githubtest.NewClock().Now().Add(42 * time.Second).Unix())}}},
			wantSleeps: []time.Duration{43 * time.Second}},
		{name: "a comment created without an answer is found again instead of posted twice",
			faults: []*githubtest.Fault{{Route: create, Times: 1, Status: 502, Lost: true, Body: `{"message":"Bad Gateway"}`}}},
		{name: "a check run created without an answer is found again instead of created twice",
			faults: []*githubtest.Fault{{Route: runCreate, Times: 1, Status: 500, Lost: true, Body: `{"message":"Server Error"}`}}},
		{name: "a batch of annotations sent without an answer is not sent twice",
			faults: []*githubtest.Fault{{Route: "PATCH " + repo + "/check-runs/", Times: 1, Status: 502, Lost: true, Body: `{"message":"Bad Gateway"}`}}},
		{name: "a list that times out is retried",
			faults:     []*githubtest.Fault{{Route: runsList, Times: 1, Hang: true}},
			wantSleeps: []time.Duration{750 * time.Millisecond}},
		{name: "a create that times out is looked for before it is sent again",
			faults: []*githubtest.Fault{{Route: create, Times: 1, Hang: true}}},
		{name: "a rate limit resetting in an hour is reported, not waited out",
			faults: []*githubtest.Fault{{Route: list, Times: 1, Status: 403, Body: `{"message":"API rate limit exceeded"}`,
				Header: map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Limit": "1000", "X-RateLimit-Used": "1000", "X-RateLimit-Reset": fmt.Sprint(githubtest.NewClock().Now().Add(time.Hour).Unix())}}},
			wantErr: "listing the comments of pull request #2: GitHub API rate limit exhausted"},
		{name: "a server that keeps failing is given up on after a bounded number of tries",
			faults:     []*githubtest.Fault{{Route: list, Times: 100, Status: 503, Body: `{"message":"Service Unavailable"}`}},
			wantSleeps: []time.Duration{750 * time.Millisecond, 1500 * time.Millisecond, 3 * time.Second, 6 * time.Second},
			wantErr:    "listing the comments of pull request #2: GitHub answered 503"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := githubtest.New(t)
			for _, ft := range tc.faults {
				f.Fail(ft)
			}
			clock := githubtest.NewClock()
			env := testEnv(f.URL())
			plan := testPlan(t, "pull_request.opened.json")
			res := resultWith(60)
			for i := 0; i < 3; i++ {
				out := publishOnce(t, f, clock, env, plan, res).out
				if i == 0 && tc.wantErr != "" {
					if len(out.Errors) == 0 || !strings.Contains(out.Errors[0].Error(), tc.wantErr) {
						t.Fatalf("errors = %v, want %q", out.Errors, tc.wantErr)
					}
					if out.LogAnnotations == 0 && out.Check.ID == 0 {
						t.Errorf("nothing annotated although the check run failed")
					}
					return
				}
				if len(out.Errors) > 0 {
					t.Fatalf("run %d: errors %v", i+1, out.Errors)
				}
			}
			if diff := cmp.Diff(tc.wantSleeps, clock.Slept()); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
			if n := len(ourComments(f)); n != 1 {
				t.Errorf("%d comments, want 1", n)
			}
			runs := runsFor(f, plan.HeadSHA)
			if len(runs) != 1 {
				t.Fatalf("%d check runs, want 1", len(runs))
			}
			if n := len(runs[0].Annotations); n != 60 {
				t.Errorf("%d annotations, want 60", n)
			}
		})
	}
}

func TestPublishReadOnly(t *testing.T) {
	t.Run("a token refused on writes falls back to escaped log annotations", func(t *testing.T) {
		f := githubtest.New(t)
		f.ReadOnly = true
		env := testEnv(f.URL())
		run := publishOnce(t, f, githubtest.NewClock(), env, testPlan(t, "pull_request.opened.json"), resultWith(30))
		if !run.out.ReadOnly || len(run.out.Errors) > 0 {
			t.Fatalf("outcome %+v, want read-only without errors", run.out)
		}
		if run.out.LogAnnotations != MaxLogAnnotations {
			t.Errorf("%d log annotations, want %d", run.out.LogAnnotations, MaxLogAnnotations)
		}
		if n := strings.Count(run.log, "::error ") + strings.Count(run.log, "::warning ") + strings.Count(run.log, "::notice "); n != MaxLogAnnotations {
			t.Errorf("%d annotation commands in the log, want %d:\n%s", n, MaxLogAnnotations, run.log)
		}
	})
	t.Run("a fork pull request makes no API call", func(t *testing.T) {
		f := githubtest.New(t)
		env := testEnv(f.URL())
		run := publishOnce(t, f, githubtest.NewClock(), env, testPlan(t, "pull_request.fork.json"), resultWith(3))
		if !run.out.ReadOnly || run.out.LogAnnotations != 3 {
			t.Errorf("outcome %+v, want read-only with 3 log annotations", run.out)
		}
		if n := f.Count(""); n != 0 {
			t.Errorf("%d API calls, want 0", n)
		}
	})
}

func TestFakeGitHubEnforcesGitHubsContract(t *testing.T) {
	cases := []struct {
		name, method, path, body, want string
	}{
		{"more than 50 annotations in one request are rejected", "PATCH", "/repos/o/r/check-runs/1",
			`{"name":"tollgate","output":{"title":"t","summary":"s","annotations":[` + strings.Repeat(`{"path":"a","start_line":1,"end_line":1,"annotation_level":"failure","message":"m"},`, 50) +
				`{"path":"a","start_line":1,"end_line":1,"annotation_level":"failure","message":"m"}]}}`, "maxItems"},
		{"an unknown annotation level is rejected", "POST", "/repos/o/r/check-runs",
			`{"name":"tollgate","head_sha":"abc","output":{"title":"t","summary":"s","annotations":[{"path":"a","start_line":1,"end_line":1,"annotation_level":"error","message":"m"}]}}`, "annotation_level"},
		{"a comment without a body is rejected", "POST", "/repos/o/r/issues/2/comments", `{}`, "body"},
		{"an endpoint tollgate does not use is not served", "DELETE", "/repos/o/r/issues/comments/1", ``, "not an operation"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := githubtest.New(t)
			f.ExpectViolations = true
			req, _ := http.NewRequest(tc.method, f.URL()+tc.path, strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+testToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if v := f.Violations(); len(v) == 0 || !strings.Contains(strings.Join(v, "\n"), tc.want) {
				t.Errorf("violations = %q, want one mentioning %q", v, tc.want)
			}
		})
	}
}

func TestSARIFLimits(t *testing.T) {
	t.Run("more results than code scanning takes keeps the blocking ones and says so", func(t *testing.T) {
		res := resultWith(40)
		data, note, err := sarifWithin(res, 10, MaxSARIFSize)
		if err != nil {
			t.Fatal(err)
		}
		var log struct {
			Runs []struct {
				Results []struct {
					Properties struct{ Blocking bool }
				}
				Invocations []struct {
					ToolExecutionNotifications []struct{ Message struct{ Text string } }
				}
			}
		}
		if err := json.Unmarshal(data, &log); err != nil {
			t.Fatal(err)
		}
		if n := len(log.Runs[0].Results); n != 10 {
			t.Errorf("%d results, want 10", n)
		}
		for _, r := range log.Runs[0].Results {
			if !r.Properties.Blocking {
				t.Errorf("a non-blocking finding was kept over blocking ones")
			}
		}
		if !strings.Contains(note, "30 of 40 findings were left out") || !strings.Contains(string(data), note) {
			t.Errorf("note %q is not in the file", note)
		}
	})
	t.Run("a file over the size limit is cut to fit", func(t *testing.T) {
		res := resultWith(200)
		data, note, err := sarifWithin(res, MaxSARIFResults, 60_000)
		if err != nil {
			t.Fatal(err)
		}
		if len(data) > 60_000 || note == "" {
			t.Errorf("%d bytes with note %q", len(data), note)
		}
	})
}
