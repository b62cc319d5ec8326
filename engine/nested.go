package engine

import (
	"context"
	"errors"
	"io/fs"
	"path"
	"path/filepath"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/template"
)

// Bounds on following nested stacks: how deep a chain of local
// TemplateURLs is followed, and how many files they may add in all.
const (
	maxNestedDepth = 5
	maxNestedFiles = 200
)

// nestedFiles resolves the local templates a checked template's nested
// stacks name (TemplateURL: ./network.yaml, as aws cloudformation package
// takes it), relative to the template's folder. A file outside the folder
// being checked (or hidden, or behind a symlink that leaves it) is not
// read, and says so.
func nestedFiles(fsys fs.FS, c candidate, x *template.Extraction) (out []candidate, notices []template.Notice) {
	if x == nil || len(x.Nested) == 0 {
		return nil, nil
	}
	files, dir := filesFor(fsys, c)
	for _, n := range x.Nested {
		rel := path.Clean(path.Join(dir, filepath.ToSlash(n.File)))
		skip := func(why string) {
			notices = append(notices, template.NoticeAt(template.Span{File: c.Path, Line: max(n.Pos.Line, 1)}, "not checked: %s (%s %s): its template %s %s", n.Path, n.ResourceType, n.LogicalID, n.File, why))
		}
		if files == nil || filepath.IsAbs(n.File) || !fs.ValidPath(rel) {
			skip("is outside the folder being checked, so it is not read")
			continue
		}
		f, err := files.Open(rel)
		if err != nil {
			switch {
			case errors.Is(err, fs.ErrNotExist):
				skip("does not exist; aws cloudformation package would fail")
			case errors.Is(err, errOutside):
				skip("is outside the folder being checked (or hidden), so it is not read")
			default:
				skip("cannot be read (" + cleanErr(err).Error() + ")")
			}
			continue
		}
		f.Close()
		p := filepath.Join(filepath.Dir(c.Path), filepath.FromSlash(n.File))
		if fsys != nil {
			p = rel
		}
		out = append(out, candidate{Path: p, Explicit: true, Root: c.Root})
	}
	return out, notices
}

// checkNested checks the local templates of nested stacks that discovery
// did not find (a template named on the command line, say, whose nested
// stacks sit beside it), each under its own file name, following chains
// of them up to maxNestedDepth and never one file twice.
func checkNested(ctx context.Context, checker *checks.Checker, opts *Options, found []candidate, outcomes []fileOutcome) []fileOutcome {
	seen := map[string]bool{}
	for _, c := range found {
		seen[absPath(c.Path)] = true
	}
	var added []fileOutcome
	frontier := outcomes
	for depth := 0; depth < maxNestedDepth && len(frontier) > 0; depth++ {
		var next []fileOutcome
		for _, o := range frontier {
			for _, c := range o.nested {
				if seen[absPath(c.Path)] {
					continue
				}
				seen[absPath(c.Path)] = true
				if len(added) >= maxNestedFiles {
					added = append(added, fileOutcome{notice: template.NoticeAt(template.Span{File: c.Path}, "not checked: more than %d nested stack templates were followed", maxNestedFiles)})
					return added
				}
				if ctx.Err() != nil {
					return added
				}
				out := process(ctx, checker, opts, c)
				next = append(next, out)
				added = append(added, out)
			}
		}
		frontier = next
	}
	for _, o := range frontier {
		for _, c := range o.nested {
			if !seen[absPath(c.Path)] {
				added = append(added, fileOutcome{notice: template.NoticeAt(template.Span{File: c.Path}, "not checked: nested stacks are followed %d deep at most", maxNestedDepth)})
			}
		}
	}
	return added
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return filepath.Clean(p)
}
