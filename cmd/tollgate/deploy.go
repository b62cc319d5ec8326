package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/tollgate-dev/tollgate/cloud"
	"github.com/tollgate-dev/tollgate/engine"
	"github.com/tollgate-dev/tollgate/github"
	"github.com/tollgate-dev/tollgate/gitops"
	"github.com/tollgate-dev/tollgate/report"
)

const deployHelp = `Usage: tollgate deploy [flags]

Deploys one entry of a plan (see tollgate plan): checks the gate (the branch
maps to the environment; no blocking finding in the template at this
commit), creates a change set, prints it, executes it and follows the stack
events to the end. A rerun with nothing to change reports "no changes".
Inside GitHub Actions it assumes the entry's role over OIDC and records a
GitHub Deployment with its statuses.

Flags:
`

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
	fs.StringVar(&o.parameters, "parameters", "", "parameters `FILE` (instead of --entry)")
	fs.BoolVar(&o.dryRun, "dry-run", false, "create and print the change set, then delete it without executing")
	return fs
}

// deployEntry reads the entry from --entry, --entry-env or the flags.
func deployEntry(o *deployOptions, e *env) (gitops.Entry, error) {
	var en gitops.Entry
	raw := o.entryJSON
	if o.entryEnv != "" {
		raw = e.getenv(o.entryEnv)
		if raw == "" {
			return en, usagef("--entry-env %s: the variable is empty", o.entryEnv)
		}
	}
	if raw != "" {
		dec := json.NewDecoder(strings.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&en); err != nil {
			return en, usagef("the plan entry is not valid: %v; pass one item of tollgate plan's matrix", err)
		}
	}
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&en.Stack, o.stack)
	set(&en.Template, o.template)
	set(&en.Environment, o.environment)
	set(&en.Region, o.region)
	set(&en.Account, o.account)
	set(&en.Role, o.role)
	set(&en.Parameters, o.parameters)
	var missing []string
	for name, v := range map[string]string{"stack": en.Stack, "template": en.Template, "environment": en.Environment, "region": en.Region} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		return en, usagef("the plan entry has no %s; pass --entry with an item of tollgate plan's matrix, or the flags", strings.Join(missing, ", "))
	}
	if n, changed := gitops.SanitizeStackName(en.Stack); changed {
		return en, usagef("stack %q is not a valid stack name (did you mean %q?)", en.Stack, n)
	}
	if !regionRE.MatchString(en.Region) {
		return en, usagef("region %q is not a Region", en.Region)
	}
	if en.Account != "" && !accountRE.MatchString(en.Account) {
		return en, usagef("account %q is not an account ID", en.Account)
	}
	return en, nil
}

func runDeploy(ctx context.Context, args []string, e *env) (int, error) {
	var o deployOptions
	fs := deployFlags(&o)
	rest, err := parseFlags(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return runHelp([]string{"deploy"}, e), nil
	}
	if err != nil {
		return 0, err
	}
	if len(rest) > 0 {
		return 0, usagef("tollgate deploy takes no arguments (got %q)", rest[0])
	}
	en, err := deployEntry(&o, e)
	if err != nil {
		return 0, err
	}
	cfg, err := loadConfig(o.configFile)
	if err != nil {
		return 0, err
	}
	ghEnv, ev, err := deployRun(e)
	if err != nil {
		return 0, err
	}
	branch, sha := o.branch, e.getenv("GITHUB_SHA")
	pr := 0
	if ev != nil && !ev.MayDeploy() {
		// The workspace holds untrusted code and the token can write: a
		// deploy from here would run a stranger's template with our role.
		return 0, usagef("refusing to deploy from a %s run of a fork or pull_request_target: deploy on push, or on pull requests from this repository", ev.Name)
	}
	if ev != nil {
		if branch == "" {
			branch = ev.Branch
		}
		sha = firstNonEmpty(ev.Head(), sha)
		pr = ev.PullRequest()
	}
	// The gate, part 1: this branch deploys to this environment.
	if cfg.GitOps.Preset != "" || len(cfg.GitOps.Environments) > 0 {
		templates, _, err := engine.Templates(ctx, firstNonEmptyList(cfg.GitOps.Paths, cfg.Paths, []string{"."}), cfg.Include, cfg.Exclude)
		if err != nil {
			return 0, err
		}
		m, err := gitops.NewMapping(cfg.GitOps, templates)
		if err != nil {
			return 0, gitopsError(cfg, err)
		}
		if m.Environment(en.Environment) == nil {
			return 0, usagef("environment %q is not in %s (environments: %s)", en.Environment, configName(cfg), environmentNames(m))
		}
		if branch == "" {
			return 0, usagef("no branch to check the gate with: pass --branch (outside GitHub Actions there is no event)")
		}
		// The entry must be one the plan of this branch holds: the right
		// environment, and the stack name the branch gets (a feature branch
		// must not deploy over the shared integration stack).
		plan, err := m.Plan(gitops.PlanOptions{Branch: branch, PullRequest: pr, DefaultRegion: cfg.Region, DefaultAccount: cfg.Account})
		if err != nil {
			return 0, gitopsError(cfg, err)
		}
		if !planHas(plan, en) {
			return 0, usagef("refusing to deploy: %s; its plan has no stack %s in %s of %s", report.Plain(plan.Why), en.Stack, en.Region, en.Environment)
		}
	}
	body, err := os.ReadFile(en.Template)
	if err != nil {
		return 0, usagef("template %s: %v", en.Template, errors.Unwrap(err))
	}
	var params map[string]string
	if en.Parameters != "" {
		if params, err = cloud.ReadParameters(en.Parameters); err != nil {
			return 0, usagef("%v", err)
		}
	}
	// The gate, part 2: no blocking finding in this template at this commit.
	copts, err := checkEngineOptions(cfg, &checkOptions{account: en.Account, region: en.Region}, []string{en.Template})
	if err != nil {
		return 0, err
	}
	copts.Checks.Values.Parameters = mergeParams(copts.Checks.Values.Parameters, params)
	res, err := engine.Check(ctx, copts)
	if err != nil {
		return 0, err
	}
	if res.Blocking() > 0 || len(res.Errors) > 0 {
		report.Text(e.stdout, res, report.TextOptions{})
		fmt.Fprintf(e.stderr, "tollgate: refusing to deploy %s: %s has %d blocking findings at this commit\n", en.Stack, report.Plain(en.Template), res.Blocking())
		return exitBlocking, nil
	}
	log := github.NewLog(e.stdout, false)
	access := awsAccess{role: en.Role, region: en.Region, getenv: e.getenv, sessionName: defaultSessionName(e.getenv), mask: cloud.MaskFunc(log.Mask)}
	awsCfg, _, err := access.config(ctx)
	if err != nil {
		return 0, err
	}
	var dep *github.Deployment
	if ghEnv != nil && !o.dryRun {
		dep = startDeployment(ctx, e, ghEnv, en, sha, branch)
	}
	tags := map[string]string{"tollgate:environment": en.Environment}
	if sha != "" {
		tags["tollgate:commit"] = sha
	}
	for k, v := range en.Tags {
		tags[k] = v
	}
	fmt.Fprintf(e.stdout, "deploying %s (%s) to %s in %s\n", en.Stack, report.Plain(en.Template), en.Environment, en.Region)
	result, err := cloud.Deploy(ctx, cloud.NewCloudFormation(awsCfg),
		cloud.Target{File: en.Template, StackName: en.Stack, Body: string(body), Parameters: params, Tags: tags},
		cloud.DeployOptions{ChangeSet: cloud.ChangeSetName("tollgate-deploy", e.getenv("GITHUB_RUN_ID")+"-"+e.getenv("GITHUB_RUN_ATTEMPT")),
			DryRun: o.dryRun, Progress: e.stdout})
	if result != nil && len(result.Preview.Changes) > 0 {
		fmt.Fprintln(e.stdout)
		report.Text(e.stdout, &report.Result{Previews: []report.Preview{result.Preview}, Stats: report.Stats{Templates: 1}}, report.TextOptions{})
	}
	if err != nil {
		if dep != nil {
			dep.SetStatus(ctx, github.DeployFailure, "deploy of "+en.Stack+" failed", "")
		}
		return 0, err
	}
	finalTable(e, result)
	switch result.Outcome {
	case cloud.OutcomeNoChanges:
		fmt.Fprintf(e.stdout, "%s: no changes\n", en.Stack)
	case cloud.OutcomeDryRun:
		fmt.Fprintf(e.stdout, "%s: dry run, the change set was deleted without executing\n", en.Stack)
	default:
		fmt.Fprintf(e.stdout, "%s: %s\n", en.Stack, result.Status)
	}
	if dep != nil {
		dep.SetStatus(ctx, github.DeploySuccess, fmt.Sprintf("%s: %s", en.Stack, result.Outcome), environmentURL(result.Outputs))
	}
	if out := e.getenv("GITHUB_OUTPUT"); out != "" {
		outputs, _ := json.Marshal(result.Outputs)
		github.Files{OutputFile: out}.SetOutputs([][2]string{{"outcome", string(result.Outcome)}, {"stack-outputs", string(outputs)}})
	}
	return exitOK, nil
}

// planHas reports whether a plan holds the entry (same key and template).
func planHas(p *gitops.DeployPlan, en gitops.Entry) bool {
	for _, st := range p.Stages {
		for _, x := range st.Matrix.Include {
			if x.Stack == en.Stack && x.Environment == en.Environment && x.Region == en.Region && x.Template == en.Template &&
				(en.Account == "" || x.Account == "" || x.Account == en.Account) {
				return true
			}
		}
	}
	return false
}

// finalTable prints where each resource of the deploy ended: its last
// event, or the change set's action when the events name only the stack.
func finalTable(e *env, r *cloud.DeployResult) {
	type row struct{ id, typ, status string }
	var rows []row
	last := map[string]int{}
	for _, ev := range r.Events {
		if ev.ResourceType == "AWS::CloudFormation::Stack" && ev.LogicalID == r.Stack {
			continue
		}
		if i, ok := last[ev.LogicalID]; ok {
			rows[i].status = ev.Status
			continue
		}
		last[ev.LogicalID] = len(rows)
		rows = append(rows, row{ev.LogicalID, ev.ResourceType, ev.Status})
	}
	if len(rows) == 0 && r.Outcome == cloud.OutcomeDeployed {
		for _, c := range r.Preview.Changes {
			rows = append(rows, row{c.LogicalID, c.ResourceType, strings.ToUpper(c.Action) + " (" + r.Status + ")"})
		}
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(e.stdout, "\n%-32s %-36s %s\n", "RESOURCE", "TYPE", "STATUS")
	for _, rw := range rows {
		fmt.Fprintf(e.stdout, "%-32s %-36s %s\n", report.Plain(rw.id), report.Plain(rw.typ), report.Plain(rw.status))
	}
}

func mergeParams(base, over map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}

func environmentNames(m *gitops.Mapping) string {
	var names []string
	for _, e := range m.Environments {
		names = append(names, e.Name)
	}
	return strings.Join(names, ", ")
}

// environmentURL picks the stack output that names the environment's URL.
func environmentURL(outputs map[string]string) string {
	for _, k := range []string{"EnvironmentURL", "EnvironmentUrl", "URL", "Url", "WebsiteURL", "ApiUrl", "ApiURL", "Endpoint"} {
		if v := outputs[k]; strings.HasPrefix(v, "https://") || strings.HasPrefix(v, "http://") {
			return v
		}
	}
	return ""
}

// deployRun reads the GitHub Actions run a deploy happens in, through the
// action's own reader: nil outside Actions, and no event when the runner
// gave no payload.
func deployRun(e *env) (*github.Env, *github.Event, error) {
	if e.getenv("GITHUB_ACTIONS") != "true" {
		return nil, nil, nil
	}
	ghEnv, err := github.LoadEnv(e.getenv)
	if err != nil {
		return nil, nil, usagef("%v", err)
	}
	if ghEnv.EventPath == "" {
		return ghEnv, nil, nil
	}
	ev, err := github.ReadEvent(ghEnv)
	if err != nil {
		return nil, nil, usagef("%v", err)
	}
	return ghEnv, ev, nil
}

// startDeployment records the deploy on GitHub; failures are warnings, the
// deploy itself goes on.
func startDeployment(ctx context.Context, e *env, ghEnv *github.Env, en gitops.Entry, sha, branch string) *github.Deployment {
	token := firstNonEmpty(ghEnv.Inputs.Token, e.getenv("GITHUB_TOKEN"))
	if token == "" || sha == "" {
		fmt.Fprintln(e.stderr, "tollgate: note: no GitHub token or repository; the deploy is not recorded as a GitHub Deployment")
		return nil
	}
	transport := &github.Transport{Clock: github.RealClock{}, Policy: github.DefaultRetryPolicy}
	svc, err := github.NewServices(ghEnv.APIURL, token, "tollgate/"+toolVersion(), transport)
	if err != nil {
		fmt.Fprintln(e.stderr, "tollgate: note: "+report.Plain(err.Error()))
		return nil
	}
	d, err := github.StartDeployment(ctx, svc.Deployments, github.DeploymentRequest{Owner: ghEnv.Owner, Repo: ghEnv.Repo, SHA: sha, Ref: branch,
		Environment: en.Environment, Task: "deploy:" + en.Stack, Description: "tollgate deploy of " + en.Stack,
		Transient: en.Stack != en.BaseStack && en.BaseStack != "", Production: strings.Contains(strings.ToLower(en.Environment), "prod")}, ghEnv.RunURL())
	if err != nil {
		fmt.Fprintln(e.stderr, "tollgate: warning: "+report.Plain(err.Error()))
		return nil
	}
	d.SetStatus(ctx, github.DeployInProgress, "deploying "+en.Stack, "")
	return d
}
