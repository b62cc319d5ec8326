package gitops

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate-dev/tollgate/config"
)

func mustMapping(t *testing.T, g config.GitOps, templates ...string) *Mapping {
	t.Helper()
	m, err := NewMapping(g, templates)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func stackNames(es []Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Environment+":"+e.Stack+"@"+e.Region)
	}
	return out
}

func TestGitFlowPlans(t *testing.T) {
	m := mustMapping(t, config.GitOps{Preset: "gitflow", Environments: []config.Environment{
		{Name: "production", Regions: []string{"eu-west-1", "us-east-1"}, Accounts: []string{"111111111111"}},
	}}, "stacks/payments/template.yaml", "stacks/web.yaml")
	cases := []struct {
		branch string
		want   []string
		env    string
		gate   Gate
	}{
		{"release/1.2", []string{"integration:payments@eu-central-1", "integration:web@eu-central-1"}, "integration", Gate{Require: RequireNoBlockingFindings}},
		{"main", []string{"production:payments@eu-west-1", "production:payments@us-east-1", "production:web@eu-west-1", "production:web@us-east-1"},
			"production", Gate{Approval: ApprovalGitHubEnvironment, Require: RequireNoBlockingFindings}},
		{"feature/login", []string{"integration:payments-feature-login-", "integration:web-feature-login-"}, "integration", Gate{Require: RequireNoBlockingFindings}},
	}
	for _, c := range cases {
		t.Run(c.branch, func(t *testing.T) {
			p, err := m.Plan(PlanOptions{Branch: c.branch, DefaultRegion: "eu-central-1", DefaultAccount: "222222222222"})
			if err != nil {
				t.Fatal(err)
			}
			got := stackNames(p.Matrix.Include)
			if len(got) != len(c.want) {
				t.Fatalf("entries = %v, want %v", got, c.want)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], c.want[i]) {
					t.Errorf("entry %d = %s, want prefix %s", i, got[i], c.want[i])
				}
			}
			if *p.Environment != c.env || *p.Gate != c.gate {
				t.Errorf("environment %s gate %+v", *p.Environment, *p.Gate)
			}
		})
	}
	p, _ := m.Plan(PlanOptions{Branch: "main", DefaultRegion: "eu-central-1"})
	if p.Matrix.Include[0].Account != "111111111111" || p.Matrix.Include[0].Key != "production/111111111111/eu-west-1/payments" {
		t.Errorf("entry = %+v", p.Matrix.Include[0])
	}
}

func TestAPlanForAnUnmappedBranchIsEmptyJSON(t *testing.T) {
	m := mustMapping(t, config.GitOps{Preset: "gitflow"}, "a.yaml")
	p, err := m.Plan(PlanOptions{Branch: "experiment/x", DefaultRegion: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(p)
	want := `{"branch":"experiment/x","environment":null,"gate":null,"why":"branch \"experiment/x\" matches no environment","matrix":{"include":[]},"stages":[]}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

func TestPlansFollowPromotionsPullRequestsAndChanges(t *testing.T) {
	trunk := mustMapping(t, config.GitOps{Preset: "trunk"}, "a.yaml", "b.yaml")
	p, err := trunk.Plan(PlanOptions{Branch: "main", DefaultRegion: "eu-west-1", Changed: []string{"b.yaml"}})
	if err != nil {
		t.Fatal(err)
	}
	var stages []string
	for _, s := range p.Stages {
		stages = append(stages, s.Environment+":"+strings.Join(stackNames(s.Matrix.Include), ","))
	}
	if diff := cmp.Diff([]string{"staging:staging:b@eu-west-1", "production:production:b@eu-west-1"}, stages); diff != "" {
		t.Errorf("stages (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"a.yaml"}, p.Skipped); diff != "" {
		t.Errorf("skipped: %s", diff)
	}
	flow := mustMapping(t, config.GitOps{Preset: "github-flow"}, "app.yaml")
	p, _ = flow.Plan(PlanOptions{Branch: "feature/x", PullRequest: 7, DefaultRegion: "eu-west-1"})
	if got := stackNames(p.Matrix.Include); len(got) != 1 || got[0] != "preview:app-pr-7@eu-west-1" {
		t.Errorf("preview entries = %v", got)
	}
	if _, err := flow.Plan(PlanOptions{Branch: "main"}); err == nil || !strings.Contains(err.Error(), "environment production has no regions") {
		t.Errorf("no region: %v", err)
	}
}

func TestGateMarshalsWithConfigurationNames(t *testing.T) {
	b, _ := json.Marshal(Gate{Approval: ApprovalGitHubEnvironment})
	if string(b) != `{"approval":"github-environment","require":"none"}` {
		t.Errorf("gate = %s", b)
	}
}

func TestFlagsReplaceTheFieldsOfAnEntryTheySet(t *testing.T) {
	en := Entry{Stack: "app", Template: "app.yaml", Region: "eu-west-1", Role: "arn:aws:iam::123456789012:role/a", Key: "k"}
	got := en.With(Entry{Region: "us-east-1", Parameters: "p.json"})
	want := Entry{Stack: "app", Template: "app.yaml", Region: "us-east-1", Role: "arn:aws:iam::123456789012:role/a", Parameters: "p.json", Key: "k"}
	if d := cmp.Diff(want, got); d != "" {
		t.Error(d)
	}
}
