package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"
	"golang.org/x/sync/errgroup"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/diff"
	"github.com/tollgate-dev/tollgate/gitops"
	"github.com/tollgate-dev/tollgate/report"
	"github.com/tollgate-dev/tollgate/template"
)

// DiffOptions configure a diff run between two revisions.
type DiffOptions struct {
	// Dir is any folder of the repository's working tree; "" is ".".
	Dir string
	// Base and Head are revisions; Head "" means HEAD.
	Base, Head string
	// MergeBase compares head with the merge base of base and head, as a
	// pull request does, instead of with base itself.
	MergeBase bool
	// Paths limit the diff to files under these paths (relative to the
	// current folder); none means the whole repository.
	Paths            []string
	Include, Exclude []string
	Checks           checks.Options
	Block            checks.BlockPolicy
	Workers          int
	Tool             report.Tool
	// Rules overrides the change rules (tests); nil runs every rule that
	// has a Change hook.
	Rules []*checks.Rule
}

// Diff computes the semantic diff of every template that differs between
// two revisions, and the findings of the change rules about it. Only
// changed files are read and parsed.
func Diff(ctx context.Context, o DiffOptions) (*report.Result, error) {
	start := time.Now()
	dir := o.Dir
	if dir == "" {
		dir = "."
	}
	repo, err := gitops.Open(dir)
	if err != nil {
		return nil, usageIf(err)
	}
	base, head, err := revisions(repo, o.Base, o.Head, o.MergeBase)
	if err != nil {
		return nil, err
	}
	keep, err := pathFilter(repo, o.Paths, o.Include, o.Exclude)
	if err != nil {
		return nil, err
	}
	changes, err := repo.Changes(ctx, base, head, keep)
	if err != nil {
		return nil, err
	}
	rules := o.Rules
	if rules == nil {
		for _, r := range checks.Rules() {
			if r.Change != nil {
				rules = append(rules, r)
			}
		}
	}
	checker, err := checks.NewChecker(o.Checks, rules)
	if err != nil {
		return nil, err
	}
	type outcome struct {
		stack    *diff.StackDiff
		findings []checks.Finding
		err      string
	}
	outcomes := make([]outcome, len(changes))
	g, gctx := errgroup.WithContext(ctx)
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	g.SetLimit(workers)
	dopts := diff.Options{Values: o.Checks.Values, Data: o.Checks.Data}
	for i, c := range changes {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			var bt, ht *template.Template
			var bdata, hdata []byte
			var err error
			if c.Status != gitops.Added {
				p := c.Path
				if c.PreviousPath != "" {
					p = c.PreviousPath
				}
				if bt, bdata, err = readTemplate(repo, base, p); err != nil {
					outcomes[i].err = err.Error()
					return nil
				}
			}
			if c.Status != gitops.Deleted {
				if ht, hdata, err = readTemplate(repo, head, c.Path); err != nil {
					outcomes[i].err = err.Error()
					return nil
				}
			}
			if !isTemplate(bt, bdata) && !isTemplate(ht, hdata) {
				return nil
			}
			sd := diff.Templates(bt, ht, dopts)
			outcomes[i].stack = sd
			outcomes[i].findings = checker.CheckChange(bt, ht, sd, nil).Findings
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	res := &report.Result{Tool: o.Tool, Rules: infos(rules),
		Diffs: &diff.Report{Version: 1, Base: base.Hash(), Head: head.Hash(), Stacks: []*diff.StackDiff{}}}
	for _, oc := range outcomes {
		if oc.err != "" {
			res.Errors = append(res.Errors, oc.err)
		}
		if oc.stack == nil {
			continue
		}
		res.Diffs.Stacks = append(res.Diffs.Stacks, oc.stack)
		res.Templates = append(res.Templates, report.Template{File: oc.stack.File, Resources: oc.stack.HeadResources})
		res.Findings = append(res.Findings, oc.findings...)
	}
	res.Stats.Files = len(changes)
	res.Stats.Templates = len(res.Diffs.Stacks)
	if repo.Shallow() {
		res.Notices = append(res.Notices, "the repository is a shallow clone; the diff used the commits it has")
	}
	checks.Sort(res.Findings)
	o.Block.Apply(res.Findings)
	res.Stats.Duration = time.Since(start)
	return res, nil
}

// usageIf marks errors about what the user asked for (a missing revision,
// a folder outside a repository) so the command exits with status 2.
func usageIf(err error) error {
	var re *gitops.RevisionError
	var nr *gitops.NotRepoError
	if errors.As(err, &re) || errors.As(err, &nr) {
		return &UsageError{err}
	}
	return err
}

func revisions(repo *gitops.Repo, baseRev, headRev string, mergeBase bool) (*gitops.Revision, *gitops.Revision, error) {
	if headRev == "" {
		headRev = "HEAD"
	}
	head, err := repo.Resolve(headRev)
	if err != nil {
		return nil, nil, usageIf(fmt.Errorf("--head: %w", err))
	}
	base, err := repo.Resolve(baseRev)
	if err != nil {
		return nil, nil, usageIf(fmt.Errorf("--base: %w", err))
	}
	if mergeBase {
		if base, err = repo.MergeBase(base, head); err != nil {
			return nil, nil, usageIf(err)
		}
	}
	return base, head, nil
}

// pathFilter builds the predicate on repository paths that selects the
// candidate templates: a template extension, under one of paths, outside
// the folders discovery skips, and matching include/exclude.
func pathFilter(repo *gitops.Repo, paths, include, exclude []string) (func(string) bool, error) {
	for _, pats := range [][]string{include, exclude} {
		for _, p := range pats {
			if !doublestar.ValidatePattern(p) {
				return nil, &UsageError{fmt.Errorf("invalid glob pattern %q in include/exclude", p)}
			}
		}
	}
	var prefixes []string
	for _, p := range paths {
		rel, ok := repo.RelPath(p)
		if !ok {
			return nil, &UsageError{fmt.Errorf("%s is outside the repository at %s", displayPath(p), displayPath(repo.Root()))}
		}
		prefixes = append(prefixes, rel)
	}
	return func(p string) bool {
		if !templateExts[strings.ToLower(path.Ext(p))] {
			return false
		}
		dirs := strings.Split(p, "/")
		for _, d := range dirs[:len(dirs)-1] {
			if skipDirs[d] || strings.HasPrefix(d, ".") {
				return false
			}
		}
		if len(prefixes) > 0 {
			under := false
			for _, pre := range prefixes {
				if pre == "" || p == pre || strings.HasPrefix(p, pre+"/") {
					under = true
					break
				}
			}
			if !under {
				return false
			}
		}
		w := &walker{include: include, exclude: exclude}
		return w.matches(p)
	}, nil
}

// readTemplate reads and parses a file at a revision; nil when the file
// is not there.
func readTemplate(repo *gitops.Repo, rev *gitops.Revision, p string) (*template.Template, []byte, error) {
	data, size, err := repo.ReadFile(rev, p, template.MaxSize)
	if err != nil {
		if errors.Is(err, gitops.ErrNotExist) {
			return nil, nil, nil
		}
		return nil, nil, fmt.Errorf("%s: cannot read at %s: %w", p, rev.Short(), err)
	}
	if data == nil && size > 0 {
		return template.Unread(p, size), nil, nil
	}
	return template.Parse(p, data), data, nil
}

// isTemplate decides whether a version of a changed file is a template
// worth diffing: it parses as one, or fails to parse but looks like one.
func isTemplate(t *template.Template, data []byte) bool {
	switch {
	case t == nil:
		return false
	case t.TooLarge:
		return true
	case t.Root == nil:
		return looksLikeTemplate(data)
	}
	return t.IsTemplate()
}

// DiffBase is the base revision that `check --diff-base` compares the
// templates on disk with, so a pull request is judged on what it changes.
type DiffBase struct {
	repo *gitops.Repo
	rev  *gitops.Revision
	// from maps a repository path at HEAD to its path at base, for files
	// that the commits since base renamed.
	from map[string]string
	// deleted lists templates at base that HEAD no longer has.
	deleted []string
}

// NewDiffBase opens the repository around dir and resolves rev; with
// mergeBase, the merge base of rev and HEAD is used, as a pull request
// does. A shallow clone without the base returns a *gitops.RevisionError
// whose Shallow is set.
func NewDiffBase(ctx context.Context, dir, rev string, mergeBase bool) (*DiffBase, error) {
	repo, err := gitops.Open(dir)
	if err != nil {
		return nil, usageIf(err)
	}
	base, head, err := revisions(repo, rev, "HEAD", mergeBase)
	if err != nil {
		return nil, err
	}
	keep := func(p string) bool { return templateExts[strings.ToLower(path.Ext(p))] }
	changes, err := repo.Changes(ctx, base, head, keep)
	if err != nil {
		return nil, err
	}
	b := &DiffBase{repo: repo, rev: base, from: map[string]string{}}
	for _, c := range changes {
		switch c.Status {
		case gitops.Renamed:
			b.from[c.Path] = c.PreviousPath
		case gitops.Deleted:
			b.deleted = append(b.deleted, c.Path)
		}
	}
	return b, nil
}

// Revision is the full SHA of the base commit.
func (b *DiffBase) Revision() string { return b.rev.Hash() }

// base returns the version at base of the template at path on disk: nil
// when the file is new. unchanged is set when its bytes are the same.
func (b *DiffBase) base(diskPath string, data []byte) (t *template.Template, unchanged bool, err error) {
	rel, ok := b.repo.RelPath(diskPath)
	if !ok {
		return nil, false, nil
	}
	from := rel
	if p, ok := b.from[rel]; ok {
		from = p
	}
	if h := b.repo.FileHash(b.rev, from); h != "" && data != nil && h == gitops.HashBlob(data) && from == rel {
		return nil, true, nil
	}
	bt, bdata, err := readTemplate(b.repo, b.rev, from)
	if err != nil {
		return nil, false, err
	}
	if !isTemplate(bt, bdata) {
		// At base it was something else (or nothing): all of it is new.
		return nil, false, nil
	}
	if bt != nil {
		// Report base positions under the path the user sees.
		bt.File = diskPath
		if from != rel {
			bt.File = from
		}
	}
	return bt, false, nil
}

// deletedStacks diffs the templates that the change deleted, under the
// folders the check read.
func (b *DiffBase) deletedStacks(roots []string, o diff.Options) []*diff.StackDiff {
	var prefixes []string
	for _, r := range roots {
		if rel, ok := b.repo.RelPath(r); ok {
			prefixes = append(prefixes, rel)
		}
	}
	var out []*diff.StackDiff
	for _, p := range b.deleted {
		under := false
		for _, pre := range prefixes {
			if pre == "" || p == pre || strings.HasPrefix(p, pre+"/") {
				under = true
			}
		}
		if !under {
			continue
		}
		if _, err := os.Stat(b.repo.Root() + "/" + p); err == nil {
			continue // restored in the working tree
		}
		bt, data, err := readTemplate(b.repo, b.rev, p)
		if err != nil || !isTemplate(bt, data) {
			continue
		}
		out = append(out, diff.Templates(bt, nil, o))
	}
	return out
}

// checkChange is process for a run with a baseline: it keeps only what the
// change introduced and records the diff.
func (b *DiffBase) checkChange(checker *checks.Checker, o *Options, c candidate, t *template.Template, data []byte,
	online func(*template.Extraction, *template.Template) []checks.Finding) fileOutcome {
	bt, unchanged, err := b.base(c.Path, data)
	if err != nil {
		return fileOutcome{err: err.Error()}
	}
	rep := &report.Template{File: c.Path, Stack: c.Stack, Resources: len(t.Resources)}
	if unchanged {
		return fileOutcome{template: rep}
	}
	sd := diff.Templates(bt, t, diff.Options{Values: o.Checks.Values, Data: o.Checks.Data})
	if bt != nil && sd.Empty() {
		return fileOutcome{template: rep}
	}
	var run func(*template.Extraction) []checks.Finding
	if online != nil {
		run = func(x *template.Extraction) []checks.Finding { return online(x, bt) }
	}
	r := checker.CheckChange(bt, t, sd, run)
	rep.Policies = r.Policies
	return fileOutcome{template: rep, findings: r.Findings, principalPolicies: r.PrincipalPolicies, stack: sd, notices: r.Notices}
}

// sortStacks orders stack diffs by file.
func sortStacks(s []*diff.StackDiff) {
	sort.SliceStable(s, func(i, j int) bool { return s[i].File < s[j].File })
}
