package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/tollgate-dev/tollgate/config"
	"github.com/tollgate-dev/tollgate/engine"
	"github.com/tollgate-dev/tollgate/github"
	"github.com/tollgate-dev/tollgate/gitops"
	"github.com/tollgate-dev/tollgate/report"
)

const planHelp = `Usage: tollgate plan [flags]

Maps the run's branch to its environments (the gitops section of
.tollgate.yml) and prints the deployments: one entry per stack, Region and
account, as a GitHub Actions matrix. Inside GitHub Actions the event gives
the branch and the changed templates, and the outputs matrix, environment
and stages are set.

Flags:
`

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

// changedTemplates finds, among templates, those the run's commits changed
// (a pull request's base..head, a push's before..after), reading the
// repository with go-git. nil means unknown, and every stack is planned;
// the note then says why.
func changedTemplates(ctx context.Context, ev *github.Event, templates []string) ([]string, string) {
	if ev.BaseSHA == "" || ev.HeadSHA == "" {
		return nil, "" // a new branch: everything is new
	}
	repo, err := gitops.Open(".")
	if err != nil {
		return nil, "could not tell which templates changed (" + err.Error() + "); every stack is planned"
	}
	base, err := repo.Resolve(ev.BaseSHA)
	if err == nil {
		var head *gitops.Revision
		if head, err = repo.Resolve(ev.HeadSHA); err == nil {
			if _, mergeBase := ev.Base(); mergeBase {
				base, err = repo.MergeBase(base, head)
			}
			if err == nil {
				var changes []gitops.Change
				wanted := map[string]bool{}
				for _, t := range templates {
					if rel, ok := repo.RelPath(t); ok {
						wanted[rel] = true
					}
				}
				keep := func(p string) bool { return wanted[p] }
				if changes, err = repo.Changes(ctx, base, head, keep); err == nil {
					changed := map[string]bool{}
					for _, c := range changes {
						if c.Status != gitops.Deleted {
							changed[c.Path] = true
						}
					}
					out := []string{}
					for _, t := range templates {
						if rel, ok := repo.RelPath(t); ok && changed[rel] {
							out = append(out, t)
						}
					}
					return out, ""
				}
			}
		}
	}
	return nil, "could not tell which templates changed (" + err.Error() + "); every stack is planned"
}

func runPlan(ctx context.Context, args []string, e *env) (int, error) {
	var o planOptions
	fs := planFlags(&o)
	rest, err := parseFlags(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return runHelp([]string{"plan"}, e), nil
	}
	if err != nil {
		return 0, err
	}
	if len(rest) > 0 {
		return 0, usagef("tollgate plan takes no arguments (got %q); use --branch", rest[0])
	}
	if o.format != "json" && o.format != "text" {
		return 0, usagef("--format %q is not one of json, text", o.format)
	}
	cfg, err := loadConfig(o.configFile)
	if err != nil {
		return 0, err
	}
	if cfg.GitOps.Preset == "" && len(cfg.GitOps.Environments) == 0 {
		return 0, usagef("%s has no gitops section: add `gitops: {preset: gitflow}` (or github-flow, trunk) to plan deployments", configName(cfg))
	}
	paths := firstNonEmptyList(cfg.GitOps.Paths, cfg.Paths, []string{"."})
	templates, notices, err := engine.Templates(ctx, paths, cfg.Include, cfg.Exclude)
	if err != nil {
		return 0, err
	}
	mapping, err := gitops.NewMapping(cfg.GitOps, templates)
	if err != nil {
		return 0, gitopsError(cfg, err)
	}
	if o.explain != "" {
		return explainPlan(mapping, o.explain, o.pullRequest, e)
	}
	po := gitops.PlanOptions{Branch: o.branch, PullRequest: o.pullRequest, DefaultRegion: firstNonEmpty(cfg.Region, e.getenv("AWS_REGION")), DefaultAccount: cfg.Account}
	if o.branch == "" {
		ev, err := github.RunEvent(e.getenv)
		if err != nil {
			return 0, usagef("%v", err)
		}
		if ev == nil {
			return 0, usagef("no branch to plan for: pass --branch (outside GitHub Actions there is no event)")
		}
		po.Branch, po.PullRequest = ev.Branch, ev.PullRequest()
		var note string
		po.Changed, note = changedTemplates(ctx, ev, templates)
		if note != "" {
			notices = append(notices, note)
		}
	}
	plan, err := mapping.Plan(po)
	if err != nil {
		return 0, gitopsError(cfg, err)
	}
	for _, n := range notices {
		fmt.Fprintln(e.stderr, "tollgate: note: "+report.Plain(n))
	}
	if err := writePlan(e.stdout, plan, o.format); err != nil {
		return 0, err
	}
	if out := e.getenv("GITHUB_OUTPUT"); out != "" {
		if err := planOutputs(out, plan); err != nil {
			return 0, err
		}
	}
	return exitOK, nil
}

func configName(cfg *config.Config) string {
	if cfg.File == "" {
		return config.DefaultFile
	}
	return cfg.File
}

func firstNonEmptyList(lists ...[]string) []string {
	for _, l := range lists {
		if len(l) > 0 {
			return l
		}
	}
	return nil
}

func explainPlan(m *gitops.Mapping, branch string, pr int, e *env) (int, error) {
	match := m.Resolve(branch, pr > 0)
	fmt.Fprintln(e.stdout, report.Plain(match.Why))
	for _, env := range match.Environments {
		per := ""
		if env.PerBranchNames(branch, pr > 0) {
			per = ", stacks named per branch"
		}
		approval := "no approval"
		if env.Gate.Approval != "" {
			approval = "approval by the GitHub Environment " + env.Name
		}
		require := "deploys regardless of findings"
		if env.Gate.Require != "" {
			require = "refuses commits with blocking findings"
		}
		fmt.Fprintf(e.stdout, "  %s: %d stacks%s; %s; %s\n", env.Name, len(env.Stacks), per, approval, require)
	}
	return exitOK, nil
}

func writePlan(w io.Writer, p *gitops.DeployPlan, format string) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(p)
	}
	if p.Environment == nil {
		_, err := fmt.Fprintln(w, report.Plain(p.Why)+"; nothing to deploy")
		return err
	}
	fmt.Fprintln(w, report.Plain(p.Why))
	for _, s := range p.Stages {
		fmt.Fprintf(w, "%s (%s):\n", s.Environment, gateText(s.Gate))
		for _, en := range s.Matrix.Include {
			fmt.Fprintf(w, "  %s ← %s in %s, account %s\n", en.Stack, report.Plain(en.Template), en.Region, nonEmptyOr(en.Account, "(default)"))
		}
		if len(s.Matrix.Include) == 0 {
			fmt.Fprintln(w, "  no stack changed")
		}
	}
	return nil
}

func gateText(g gitops.Gate) string {
	var parts []string
	if g.Approval != "" {
		parts = append(parts, "approval: "+g.Approval)
	}
	if g.Require != "" {
		parts = append(parts, "requires "+g.Require)
	}
	if len(parts) == 0 {
		return "no gate"
	}
	return strings.Join(parts, ", ")
}

func nonEmptyOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// planOutputs sets the step outputs a workflow fans out with.
func planOutputs(path string, p *gitops.DeployPlan) error {
	matrix, err := json.Marshal(p.Matrix)
	if err != nil {
		return err
	}
	stages, err := json.Marshal(p.Stages)
	if err != nil {
		return err
	}
	env := ""
	if p.Environment != nil {
		env = *p.Environment
	}
	has := "false"
	if len(p.Matrix.Include) > 0 {
		has = "true"
	}
	promote, hasPromotion := []byte(`{"include":[]}`), "false"
	if len(p.Stages) > 1 {
		if promote, err = json.Marshal(p.Stages[1].Matrix); err != nil {
			return err
		}
		if len(p.Stages[1].Matrix.Include) > 0 {
			hasPromotion = "true"
		}
	}
	return github.Files{OutputFile: path}.SetOutputs([][2]string{{"matrix", string(matrix)}, {"environment", env}, {"stages", string(stages)},
		{"has-deployments", has}, {"promote-matrix", string(promote)}, {"has-promotion", hasPromotion}})
}

// gitopsError turns a problem with the gitops section into a configuration
// error that points at the line of the environment (or preset) it is about.
func gitopsError(cfg *config.Config, err error) error {
	ce := &config.Error{File: configName(cfg)}
	at := func(pointers ...string) (int, int) {
		for _, p := range pointers {
			if line, col := cfg.Position(p); line > 0 {
				return line, col
			}
		}
		return 0, 0
	}
	var mes gitops.MappingErrors
	if !errors.As(err, &mes) {
		line, col := at("/gitops/preset", "/gitops")
		ce.Issues = append(ce.Issues, config.Issue{Line: line, Column: col, Message: err.Error()})
		return ce
	}
	for _, me := range mes {
		pointers := []string{"/gitops/preset", "/gitops"}
		for i, env := range cfg.GitOps.Environments {
			if env.Name == me.Environment {
				base := fmt.Sprintf("/gitops/environments/%d", i)
				pointers = append([]string{base + "/" + me.Field, base}, pointers...)
			}
		}
		line, col := at(pointers...)
		ce.Issues = append(ce.Issues, config.Issue{Line: line, Column: col, Message: "gitops: " + me.Message})
	}
	return ce
}
