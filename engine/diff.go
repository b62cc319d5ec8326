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
	"github.com/tollgate-dev/tollgate/gitrepo"
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
	repo, err := gitrepo.Open(dir)
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
	rules := changeRules(o.Rules)
	checker, err := checks.NewChecker(o.Checks, rules)
	if err != nil {
		return nil, err
	}
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	dopts := diff.Options{Values: o.Checks.Values, Data: o.Checks.Data}
	pairs, err := readPairs(ctx, repo, base, head, changes, workers)
	if err != nil {
		return nil, err
	}
	pairs = pairByContent(pairs, dopts)
	outcomes, err := diffPairs(ctx, pairs, checker, dopts, workers)
	if err != nil {
		return nil, err
	}
	res := &report.Result{Tool: o.Tool, Rules: infos(rules),
		Diffs: &diff.Report{Version: 1, Base: base.Hash(), Head: head.Hash(), Stacks: []*diff.StackDiff{}}}
	for _, oc := range outcomes {
		if oc.err != nil {
			res.Errors = append(res.Errors, noticeOf(oc.err))
		}
		if oc.stack == nil {
			continue
		}
		res.Diffs.Stacks = append(res.Diffs.Stacks, oc.stack)
		res.Templates = append(res.Templates, report.Template{File: oc.stack.File, Resources: oc.stack.HeadResources})
		res.Findings = append(res.Findings, oc.findings...)
	}
	sortStacks(res.Diffs.Stacks)
	res.Stats.Files = len(changes)
	res.Stats.Templates = len(res.Diffs.Stacks)
	if repo.Shallow() {
		res.Notices = append(res.Notices, template.Noticef("the repository is a shallow clone; the diff used the commits it has"))
	}
	checks.Sort(res.Findings)
	o.Block.Apply(res.Findings)
	res.Stats.Duration = time.Since(start)
	return res, nil
}

// changeRules are the rules to run on a diff: those given, or every rule
// with a Change hook.
func changeRules(given []*checks.Rule) []*checks.Rule {
	if given != nil {
		return given
	}
	var rules []*checks.Rule
	for _, r := range checks.Rules() {
		if r.Change != nil {
			rules = append(rules, r)
		}
	}
	return rules
}

// stackPair is one changed file read at both revisions.
type stackPair struct {
	change       gitrepo.Change
	bt, ht       *template.Template
	bdata, hdata []byte
	err          error
}

// readPairs reads and parses every changed file at base and head, in
// parallel.
func readPairs(ctx context.Context, repo *gitrepo.Repo, base, head *gitrepo.Revision, changes []gitrepo.Change, workers int) ([]*stackPair, error) {
	pairs := make([]*stackPair, len(changes))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	// Each side is read and parsed on its own, so one large changed
	// template uses two cores.
	berr := make([]error, len(changes))
	herr := make([]error, len(changes))
	for i, c := range changes {
		p := &stackPair{change: c}
		pairs[i] = p
		if c.Status != gitrepo.Added {
			from := c.Path
			if c.PreviousPath != "" {
				from = c.PreviousPath
			}
			g.Go(func() error {
				if err := gctx.Err(); err != nil {
					return err
				}
				var err error
				if p.bt, p.bdata, err = readTemplate(repo, base, from); err != nil {
					berr[i] = err
				}
				return nil
			})
		}
		if c.Status != gitrepo.Deleted {
			g.Go(func() error {
				if err := gctx.Err(); err != nil {
					return err
				}
				var err error
				if p.ht, p.hdata, err = readTemplate(repo, head, c.Path); err != nil {
					herr[i] = err
				}
				return nil
			})
		}
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for i, p := range pairs {
		if p.err = berr[i]; p.err == nil {
			p.err = herr[i]
		}
	}
	return pairs, nil
}

// maxContentPairs bounds how many deleted × added templates are compared
// by logical IDs, and maxValueComparisons how many of those by values;
// beyond them no cross-format rename is looked for.
const (
	maxContentPairs     = 250000
	maxValueComparisons = 2000
)

// pairByContent finds renames that git's byte similarity misses: a
// deleted and an added template with the same logical IDs and types and
// mostly equal values (stacks/mail.yaml converted to stacks/mail.json) are
// one stack, diffed as one renamed file.
func pairByContent(pairs []*stackPair, o diff.Options) []*stackPair {
	var gone, born []*stackPair
	for _, p := range pairs {
		switch {
		case p.err != nil:
		case p.change.Status == gitrepo.Deleted && isTemplate(p.bt, p.bdata) && p.bt.Root != nil:
			gone = append(gone, p)
		case p.change.Status == gitrepo.Added && isTemplate(p.ht, p.hdata) && p.ht.Root != nil:
			born = append(born, p)
		}
	}
	if len(gone) == 0 || len(born) == 0 || len(gone)*len(born) > maxContentPairs {
		return pairs
	}
	type cand struct {
		from, to *stackPair
		score    float64
	}
	// Logical IDs are cheap to compare; values are compared for the most
	// promising pairs only, up to a budget, so a commit that adds and
	// deletes many templates of one shape stays fast.
	var byIDs []cand
	bornIDs := make([]diff.Stack, len(born))
	for j, a := range born {
		bornIDs[j] = diff.StackResources(a.ht)
	}
	for _, d := range gone {
		ids := diff.StackResources(d.bt)
		for j, a := range born {
			if score := diff.IDScore(ids, bornIDs[j]); score >= 0.8 {
				byIDs = append(byIDs, cand{d, a, score + pathAffinity(d.change.Path, a.change.Path)})
			}
		}
	}
	sort.SliceStable(byIDs, func(i, j int) bool { return byIDs[i].score > byIDs[j].score })
	var cands []cand
	for i, c := range byIDs {
		if i == maxValueComparisons {
			break
		}
		if score, ok := diff.SameStack(c.from.bt, c.to.ht, o); ok {
			cands = append(cands, cand{c.from, c.to, score + pathAffinity(c.from.change.Path, c.to.change.Path)})
		}
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	merged := map[*stackPair]*stackPair{}
	used := map[*stackPair]bool{}
	for _, c := range cands {
		if used[c.from] || used[c.to] {
			continue
		}
		used[c.from], used[c.to] = true, true
		merged[c.to] = &stackPair{
			change: gitrepo.Change{Path: c.to.change.Path, PreviousPath: c.from.change.Path, Status: gitrepo.Renamed,
				BaseHash: c.from.change.BaseHash, HeadHash: c.to.change.HeadHash},
			bt: c.from.bt, bdata: c.from.bdata, ht: c.to.ht, hdata: c.to.hdata}
	}
	out := make([]*stackPair, 0, len(pairs))
	for _, p := range pairs {
		if m := merged[p]; m != nil {
			out = append(out, m)
		} else if !used[p] {
			out = append(out, p)
		}
	}
	return out
}

// pathAffinity ranks near-equal candidates by their paths: a template
// converted in place (ssm/debian.template to ssm/debian.yaml) is more
// likely the same stack than one of the same shape elsewhere.
func pathAffinity(from, to string) float64 {
	score := 0.0
	if path.Dir(from) == path.Dir(to) {
		score += 0.05
	}
	stem := func(p string) string { return strings.TrimSuffix(path.Base(p), path.Ext(p)) }
	if stem(from) == stem(to) {
		score += 0.05
	}
	return score
}

type diffOutcome struct {
	stack    *diff.StackDiff
	findings []checks.Finding
	err      error
}

// diffPairs diffs each pair that is a template on either side and runs
// the change rules on it, in parallel.
func diffPairs(ctx context.Context, pairs []*stackPair, checker *checks.Checker, o diff.Options, workers int) ([]diffOutcome, error) {
	outcomes := make([]diffOutcome, len(pairs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for i, p := range pairs {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			if p.err != nil {
				outcomes[i].err = p.err
				return nil
			}
			if !isTemplate(p.bt, p.bdata) && !isTemplate(p.ht, p.hdata) {
				return nil
			}
			sd := diff.Templates(p.bt, p.ht, o)
			outcomes[i].stack = sd
			outcomes[i].findings = checker.CheckChange(p.bt, p.ht, sd, nil).Findings
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return outcomes, nil
}

// usageIf marks errors about what the user asked for (a missing revision,
// a folder outside a repository) so the command exits with status 2.
func usageIf(err error) error {
	var re *gitrepo.RevisionError
	var nr *gitrepo.NotRepoError
	if errors.As(err, &re) || errors.As(err, &nr) {
		return &UsageError{err}
	}
	return err
}

func revisions(repo *gitrepo.Repo, baseRev, headRev string, mergeBase bool) (*gitrepo.Revision, *gitrepo.Revision, error) {
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
func pathFilter(repo *gitrepo.Repo, paths, include, exclude []string) (func(string) bool, error) {
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
func readTemplate(repo *gitrepo.Repo, rev *gitrepo.Revision, p string) (*template.Template, []byte, error) {
	data, size, err := repo.ReadFile(rev, p, template.MaxSize)
	if err != nil {
		if errors.Is(err, gitrepo.ErrNotExist) {
			return nil, nil, nil
		}
		return nil, nil, &placedError{template.NoticeAt(template.Span{File: p}, "cannot read at %s: %v", rev.Short(), err), err}
	}
	if data == nil && size > 0 {
		return template.Unread(p, size), nil, nil
	}
	return template.ParseWith(p, data, template.ParseOptions{Files: revisionFS{repo, rev}, Dir: path.Dir(p)}), data, nil
}

// isTemplate decides whether a version of a changed file is a template
// worth diffing, by discovery's rule (judge): it parses as one, or fails to
// parse but was meant to be one.
func isTemplate(t *template.Template, data []byte) bool {
	switch {
	case t == nil:
		return false
	case t.TooLarge:
		return true
	}
	return judge(t, data, false).check
}

// DiffBase is the base revision that `check --diff-base` compares the
// templates on disk with, so a pull request is judged on what it changes.
type DiffBase struct {
	repo *gitrepo.Repo
	rev  *gitrepo.Revision
	// from maps a repository path at HEAD to its path at base, for files
	// that the commits since base renamed.
	from map[string]string
	// deleted lists templates at base that HEAD no longer has.
	deleted []string
}

// NewDiffBase opens the repository around dir and resolves rev; with
// mergeBase, the merge base of rev and HEAD is used, as a pull request
// does. A shallow clone without the base returns a *gitrepo.RevisionError
// whose Shallow is set.
func NewDiffBase(ctx context.Context, dir, rev string, mergeBase bool) (*DiffBase, error) {
	repo, err := gitrepo.Open(dir)
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
	var addedOrDeleted []gitrepo.Change
	for _, c := range changes {
		switch c.Status {
		case gitrepo.Renamed:
			b.from[c.Path] = c.PreviousPath
		case gitrepo.Deleted, gitrepo.Added:
			addedOrDeleted = append(addedOrDeleted, c)
		}
	}
	// A template moved to another format is one stack: judge it against
	// its old version, not as new. Pairing reads the committed head.
	movedFrom := map[string]bool{}
	if hasStatus(addedOrDeleted, gitrepo.Added) && hasStatus(addedOrDeleted, gitrepo.Deleted) {
		pairs, err := readPairs(ctx, repo, base, head, addedOrDeleted, runtime.GOMAXPROCS(0))
		if err != nil {
			return nil, err
		}
		for _, p := range pairByContent(pairs, diff.Options{}) {
			if p.change.Status == gitrepo.Renamed {
				b.from[p.change.Path] = p.change.PreviousPath
				movedFrom[p.change.PreviousPath] = true
			}
		}
	}
	for _, c := range addedOrDeleted {
		if c.Status == gitrepo.Deleted && !movedFrom[c.Path] {
			b.deleted = append(b.deleted, c.Path)
		}
	}
	return b, nil
}

func hasStatus(changes []gitrepo.Change, st gitrepo.Status) bool {
	for _, c := range changes {
		if c.Status == st {
			return true
		}
	}
	return false
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
	if h := b.repo.FileHash(b.rev, from); h != "" && data != nil && h == gitrepo.HashBlob(data) && from == rel {
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
		return fileOutcome{err: noticeOf(err)}
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
	nested, ns := nestedFiles(o.FS, c, r.Extraction)
	return fileOutcome{template: rep, findings: r.Findings, principalPolicies: r.PrincipalPolicies, stack: sd,
		notices: append(r.Notices, ns...), nested: nested}
}

// sortStacks orders stack diffs by file.
func sortStacks(s []*diff.StackDiff) {
	sort.SliceStable(s, func(i, j int) bool { return s[i].File < s[j].File })
}

// OpenDiffBase is NewDiffBase for check --diff-base from the current
// folder: in a shallow clone without the base it returns no base and a
// notice instead, so the offline checks still run on everything.
func OpenDiffBase(ctx context.Context, rev string) (*DiffBase, string, error) {
	b, err := NewDiffBase(ctx, ".", rev, true)
	var re *gitrepo.RevisionError
	if errors.As(err, &re) && re.Shallow {
		return nil, "--diff-base: " + re.Error() + ". Every finding is reported, not only the change's.", nil
	}
	return b, "", err
}
