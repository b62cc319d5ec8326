package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/config"
	"github.com/tollgate-dev/tollgate/engine"
	"github.com/tollgate-dev/tollgate/iamdata"
	"github.com/tollgate-dev/tollgate/iamdata/managed"
	"github.com/tollgate-dev/tollgate/report"
	"github.com/tollgate-dev/tollgate/template"
)

const checkHelp = `Usage: tollgate check [flags] [PATH...]

Checks the CloudFormation templates in the given files and folders (folders
are read recursively; default: the paths in .tollgate.yml, else ".").
Files that are not templates (workflows, manifests, package.json) are skipped.

Flags:
`

type checkOptions struct {
	format, output, configFile string
	account, region            string
	blockOn                    string
	noColor                    bool
	params                     keyValues
	allowExternal              listFlag
	diffBase                   string
	baseline, writeBaseline    string
	dataDir                    string
	// env, when set, supplies $TOLLGATE_DATA_DIR and the user cache
	// directory; without it only --data-dir and data-dir: are looked at.
	env            *env
	accessAnalyzer bool
}

// listFlag is a repeatable flag that also takes comma-separated values.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(s string) error {
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l = append(*l, v)
		}
	}
	return nil
}

// keyValues is a repeatable K=V flag.
type keyValues map[string]string

func (kv *keyValues) String() string { return "" }

func (kv *keyValues) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("%q is not KEY=VALUE", s)
	}
	if *kv == nil {
		*kv = keyValues{}
	}
	(*kv)[k] = v
	return nil
}

func checkFlags(o *checkOptions) *flag.FlagSet {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.StringVar(&o.format, "format", "text", "output `FORMAT`: "+report.FormatList(report.UseCheck))
	fs.StringVar(&o.output, "output", "", "write the report to `FILE` instead of standard output")
	fs.StringVar(&o.configFile, "config", "", "configuration `FILE` (default: .tollgate.yml when present)")
	fs.StringVar(&o.account, "account", "", "12-digit `ID` of the account the templates deploy to")
	fs.StringVar(&o.region, "region", "", "`REGION` the templates deploy to, e.g. eu-west-1")
	fs.StringVar(&o.blockOn, "block-on", "", "comma-separated finding `TYPES` that block (default ERROR,SECURITY_WARNING)")
	fs.BoolVar(&o.noColor, "no-color", false, "never colour the output (NO_COLOR is respected too)")
	fs.Var(&o.params, "parameter", "template parameter value `KEY=VALUE` (repeatable)")
	fs.BoolVar(&o.accessAnalyzer, "access-analyzer", false, "also check every policy with IAM Access Analyzer (needs AWS credentials and a region)")
	fs.Var(&o.allowExternal, "allow-external-principal", "trust principals of this `ACCOUNT or ORG` (123456789012 or o-abc123def4; repeatable)")
	fs.StringVar(&o.diffBase, "diff-base", "", "report only what changed since the merge base of `REF` and HEAD (new or changed resources), with the diff")
	fs.StringVar(&o.baseline, "baseline", "", "suppress the findings recorded in baseline `FILE`, so only new ones count")
	fs.StringVar(&o.writeBaseline, "write-baseline", "", "record every current finding in baseline `FILE` (then exit 0 unless the run failed)")
	fs.StringVar(&o.dataDir, "data-dir", "", "IAM data cache `DIR` of 'tollgate data refresh' (default: $TOLLGATE_DATA_DIR, else the user cache dir)")
	return fs
}

var (
	accountRE = regexp.MustCompile(`^\d{12}$`)
	regionRE  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+$`)
	orgRE     = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
)

func runCheck(ctx context.Context, args []string, e *env) (int, error) {
	var o checkOptions
	fs := checkFlags(&o)
	paths, err := parseFlags(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		runHelp([]string{"check"}, e)
		return exitOK, nil
	}
	if err != nil {
		return 0, err
	}
	format, err := report.LookupFormat(o.format, report.UseCheck)
	if err != nil {
		return 0, usagef("--format %v", err)
	}
	cfg, err := loadConfig(o.configFile)
	if err != nil {
		return 0, err
	}
	o.env = e
	opts, err := checkEngineOptions(cfg, &o, paths)
	if err != nil {
		return 0, err
	}
	notice := ""
	if o.diffBase != "" {
		if opts.DiffBase, notice, err = diffBase(ctx, o.diffBase, e); err != nil {
			return 0, err
		}
	}
	if o.accessAnalyzer || cfg.AccessAnalyzer || len(cfg.Regions) > 0 {
		values := opts.Checks.Values
		if values.Region == "" {
			values.Region = firstNonEmpty(e.getenv("AWS_REGION"), e.getenv("AWS_DEFAULT_REGION"))
		}
		if opts.Online, err = onlineBackends(ctx, cfg, localAWS(ctx), values, o.accessAnalyzer || cfg.AccessAnalyzer); err != nil {
			return 0, err
		}
	}
	res, err := engine.Check(ctx, opts)
	if err != nil {
		return 0, err
	}
	if notice != "" {
		res.Notices = append(res.Notices, notice)
	}
	if o.writeBaseline != "" {
		if err := writeBaseline(res, &o, opts, e); err != nil {
			return 0, err
		}
	}
	if err := writeReport(res, format, &o, e); err != nil {
		return 0, err
	}
	return exitCode(res.Status()), nil
}

// writeBaseline records the run's findings in the baseline file, keeping
// the entries of files this run did not check, and then treats the
// findings as recorded: adopting a baseline passes.
func writeBaseline(res *report.Result, o *checkOptions, opts engine.Options, e *env) error {
	b := checks.NewBaseline(res.Findings)
	if old, err := checks.ReadBaseline(o.writeBaseline); err == nil {
		checked := map[string]bool{}
		for _, t := range res.Templates {
			checked[t.File] = true
		}
		b.Keep(old, func(file string) bool { return !checked[file] })
	}
	var buf bytes.Buffer
	if err := b.Write(&buf); err != nil {
		return err
	}
	if err := os.WriteFile(o.writeBaseline, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("--write-baseline: %w", err)
	}
	b.Apply(res.Findings, o.writeBaseline)
	opts.Block.Apply(res.Findings)
	fmt.Fprintf(e.stderr, "tollgate: recorded %d findings in the baseline %s; from now on only new findings count\n",
		len(b.Findings), report.Plain(o.writeBaseline))
	return nil
}

func loadConfig(file string) (*config.Config, error) {
	if file != "" {
		return config.ReadFile(file)
	}
	return config.Find(".")
}

// checkEngineOptions merges the configuration and the flags; flags win.
func checkEngineOptions(cfg *config.Config, o *checkOptions, paths []string) (engine.Options, error) {
	dir := dataDir(o.dataDir, cfg, o.env)
	choice, err := iamdata.Choose(dir)
	if err != nil {
		return engine.Options{}, err
	}
	data := choice.Set
	var notices []string
	if choice.Note != "" {
		notices = append(notices, choice.Note)
	}
	// The AWS managed policies: one set for the whole run, whose documents
	// are read the first time a template attaches them.
	mchoice, err := managed.Choose(dir)
	if err != nil {
		return engine.Options{}, err
	}
	if mchoice.Note != "" {
		notices = append(notices, mchoice.Note)
	}
	if err := checkCodes(cfg); err != nil {
		return engine.Options{}, err
	}
	var baseline *checks.Baseline
	baselineFile := firstNonEmpty(o.baseline, cfg.Baseline)
	if baselineFile != "" {
		if baseline, err = checks.ReadBaseline(baselineFile); err != nil {
			if o.baseline == "" && cfg.File != "" {
				err = fmt.Errorf("baseline (set in %s): %w", cfg.File, err)
			}
			return engine.Options{}, usagef("%v", err)
		}
	}
	account := firstNonEmpty(o.account, cfg.Account)
	if account != "" && !accountRE.MatchString(account) {
		return engine.Options{}, usagef("--account %q is not an account ID; expected 12 digits such as 123456789012", account)
	}
	region := firstNonEmpty(o.region, cfg.Region)
	if region != "" && !regionRE.MatchString(region) {
		return engine.Options{}, usagef("--region %q is not a Region; expected a name such as eu-west-1", region)
	}
	params := map[string]string{}
	for k, v := range cfg.Parameters {
		params[k] = v
	}
	for k, v := range o.params {
		params[k] = v
	}
	types := checks.DefaultBlockTypes
	switch {
	case o.blockOn != "":
		types, err = parseTypes(o.blockOn, "--block-on")
	case cfg.BlockOn != nil:
		types, err = parseTypes(strings.Join(cfg.BlockOn, ","), "block-on")
	}
	if err != nil {
		return engine.Options{}, err
	}
	trustedAccounts := append([]string(nil), cfg.TrustedAccounts...)
	trustedOrgs := append([]string(nil), cfg.TrustedOrgs...)
	for _, a := range o.allowExternal {
		switch {
		case accountRE.MatchString(a):
			trustedAccounts = append(trustedAccounts, a)
		case orgRE.MatchString(a):
			trustedOrgs = append(trustedOrgs, a)
		default:
			return engine.Options{}, usagef("--allow-external-principal %q is neither an account ID (123456789012) nor an organization ID (o-abc123def4)", a)
		}
	}
	if len(paths) == 0 {
		paths = cfg.Paths
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	return engine.Options{
		Paths: paths, Include: cfg.Include, Exclude: cfg.Exclude,
		Checks: checks.Options{Data: data,
			Values:          template.Values{AccountID: account, Region: region, Parameters: params},
			TrustedAccounts: trustedAccounts, TrustedOrgs: trustedOrgs, Managed: mchoice.Set},
		Block:    checks.BlockPolicy{Types: types, Block: cfg.Block.Codes, Allow: cfg.Allow.Codes},
		Tool:     tool(),
		Baseline: baseline, BaselineFile: baselineFile,
		Notices: notices,
	}, nil
}

// checkCodes rejects block and allow codes that no rule has: a misspelt
// code would silently block nothing, or let everything through.
func checkCodes(cfg *config.Config) error {
	var problems []config.Issue
	for _, list := range []struct {
		key   string
		codes []string
	}{{"block", cfg.Block.Codes}, {"allow", cfg.Allow.Codes}} {
		for i, c := range list.codes {
			suggestion, ok := checks.CheckCode(c)
			if ok {
				continue
			}
			line, col := cfg.Position(fmt.Sprintf("/%s/codes/%d", list.key, i))
			msg := fmt.Sprintf("%s.codes[%d]: %q is not the code of a tollgate rule or an IAM Access Analyzer check", list.key, i, c)
			if suggestion != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", suggestion)
			} else {
				msg += "; the codes are listed in docs/rules.md"
			}
			problems = append(problems, config.Issue{Line: line, Column: col, Message: msg})
		}
	}
	if len(problems) > 0 {
		return &config.Error{File: cfg.File, Issues: problems}
	}
	return nil
}

func parseTypes(list, what string) ([]checks.Type, error) {
	var out []checks.Type
	for _, s := range strings.Split(list, ",") {
		if strings.TrimSpace(s) == "" {
			continue
		}
		t, err := checks.ParseType(s)
		if err != nil {
			return nil, usagef("%s: %v", what, err)
		}
		out = append(out, t)
	}
	return out, nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// writeReport renders the result in the chosen format to the chosen place.
func writeReport(res *report.Result, f report.Format, o *checkOptions, e *env) error {
	return writeOutput(o, e, func(w io.Writer, color bool) error {
		return f.Check(w, res, report.Options{Color: color})
	}, "report", fmt.Sprintf("%d findings, %d blocking", len(res.Findings), res.Blocking()))
}

// writeOutput sends a rendering to standard output or to --output, in
// colour only on a terminal, and says where a file went.
func writeOutput(o *checkOptions, e *env, render func(w io.Writer, color bool) error, what, detail string) error {
	var w io.Writer = e.stdout
	var f *os.File
	if o.output != "" {
		var err error
		if f, err = os.Create(o.output); err != nil {
			return fmt.Errorf("--output: %w", err)
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriter(w)
	color := o.output == "" && !o.noColor && e.getenv("NO_COLOR") == "" && e.getenv("TERM") != "dumb" && isTerminal(e.stdout)
	err := render(bw, color)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil && f != nil {
		if err = f.Close(); err == nil {
			fmt.Fprintf(e.stderr, "tollgate: wrote %s %s to %s (%s)\n", o.format, what, report.Plain(o.output), detail)
		}
	}
	if err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	return nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
