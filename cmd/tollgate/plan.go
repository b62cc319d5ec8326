package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"

	"github.com/tollgate-dev/tollgate/config"
	"github.com/tollgate-dev/tollgate/engine"
	"github.com/tollgate-dev/tollgate/github"
	"github.com/tollgate-dev/tollgate/gitops"
	"github.com/tollgate-dev/tollgate/report"
)

type planOptions struct {
	configFile, branch, format, explain string
	pullRequest                         int
}

func planFlags(o *planOptions) *flag.FlagSet {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.StringVar(&o.configFile, "config", "", "configuration `FILE` (default: .tollgate.yml)")
	fs.StringVar(&o.branch, "branch", "", "plan for `BRANCH` instead of the event's; without an event every template is planned")
	fs.IntVar(&o.pullRequest, "pull-request", 0, "plan for pull request `NUMBER` (preview environments)")
	fs.StringVar(&o.format, "format", "json", "output format: json or text")
	fs.StringVar(&o.explain, "explain", "", "say which environment `BRANCH` maps to and why, then exit")
	return fs
}

func runPlan(ctx context.Context, args []string, e *env) (int, error) {
	var o planOptions
	_, help, err := parseCommand("plan", planFlags(&o), args, e, "tollgate plan takes no arguments (got %q); use --branch")
	if help || err != nil {
		return exitOK, err
	}
	if o.format != "json" && o.format != "text" {
		return 0, usagef("--format %q is not one of json, text", o.format)
	}
	cfg, err := config.Load(o.configFile)
	if err != nil {
		return 0, err
	}
	if !gitops.Configured(cfg) {
		return 0, usagef("%s has no gitops section: add `gitops: {preset: gitflow}` (or github-flow, trunk) to plan deployments", cfg.Name())
	}
	mapping, templates, notices, err := engine.Mapping(ctx, cfg)
	if err != nil {
		return 0, err
	}
	if o.explain != "" {
		return exitOK, report.PlanExplanation(e.stdout, mapping, o.explain, o.pullRequest)
	}
	po := gitops.PlanOptions{Branch: o.branch, PullRequest: o.pullRequest, DefaultRegion: cmp.Or(cfg.Region, e.getenv("AWS_REGION")), DefaultAccount: cfg.Account}
	if o.branch == "" {
		note, err := eventPlanOptions(ctx, e, &po, templates)
		if err != nil {
			return 0, err
		}
		notices = append(notices, note...)
	}
	plan, err := mapping.Plan(po)
	if err != nil {
		return 0, gitops.ConfigError(cfg, err)
	}
	return writePlan(plan, notices, o.format, e)
}

// eventPlanOptions plans for the run's event: its branch, its pull
// request, and only the templates its commits changed.
func eventPlanOptions(ctx context.Context, e *env, po *gitops.PlanOptions, templates []string) ([]string, error) {
	ev, err := github.RunEvent(e.getenv)
	if err != nil {
		return nil, usagef("%v", err)
	}
	if ev == nil {
		return nil, usagef("no branch to plan for: pass --branch (outside GitHub Actions there is no event)")
	}
	po.Branch, po.PullRequest = ev.Branch, ev.PullRequest()
	var note string
	if po.Changed, note = engine.ChangedTemplates(ctx, ev, templates); note != "" {
		return []string{note}, nil
	}
	return nil, nil
}

// writePlan prints the notices and the plan, and sets the step outputs
// inside Actions.
func writePlan(plan *gitops.DeployPlan, notices []string, format string, e *env) (int, error) {
	for _, n := range notices {
		fmt.Fprintln(e.stderr, "tollgate: note: "+report.Plain(n))
	}
	write := report.PlanJSON
	if format == "text" {
		write = report.PlanText
	}
	if err := write(e.stdout, plan); err != nil {
		return 0, err
	}
	if out := e.getenv("GITHUB_OUTPUT"); out != "" {
		if err := (github.Files{OutputFile: out}).PlanOutputs(plan); err != nil {
			return 0, err
		}
	}
	return exitOK, nil
}
