package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/tollgate-dev/tollgate/config"
	"strings"

	"github.com/tollgate-dev/tollgate/cloud"
	"github.com/tollgate-dev/tollgate/engine"
	"github.com/tollgate-dev/tollgate/github"
	"github.com/tollgate-dev/tollgate/gitops"
	"github.com/tollgate-dev/tollgate/model"
	"github.com/tollgate-dev/tollgate/report"
)

type deployOptions struct {
	configFile, entryJSON, entryEnv, branch string
	stack, template, environment, region    string
	account, role, parameters               string
	dryRun                                  bool
}

func deployFlags(o *deployOptions) *flag.FlagSet {
	fs := flag.NewFlagSet("deploy", flag.ContinueOnError)
	fs.StringVar(&o.configFile, "config", "", "configuration `FILE` (default: .tollgate.yml)")
	fs.StringVar(&o.entryJSON, "entry", "", "the plan entry to deploy, as `JSON` (one item of the matrix)")
	fs.StringVar(&o.entryEnv, "entry-env", "", "read the plan entry from environment `VARIABLE` (safer than --entry in a shell step)")
	fs.StringVar(&o.branch, "branch", "", "the branch being deployed (default: the event's)")
	fs.StringVar(&o.stack, "stack", "", "stack `NAME` (instead of --entry)")
	fs.StringVar(&o.template, "template", "", "template `FILE` (instead of --entry)")
	fs.StringVar(&o.environment, "environment", "", "environment `NAME` (instead of --entry)")
	fs.StringVar(&o.region, "region", "", "`REGION` (instead of --entry)")
	fs.StringVar(&o.account, "account", "", "account `ID` the stack must deploy to (checked against the credentials)")
	fs.StringVar(&o.role, "role", "", "role `ARN` to assume (instead of --entry)")
	fs.StringVar(&o.parameters, "parameters-file", "", "parameters `FILE` (instead of --entry): CloudFormation's, CodePipeline's or [\"K=V\"]")
	fs.StringVar(&o.parameters, "parameters", "", "the same as --parameters-file")
	fs.BoolVar(&o.dryRun, "dry-run", false, "create and print the change set, then delete it without executing")
	return fs
}

// deployEntry reads the entry from --entry, --entry-env or the flags.
func deployEntry(o *deployOptions, e *env) (gitops.Entry, error) {
	var en gitops.Entry
	raw := o.entryJSON
	if o.entryEnv != "" {
		if raw = e.getenv(o.entryEnv); raw == "" {
			return en, usagef("--entry-env %s: the variable is empty", o.entryEnv)
		}
	}
	if raw != "" {
		var err error
		if en, err = gitops.ParseEntry(raw); err != nil {
			return en, err
		}
	}
	en = en.With(gitops.Entry{Stack: o.stack, Template: o.template, Environment: o.environment, Region: o.region,
		Account: o.account, Role: o.role, Parameters: o.parameters})
	return en, en.Validate()
}

// deployTarget is what a deploy works from: the entry, the configuration,
// the run it happens in (nil outside Actions), and what was admitted.
type deployTarget struct {
	en    gitops.Entry
	cfg   *config.Config
	ghEnv *github.Env
	*engine.Deployment
}

func runDeploy(ctx context.Context, args []string, e *env) (int, error) {
	var o deployOptions
	_, help, err := parseCommand("deploy", deployFlags(&o), args, e, "tollgate deploy takes no arguments (got %q)")
	if help || err != nil {
		return exitOK, err
	}
	t, err := newDeployTarget(ctx, &o, e)
	if err != nil {
		return 0, err
	}
	target, err := cloud.LoadTarget(t.en.Template, t.en.Stack, t.en.Parameters)
	if err != nil {
		return 0, err
	}
	res, err := engine.Gate(ctx, t.cfg, t.en, target.Parameters, tool())
	if err != nil {
		return 0, err
	}
	if res.Status() != model.Clean {
		report.Text(e.stdout, res, report.TextOptions{})
		fmt.Fprintf(e.stderr, "tollgate: refusing to deploy %s: %s has %d blocking findings at this commit\n", t.en.Stack, report.Plain(t.en.Template), res.Blocking())
		return exitBlocking, nil
	}
	target.Tags = t.en.StackTags(t.SHA)
	return deploy(ctx, t, target, o.dryRun, e)
}

// newDeployTarget reads the entry, the configuration and the run, and
// checks the first part of the gate: this branch deploys this entry.
func newDeployTarget(ctx context.Context, o *deployOptions, e *env) (*deployTarget, error) {
	en, err := deployEntry(o, e)
	if err != nil {
		return nil, err
	}
	cfg, err := config.Load(o.configFile)
	if err != nil {
		return nil, err
	}
	ghEnv, ev, err := github.ActionsRun(e.getenv)
	if err != nil {
		return nil, usagef("%v", err)
	}
	d, err := engine.Admit(ctx, cfg, en, ev, o.branch, e.getenv("GITHUB_SHA"))
	if err != nil {
		return nil, err
	}
	return &deployTarget{en: en, cfg: cfg, ghEnv: ghEnv, Deployment: d}, nil
}

// deploy runs the change set behind a passed gate, recording it as a
// GitHub Deployment inside Actions.
func deploy(ctx context.Context, t *deployTarget, target cloud.Target, dryRun bool, e *env) (int, error) {
	en := t.en
	log := github.NewLog(e.stdout, false)
	access := cloud.Access{Role: en.Role, Region: en.Region, Getenv: e.getenv, SessionName: cloud.RunSessionName(e.getenv), Mask: cloud.MaskFunc(log.Mask)}
	awsCfg, _, err := access.Config(ctx)
	if err != nil {
		return 0, err
	}
	var dep *github.Deployment
	if t.ghEnv != nil && !dryRun {
		dep = startDeployment(ctx, e, t)
	}
	fmt.Fprintf(e.stdout, "deploying %s (%s) to %s in %s\n", en.Stack, report.Plain(en.Template), en.Environment, en.Region)
	result, err := cloud.Deploy(ctx, cloud.NewCloudFormation(awsCfg), target,
		cloud.DeployOptions{ChangeSet: cloud.ChangeSetName("tollgate-deploy", e.getenv("GITHUB_RUN_ID")+"-"+e.getenv("GITHUB_RUN_ATTEMPT")),
			DryRun: dryRun, Progress: func(ev cloud.Event) { fmt.Fprintln(e.stdout, report.DeployEventLine(ev)) }})
	if result != nil {
		report.DeployText(e.stdout, result, err != nil)
	}
	if err != nil {
		if dep != nil {
			dep.SetStatus(ctx, github.DeployFailure, "deploy of "+en.Stack+" failed", "")
		}
		return 0, err
	}
	if dep != nil {
		dep.SetStatus(ctx, github.DeploySuccess, fmt.Sprintf("%s: %s", en.Stack, result.Outcome), github.EnvironmentURL(result.Outputs))
	}
	if out := e.getenv("GITHUB_OUTPUT"); out != "" {
		github.Files{OutputFile: out}.DeployOutputs(result)
	}
	return exitOK, nil
}

// startDeployment records the deploy on GitHub; failures are warnings, the
// deploy itself goes on.
func startDeployment(ctx context.Context, e *env, t *deployTarget) *github.Deployment {
	en := t.en
	d, err := github.RecordDeployment(ctx, t.ghEnv, e.getenv("GITHUB_TOKEN"), "tollgate/"+toolVersion(), github.DeploymentRequest{SHA: t.SHA, Ref: t.Branch,
		Environment: en.Environment, Task: "deploy:" + en.Stack, Description: "tollgate deploy of " + en.Stack,
		Transient: en.Stack != en.BaseStack && en.BaseStack != "", Production: strings.Contains(strings.ToLower(en.Environment), "prod")},
		"deploying "+en.Stack)
	switch {
	case errors.Is(err, github.ErrNoToken):
		fmt.Fprintln(e.stderr, "tollgate: note: "+err.Error())
	case err != nil:
		fmt.Fprintln(e.stderr, "tollgate: warning: "+report.Plain(err.Error()))
	}
	return d
}
