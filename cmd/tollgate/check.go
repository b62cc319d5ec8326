package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"github.com/tollgate-dev/tollgate/internal/cli"
	"io"

	"github.com/tollgate-dev/tollgate/config"
	"github.com/tollgate-dev/tollgate/engine"
	"github.com/tollgate-dev/tollgate/report"
)

type checkOptions struct {
	format, output, configFile string
	account, region, blockOn   string
	paramsFile, paramValues    string
	noColor                    bool
	params                     cli.KeyValues
	allowExternal              cli.List
	ignore, exclude            cli.List
	// use is what the command renders: a check (check) or the policies (policies).
	use                     report.Use
	diffBase                string
	baseline, writeBaseline string
	dataDir                 string
	// env, when set, supplies $TOLLGATE_DATA_DIR and the user cache
	// directory; without it only --data-dir and data-dir: are looked at.
	env            *env
	accessAnalyzer bool
	// allowDynamicRef is --allow-dynamic-ref-without-version.
	allowDynamicRef bool
	// getenv, when set, supplies AWS_REGION and AWS_DEFAULT_REGION where
	// env does not (the action); without either they are not read.
	getenv func(string) string
}

// reportFlags are the flags check and diff share: where the report goes,
// in which format, and what the templates deploy to.
func reportFlags(name string, o *checkOptions, use report.Use) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.StringVar(&o.format, "format", "text", "output `FORMAT`: "+report.FormatList(use))
	fs.StringVar(&o.output, "output", "", "write the report to `FILE` instead of standard output")
	fs.StringVar(&o.configFile, "config", "", "configuration `FILE` (default: .tollgate.yml when present)")
	fs.StringVar(&o.account, "account", "", "12-digit `ID` of the account the templates deploy to")
	fs.StringVar(&o.region, "region", "", "`REGION` the templates deploy to, e.g. eu-west-1 (default: region in the config, else $AWS_REGION, else $AWS_DEFAULT_REGION)")
	fs.StringVar(&o.blockOn, "block-on", "", "comma-separated finding `TYPES` that block (default ERROR,SECURITY_WARNING)")
	fs.BoolVar(&o.noColor, "no-color", false, "never colour the output (NO_COLOR is respected too)")
	fs.Var(&o.params, "parameter", "pin a template parameter: `KEY=VALUE` (repeatable; wins over --parameters-file)")
	fs.StringVar(&o.paramsFile, "parameters-file", "", "pin the parameters a `FILE` gives: CloudFormation's [{ParameterKey, ParameterValue}], CodePipeline's {Parameters}, or [\"K=V\"]")
	fs.StringVar(&o.paramValues, "parameter-values", "", "values of unpinned parameters to check: accepted (default: every value each accepts) or defaults")
	return fs
}

func checkFlags(o *checkOptions) *flag.FlagSet {
	fs := reportFlags("check", o, cmp.Or(o.use, report.UseCheck))
	fs.BoolVar(&o.accessAnalyzer, "access-analyzer", false, "also check every policy with IAM Access Analyzer (needs AWS credentials and a region)")
	fs.BoolVar(&o.allowDynamicRef, "allow-dynamic-ref-without-version", false, "accept {{resolve:ssm:NAME}} without a version in policies (no DYNAMIC_REFERENCE_WITHOUT_VERSION warning)")
	fs.Var(&o.allowExternal, "allow-external-principal", "trust this `PRINCIPAL`: an account, organization, principal ARN, identity provider or \"*\" (repeatable)")
	fs.Var(&o.ignore, "ignore-finding", "leave out findings named by `CODE|RESOURCE|RESOURCE.CODE` (comma-separated, repeatable)")
	fs.Var(&o.exclude, "exclude-resource-types", "do not check the policies of these resource `TYPES` (comma-separated, repeatable)")
	fs.StringVar(&o.diffBase, "diff-base", "", "report only what changed since the merge base of `REF` and HEAD (new or changed resources), with the diff")
	fs.StringVar(&o.baseline, "baseline", "", "suppress the findings recorded in baseline `FILE`, so only new ones count")
	fs.StringVar(&o.writeBaseline, "write-baseline", "", "record every current finding in baseline `FILE` (then exit 0 unless the run failed)")
	fs.StringVar(&o.dataDir, "data-dir", "", "IAM data cache `DIR` of 'tollgate data refresh' (default: $TOLLGATE_DATA_DIR, else the user cache dir)")
	return fs
}

func runCheck(ctx context.Context, args []string, e *env) (int, error) {
	return runReport(ctx, "check", checkOptions{use: report.UseCheck}, args, e)
}

func runPolicies(ctx context.Context, args []string, e *env) (int, error) {
	return runReport(ctx, "policies", checkOptions{use: report.UsePolicies}, args, e)
}

// runReport is check and policies: they read templates alike and differ
// in what they render.
func runReport(ctx context.Context, name string, o checkOptions, args []string, e *env) (int, error) {
	paths, help, err := parseCommand(name, checkFlags(&o), args, e, "")
	if help || err != nil {
		return exitOK, err
	}
	format, err := report.LookupFormat(o.format, o.use)
	if err != nil {
		return 0, usagef("--format %v", err)
	}
	cfg, err := config.Load(o.configFile)
	if err != nil {
		return 0, err
	}
	o.env = e
	opts, err := checkEngineOptions(cfg, &o, paths)
	if err != nil {
		return 0, err
	}
	opts.KeepPolicies = o.use == report.UsePolicies || format.KeepPolicies
	notice := ""
	if o.diffBase != "" {
		if opts.DiffBase, notice, err = engine.OpenDiffBase(ctx, o.diffBase); err != nil {
			return 0, err
		}
		if notice != "" {
			fmt.Fprintln(e.stderr, "tollgate: warning: "+report.Plain(notice))
		}
	}
	if opts.Online, err = engine.LocalOnline(ctx, cfg, opts.Checks.Values, o.accessAnalyzer, e.getenv); err != nil {
		return 0, err
	}
	res, err := engine.Check(ctx, opts)
	if err != nil {
		return 0, err
	}
	if notice != "" {
		res.Note(notice)
	}
	if o.writeBaseline != "" {
		if err := writeBaseline(res, &o, opts, e); err != nil {
			return 0, err
		}
	}
	if err := writeReport(res, format, &o, e); err != nil {
		return 0, err
	}
	if code := exitCode(res.Status()); code != exitBlocking || o.use != report.UsePolicies || report.Unreadable(res) {
		return code, nil
	}
	return exitOK, nil
}

// writeBaseline records the run's findings in the baseline file and
// treats them as recorded: adopting a baseline passes.
func writeBaseline(res *report.Result, o *checkOptions, opts engine.Options, e *env) error {
	n, err := engine.WriteBaseline(res, o.writeBaseline, opts.Block)
	if err != nil {
		return fmt.Errorf("--write-baseline: %w", err)
	}
	fmt.Fprintf(e.stderr, "tollgate: recorded %d findings in the baseline %s; from now on only new findings count\n",
		n, report.Plain(o.writeBaseline))
	return nil
}

// checkEngineOptions merges the configuration and the flags; flags win.
func checkEngineOptions(cfg *config.Config, o *checkOptions, paths []string) (engine.Options, error) {
	ov := config.Overrides{Account: o.account, Region: o.region, BlockOn: o.blockOn, Parameters: o.params, ParametersFile: o.paramsFile,
		ParameterValues: o.paramValues, AllowExternal: o.allowExternal, Baseline: o.baseline, DataDir: o.dataDir, Paths: paths,
		IgnoreFindings: o.ignore, ExcludeTypes: o.exclude, AllowDynamicRef: o.allowDynamicRef, RegionEnv: o.getenv}
	if o.env != nil {
		ov.Getenv = o.env.getenv
		if ov.RegionEnv == nil {
			ov.RegionEnv = o.env.getenv
		}
	}
	s, err := cfg.Resolve(ov)
	if err != nil {
		return engine.Options{}, err
	}
	return engine.ForConfig(context.Background(), cfg, s, tool())
}

// writeReport renders the result in the chosen format to the chosen place.
func writeReport(res *report.Result, f report.Format, o *checkOptions, e *env) error {
	return writeOutput(o, e, func(w io.Writer, color bool) error {
		return f.Renderer(o.use)(w, res, report.Options{Color: color})
	}, "report", fmt.Sprintf("%d findings, %d blocking", len(res.Findings), res.Blocking()))
}

// writeOutput sends a rendering to standard output or to --output, in
// colour only on a terminal, and says where a file went.
func writeOutput(o *checkOptions, e *env, render func(w io.Writer, color bool) error, what, detail string) error {
	wrote, err := cli.Output(o.output, e.stdout, o.noColor, e.getenv, render)
	if wrote {
		fmt.Fprintf(e.stderr, "tollgate: wrote %s %s to %s (%s)\n", o.format, what, report.Plain(o.output), detail)
	}
	return err
}
