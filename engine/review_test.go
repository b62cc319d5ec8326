package engine

import (
	"testing"

	"github.com/tollgate-dev/tollgate/config"
	"github.com/tollgate-dev/tollgate/github"
)

func TestTheReviewNamesTheEnvironmentTheChangeDeploysTo(t *testing.T) {
	gitflow := &config.Config{GitOps: config.GitOps{Preset: "gitflow"}}
	for _, c := range []struct {
		name string
		cfg  *config.Config
		ev   github.Event
		want string
	}{
		{"a pull request into main deploys to main's environment", gitflow,
			github.Event{Name: "pull_request", PR: 3, Branch: "feature/x", BaseRef: "main"}, "production"},
		{"a push to a release branch", gitflow, github.Event{Name: "push", Branch: "release/1.2"}, "integration"},
		{"a branch no environment takes", gitflow, github.Event{Name: "push", Branch: "wip/x"}, ""},
		{"no gitops section", config.Default(), github.Event{Name: "push", Branch: "main"}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := TargetEnvironment(c.cfg, &c.ev); got != c.want {
				t.Errorf("environment %q, want %q", got, c.want)
			}
		})
	}
}
