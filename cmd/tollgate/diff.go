package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/tollgate-dev/tollgate/engine"
	"github.com/tollgate-dev/tollgate/github"
	"github.com/tollgate-dev/tollgate/gitops"
	"github.com/tollgate-dev/tollgate/report"
)

const diffHelp = `Usage: tollgate diff --base REF [--head REF] [flags] [PATH...]

Shows what a change to CloudFormation templates will do when deployed:
resources added, removed, modified and replaced (with the property that
forces the replacement, followed through Ref and GetAtt), logical-ID renames,
IAM statements, security group and network ACL rules widened or narrowed,
public access and encryption changes, and the findings about them (data
loss, removed deletion policies).

Both revisions are read from the repository's objects: nothing is checked
out and no git binary is needed. By default head is compared with the merge
base of base and head, as a pull request is (--merge-base=false compares
with base itself). In a GitHub Actions pull_request workflow, --base and
--head default to the pull request's base and head commits; the checkout
needs the history (actions/checkout with fetch-depth: 0).

PATHs limit the diff to templates under them (default: the paths in
.tollgate.yml, else the whole repository).

Flags:
`

type diffOptions struct {
	checkOptions
	base, head string
	mergeBase  bool
}

func diffFlags(o *diffOptions) *flag.FlagSet {
	fs := flag.NewFlagSet("diff", flag.ContinueOnError)
	fs.StringVar(&o.base, "base", "", "the `REF` to compare with: a branch, tag, commit or expression such as HEAD~1")
	fs.StringVar(&o.head, "head", "", "the `REF` with the change (default HEAD)")
	fs.BoolVar(&o.mergeBase, "merge-base", true, "compare with the merge base of --base and --head, as a pull request does")
	fs.StringVar(&o.format, "format", "text", "output `FORMAT`: "+report.FormatList(report.UseDiff))
	fs.StringVar(&o.output, "output", "", "write the report to `FILE` instead of standard output")
	fs.StringVar(&o.configFile, "config", "", "configuration `FILE` (default: .tollgate.yml when present)")
	fs.StringVar(&o.account, "account", "", "12-digit `ID` of the account the templates deploy to")
	fs.StringVar(&o.region, "region", "", "`REGION` the templates deploy to, e.g. eu-west-1")
	fs.StringVar(&o.blockOn, "block-on", "", "comma-separated finding `TYPES` that block (default ERROR,SECURITY_WARNING)")
	fs.BoolVar(&o.noColor, "no-color", false, "never colour the output (NO_COLOR is respected too)")
	fs.Var(&o.params, "parameter", "template parameter value `KEY=VALUE` (repeatable)")
	return fs
}

func runDiff(ctx context.Context, args []string, e *env) (int, error) {
	var o diffOptions
	fs := diffFlags(&o)
	paths, err := parseFlags(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		runHelp([]string{"diff"}, e)
		return exitOK, nil
	}
	if err != nil {
		return 0, err
	}
	format, err := report.LookupFormat(o.format, report.UseDiff)
	if err != nil {
		return 0, usagef("--format %v", err)
	}
	if o.base == "" {
		if o.base, o.head, err = actionsRevisions(e, o.head); err != nil {
			return 0, err
		}
	}
	cfg, err := loadConfig(o.configFile)
	if err != nil {
		return 0, err
	}
	eo, err := checkEngineOptions(cfg, &o.checkOptions, paths)
	if err != nil {
		return 0, err
	}
	if len(paths) == 0 && len(cfg.Paths) == 0 {
		eo.Paths = nil
	}
	res, err := engine.Diff(ctx, engine.DiffOptions{
		Base: o.base, Head: o.head, MergeBase: o.mergeBase, Paths: eo.Paths, Include: eo.Include, Exclude: eo.Exclude,
		Checks: eo.Checks, Block: eo.Block, Tool: eo.Tool,
	})
	if err != nil {
		return 0, err
	}
	if err := writeDiffReport(res, format, &o.checkOptions, e); err != nil {
		return 0, err
	}
	return exitCode(res.Status()), nil
}

// actionsRevisions finds what to compare in a GitHub Actions run: the
// event's base and head commits (a pull request's, or a push's before and
// after), or the base branch named by GITHUB_BASE_REF.
func actionsRevisions(e *env, head string) (string, string, error) {
	missing := usagef("--base is required: name the revision to compare with, e.g. --base origin/main")
	if e.getenv("GITHUB_ACTIONS") != "true" {
		return "", "", missing
	}
	ev, err := github.RunEvent(e.getenv)
	if err != nil {
		return "", "", usagef("%v", err)
	}
	if ev != nil && ev.BaseSHA != "" {
		if head == "" {
			head = ev.HeadSHA
		}
		return ev.BaseSHA, head, nil
	}
	if ref := e.getenv("GITHUB_BASE_REF"); ref != "" {
		return "origin/" + ref, head, nil
	}
	return "", "", missing
}

// writeDiffReport renders the diff in the chosen format to the chosen place.
func writeDiffReport(res *report.Result, f report.Format, o *checkOptions, e *env) error {
	return writeOutput(o, e, func(w io.Writer, color bool) error {
		return f.Diff(w, res, report.Options{Color: color})
	}, "diff", fmt.Sprintf("%d templates changed, %d findings", len(res.Diffs.Stacks), len(res.Findings)))
}

// diffBase opens the base revision for check --diff-base. In a shallow
// clone without the base it warns and returns no baseline, so the offline
// checks still run on everything.
func diffBase(ctx context.Context, rev string, e *env) (*engine.DiffBase, string, error) {
	b, err := engine.NewDiffBase(ctx, ".", rev, true)
	var re *gitops.RevisionError
	if errors.As(err, &re) && re.Shallow {
		notice := "--diff-base: " + re.Error() + ". Every finding is reported, not only the change's."
		fmt.Fprintln(e.stderr, "tollgate: warning: "+report.Plain(notice))
		return nil, notice, nil
	}
	return b, "", err
}
