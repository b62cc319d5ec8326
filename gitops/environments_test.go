package gitops

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate-dev/tollgate/config"
)

func names(es []*Environment) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Name)
	}
	return out
}

func TestPresetsMapBranchesToEnvironments(t *testing.T) {
	cases := []struct {
		preset, branch string
		pr             bool
		want           []string
		perBranch      bool
	}{
		{"gitflow", "main", false, []string{"production"}, false},
		{"gitflow", "master", false, []string{"production"}, false},
		{"gitflow", "develop", false, []string{"integration"}, false},
		{"gitflow", "feature/login", false, []string{"integration"}, true},
		{"gitflow", "feature/team/deep-branch", false, []string{"integration"}, true},
		{"gitflow", "release/1.2", false, []string{"integration"}, false},
		{"gitflow", "hotfix/cve-2026-1", false, []string{"integration"}, false},
		{"gitflow", "bugfix/x", false, nil, false},
		{"gitflow", "mainline", false, nil, false},
		{"gitflow", "feature/login", true, nil, false},
		{"github-flow", "main", false, []string{"production"}, false},
		{"github-flow", "feature/x", true, []string{"preview"}, true},
		{"github-flow", "feature/x", false, nil, false},
		{"trunk", "main", false, []string{"staging", "production"}, false},
		{"trunk", "develop", false, nil, false},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s maps %s (pull request %v)", c.preset, c.branch, c.pr), func(t *testing.T) {
			m, err := NewMapping(config.GitOps{Preset: c.preset}, []string{"stacks/app.yaml"})
			if err != nil {
				t.Fatal(err)
			}
			got := m.Resolve(c.branch, c.pr)
			if diff := cmp.Diff(c.want, names(got.Environments)); diff != "" {
				t.Errorf("environments (-want +got): %s\nwhy: %s", diff, got.Why)
			}
			if len(got.Environments) > 0 && got.Environments[0].PerBranchNames(c.branch, c.pr) != c.perBranch {
				t.Errorf("per-branch names = %v, want %v", !c.perBranch, c.perBranch)
			}
			if got.Why == "" {
				t.Error("no explanation")
			}
		})
	}
}

func TestTheSmallestConfigPlansEveryTemplate(t *testing.T) {
	m, err := NewMapping(config.GitOps{Preset: "gitflow"}, []string{"stacks/payments/template.yaml", "stacks/web.yaml", "cdk.out/Shop.template.json"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range m.Environment("production").Stacks {
		got = append(got, s.Template+" → "+s.Name)
	}
	want := []string{"stacks/payments/template.yaml → payments", "stacks/web.yaml → web", "cdk.out/Shop.template.json → Shop-template"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stacks (-want +got):\n%s", diff)
	}
}

func TestExplicitEnvironmentsOverrideThePreset(t *testing.T) {
	yes := true
	approval := "none"
	m, err := NewMapping(config.GitOps{Preset: "gitflow", Environments: []config.Environment{
		{Name: "production", Accounts: []string{"111111111111"}, Regions: []string{"eu-west-1", "us-east-1"}, Role: "arn:aws:iam::111111111111:role/deploy"},
		{Name: "integration", Gate: &config.Gate{Approval: &approval}, Stacks: []config.Stack{{Template: "stacks/app.yaml", Name: "app", Parameters: "params/int.json"}}},
		{Name: "sandbox", Branches: []string{"sandbox/*"}, PullRequests: &yes},
	}}, []string{"stacks/app.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	p := m.Environment("production")
	if p.Role != "arn:aws:iam::111111111111:role/deploy" || len(p.Regions) != 2 || p.Gate.Approval != ApprovalGitHubEnvironment || len(p.Branches) != 2 {
		t.Errorf("production = %+v", p)
	}
	i := m.Environment("integration")
	if i.Gate.Approval != "" || i.Stacks[0].Parameters != "params/int.json" || len(i.PerBranch) != 1 {
		t.Errorf("integration = %+v", i)
	}
	if got := names(m.Resolve("sandbox/x", false).Environments); len(got) != 1 || got[0] != "sandbox" {
		t.Errorf("sandbox/x → %v", got)
	}
}

func TestAmbiguousMappingsAreConfigurationErrors(t *testing.T) {
	yes := true
	cases := []struct {
		name string
		g    config.GitOps
		want string
	}{
		{"overlapping globs", config.GitOps{Environments: []config.Environment{
			{Name: "dev", Branches: []string{"feature/*"}}, {Name: "demo", Branches: []string{"feature/demo"}}}},
			`environments dev (branch pattern "feature/*") and demo (branch pattern "feature/demo") both match branches such as "feature/demo"`},
		{"a glob and a regular expression", config.GitOps{Environments: []config.Environment{
			{Name: "rel", Branches: []string{"re:^release/[0-9]+"}}, {Name: "all", Branches: []string{"release/**"}}}},
			`environments rel (branch pattern "re:^release/[0-9]+") and all (branch pattern "release/**")`},
		{"a preset and an added environment", config.GitOps{Preset: "gitflow", Environments: []config.Environment{{Name: "qa", Branches: []string{"release/*"}}}},
			"environments integration"},
		{"after naming nothing", config.GitOps{Environments: []config.Environment{{Name: "prod", After: "stage"}}},
			`environment prod: after names "stage", which is not an environment`},
		{"an after loop", config.GitOps{Environments: []config.Environment{{Name: "a", After: "b"}, {Name: "b", After: "a"}}},
			"after forms a loop"},
		{"two preview environments", config.GitOps{Environments: []config.Environment{{Name: "a", PullRequests: &yes}, {Name: "b", PullRequests: &yes}}},
			"environments a and b both take pull requests"},
		{"a bad regular expression", config.GitOps{Environments: []config.Environment{{Name: "a", Branches: []string{"re:("}}}},
			`branch pattern "re:("`},
		{"an unknown preset", config.GitOps{Preset: "gitlab-flow"}, `gitops.preset "gitlab-flow" is not a preset; expected one of gitflow, github-flow, trunk`},
		{"no environments", config.GitOps{}, "gitops has no environments"},
		{"an invalid stack name", config.GitOps{Environments: []config.Environment{{Name: "a", Branches: []string{"main"},
			Stacks: []config.Stack{{Template: "x.yaml", Name: "my_stack"}}}}}, `"my_stack" is not a valid stack name`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewMapping(c.g, []string{"x.yaml"})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v\nwant it to contain %s", err, c.want)
			}
		})
	}
	// Negation makes patterns disjoint.
	_, err := NewMapping(config.GitOps{Environments: []config.Environment{
		{Name: "dev", Branches: []string{"feature/*", "!feature/demo"}}, {Name: "demo", Branches: []string{"feature/demo"}}}}, nil)
	if err != nil {
		t.Errorf("disjoint with negation: %v", err)
	}
}

func TestBranchStackNamesAreValidAndDistinct(t *testing.T) {
	cases := map[string]string{
		"develop":       "app-develop",
		"feature/login": "app-feature-login-",
		"release/1.2":   "app-release-1-2-",
		"$(rm -rf /)":   "app-rm-rf-",
		"ünïcode":       "app-n-code-",
		"a\nb":          "app-a-b-",
	}
	for branch, prefix := range cases {
		got := BranchStackName("app", branch)
		if !strings.HasPrefix(got, prefix) || (strings.HasSuffix(prefix, "-") && len(got) != len(prefix)+8) {
			t.Errorf("BranchStackName(app, %q) = %q, want %q…", branch, got, prefix)
		}
	}
	long := strings.Repeat("very-long-branch-", 20)
	a, b := BranchStackName("app", long+"a"), BranchStackName("app", long+"b")
	if len(a) > MaxStackName || a == b {
		t.Errorf("long names: %q (%d) and %q", a, len(a), b)
	}
	if BranchStackName("app", "feature/x") == BranchStackName("app", "feature-x") {
		t.Error("feature/x and feature-x share a stack")
	}
}

func FuzzBranchStackName(f *testing.F) {
	for _, s := range []string{"main", "feature/x", "", "-", "1", strings.Repeat("é", 200), "a\x00b", "$(x)"} {
		f.Add("app", s)
	}
	f.Fuzz(func(t *testing.T, stack, branch string) {
		got := BranchStackName(stack, branch)
		if len(got) == 0 || len(got) > MaxStackName || notStackChars.MatchString(got) || !(got[0] >= 'A' && got[0] <= 'Z' || got[0] >= 'a' && got[0] <= 'z') {
			t.Fatalf("BranchStackName(%q, %q) = %q", stack, branch, got)
		}
	})
}

func FuzzPattern(f *testing.F) {
	for _, s := range []string{"main", "feature/**", "re:^release/[0-9]+$", "!x", "[", "re:(", "**/*"} {
		f.Add(s, "feature/x")
	}
	f.Fuzz(func(t *testing.T, pattern, branch string) {
		p, err := ParsePattern(pattern)
		if err != nil {
			return
		}
		matchAll([]Pattern{p}, branch)
		witnesses([]Pattern{p})
	})
}

func TestDefaultStackNamesAreUnique(t *testing.T) {
	got := DefaultStackNames([]string{"a/svc/template.yaml", "b/svc/template.yaml", "x.yaml", "x.json", "stacks/1st.yaml", "api/main.yml"})
	want := map[string]string{"a/svc/template.yaml": "a-svc", "b/svc/template.yaml": "b-svc", "x.yaml": "x-yaml", "x.json": "x",
		"stacks/1st.yaml": "s-1st", "api/main.yml": "api"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
}

func TestAnEnvironmentsParametersFileServesItsStacks(t *testing.T) {
	m, err := NewMapping(config.GitOps{Environments: []config.Environment{
		{Name: "production", Branches: []string{"main"}, Parameters: "params/prod.json"},
		{Name: "staging", Branches: []string{"develop"}, Parameters: "params/staging.json",
			Stacks: []config.Stack{{Template: "a.yaml"}, {Template: "b.yaml", Parameters: "params/b-staging.json"}}},
	}}, []string{"a.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range m.Environments {
		for _, s := range e.Stacks {
			got[e.Name+" "+s.Template] = s.Parameters
		}
	}
	want := map[string]string{"production a.yaml": "params/prod.json", "staging a.yaml": "params/staging.json", "staging b.yaml": "params/b-staging.json"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parameters files (-want +got):\n%s", diff)
	}
}
