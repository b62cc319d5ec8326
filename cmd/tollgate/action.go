package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/config"
	"github.com/tollgate-dev/tollgate/engine"
	"github.com/tollgate-dev/tollgate/github"
	"github.com/tollgate-dev/tollgate/report"
)

const actionHelp = `Usage: tollgate action

Runs inside GitHub Actions (it is the entry point of the tollgate container
action): reads the event and the action's inputs from the environment,
checks the templates, and publishes a sticky pull request comment, a check
run with annotations, the job summary, and JSON and SARIF reports.
See docs/action.md for the inputs and outputs.
`

// templateSource picks the templates an action run checks. Today it is the
// path input; changed-file detection (base..head from the plan) plugs in
// here without touching the rest of the run.
type templateSource interface {
	templates(ctx context.Context, plan *github.Event) ([]string, error)
}

// pathInput checks everything under the path input (several paths may be
// given, one per line or separated by commas).
type pathInput struct{ value string }

func (p pathInput) templates(context.Context, *github.Event) ([]string, error) {
	var out []string
	for _, f := range strings.FieldsFunc(p.value, func(r rune) bool { return r == '\n' || r == ',' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	if len(out) == 1 && out[0] == github.InputDefaults["path"] {
		return nil, nil // the default: let .tollgate.yml's paths apply
	}
	return out, nil
}

func runAction(ctx context.Context, args []string, e *env) (int, error) {
	fs := flag.NewFlagSet("action", flag.ContinueOnError)
	rest, err := parseFlags(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return runHelp([]string{"action"}, e), nil
	}
	if err != nil {
		return 0, err
	}
	if len(rest) > 0 {
		return 0, usagef("tollgate action takes no arguments; set the path input instead (got %q)", rest[0])
	}
	ghEnv, err := github.LoadEnv(e.getenv)
	if err != nil {
		if ghEnv != nil {
			// Nothing is lost: a misconfigured step says so in its summary.
			files := github.Files{SummaryFile: ghEnv.SummaryFile}
			if werr := files.WriteSummary(github.FailureSummary(err.Error())); werr != nil {
				fmt.Fprintln(e.stderr, "tollgate: "+report.Plain(werr.Error()))
			}
		}
		return 0, usagef("%v", err)
	}
	switch ghEnv.Inputs.Command {
	case "plan":
		return runPlan(ctx, configArgs(ghEnv), e)
	case "deploy":
		args := append(configArgs(ghEnv), "--entry-env", "INPUT_ENTRY")
		if dry, _ := github.ParseBool(ghEnv.Inputs.DryRun); dry {
			args = append(args, "--dry-run")
		}
		return runDeploy(ctx, args, e)
	}
	log := github.NewLog(e.stdout, ghEnv.Debug)
	r := &github.Runner{
		Env: ghEnv, Log: log, Clock: github.RealClock{}, Policy: github.DefaultRetryPolicy,
		UserAgent: "tollgate/" + toolVersion(),
		Check:     actionCheck(ghEnv, pathInput{ghEnv.Inputs.Path}, &actionAWS{env: ghEnv, getenv: e.getenv, log: log}),
	}
	status, err := r.Run(ctx)
	var ee *github.EventError
	if errors.As(err, &ee) {
		return 0, usagef("%v", err)
	}
	if err != nil {
		return 0, err
	}
	return exitCode(status), nil
}

// configArgs passes the config input on to plan and deploy.
func configArgs(ghEnv *github.Env) []string {
	if ghEnv.Inputs.Config == "" {
		return nil
	}
	return []string{"--config", ghEnv.Inputs.Config}
}

// actionCheck merges the configuration and the action's inputs exactly as
// the check command merges it with flags, then runs the engine.
func actionCheck(ghEnv *github.Env, src templateSource, cloudside *actionAWS) github.CheckFunc {
	return func(ctx context.Context, plan *github.Event) (*report.Result, error) {
		var cfg *config.Config
		var notices []string
		if plan.UntrustedHead {
			// Under pull_request_target the run has a write token while the
			// workspace may hold the pull request's files: a configuration
			// from there could switch the gate off. Templates are read as
			// data only; settings come from the workflow's inputs.
			cfg = config.Default()
			notices = append(notices, "pull_request_target: .tollgate.yml was not read, because the pull request's files are untrusted; set the action's inputs in the workflow instead")
		} else {
			var err error
			if cfg, err = loadConfig(ghEnv.Inputs.Config); err != nil {
				return nil, err
			}
		}
		paths, err := src.templates(ctx, plan)
		if err != nil {
			return nil, err
		}
		none := strings.EqualFold(strings.TrimSpace(ghEnv.Inputs.FailOn), "none")
		o := checkOptions{account: ghEnv.Inputs.Account, region: ghEnv.Inputs.Region}
		if !none {
			if _, err := parseTypes(ghEnv.Inputs.FailOn, "input fail-on"); err != nil {
				return nil, err
			}
			o.blockOn = ghEnv.Inputs.FailOn
		}
		opts, err := checkEngineOptions(cfg, &o, paths)
		if err != nil {
			return nil, err
		}
		if none {
			opts.Block = checks.BlockPolicy{}
		}
		if ghEnv.Inputs.Scope == "changed" && plan.BaseSHA != "" {
			b, err := engine.NewDiffBase(ctx, ".", plan.BaseSHA, true)
			if err != nil {
				notices = append(notices, "scope changed: "+err.Error()+"; every template was checked as it is, without the diff")
			} else {
				opts.DiffBase = b
			}
		}
		awsNotices, online := cloudside.configure(ctx, plan, cfg, &opts)
		notices = append(notices, awsNotices...)
		if !cloudside.wanted(cfg) && !plan.ReadOnly() {
			notices = append(notices, github.AWSNotice)
		}
		res, err := engine.Check(ctx, opts)
		if err != nil {
			return nil, err
		}
		if online {
			notices = append(notices, cloudside.previews(ctx, plan, cfg, res)...)
		}
		res.Notices = append(res.Notices, notices...)
		return res, nil
	}
}
