// Package gittest builds git repositories for tests with go-git, so no test
// needs a git binary or a committed .git folder.
package gittest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Repo is a repository on disk under a test's temporary folder.
type Repo struct {
	T   testing.TB
	Dir string
	Git *git.Repository
	// clock makes commit times increase, so merge bases are deterministic.
	clock time.Time
}

// New initialises an empty repository whose first branch is main.
func New(t testing.TB) *Repo {
	t.Helper()
	dir := t.TempDir()
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	g, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: plumbing.NewBranchReferenceName("main")},
	})
	if err != nil {
		t.Fatalf("git init: %v", err)
	}
	return &Repo{T: t, Dir: dir, Git: g, clock: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
}

// Write sets files in the working tree: path → content; an empty content
// deletes the file.
func (r *Repo) Write(files map[string]string) {
	r.T.Helper()
	for p, content := range files {
		full := filepath.Join(r.Dir, filepath.FromSlash(p))
		if content == "" {
			if err := os.Remove(full); err != nil && !os.IsNotExist(err) {
				r.T.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			r.T.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			r.T.Fatal(err)
		}
	}
}

// Commit writes files, stages every change and commits; it returns the SHA.
func (r *Repo) Commit(msg string, files map[string]string) string {
	r.T.Helper()
	r.Write(files)
	wt, err := r.Git.Worktree()
	if err != nil {
		r.T.Fatal(err)
	}
	if err := wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
		r.T.Fatalf("git add: %v", err)
	}
	r.clock = r.clock.Add(time.Minute)
	sig := &object.Signature{Name: "Test", Email: "test@example.com", When: r.clock}
	h, err := wt.Commit(msg, &git.CommitOptions{Author: sig, Committer: sig, AllowEmptyCommits: true})
	if err != nil {
		r.T.Fatalf("git commit: %v", err)
	}
	return h.String()
}

// Branch creates a branch at the current HEAD and checks it out.
func (r *Repo) Branch(name string) {
	r.T.Helper()
	wt, err := r.Git.Worktree()
	if err != nil {
		r.T.Fatal(err)
	}
	if err := wt.Checkout(&git.CheckoutOptions{Branch: plumbing.NewBranchReferenceName(name), Create: true}); err != nil {
		r.T.Fatalf("git checkout -b %s: %v", name, err)
	}
}

// Checkout switches to an existing branch.
func (r *Repo) Checkout(name string) {
	r.T.Helper()
	wt, err := r.Git.Worktree()
	if err != nil {
		r.T.Fatal(err)
	}
	if err := wt.Checkout(&git.CheckoutOptions{Branch: plumbing.NewBranchReferenceName(name)}); err != nil {
		r.T.Fatalf("git checkout %s: %v", name, err)
	}
}

// Merge records a merge commit of branch into the current branch whose tree
// is the current tree with files applied (go-git cannot merge contents).
func (r *Repo) Merge(branch string, files map[string]string) string {
	r.T.Helper()
	ref, err := r.Git.Reference(plumbing.NewBranchReferenceName(branch), true)
	if err != nil {
		r.T.Fatal(err)
	}
	r.Write(files)
	wt, err := r.Git.Worktree()
	if err != nil {
		r.T.Fatal(err)
	}
	if err := wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
		r.T.Fatal(err)
	}
	head, err := r.Git.Head()
	if err != nil {
		r.T.Fatal(err)
	}
	r.clock = r.clock.Add(time.Minute)
	sig := &object.Signature{Name: "Test", Email: "test@example.com", When: r.clock}
	h, err := wt.Commit("merge "+branch, &git.CommitOptions{Author: sig, Committer: sig,
		Parents: []plumbing.Hash{head.Hash(), ref.Hash()}, AllowEmptyCommits: true})
	if err != nil {
		r.T.Fatal(err)
	}
	return h.String()
}

// Tag creates a lightweight tag at HEAD.
func (r *Repo) Tag(name string) {
	r.T.Helper()
	head, err := r.Git.Head()
	if err != nil {
		r.T.Fatal(err)
	}
	if _, err := r.Git.CreateTag(name, head.Hash(), nil); err != nil {
		r.T.Fatal(err)
	}
}

// RemoteBranch records a remote-tracking branch origin/name at a commit, as
// a clone has.
func (r *Repo) RemoteBranch(name, sha string) {
	r.T.Helper()
	if _, err := r.Git.Remote("origin"); err != nil {
		if _, err := r.Git.CreateRemote(&config.RemoteConfig{Name: "origin", URLs: []string{"https://example.com/acme/shop.git"}}); err != nil {
			r.T.Fatal(err)
		}
	}
	ref := plumbing.NewHashReference(plumbing.NewRemoteReferenceName("origin", name), plumbing.NewHash(sha))
	if err := r.Git.Storer.SetReference(ref); err != nil {
		r.T.Fatal(err)
	}
}

// MakeShallow turns the repository into a shallow clone whose history stops
// at the given commits: it records them in .git/shallow and deletes the
// loose objects of every commit before them, as `git clone --depth` leaves.
func (r *Repo) MakeShallow(keep ...string) {
	r.T.Helper()
	var hashes []plumbing.Hash
	for _, k := range keep {
		hashes = append(hashes, plumbing.NewHash(k))
	}
	var drop []plumbing.Hash
	for _, h := range hashes {
		c, err := r.Git.CommitObject(h)
		if err != nil {
			r.T.Fatal(err)
		}
		_ = c.Parents().ForEach(func(p *object.Commit) error {
			iter := object.NewCommitPreorderIter(p, nil, nil)
			return iter.ForEach(func(a *object.Commit) error {
				drop = append(drop, a.Hash)
				return nil
			})
		})
	}
	if err := r.Git.Storer.SetShallow(hashes); err != nil {
		r.T.Fatal(err)
	}
	for _, h := range drop {
		s := h.String()
		p := filepath.Join(r.Dir, ".git", "objects", s[:2], s[2:])
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			r.T.Fatal(err)
		}
	}
	// Reopen so no cached object hides the deletion.
	g, err := git.PlainOpen(r.Dir)
	if err != nil {
		r.T.Fatal(err)
	}
	r.Git = g
}

// Sub returns the path of a folder inside the working tree.
func (r *Repo) Sub(p string) string {
	return filepath.Join(r.Dir, filepath.FromSlash(strings.TrimPrefix(p, "/")))
}
