package github

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseEvent(t *testing.T) {
	env := &Env{SHA: "6113728f27ae82c7b1a177c8d03f9e96e0adf246", Ref: "refs/heads/main"}
	const prHead, prBase = "ec26c3e57ca3a959ca5aad62de7213c562f8c821", "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
	cases := []struct {
		file string
		want Event
	}{
		{"pull_request.opened.json", Event{Name: "pull_request", Action: "opened", HeadSHA: prHead, BaseSHA: prBase,
			HeadRef: "changes", BaseRef: "master", Branch: "changes", PR: 2, Title: "Update the README with new information.",
			HeadRepository: "Codertocat/Hello-World"}},
		{"pull_request.fork.json", Event{Name: "pull_request", Action: "synchronize", HeadSHA: prHead, BaseSHA: prBase,
			HeadRef: "changes", BaseRef: "master", Branch: "changes", PR: 2, Title: "Update the README with new information.",
			HeadRepository: "Forker/Hello-World", Fork: true}},
		{"pull_request_target.fork.json", Event{Name: "pull_request_target", Action: "synchronize", HeadSHA: prHead, BaseSHA: prBase,
			HeadRef: "changes", BaseRef: "master", Branch: "changes", PR: 2, Title: "Update the README with new information.",
			HeadRepository: "Forker/Hello-World", Fork: true, UntrustedHead: true}},
		{"push.branch.json", Event{Name: "push", HeadSHA: "6113728f27ae82c7b1a177c8d03f9e96e0adf246", HeadRef: "master", Branch: "master"}},
		{"push.tag-deleted.json", Event{Name: "push", BaseSHA: "6113728f27ae82c7b1a177c8d03f9e96e0adf246", Skip: "the push deleted refs/tags/simple-tag; there is nothing to check"}},
		{"merge_group.checks_requested.json", Event{Name: "merge_group", Action: "checks_requested",
			HeadSHA: "2ffea6db159f6b6c47a24e778fb9ef40cf6b1c7d", BaseSHA: "380387fbc80638b734a49e1be1c4dfec1c01b33c",
			HeadRef: "gh-readonly-queue/main/pr-104-929f8209d40f77f4abc622a499c93a83babdbe64", BaseRef: "main", Branch: "main", PR: 104}},
		{"workflow_dispatch.json", Event{Name: "workflow_dispatch", HeadSHA: env.SHA, HeadRef: "main", Branch: "main"}},
		{"schedule.json", Event{Name: "schedule", HeadSHA: env.SHA, HeadRef: "main", Branch: "main"}},
	}
	for _, tc := range cases {
		t.Run("the "+tc.file+" payload gives its plan", func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("../fixtures/events", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			name, _, _ := strings.Cut(tc.file, ".")
			got, err := ParseEvent(name, data, env)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, *got); diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("only a pull_request from a fork has a read-only token", func(t *testing.T) {
		for file, want := range map[string]bool{"pull_request.fork.json": true, "pull_request_target.fork.json": false, "pull_request.opened.json": false} {
			if got := testPlan(t, file).ReadOnly(); got != want {
				t.Errorf("%s: ReadOnly = %t, want %t", file, got, want)
			}
		}
	})
}

func TestParseEventRejects(t *testing.T) {
	cases := []struct {
		name, event, payload, want string
	}{
		{"an unsupported event names the supported ones", "issues", `{}`, `event "issues" is not supported; run tollgate on pull_request, pull_request_target, push`},
		{"broken JSON names the line", "push", "{\n\"ref\": \n}", "line 3"},
		{"a pull request event without a pull request", "pull_request", `{"action":"opened"}`, "has no pull_request object"},
		{"a head SHA that could reach another API path", "pull_request", `{"pull_request":{"number":1,"head":{"sha":"../../../user"},"base":{"sha":"` + strings.Repeat("a", 40) + `"}}}`, `head commit "../../../user", which is not a commit SHA`},
		{"a push without commits", "push", `{"ref":"refs/heads/main","after":""}`, "is not a commit SHA"},
		{"a merge group without its object", "merge_group", `{}`, "no merge_group object"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseEvent(tc.event, []byte(tc.payload), &Env{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// FuzzParseEvent feeds payloads (seeded from testdata/fuzz and the real
// payloads in fixtures/events) to the parser: it may reject them, never
// panic, and any plan it returns has SHAs safe for API paths.
func FuzzParseEvent(f *testing.F) {
	files, _ := filepath.Glob("../fixtures/events/*.json")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		name, _, _ := strings.Cut(filepath.Base(file), ".")
		f.Add(name, data)
	}
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		p, err := ParseEvent(name, data, &Env{SHA: strings.Repeat("c", 40), Ref: "refs/heads/x"})
		if err != nil {
			return
		}
		if p.Skip == "" && !shaRE.MatchString(p.HeadSHA) {
			t.Errorf("head SHA %q accepted", p.HeadSHA)
		}
		if p.BaseSHA != "" && !shaRE.MatchString(p.BaseSHA) {
			t.Errorf("base SHA %q accepted", p.BaseSHA)
		}
	})
}

func TestRepoPath(t *testing.T) {
	cases := []struct{ name, file, workspace, want string }{
		{"a relative path stays as it is", "stacks/app.yaml", "/github/workspace", "stacks/app.yaml"},
		{"a leading ./ is dropped", "./stacks/app.yaml", "/github/workspace", "stacks/app.yaml"},
		{"an absolute path in the workspace becomes relative", "/github/workspace/infra/app.yaml", "/github/workspace/", "infra/app.yaml"},
		{"an absolute path elsewhere stays absolute", "/etc/app.yaml", "/github/workspace", "/etc/app.yaml"},
		{"a workspace that is only a prefix of a folder name does not match", "/github/workspace2/app.yaml", "/github/workspace", "/github/workspace2/app.yaml"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := RepoPath(tc.file, tc.workspace); got != tc.want {
				t.Errorf("RepoPath(%q, %q) = %q, want %q", tc.file, tc.workspace, got, tc.want)
			}
		})
	}
}

func TestSafeKey(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"a plain workflow/job key is kept", "CI/tollgate", "CI/tollgate"},
		{"spaces and punctuation become underscores", "PR checks/lint & test", "PR_checks/lint_test"},
		{"a key cannot close the HTML comment", "x-->y<!--", "x-__y_-_"},
		{"an empty key gets a name", "", "default"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := SafeKey(tc.in); got != tc.want {
				t.Errorf("SafeKey(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestEventSemantics(t *testing.T) {
	for _, c := range []struct {
		name                    string
		ev                      Event
		pr, readOnly, mayDeploy bool
		number                  int
		target                  string
		mergeBase               bool
	}{
		{"a pull request from this repository", Event{Name: "pull_request", PR: 7, Branch: "feature/x", BaseRef: "main"}, true, false, true, 7, "main", true},
		{"a pull request from a fork", Event{Name: "pull_request", PR: 7, Fork: true, Branch: "x", BaseRef: "main"}, true, true, false, 7, "main", true},
		{"pull_request_target", Event{Name: "pull_request_target", PR: 7, UntrustedHead: true, Branch: "x", BaseRef: "main"}, true, false, false, 7, "main", true},
		{"a push", Event{Name: "push", Branch: "release/1.2"}, false, false, true, 0, "release/1.2", false},
		{"a merge group names a pull request but reviews the queue", Event{Name: "merge_group", PR: 9, Branch: "main", BaseRef: "main"}, false, false, true, 0, "main", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, mb := c.ev.Base()
			if c.ev.IsPullRequest() != c.pr || c.ev.ReadOnly() != c.readOnly || c.ev.MayDeploy() != c.mayDeploy ||
				c.ev.PullRequest() != c.number || c.ev.TargetBranch() != c.target || mb != c.mergeBase {
				t.Errorf("pull request %t, read-only %t, may deploy %t, number %d, target %q, merge base %t",
					c.ev.IsPullRequest(), c.ev.ReadOnly(), c.ev.MayDeploy(), c.ev.PullRequest(), c.ev.TargetBranch(), mb)
			}
		})
	}
}
