package engine

import (
	"context"
	"strings"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/config"
	"github.com/tollgate-dev/tollgate/github"
	"github.com/tollgate-dev/tollgate/gitops"
	"github.com/tollgate-dev/tollgate/report"
)

// ReviewOptions are what the action's review needs besides the event.
type ReviewOptions struct {
	Env *github.Env
	// Getenv reads the runner's environment (OIDC request, AWS Region).
	Getenv func(string) string
	Log    *github.Log
	Tool   report.Tool
}

// Review is the action's review of an event, the function the github
// Runner calls: it merges the configuration and the action's inputs as the
// check command merges them with flags, compares with the event's base
// commit when the scope is "changed", adds the online checks and the
// change-set previews when AWS is configured, and runs the checks. Every
// AWS failure is a notice: the offline review always ships.
func Review(o ReviewOptions) github.CheckFunc {
	return review(o, pathInput{o.Env.Inputs.Path}, &reviewAWS{env: o.Env, getenv: o.Getenv, log: o.Log})
}

// templateSource picks the templates an action run reads: the path input.
// What the change touched is judged through the diff base (the scope
// input), not by narrowing these paths, so every changed template is read
// whole.
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

// review is Review with its template source and AWS side given.
func review(ro ReviewOptions, src templateSource, cloudside *reviewAWS) github.CheckFunc {
	ghEnv := ro.Env
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
			if cfg, err = config.Load(ghEnv.Inputs.Config); err != nil {
				return nil, err
			}
		}
		paths, err := src.templates(ctx, plan)
		if err != nil {
			return nil, err
		}
		none := strings.EqualFold(strings.TrimSpace(ghEnv.Inputs.FailOn), "none")
		ov := config.Overrides{Account: ghEnv.Inputs.Account, Region: ghEnv.Inputs.Region, Paths: paths, BlockOnName: "input fail-on", RegionEnv: ro.Getenv}
		if !none {
			if _, err := config.ParseTypes(ghEnv.Inputs.FailOn, "input fail-on"); err != nil {
				return nil, err
			}
			ov.BlockOn = ghEnv.Inputs.FailOn
		}
		s, err := cfg.Resolve(ov)
		if err != nil {
			return nil, err
		}
		opts := FromSettings(s, ro.Tool)
		if err := WithEnvironments(ctx, cfg, &opts); err != nil {
			return nil, err
		}
		if none {
			opts.Block = checks.BlockPolicy{}
		}
		if ghEnv.Inputs.Scope == "changed" && plan.BaseSHA != "" {
			b, err := NewDiffBase(ctx, ".", plan.BaseSHA, true)
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
		res, err := Check(ctx, opts)
		if err != nil {
			return nil, err
		}
		if online {
			notices = append(notices, cloudside.previews(ctx, plan, cfg, res)...)
		}
		for _, n := range notices {
			res.Note(n)
		}
		res.Environment = TargetEnvironment(cfg, plan)
		return res, nil
	}
}

// TargetEnvironment is the environment the event's change deploys to: the
// first environment the gitops mapping gives the target branch (a pull
// request's base branch, else the branch itself); "" when cfg has no
// gitops section, or no environment matches.
func TargetEnvironment(cfg *config.Config, ev *github.Event) string {
	if !gitops.Configured(cfg) {
		return ""
	}
	m, err := gitops.NewMapping(cfg.GitOps, nil)
	if err != nil {
		return ""
	}
	if match := m.Resolve(ev.TargetBranch(), false); len(match.Environments) > 0 {
		return match.Environments[0].Name
	}
	return ""
}
