// Package command is `tollgate cfn-policy-validator`: cfn-policy-validator's
// command line (its commands, flags, error messages and exit statuses:
// 0 clean, 2 blocking findings or bad usage, 1 an error) running tollgate's
// checks, offline unless a command needs IAM Access Analyzer. Its output
// shapes are compat/cfnpv's.
package command

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/checks/accessanalyzer"
	"github.com/tollgate-dev/tollgate/compat/cfnpv"
	"github.com/tollgate-dev/tollgate/config"
	"github.com/tollgate-dev/tollgate/engine"
	"github.com/tollgate-dev/tollgate/internal/awsid"
	"github.com/tollgate-dev/tollgate/model"
	"github.com/tollgate-dev/tollgate/template"
)

// Prog is how the command is named in usage and error lines.
const Prog = "tollgate cfn-policy-validator"

// Exit statuses, as cfn-policy-validator's.
const (
	exitClean    = 0
	exitError    = 1
	exitBlocking = 2
	exitUsage    = 2
)

// Env is what a run reads and writes besides its arguments.
type Env struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Version is tollgate's version, for --version.
	Version string
	// Tool names the program in results.
	Tool model.Tool
	// Identity returns the account and partition of the AWS credentials;
	// found is false when there are none. Nil asks STS with the machine's
	// credentials (those of --profile, when given).
	Identity func(ctx context.Context, region, profile string) (account, partition string, found bool, err error)
	// Analyzer returns the IAM Access Analyzer client check-no-new-access
	// calls; nil builds one from the machine's credentials.
	Analyzer func(ctx context.Context, region, profile string) (accessanalyzer.Client, error)
	// Now is the clock of log lines (time.Now when nil).
	Now func() time.Time
}

// appError is an error the tool reports as "ERROR: ..." with status 1.
type appError struct{ msg string }

func (e *appError) Error() string { return e.msg }

func appErrorf(format string, a ...any) error { return &appError{fmt.Sprintf(format, a...)} }

// Main runs one command line and returns the exit status.
func Main(ctx context.Context, argv []string, e Env) int {
	if e.Getenv == nil {
		e.Getenv = func(string) string { return "" }
	}
	p := newParser(Prog)
	a, err := p.parse(argv)
	var ae *argError
	var fe *fatalError
	var hr helpRequest
	switch {
	case errors.As(err, &hr):
		fmt.Fprint(e.Stdout, hr.p.help())
		return exitClean
	case errors.As(err, &versionRequest{}):
		fmt.Fprintf(e.Stdout, "%s %s (cfn-policy-validator %s)\n", Prog, e.Version, CompatibleVersion)
		return exitClean
	case errors.As(err, &ae):
		fmt.Fprint(e.Stderr, ae.p.usage())
		fmt.Fprintf(e.Stderr, "%s: error: %s\n", ae.p.prog, ae.msg)
		return exitUsage
	case errors.As(err, &fe):
		fmt.Fprintln(e.Stderr, "ERROR: "+fe.msg)
		return exitError
	}
	r := &run{a: a, e: e, log: logger{w: io.Discard, now: e.Now}}
	code, err := r.exec(ctx)
	if err != nil {
		fmt.Fprintln(e.Stderr, "ERROR: "+err.Error())
		return exitError
	}
	return code
}

// run is one command's execution.
type run struct {
	a       *args
	e       Env
	log     logger
	region  string
	account string
	// partition is the credentials' partition, "" to derive it from the
	// Region.
	partition string
	params    map[string]string
	exclude   []string
}

func (r *run) exec(ctx context.Context) (int, error) {
	if err := r.resolveRegion(); err != nil {
		return 0, err
	}
	if err := r.resolveAccount(ctx); err != nil {
		return 0, err
	}
	if r.a.flag("enable_logging") {
		r.log.w = r.e.Stdout
	}
	if err := r.readParameters(); err != nil {
		return 0, err
	}
	r.exclude = splitList(r.a.str("exclude_resource_type"))
	path := r.a.str("template_path")
	r.log.info("Validating template %s", path)
	if r.exclude != nil {
		r.log.info("Not parsing resources: %s", strings.Join(r.exclude, ", "))
	} else {
		r.log.info("Parsing all resources")
	}
	switch r.a.command {
	case "check-no-new-access":
		r.log.info("Checking that template %s is less permissive than reference policy %s", path, r.a.str("reference_policy"))
	case "check-no-public-access":
		r.log.info("Checking that template %s does not grant public access to resources.", path)
	}
	res, x, err := r.check(ctx, path)
	if err != nil {
		return 0, err
	}
	for _, notice := range res.Notices {
		n := notice.String()
		if r.account == "" && strings.HasPrefix(n, "the deploy account is unknown") {
			n = "no AWS credentials, AWS_ACCOUNT_ID or --account tell the account the template deploys to, " +
				"so principals of other accounts are not reported as external"
		}
		fmt.Fprintln(r.e.Stderr, "tollgate: note: "+n)
	}
	switch r.a.command {
	case "parse":
		fmt.Fprint(r.e.Stdout, cfnpv.Encode(cfnpv.ParseOutput(x, r.exclude)))
		return exitClean, nil
	case "validate":
		return r.validate(res)
	case "check-no-public-access":
		return r.print(cfnpv.CustomReport(cfnpv.PublicAccess(x, r.exclude, r.publicChecker(x).PublicStatements), r.ignore(), r.a.flag("findings_are_non_blocking")))
	case "check-access-not-granted":
		return r.accessNotGranted(x)
	case "check-no-new-access":
		return r.noNewAccess(ctx, x)
	}
	return 0, appErrorf("unknown command %s", r.a.command)
}

// resolveRegion takes --region, else $AWS_REGION, else $AWS_DEFAULT_REGION.
func (r *run) resolveRegion() error {
	if r.a.has("region") {
		r.region = r.a.str("region")
		return nil
	}
	r.region = r.e.Getenv("AWS_REGION")
	if r.region == "" {
		r.region = r.e.Getenv("AWS_DEFAULT_REGION")
	}
	if r.region == "" {
		return appErrorf("No region provided. Specify --region or set the AWS_REGION or AWS_DEFAULT_REGION environment variable.")
	}
	if _, err := checkRegion(r.region); err != nil {
		return appErrorf("Unexpected error occurred. %s", err.Error())
	}
	return nil
}

// resolveAccount finds the account the template deploys to: --account,
// else the AWS credentials' (as cfn-policy-validator asks STS), else
// $AWS_ACCOUNT_ID; without any, checks that need it say so.
func (r *run) resolveAccount(ctx context.Context) error {
	if acct := r.a.str("account"); acct != "" {
		if !awsid.IsAccount(acct) {
			return appErrorf("--account %q is not an account ID; expected 12 digits such as 123456789012", acct)
		}
		r.account = acct
		return nil
	}
	identity := r.e.Identity
	if identity == nil {
		identity = machineIdentity(r.e.Getenv)
	}
	acct, partition, found, err := identity(ctx, r.region, r.a.str("profile"))
	if _, profile, ok := strings.Cut(fmt.Sprint(err), "failed to get shared config profile, "); ok {
		return appErrorf("Unexpected error occurred. The config profile (%s) could not be found", profile)
	}
	if err != nil {
		return appErrorf("Unable to use the AWS credentials to find the account: %v. Pass --account 123456789012 (or set AWS_ACCOUNT_ID) to run without them.", err)
	}
	if found {
		r.account, r.partition = acct, partition
		return nil
	}
	if acct := r.e.Getenv("AWS_ACCOUNT_ID"); acct != "" {
		if !awsid.IsAccount(acct) {
			return appErrorf("AWS_ACCOUNT_ID %q is not an account ID; expected 12 digits such as 123456789012", acct)
		}
		r.account = acct
	}
	return nil
}

// check runs tollgate's checks on the template and returns the result and
// the template as read.
func (r *run) check(ctx context.Context, path string) (*model.Result, *model.Extracted, error) {
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, nil, appErrorf("CloudFormation template not found: %s", path)
	case err != nil:
		return nil, nil, appErrorf("Unexpected error occurred. %v", err)
	case info.IsDir():
		return nil, nil, appErrorf("Unexpected error occurred. Is a directory: '%s'. --template-path takes one template; tollgate check %s checks every template under it.", path, path)
	}
	var trusted []string
	for _, p := range splitList(r.a.str("allowed_external_principals")) {
		if awsid.IsAccount(p) {
			trusted = append(trusted, p)
		}
	}
	s, err := (&config.Config{}).Resolve(config.Overrides{Account: r.account, Region: r.region, Parameters: r.params,
		AllowExternal: trusted, AllowDynamicRef: r.a.flag("allow_dynamic_ref_without_version"), Paths: []string{path},
		Getenv: r.e.Getenv})
	if err != nil {
		return nil, nil, appErrorf("%v", err)
	}
	opts := engine.FromSettings(s, r.e.Tool)
	opts.KeepPolicies = true
	opts.Checks.ExcludeTypes = r.exclude
	opts.Checks.Values.Partition = r.partition
	for _, p := range splitList(r.a.str("allowed_external_principals")) {
		if !awsid.IsAccount(p) {
			opts.Checks.TrustedPrincipals = append(opts.Checks.TrustedPrincipals, p)
		}
	}
	res, err := engine.Check(ctx, opts)
	if err != nil {
		return nil, nil, appErrorf("Unexpected error occurred. %v", err)
	}
	x, err := r.readable(res, path)
	if err != nil {
		return nil, nil, err
	}
	return res, x, nil
}

// readable refuses what cfn-policy-validator refuses: a file that cannot
// be read or parsed, one that is not a template, a template missing
// properties it requires, a policy that names a parameter without a value.
func (r *run) readable(res *model.Result, path string) (*model.Extracted, error) {
	if len(res.Errors) > 0 {
		return nil, appErrorf("Unexpected error occurred. %s", strings.Join(template.NoticeStrings(res.Errors), "\nERROR: "))
	}
	if len(res.Templates) == 0 || res.Templates[0].Extracted == nil {
		return nil, appErrorf("Unable to parse CloudFormation template.  Invalid CloudFormation schema detected. %s: 'Resources' is a required property", path)
	}
	x := res.Templates[0].Extracted
	if x.Template.Root == nil || x.Template.TooLarge {
		msg := "Unable to parse CloudFormation template.  Invalid YAML or JSON detected."
		for _, f := range res.Findings {
			if f.Code == "PARSE_ERROR" || f.Code == "TEMPLATE_TOO_LARGE" {
				return nil, appErrorf("%s %s: %s", msg, f.Span, f.Message)
			}
		}
		return nil, appErrorf("%s", msg)
	}
	view := cfnpv.Build(x.Template, x.Values, x.Extraction, r.exclude)
	if len(view.Problems) > 0 {
		var lines []string
		for _, p := range view.Problems {
			lines = append(lines, fmt.Sprintf("%s (%s)", p.Message, template.At(path, p.Pos, 0)))
		}
		return nil, appErrorf("%s", strings.Join(lines, "\nERROR: "))
	}
	if name := cfnpv.MissingParameter(x, r.params, r.exclude); name != "" {
		return nil, appErrorf("No value passed for referenced parameter: %s.\nParameters are passed using the --parameters flag.", name)
	}
	return x, nil
}

// validate prints the validate report; blocking findings exit 2.
func (r *run) validate(res *model.Result) (int, error) {
	types := []string{"ERROR", "SECURITY_WARNING"}
	if r.a.has("treat_as_blocking") {
		types = strings.Split(r.a.str("treat_as_blocking"), ",")
	}
	blocks := func(t string) bool {
		for _, b := range types {
			if b == "NONE" {
				return false
			}
		}
		for _, b := range types {
			if strings.EqualFold(b, t) {
				return true
			}
		}
		return false
	}
	return r.print(cfnpv.NewReport(res, cfnpv.Options{Ignore: r.ignore(), Blocks: blocks, Exclude: r.exclude}))
}

func (r *run) print(rep *cfnpv.Report) (int, error) {
	fmt.Fprint(r.e.Stdout, cfnpv.Encode(rep.JSON()))
	if len(rep.Blocking) > 0 {
		return exitBlocking, nil
	}
	return exitClean, nil
}

func (r *run) ignore() []checks.IgnoreSelector {
	if !r.a.has("ignore_finding") {
		return nil
	}
	return checks.ParseIgnore([]string{r.a.str("ignore_finding")})
}

// publicChecker judges public access with the run's account.
func (r *run) publicChecker(x *model.Extracted) *checks.Options {
	return &checks.Options{Values: x.Values}
}

func (r *run) accessNotGranted(x *model.Extracted) (int, error) {
	actions, resources := splitList(r.a.str("actions")), splitList(r.a.str("resources"))
	if len(actions) == 0 && len(resources) == 0 {
		return 0, appErrorf("At least one of --actions or --resources must be specified.")
	}
	if len(resources) > 100 {
		return 0, appErrorf("Too many resource ARNs were specified. You may only specify up to 100 resource ARNs.")
	}
	fs := cfnpv.AccessNotGranted(x, r.exclude, actions, resources)
	return r.print(cfnpv.CustomReport(fs, r.ignore(), r.a.flag("findings_are_non_blocking")))
}

// splitList reads a comma-separated list, trimmed; nil when empty.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// logger writes cfn-policy-validator's log lines (--enable-logging), to
// standard output as it does.
type logger struct {
	w   io.Writer
	now func() time.Time
}

func (l logger) info(format string, a ...any) {
	if l.w == io.Discard {
		return
	}
	now := time.Now
	if l.now != nil {
		now = l.now
	}
	t := now()
	fmt.Fprintf(l.w, "%s,%03d - tollgate - INFO - %s\n", t.Format("2006-01-02 15:04:05"), t.Nanosecond()/1e6, fmt.Sprintf(format, a...))
}
