package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"github.com/tollgate-dev/tollgate/config"
	"io"

	"github.com/tollgate-dev/tollgate/engine"
	"github.com/tollgate-dev/tollgate/github"
	"github.com/tollgate-dev/tollgate/report"
)

type diffOptions struct {
	checkOptions
	base, head string
	mergeBase  bool
}

func diffFlags(o *diffOptions) *flag.FlagSet {
	fs := reportFlags("diff", &o.checkOptions, report.UseDiff)
	fs.StringVar(&o.base, "base", "", "the `REF` to compare with: a branch, tag, commit or expression such as HEAD~1")
	fs.StringVar(&o.head, "head", "", "the `REF` with the change (default HEAD)")
	fs.BoolVar(&o.mergeBase, "merge-base", true, "compare with the merge base of --base and --head, as a pull request does")
	return fs
}

func runDiff(ctx context.Context, args []string, e *env) (int, error) {
	var o diffOptions
	paths, help, err := parseCommand("diff", diffFlags(&o), args, e, "")
	if help || err != nil {
		return exitOK, err
	}
	format, err := report.LookupFormat(o.format, report.UseDiff)
	if err != nil {
		return 0, usagef("--format %v", err)
	}
	if o.base == "" {
		base, head, ok, err := github.RunRevisions(e.getenv)
		if err != nil {
			return 0, usagef("%v", err)
		}
		if !ok {
			return 0, usagef("--base is required: name the revision to compare with, e.g. --base origin/main")
		}
		o.base, o.head = base, cmp.Or(o.head, head)
	}
	cfg, err := config.Load(o.configFile)
	if err != nil {
		return 0, err
	}
	o.checkOptions.getenv = e.getenv
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

// writeDiffReport renders the diff in the chosen format to the chosen place.
func writeDiffReport(res *report.Result, f report.Format, o *checkOptions, e *env) error {
	return writeOutput(o, e, func(w io.Writer, color bool) error {
		return f.Diff(w, res, report.Options{Color: color})
	}, "diff", fmt.Sprintf("%d templates changed, %d findings", len(res.Diffs.Stacks), len(res.Findings)))
}
