package engine

import (
	"context"

	"github.com/tollgate-dev/tollgate/config"
	"github.com/tollgate-dev/tollgate/github"
	"github.com/tollgate-dev/tollgate/gitops"
	"github.com/tollgate-dev/tollgate/gitrepo"
	"github.com/tollgate-dev/tollgate/report"
	"github.com/tollgate-dev/tollgate/template"
)

// Mapping loads the environments of cfg's gitops section with the
// templates under its paths: the one way plan, deploy's gate and the
// previews read it, with the templates it maps. Notices say which files
// were skipped.
func Mapping(ctx context.Context, cfg *config.Config) (m *gitops.Mapping, templates, notices []string, err error) {
	var ns []template.Notice
	paths := cfg.GitOps.Paths
	if len(paths) == 0 {
		paths = cfg.Paths
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	if templates, ns, err = Templates(ctx, paths, cfg.Include, cfg.Exclude); err != nil {
		return nil, nil, nil, err
	}
	if m, err = gitops.NewMapping(cfg.GitOps, templates); err != nil {
		return nil, nil, nil, gitops.ConfigError(cfg, err)
	}
	return m, templates, template.NoticeStrings(ns), nil
}

// Gate is the second part of a deploy's gate: the check of the entry's
// template at this commit, with the entry's account, Region and
// parameters. The deploy goes ahead only when the result is Clean.
func Gate(ctx context.Context, cfg *config.Config, en gitops.Entry, params map[string]string, tool report.Tool) (*report.Result, error) {
	s, err := cfg.Resolve(config.Overrides{Account: en.Account, Region: en.Region, Paths: []string{en.Template}})
	if err != nil {
		return nil, err
	}
	for k, v := range params {
		s.Checks.Values.Parameters[k] = v
	}
	return Check(ctx, FromSettings(s, tool))
}

// ChangedTemplates finds, among templates, those the event's commits
// changed (a pull request's base..head, a push's before..after). nil means
// unknown, and every stack is planned; the note then says why.
func ChangedTemplates(ctx context.Context, ev *github.Event, templates []string) ([]string, string) {
	base, mergeBase := ev.Base()
	if base == "" || ev.Head() == "" {
		return nil, "" // a new branch: everything is new
	}
	repo, err := gitrepo.Open(".")
	if err == nil {
		var changed []string
		if changed, err = repo.ChangedAmong(ctx, base, ev.Head(), mergeBase, templates); err == nil {
			return changed, ""
		}
	}
	return nil, "could not tell which templates changed (" + err.Error() + "); every stack is planned"
}

// Deployment is what a deploy works from once admitted: the branch and
// commit deployed, and the pull request of a preview environment.
type Deployment struct {
	Branch, SHA string
	PullRequest int
}

// Admit is the first part of a deploy's gate. It refuses runs whose
// workspace holds untrusted code (a fork, or the head of a
// pull_request_target run, which has a write token), fills the branch and
// commit from the event, and, when cfg has a gitops section, checks that
// the branch's plan holds the entry. branch and sha are the caller's
// (flags, GITHUB_SHA); ev is nil outside Actions.
func Admit(ctx context.Context, cfg *config.Config, en gitops.Entry, ev *github.Event, branch, sha string) (*Deployment, error) {
	d := &Deployment{Branch: branch, SHA: sha}
	if ev != nil {
		if !ev.MayDeploy() {
			return nil, &gitops.RefusedError{Msg: "refusing to deploy from a " + ev.Name + " run of a fork or pull_request_target: deploy on push, or on pull requests from this repository"}
		}
		if d.Branch == "" {
			d.Branch = ev.Branch
		}
		if ev.Head() != "" {
			d.SHA = ev.Head()
		}
		d.PullRequest = ev.PullRequest()
	}
	if !gitops.Configured(cfg) {
		return d, nil
	}
	m, _, _, err := Mapping(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := m.Admit(en, gitops.Admission{Config: cfg, Branch: d.Branch, PullRequest: d.PullRequest}); err != nil {
		return nil, err
	}
	return d, nil
}
