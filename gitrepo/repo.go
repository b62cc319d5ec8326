// Package gitrepo reads git repositories the way a pull request sees them:
// revisions, the merge base GitHub diffs against, the files a change touched
// (with renames found by content similarity) and their text at a revision.
// It reads the object database through go-git: no checkout and no git binary.
package gitrepo

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/tollgate-dev/tollgate/internal/spelling"
)

// Repo is an open repository. ReadFile and FileHash may be called
// concurrently; they take turns, since go-git caches trees without locks.
type Repo struct {
	mu  sync.Mutex
	git *git.Repository
	// root is the absolute, symlink-free path of the working tree.
	root    string
	shallow bool
}

// NotRepoError says that a folder is not inside a git repository.
type NotRepoError struct{ Dir string }

func (e *NotRepoError) Error() string {
	return fmt.Sprintf("%s is not inside a git repository; run tollgate diff from a clone (git clone, or actions/checkout in a workflow)", e.Dir)
}

// RevisionError says that a revision the user named cannot be used: it does
// not exist, or it is beyond the history a shallow clone holds. The command
// exits with status 2.
type RevisionError struct {
	// Rev is the revision as the user wrote it.
	Rev string
	// Shallow is set when the repository is a shallow clone, which is the
	// usual reason in GitHub Actions (actions/checkout fetches one commit).
	Shallow bool
	// Hint is a close revision name, when one exists.
	Hint string
	Err  error
}

func (e *RevisionError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "revision %q", e.Rev)
	switch {
	case e.Shallow:
		b.WriteString(" is not in this clone: the repository is a shallow clone (actions/checkout fetches one commit by default). " +
			"Set fetch-depth: 0 on actions/checkout, or fetch the base first (git fetch --deepen=100 origin BASE_BRANCH)")
	case e.Err != nil:
		fmt.Fprintf(&b, " cannot be read: %v", e.Err)
	default:
		b.WriteString(" names no branch, tag or commit in this repository")
		if e.Hint != "" {
			fmt.Fprintf(&b, " (did you mean %s?)", e.Hint)
		} else {
			b.WriteString("; fetch it first (git fetch origin NAME) or use a commit SHA")
		}
	}
	return b.String()
}

func (e *RevisionError) Unwrap() error { return e.Err }

// Open opens the repository that contains dir, which may be any folder of
// its working tree, including a linked worktree (git worktree add).
func Open(dir string) (*Repo, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	g, err := git.PlainOpenWithOptions(abs, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if err != nil {
		if errors.Is(err, git.ErrRepositoryNotExists) {
			return nil, &NotRepoError{Dir: filepath.ToSlash(dir)}
		}
		return nil, fmt.Errorf("opening the git repository at %s: %w", filepath.ToSlash(dir), err)
	}
	r := &Repo{git: g}
	if wt, err := g.Worktree(); err == nil {
		r.root = wt.Filesystem.Root()
	} else {
		// A bare repository has no working tree; paths are relative to it.
		r.root = abs
	}
	if real, err := filepath.EvalSymlinks(r.root); err == nil {
		r.root = real
	}
	if sh, err := g.Storer.Shallow(); err == nil && len(sh) > 0 {
		r.shallow = true
	}
	return r, nil
}

// Root returns the absolute path of the working tree.
func (r *Repo) Root() string { return r.root }

// Shallow reports whether the repository is a shallow clone.
func (r *Repo) Shallow() bool { return r.shallow }

// RelPath turns a path on disk (absolute, or relative to the current folder)
// into a slash-separated path relative to the repository root. ok is false
// for paths outside the working tree.
func (r *Repo) RelPath(p string) (string, bool) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", false
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	} else if dir, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		// The file may not exist (deleted); its folder usually does.
		abs = filepath.Join(dir, filepath.Base(abs))
	}
	rel, err := filepath.Rel(r.root, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	if rel == "." {
		return "", true
	}
	return filepath.ToSlash(rel), true
}

// Revision is a resolved commit.
type Revision struct {
	// Name is the revision as the user wrote it ("origin/main", "HEAD~2").
	Name   string
	commit *object.Commit
	tree   *object.Tree
}

// Hash returns the full commit SHA.
func (v *Revision) Hash() string { return v.commit.Hash.String() }

// Short returns the abbreviated commit SHA.
func (v *Revision) Short() string { return v.commit.Hash.String()[:7] }

// Resolve finds the commit a revision names: a branch, a remote branch, a
// tag, a full or abbreviated SHA, or an expression such as HEAD~1.
func (r *Repo) Resolve(rev string) (*Revision, error) {
	if strings.TrimSpace(rev) == "" {
		return nil, &RevisionError{Rev: rev, Err: errors.New("the revision is empty")}
	}
	h, err := r.git.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		// A full SHA that is not in the object database (shallow clone,
		// or a commit not fetched) lands here too.
		return nil, &RevisionError{Rev: rev, Shallow: r.shallow, Hint: r.closestRef(rev)}
	}
	c, err := r.git.CommitObject(*h)
	if err != nil {
		if errors.Is(err, plumbing.ErrObjectNotFound) {
			return nil, &RevisionError{Rev: rev, Shallow: r.shallow, Hint: r.closestRef(rev)}
		}
		return nil, &RevisionError{Rev: rev, Err: err}
	}
	return &Revision{Name: rev, commit: c}, nil
}

// closestRef suggests a branch or tag name close to a misspelled one.
func (r *Repo) closestRef(rev string) string {
	refs, err := r.git.References()
	if err != nil {
		return ""
	}
	var names []string
	_ = refs.ForEach(func(ref *plumbing.Reference) error {
		if n := ref.Name(); n.IsBranch() || n.IsRemote() || n.IsTag() {
			names = append(names, n.Short())
		}
		return nil
	})
	s, _ := spelling.Closest(rev, names)
	return s
}

// MergeBase returns the best common ancestor of base and head, the commit
// GitHub diffs a pull request against ("three-dot" diff). When there are
// several (criss-cross merges), the most recent is used, as git does.
func (r *Repo) MergeBase(base, head *Revision) (*Revision, error) {
	bases, err := base.commit.MergeBase(head.commit)
	if err != nil {
		if errors.Is(err, plumbing.ErrObjectNotFound) {
			return nil, &RevisionError{Rev: base.Name + "..." + head.Name, Shallow: true,
				Err: errors.New("the history between them is missing")}
		}
		return nil, fmt.Errorf("finding the merge base of %s and %s: %w", base.Name, head.Name, err)
	}
	if len(bases) == 0 {
		if r.shallow {
			return nil, &RevisionError{Rev: base.Name, Shallow: true}
		}
		return nil, &RevisionError{Rev: base.Name + "..." + head.Name,
			Err: fmt.Errorf("%s and %s have no common history; compare them directly with --merge-base=false", base.Name, head.Name)}
	}
	sort.Slice(bases, func(i, j int) bool {
		ti, tj := bases[i].Committer.When, bases[j].Committer.When
		if !ti.Equal(tj) {
			return ti.After(tj)
		}
		return bases[i].Hash.String() < bases[j].Hash.String()
	})
	return &Revision{Name: "merge-base(" + base.Name + ", " + head.Name + ")", commit: bases[0]}, nil
}

func (v *Revision) treeObj() (*object.Tree, error) {
	if v.tree == nil {
		t, err := v.commit.Tree()
		if err != nil {
			return nil, fmt.Errorf("reading the tree of %s (%s): %w", v.Name, v.Short(), err)
		}
		v.tree = t
	}
	return v.tree, nil
}

// ErrNotExist is returned by ReadFile for a path that is not in the revision.
var ErrNotExist = errors.New("no such file at this revision")

// ReadFile returns the content of a file at a revision. A file larger than
// limit is not read: data is nil and size says how large it is.
func (r *Repo) ReadFile(v *Revision, path string, limit int64) (data []byte, size int64, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, err := v.treeObj()
	if err != nil {
		return nil, 0, err
	}
	f, err := t.File(path)
	if err != nil {
		if errors.Is(err, object.ErrFileNotFound) || errors.Is(err, object.ErrDirectoryNotFound) || errors.Is(err, object.ErrEntryNotFound) {
			return nil, 0, ErrNotExist
		}
		return nil, 0, fmt.Errorf("%s at %s: %w", path, v.Short(), err)
	}
	if !f.Mode.IsFile() {
		return nil, 0, ErrNotExist
	}
	if f.Size > limit {
		return nil, f.Size, nil
	}
	rd, err := f.Reader()
	if err != nil {
		return nil, 0, fmt.Errorf("%s at %s: %w", path, v.Short(), err)
	}
	defer rd.Close()
	data, err = io.ReadAll(io.LimitReader(rd, limit+1))
	if err != nil {
		return nil, 0, fmt.Errorf("%s at %s: %w", path, v.Short(), err)
	}
	return data, int64(len(data)), nil
}

// FileHash returns the blob hash of a file at a revision, "" when absent.
// Comparing hashes tells whether a file changed without reading it.
func (r *Repo) FileHash(v *Revision, path string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, err := v.treeObj()
	if err != nil {
		return ""
	}
	e, err := t.FindEntry(path)
	if err != nil || !e.Mode.IsFile() {
		return ""
	}
	return e.Hash.String()
}

// HashBlob computes the git blob hash of data, to compare a file on disk
// with its version at a revision.
func HashBlob(data []byte) string {
	return plumbing.ComputeHash(plumbing.BlobObject, data).String()
}
