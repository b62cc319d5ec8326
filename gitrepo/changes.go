package gitrepo

import (
	"context"
	"fmt"
	"sort"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/utils/merkletrie"
)

// Status says what a change did to a file.
type Status string

// File statuses, as GitHub's "Files changed" tab names them.
const (
	Added    Status = "added"
	Deleted  Status = "deleted"
	Modified Status = "modified"
	Renamed  Status = "renamed"
)

// Change is one file that differs between two revisions.
type Change struct {
	// Path is the file at head; for a deleted file, its path at base.
	Path string
	// PreviousPath is the path at base of a renamed file.
	PreviousPath string
	Status       Status
	// BaseHash and HeadHash are the blob hashes; empty on the missing side.
	BaseHash, HeadHash string
}

// RenameScore is the similarity, in percent of content, from which a deleted
// and an added file are taken as one renamed file (git's default is 50).
const RenameScore = 50

// renameLimit bounds rename detection to this many deleted and added files
// each; beyond it only exact renames are found, as git does.
const renameLimit = 1000

// Changes lists the files that differ between base and head and that match
// keep (a predicate on slash-separated repository paths), sorted by path.
// Renames are detected among the kept files by content similarity, so a
// template moved to another folder and edited is one renamed file.
func (r *Repo) Changes(ctx context.Context, base, head *Revision, keep func(path string) bool) ([]Change, error) {
	bt, err := base.treeObj()
	if err != nil {
		return nil, err
	}
	ht, err := head.treeObj()
	if err != nil {
		return nil, err
	}
	var all object.Changes
	if err := r.diffTrees(ctx, bt, ht, "", &all, 0); err != nil {
		return nil, fmt.Errorf("comparing %s and %s: %w", base.Short(), head.Short(), err)
	}
	var kept object.Changes
	adds, dels := 0, 0
	for _, c := range all {
		if (c.From.Name != "" && keep(c.From.Name)) || (c.To.Name != "" && keep(c.To.Name)) {
			kept = append(kept, c)
			switch {
			case c.From.Name == "":
				adds++
			case c.To.Name == "":
				dels++
			}
		}
	}
	if adds > 0 && dels > 0 {
		opts := &object.DiffTreeOptions{DetectRenames: true, RenameScore: RenameScore, RenameLimit: renameLimit}
		if adds > renameLimit || dels > renameLimit {
			opts.OnlyExactRenames = true
		}
		if kept, err = object.DetectRenames(kept, opts); err != nil {
			return nil, fmt.Errorf("detecting renames between %s and %s: %w", base.Short(), head.Short(), err)
		}
	}
	out := make([]Change, 0, len(kept))
	for _, c := range kept {
		action, err := c.Action()
		if err != nil {
			return nil, fmt.Errorf("comparing %s and %s: %w", base.Short(), head.Short(), err)
		}
		ch := Change{}
		if c.From.Name != "" {
			ch.BaseHash = c.From.TreeEntry.Hash.String()
		}
		if c.To.Name != "" {
			ch.HeadHash = c.To.TreeEntry.Hash.String()
		}
		switch {
		case action == merkletrie.Insert:
			ch.Status, ch.Path = Added, c.To.Name
		case action == merkletrie.Delete:
			ch.Status, ch.Path = Deleted, c.From.Name
		case c.From.Name != c.To.Name:
			ch.Status, ch.Path, ch.PreviousPath = Renamed, c.To.Name, c.From.Name
		default:
			ch.Status, ch.Path = Modified, c.To.Name
		}
		// A file that became a symlink or a submodule is not text we read.
		if !c.From.TreeEntry.Mode.IsFile() && c.From.Name != "" || !c.To.TreeEntry.Mode.IsFile() && c.To.Name != "" {
			continue
		}
		if !keep(ch.Path) && (ch.PreviousPath == "" || !keep(ch.PreviousPath)) {
			continue
		}
		out = append(out, ch)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// maxTreeDepth bounds folder nesting, against hostile repositories.
const maxTreeDepth = 256

// diffTrees lists the files that differ between two trees. Subtrees whose
// hashes are equal are skipped without being read, so one changed file in
// a repository of thousands costs the trees on its path, not the whole
// repository (go-git's DiffTree reads every tree).
func (r *Repo) diffTrees(ctx context.Context, a, b *object.Tree, prefix string, out *object.Changes, depth int) error {
	if depth > maxTreeDepth {
		return fmt.Errorf("%s: folders nested deeper than %d levels", prefix, maxTreeDepth)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var ae, be []object.TreeEntry
	if a != nil {
		ae = a.Entries
	}
	if b != nil {
		be = b.Entries
	}
	byName := make(map[string]int, len(be))
	for i, e := range be {
		byName[e.Name] = i
	}
	seen := make(map[string]bool, len(ae))
	for _, x := range ae {
		seen[x.Name] = true
		j, ok := byName[x.Name]
		if !ok {
			if err := r.side(ctx, a, x, prefix, out, true, depth); err != nil {
				return err
			}
			continue
		}
		y := be[j]
		if x.Hash == y.Hash && x.Mode == y.Mode {
			continue
		}
		xDir, yDir := x.Mode == filemode.Dir, y.Mode == filemode.Dir
		switch {
		case xDir && yDir:
			at, err := r.git.TreeObject(x.Hash)
			if err != nil {
				return err
			}
			bt, err := r.git.TreeObject(y.Hash)
			if err != nil {
				return err
			}
			if err := r.diffTrees(ctx, at, bt, prefix+x.Name+"/", out, depth+1); err != nil {
				return err
			}
		case !xDir && !yDir:
			*out = append(*out, &object.Change{
				From: object.ChangeEntry{Name: prefix + x.Name, Tree: a, TreeEntry: x},
				To:   object.ChangeEntry{Name: prefix + y.Name, Tree: b, TreeEntry: y}})
		default:
			if err := r.side(ctx, a, x, prefix, out, true, depth); err != nil {
				return err
			}
			if err := r.side(ctx, b, y, prefix, out, false, depth); err != nil {
				return err
			}
		}
	}
	for _, y := range be {
		if !seen[y.Name] {
			if err := r.side(ctx, b, y, prefix, out, false, depth); err != nil {
				return err
			}
		}
	}
	return nil
}

// side records an entry present on one side only: a file, or every file
// of a folder.
func (r *Repo) side(ctx context.Context, parent *object.Tree, e object.TreeEntry, prefix string, out *object.Changes, deleted bool, depth int) error {
	if e.Mode != filemode.Dir {
		ce := object.ChangeEntry{Name: prefix + e.Name, Tree: parent, TreeEntry: e}
		if deleted {
			*out = append(*out, &object.Change{From: ce})
		} else {
			*out = append(*out, &object.Change{To: ce})
		}
		return nil
	}
	t, err := r.git.TreeObject(e.Hash)
	if err != nil {
		return err
	}
	if deleted {
		return r.diffTrees(ctx, t, nil, prefix+e.Name+"/", out, depth+1)
	}
	return r.diffTrees(ctx, nil, t, prefix+e.Name+"/", out, depth+1)
}

// Files lists every file of a revision that matches keep, sorted.
func (r *Repo) Files(v *Revision, keep func(path string) bool) ([]string, error) {
	t, err := v.treeObj()
	if err != nil {
		return nil, err
	}
	var out []string
	err = t.Files().ForEach(func(f *object.File) error {
		if f.Mode.IsFile() && keep(f.Name) {
			out = append(out, f.Name)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing the files of %s: %w", v.Short(), err)
	}
	sort.Strings(out)
	return out, nil
}

// ChangedAmong returns those of paths (files on disk, under the
// repository) that the commits from base to head changed, added or
// renamed; with mergeBase, from the merge base of base and head, as a pull
// request compares. Deleted files are not among them.
func (r *Repo) ChangedAmong(ctx context.Context, baseRev, headRev string, mergeBase bool, paths []string) ([]string, error) {
	base, err := r.Resolve(baseRev)
	if err != nil {
		return nil, err
	}
	head, err := r.Resolve(headRev)
	if err != nil {
		return nil, err
	}
	if mergeBase {
		if base, err = r.MergeBase(base, head); err != nil {
			return nil, err
		}
	}
	wanted := map[string]bool{}
	for _, p := range paths {
		if rel, ok := r.RelPath(p); ok {
			wanted[rel] = true
		}
	}
	changes, err := r.Changes(ctx, base, head, func(p string) bool { return wanted[p] })
	if err != nil {
		return nil, err
	}
	changed := map[string]bool{}
	for _, c := range changes {
		if c.Status != Deleted {
			changed[c.Path] = true
		}
	}
	out := []string{}
	for _, p := range paths {
		if rel, ok := r.RelPath(p); ok && changed[rel] {
			out = append(out, p)
		}
	}
	return out, nil
}
