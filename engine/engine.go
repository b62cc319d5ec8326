// Package engine runs the pipeline shared by every entry point: find the
// templates, parse them, run the checks and collect one Result.
package engine

import (
	"context"
	"io"
	"io/fs"
	"runtime"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/config"
	"github.com/tollgate-dev/tollgate/diff"
	"github.com/tollgate-dev/tollgate/model"
	"github.com/tollgate-dev/tollgate/report"
	"github.com/tollgate-dev/tollgate/template"
)

// Options configure a check run.
type Options struct {
	// Paths are files or folders to check; folders are walked recursively.
	Paths []string
	// FS, when set, is where Paths are read (templates, their nested
	// stacks and the files their Rain directives read): Paths are then
	// slash-separated paths inside it, and the files findings name are
	// those paths. nil reads the operating system's files, paths as given
	// (what the command line and the action do). See files.go.
	FS fs.FS
	// Include and Exclude are doublestar patterns on slash-separated paths.
	Include, Exclude []string
	Checks           checks.Options
	Block            checks.BlockPolicy
	// Workers bounds parallelism; 0 means GOMAXPROCS.
	Workers int
	// Tool names the program in the result.
	Tool report.Tool
	// Rules overrides the rule set (tests); nil runs every rule.
	Rules []*checks.Rule
	// DiffBase, when set, limits findings to what changed since its
	// revision and adds the diff of the changed templates to the result.
	DiffBase *DiffBase
	// Baseline, when set, suppresses the findings it records;
	// BaselineFile names it in suppressions and notices.
	Baseline     *checks.Baseline
	BaselineFile string
	// Notices are the caller's, shown before the run's own (which data
	// set was used, for instance).
	Notices []template.Notice
	// Online are checks that need AWS, run on each template after the
	// offline ones; their findings merge with the offline findings.
	Online []Online
	// Parameters are the layers of Checks.Values.Parameters, and the
	// parameters files they came from.
	Parameters config.ParameterLayers
	// Environments are the gitops environments' parameters files: a
	// template they name files for is checked once per environment.
	Environments []EnvironmentParameters
	// Ignore suppresses the findings these --ignore-finding selectors name.
	Ignore []checks.IgnoreSelector
	// KeepPolicies keeps each template's parse and policies in the result
	// (Template.Extracted), for the renderers that show policies.
	KeepPolicies bool
}

// BaseChecker is an Online backend that also compares a template with its
// version at the base revision (IAM Access Analyzer's CheckNoNewAccess).
type BaseChecker interface {
	CheckBase(ctx context.Context, t *template.Template, x *template.Extraction, base *template.Template) (findings []checks.Finding, notices []template.Notice)
}

// Online is a check backend that calls AWS (IAM Access Analyzer, the
// CloudFormation registry). It reports failures as notices, never errors:
// the offline report ships regardless.
type Online interface {
	Check(ctx context.Context, t *template.Template, x *template.Extraction) (findings []checks.Finding, notices []template.Notice)
}

// fileOutcome is what processing one candidate produced.
type fileOutcome struct {
	template *report.Template
	findings []checks.Finding
	notice   template.Notice
	notices  []template.Notice
	err      template.Notice
	// skipped is the file and what it is, when it is not a template.
	skipped *report.Skipped
	// principalPolicies counts trust and resource policies.
	principalPolicies int
	// stack is the diff against the baseline, when the template changed.
	stack *diff.StackDiff
	// declared are the template's parameters; fatal is an error that ends
	// the run (a parameters file that does not fit the template).
	declared []string
	fatal    error
	// nested are the local templates of the template's nested stacks.
	nested []candidate
}

// sniffSize is how much of an oversized file is read to decide whether it
// is a template worth reporting.
const sniffSize = 64 << 10

// Check runs the checks over every template under opts.Paths.
func Check(ctx context.Context, opts Options) (*report.Result, error) {
	start := time.Now()
	checker, err := checks.NewChecker(opts.Checks, opts.Rules)
	if err != nil {
		return nil, err
	}
	found, err := discover(opts.FS, opts.Paths, opts.Include, opts.Exclude)
	if err != nil {
		return nil, err
	}
	outcomes, err := processAll(ctx, checker, &opts, found.files)
	if err != nil {
		return nil, err
	}
	if err := checkParameterFiles(opts.Parameters.Files, outcomes); err != nil {
		return nil, err
	}
	outcomes = append(outcomes, checkNested(ctx, checker, &opts, found.files, outcomes)...)

	res := &report.Result{Tool: opts.Tool, Notices: append(append([]template.Notice(nil), opts.Notices...), found.notices...),
		Errors: append([]template.Notice(nil), found.errors...), Rules: infos(checker.Rules())}
	if len(opts.Online) > 0 {
		res.Rules = append(res.Rules, checks.OnlineRuleInfos()...)
	}
	if b := opts.DiffBase; b != nil {
		res.Diffs = &diff.Report{Version: 1, Base: b.Revision(), Head: "working tree",
			Stacks: b.deletedStacks(opts.Paths, diff.Options{Values: opts.Checks.Values, Data: opts.Checks.Data})}
	}
	principalPolicies := collect(res, outcomes)
	res.Stats.Files = len(found.files)
	if principalPolicies > 0 && opts.Checks.Values.AccountID == "" {
		res.Notices = append(res.Notices, template.Noticef("the deploy account is unknown, so principals of other accounts were not checked; "+
			"set account in .tollgate.yml or pass --account 123456789012"))
	}
	if len(found.files) > 0 && res.Stats.Templates == 0 {
		res.Notices = append(res.Notices, template.Noticef("none of the %d files read is a CloudFormation template", len(found.files)))
	}
	if opts.Baseline != nil {
		applyBaseline(res, &opts)
	}
	if res.Diffs != nil {
		sortStacks(res.Diffs.Stacks)
	}
	for _, s := range checks.Ignore(res.Findings, opts.Ignore) {
		res.Notices = append(res.Notices, template.Noticef("--ignore-finding %s matched no finding", s))
	}
	res.Notices = uniq(res.Notices)
	opts.Block.Apply(res.Findings)
	res.Stats.Duration = time.Since(start)
	return res, nil
}

// processAll checks the candidates in parallel (opts.Workers, else
// GOMAXPROCS), keeping their order in the outcomes.
func processAll(ctx context.Context, checker *checks.Checker, opts *Options, files []candidate) ([]fileOutcome, error) {
	outcomes := make([]fileOutcome, len(files))
	g, gctx := errgroup.WithContext(ctx)
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	g.SetLimit(workers)
	for i, c := range files {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			outcomes[i] = process(gctx, checker, opts, c)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return outcomes, nil
}

// collect adds the outcomes to the result, in order, and returns how many
// policies attach to principals (for the note on an unknown account).
func collect(res *report.Result, outcomes []fileOutcome) int {
	principalPolicies := 0
	for _, o := range outcomes {
		if o.notice != (template.Notice{}) {
			res.Notices = append(res.Notices, o.notice)
		}
		res.Notices = append(res.Notices, o.notices...)
		if o.err != (template.Notice{}) {
			res.Errors = append(res.Errors, o.err)
		}
		if o.skipped != nil {
			res.Skipped = append(res.Skipped, *o.skipped)
		}
		if o.template == nil {
			continue
		}
		res.Templates = append(res.Templates, *o.template)
		res.Stats.Templates++
		res.Stats.Policies += o.template.Policies
		principalPolicies += o.principalPolicies
		res.Findings = append(res.Findings, o.findings...)
		if o.stack != nil {
			res.Diffs.Stacks = append(res.Diffs.Stacks, o.stack)
		}
	}
	return principalPolicies
}

// applyBaseline suppresses the findings the baseline records and notes
// the recorded findings of checked files that no longer occur.
func applyBaseline(res *report.Result, opts *Options) {
	checked := map[string]bool{}
	for _, t := range res.Templates {
		checked[t.File] = true
	}
	var stale []checks.BaselineEntry
	for _, e := range opts.Baseline.Apply(res.Findings, opts.BaselineFile) {
		if checked[e.File] {
			stale = append(stale, e) // entries of files not checked now are not stale
		}
	}
	if len(stale) > 0 {
		res.Notices = append(res.Notices, template.Noticef("%d of the %d findings recorded in the baseline %s no longer occur (fixed or moved); "+
			"rewrite it with tollgate check --write-baseline %s to drop them", len(stale), len(opts.Baseline.Findings), opts.BaselineFile, opts.BaselineFile))
	}
}

// uniq drops repeated notices (an online backend failing the same way on
// every template), keeping the first of each.
func uniq(ss []template.Notice) []template.Notice {
	seen := map[template.Notice]bool{}
	out := ss[:0]
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func infos(rules []*checks.Rule) []checks.Info {
	out := make([]checks.Info, len(rules))
	for i, r := range rules {
		out[i] = r.Info()
	}
	return out
}

// process reads, parses and checks one file.
func process(ctx context.Context, checker *checks.Checker, opts *Options, c candidate) fileOutcome {
	f, err := openPath(opts.FS, c.Path)
	if err != nil {
		return fileOutcome{err: template.NoticeAt(template.Span{File: c.Path}, "cannot read: %v", cleanErr(err))}
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fileOutcome{err: template.NoticeAt(template.Span{File: c.Path}, "cannot read: %v", cleanErr(err))}
	}
	var t *template.Template
	var data []byte
	if info.Size() > template.MaxSize {
		head := make([]byte, sniffSize)
		n, _ := io.ReadFull(f, head)
		if v := judgeUnread(c.Path, head[:n], c.Explicit); !v.check {
			return skippedOutcome(c, v)
		}
		t = template.Unread(c.Path, info.Size())
	} else {
		// Read exactly the stat'd size (plus a probe for growth) rather than
		// letting ReadAll double its buffer through a large file.
		data = make([]byte, info.Size()+1)
		n, err := io.ReadFull(f, data)
		if err == io.ErrUnexpectedEOF || err == io.EOF {
			err = nil
		}
		data = data[:n]
		if err == nil && int64(n) > info.Size() {
			rest, rerr := io.ReadAll(f) // the file grew while we read it
			data, err = append(data, rest...), rerr
		}
		if err != nil {
			return fileOutcome{err: template.NoticeAt(template.Span{File: c.Path}, "cannot read: %v", cleanErr(err))}
		}
		files, dir := filesFor(opts.FS, c)
		t = template.ParseWith(c.Path, data, template.ParseOptions{Files: files, Dir: dir})
		v := judge(t, data, c.Explicit)
		if !v.check {
			return skippedOutcome(c, v)
		}
		if v.unreadable {
			asUnreadable(t)
		}
	}
	sets, err := opts.parameterSets(c.Path, t)
	if err != nil {
		return fileOutcome{fatal: err}
	}
	var out fileOutcome
	if sets == nil {
		out = checkFile(ctx, checker, opts, c, t, data)
	} else {
		out = opts.checkEnvironments(checker, sets, func(k *checks.Checker) fileOutcome {
			return checkFile(ctx, k, opts, c, t, data)
		})
	}
	for name := range t.Parameters {
		out.declared = append(out.declared, name)
	}
	return out
}

// checkFile checks one parsed template with checker.
func checkFile(ctx context.Context, checker *checks.Checker, opts *Options, c candidate, t *template.Template, data []byte) fileOutcome {
	notices := append([]template.Notice(nil), t.Notes...)
	// online runs the online backends; base is the template at the base
	// revision, when the run compares with one.
	var online func(x *template.Extraction, base *template.Template) []checks.Finding
	if len(opts.Online) > 0 {
		online = func(x *template.Extraction, base *template.Template) []checks.Finding {
			var all []checks.Finding
			for _, o := range opts.Online {
				var fs []checks.Finding
				var ns []template.Notice
				if bc, ok := o.(BaseChecker); ok && base != nil {
					fs, ns = bc.CheckBase(ctx, t, x, base)
				} else {
					fs, ns = o.Check(ctx, t, x)
				}
				all = append(all, fs...)
				notices = append(notices, ns...)
			}
			return all
		}
	}
	if opts.DiffBase != nil {
		out := opts.DiffBase.checkChange(checker, opts, c, t, data, online)
		out.notices = append(out.notices, notices...)
		return out
	}
	var run func(*template.Extraction) []checks.Finding
	if online != nil {
		run = func(x *template.Extraction) []checks.Finding { return online(x, nil) }
	}
	r := checker.CheckWith(t, run)
	nested, ns := nestedFiles(opts.FS, c, r.Extraction)
	out := fileOutcome{
		template:          &report.Template{File: c.Path, Stack: c.Stack, Resources: r.Resources, Policies: r.Policies},
		findings:          r.Findings,
		principalPolicies: r.PrincipalPolicies,
		notices:           append(append(notices, r.Notices...), ns...),
		nested:            nested,
	}
	if opts.KeepPolicies {
		out.template.Extracted = &model.Extracted{Template: t, Values: opts.Checks.Values, Extraction: r.Extraction}
	}
	return out
}

// checkParameterFiles refuses parameters files that name a parameter no
// checked template declares: a misspelt name would pin nothing.
func checkParameterFiles(files []*template.ParameterFile, outcomes []fileOutcome) error {
	for _, o := range outcomes {
		if o.fatal != nil {
			return o.fatal
		}
	}
	if len(files) == 0 {
		return nil
	}
	declared := &template.Template{File: "any checked template", Parameters: map[string]*template.Parameter{}}
	templates := 0
	for _, o := range outcomes {
		if o.template == nil {
			continue
		}
		templates++
		for _, name := range o.declared {
			declared.Parameters[name] = &template.Parameter{Name: name}
		}
	}
	if templates == 0 {
		return nil
	}
	if templates == 1 {
		declared.File = outcomes[firstTemplate(outcomes)].template.File
	}
	for _, pf := range files {
		if err := pf.Check(declared); err != nil {
			return err
		}
	}
	return nil
}

func firstTemplate(outcomes []fileOutcome) int {
	for i, o := range outcomes {
		if o.template != nil {
			return i
		}
	}
	return 0
}

// skippedOutcome records a candidate that is not a template. A file the
// user named gets a notice saying what it is; a file found in a folder is
// only counted (and listed in the JSON report).
func skippedOutcome(c candidate, v verdict) fileOutcome {
	out := fileOutcome{skipped: &report.Skipped{File: c.Path, Reason: v.reason}}
	if c.Explicit {
		out.notice = template.Noticef("%s is not a CloudFormation template: it is %s; skipped", c.Path, v.reason)
	}
	return out
}

// Templates lists the CloudFormation templates under paths (as Check would
// read them), with notices about what was skipped. Broken templates are
// listed too: a plan should not silently drop a stack because its file
// does not parse; the deploy's gate will stop it.
func Templates(ctx context.Context, paths, include, exclude []string) ([]string, []template.Notice, error) {
	found, err := discover(nil, paths, include, exclude)
	if err != nil {
		return nil, nil, err
	}
	var out []string
	for _, c := range found.files {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		data, err := readPath(nil, c.Path)
		if err != nil {
			found.notices = append(found.notices, template.NoticeAt(template.Span{File: c.Path}, "cannot read: %v", cleanErr(err)))
			continue
		}
		files, dir := filesFor(nil, c)
		t := template.ParseWith(c.Path, data, template.ParseOptions{Files: files, Dir: dir})
		if t.TooLarge || judge(t, data, c.Explicit).check {
			out = append(out, c.Path)
		}
	}
	// A plan lists what it could read; the deploy gate checks each stack.
	return out, append(found.errors, found.notices...), nil
}

// FromSettings is the check run that resolved settings describe.
func FromSettings(s *config.Settings, tool report.Tool) Options {
	return Options{
		Paths: s.Paths, Include: s.Include, Exclude: s.Exclude,
		Checks: s.Checks, Block: s.Block, Tool: tool,
		Baseline: s.Baseline, BaselineFile: s.BaselineFile, Ignore: s.Ignore,
		Notices:    append([]template.Notice(nil), s.Notices...),
		Parameters: s.Parameters,
	}
}
