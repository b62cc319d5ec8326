package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/tollgate-dev/tollgate/engine"
	"github.com/tollgate-dev/tollgate/github"
	"github.com/tollgate-dev/tollgate/report"
)

func runAction(ctx context.Context, args []string, e *env) (int, error) {
	_, help, err := parseCommand("action", flag.NewFlagSet("action", flag.ContinueOnError), args, e,
		"tollgate action takes no arguments; set the path input instead (got %q)")
	if help || err != nil {
		return exitOK, err
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
		Check:     engine.Review(engine.ReviewOptions{Env: ghEnv, Getenv: e.getenv, Log: log, Tool: tool()}),
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
