package gitrepo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate-dev/tollgate/internal/gittest"
)

func yamlOnly(p string) bool { return strings.HasSuffix(p, ".yaml") }

// bigTemplate is a template large enough that an edit keeps it similar.
func bigTemplate(extra string) string {
	var b strings.Builder
	b.WriteString("Resources:\n")
	for i := range 40 {
		b.WriteString("  Queue" + string(rune('A'+i%26)) + string(rune('a'+i/26)) + ":\n    Type: AWS::SQS::Queue\n")
	}
	b.WriteString(extra)
	return b.String()
}

func TestChanges(t *testing.T) {
	r := gittest.New(t)
	base := r.Commit("base", map[string]string{
		"stacks/a.yaml":       "Resources: {A: {Type: AWS::SNS::Topic}}\n",
		"stacks/b.yaml":       "Resources: {B: {Type: AWS::SNS::Topic}}\n",
		"stacks/old/c.yaml":   bigTemplate(""),
		"stacks/same.yaml":    "Resources: {S: {Type: AWS::SNS::Topic}}\n",
		"README.md":           "hello\n",
		"stacks/gone.yaml":    "Resources: {G: {Type: AWS::SNS::Topic}}\n",
		"stacks/exact/e.yaml": "Resources: {E: {Type: AWS::SQS::Queue}}\n",
	})
	head := r.Commit("head", map[string]string{
		"stacks/a.yaml":       "Resources: {A: {Type: AWS::SNS::Topic, Properties: {TopicName: x}}}\n",
		"stacks/new.yaml":     "Resources: {N: {Type: AWS::SNS::Topic}}\n",
		"stacks/old/c.yaml":   "",
		"stacks/moved/c.yaml": bigTemplate("  Extra:\n    Type: AWS::SNS::Topic\n"),
		"stacks/gone.yaml":    "",
		"README.md":           "changed\n",
		"stacks/exact/e.yaml": "",
		"stacks/e2.yaml":      "Resources: {E: {Type: AWS::SQS::Queue}}\n",
	})
	repo, err := Open(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	bv, err := repo.Resolve(base)
	if err != nil {
		t.Fatal(err)
	}
	hv, err := repo.Resolve(head)
	if err != nil {
		t.Fatal(err)
	}
	got, err := repo.Changes(context.Background(), bv, hv, yamlOnly)
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ Path, Prev string }
	var rows []row
	statuses := map[string]Status{}
	for _, c := range got {
		rows = append(rows, row{c.Path, c.PreviousPath})
		statuses[c.Path] = c.Status
		if (c.BaseHash == "") != (c.Status == Added) || (c.HeadHash == "") != (c.Status == Deleted) {
			t.Errorf("%s: hashes %q/%q do not fit status %s", c.Path, c.BaseHash, c.HeadHash, c.Status)
		}
	}
	want := []row{
		{"stacks/a.yaml", ""},
		{"stacks/e2.yaml", "stacks/exact/e.yaml"},
		{"stacks/gone.yaml", ""},
		{"stacks/moved/c.yaml", "stacks/old/c.yaml"},
		{"stacks/new.yaml", ""},
	}
	if d := cmp.Diff(want, rows); d != "" {
		t.Errorf("changed files (-want +got):\n%s", d)
	}
	wantStatus := map[string]Status{"stacks/a.yaml": Modified, "stacks/e2.yaml": Renamed, "stacks/gone.yaml": Deleted,
		"stacks/moved/c.yaml": Renamed, "stacks/new.yaml": Added}
	if d := cmp.Diff(wantStatus, statuses); d != "" {
		t.Errorf("statuses (-want +got):\n%s", d)
	}

	data, _, err := repo.ReadFile(bv, "stacks/old/c.yaml", 1<<20)
	if err != nil || !strings.Contains(string(data), "QueueAa") {
		t.Errorf("ReadFile at base = %q, %v", data, err)
	}
	if _, _, err := repo.ReadFile(hv, "stacks/old/c.yaml", 1<<20); !errors.Is(err, ErrNotExist) {
		t.Errorf("ReadFile of a deleted file: err = %v, want ErrNotExist", err)
	}
	data, size, err := repo.ReadFile(hv, "stacks/moved/c.yaml", 10)
	if err != nil || data != nil || size <= 10 {
		t.Errorf("ReadFile over the limit = %d bytes, size %d, %v; want no data and the size", len(data), size, err)
	}
	if h := repo.FileHash(hv, "stacks/a.yaml"); h != HashBlob([]byte("Resources: {A: {Type: AWS::SNS::Topic, Properties: {TopicName: x}}}\n")) {
		t.Errorf("FileHash and HashBlob disagree: %s", h)
	}
}

func TestResolve(t *testing.T) {
	r := gittest.New(t)
	first := r.Commit("one", map[string]string{"a.yaml": "a: 1\n"})
	r.Tag("v1.0.0")
	second := r.Commit("two", map[string]string{"a.yaml": "a: 2\n"})
	r.RemoteBranch("main", second)
	repo, err := Open(r.Sub("."))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, rev, want string }{
		{"a branch resolves to its tip", "main", second},
		{"a remote branch resolves", "origin/main", second},
		{"a tag resolves", "v1.0.0", first},
		{"HEAD~1 resolves to the parent", "HEAD~1", first},
		{"an abbreviated SHA resolves", first[:8], first},
		{"a full SHA resolves", second, second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := repo.Resolve(tc.rev)
			if err != nil {
				t.Fatal(err)
			}
			if v.Hash() != tc.want {
				t.Errorf("Resolve(%q) = %s, want %s", tc.rev, v.Hash(), tc.want)
			}
		})
	}
	t.Run("a misspelled branch names the branch and suggests the right one", func(t *testing.T) {
		_, err := repo.Resolve("origin/mian")
		var re *RevisionError
		if !errors.As(err, &re) {
			t.Fatalf("err = %v, want a RevisionError", err)
		}
		msg := err.Error()
		if !strings.Contains(msg, `"origin/mian"`) || !strings.Contains(msg, "did you mean origin/main?") {
			t.Errorf("message %q should name the revision and suggest origin/main", msg)
		}
	})
	t.Run("an unknown SHA says to fetch it", func(t *testing.T) {
		_, err := repo.Resolve(strings.Repeat("ab", 20))
		if err == nil || !strings.Contains(err.Error(), "git fetch") {
			t.Errorf("err = %v, want a hint to fetch", err)
		}
	})
	t.Run("an empty revision is an error", func(t *testing.T) {
		if _, err := repo.Resolve(" "); err == nil {
			t.Error("no error")
		}
	})
}

func TestOpenFromASubfolder(t *testing.T) {
	r := gittest.New(t)
	r.Commit("one", map[string]string{"stacks/web/t.yaml": "a: 1\n"})
	repo, err := Open(r.Sub("stacks/web"))
	if err != nil {
		t.Fatal(err)
	}
	if repo.Root() != r.Dir {
		t.Errorf("Root() = %s, want %s", repo.Root(), r.Dir)
	}
	if rel, ok := repo.RelPath(r.Sub("stacks/web/t.yaml")); !ok || rel != "stacks/web/t.yaml" {
		t.Errorf("RelPath = %q, %v", rel, ok)
	}
	if rel, ok := repo.RelPath(r.Sub("stacks/web/deleted.yaml")); !ok || rel != "stacks/web/deleted.yaml" {
		t.Errorf("RelPath of a missing file = %q, %v", rel, ok)
	}
	if _, ok := repo.RelPath(filepath.Dir(r.Dir)); ok {
		t.Error("RelPath accepted a folder outside the repository")
	}
}

func TestOpenOutsideARepository(t *testing.T) {
	dir := t.TempDir()
	_, err := Open(dir)
	var nr *NotRepoError
	if !errors.As(err, &nr) {
		t.Fatalf("err = %v, want NotRepoError", err)
	}
}

func TestOpenALinkedWorktree(t *testing.T) {
	// A linked worktree has a .git file pointing into the main repository.
	r := gittest.New(t)
	sha := r.Commit("one", map[string]string{"t.yaml": "a: 1\n"})
	wt := t.TempDir()
	gitdir := filepath.Join(r.Dir, ".git", "worktrees", "wt")
	must(t, os.MkdirAll(gitdir, 0o755))
	must(t, os.WriteFile(filepath.Join(wt, ".git"), []byte("gitdir: "+gitdir+"\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(gitdir, "commondir"), []byte("../..\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(gitdir, "HEAD"), []byte(sha+"\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(gitdir, "gitdir"), []byte(filepath.Join(wt, ".git")+"\n"), 0o644))
	repo, err := Open(wt)
	if err != nil {
		t.Fatal(err)
	}
	v, err := repo.Resolve("HEAD")
	if err != nil {
		t.Fatal(err)
	}
	if v.Hash() != sha {
		t.Errorf("HEAD = %s, want %s", v.Hash(), sha)
	}
	if v, err := repo.Resolve("main"); err != nil || v.Hash() != sha {
		t.Errorf("main from the worktree = %v, %v", v, err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestMergeBase(t *testing.T) {
	r := gittest.New(t)
	root := r.Commit("root", map[string]string{"t.yaml": "a: 1\n"})
	r.Branch("feature")
	r.Commit("feature work", map[string]string{"t.yaml": "a: 2\n"})
	r.Checkout("main")
	r.Commit("main moves on", map[string]string{"other.yaml": "b: 1\n"})
	repo, err := Open(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	main, _ := repo.Resolve("main")
	feature, _ := repo.Resolve("feature")
	mb, err := repo.MergeBase(main, feature)
	if err != nil {
		t.Fatal(err)
	}
	if mb.Hash() != root {
		t.Errorf("merge base = %s, want the fork point %s", mb.Hash(), root)
	}
	// As in a pull request: main's own later changes are not in the diff.
	changes, err := repo.Changes(context.Background(), mb, feature, yamlOnly)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 || changes[0].Path != "t.yaml" {
		t.Errorf("changes since the merge base = %+v, want only t.yaml", changes)
	}
}

func TestShallowClone(t *testing.T) {
	r := gittest.New(t)
	first := r.Commit("one", map[string]string{"t.yaml": "a: 1\n"})
	r.Branch("feature")
	tip := r.Commit("two", map[string]string{"t.yaml": "a: 2\n"})
	r.MakeShallow(tip)
	repo, err := Open(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if !repo.Shallow() {
		t.Fatal("the repository is not seen as shallow")
	}
	t.Run("a base outside the clone asks for fetch-depth: 0", func(t *testing.T) {
		_, err := repo.Resolve(first)
		var re *RevisionError
		if !errors.As(err, &re) || !re.Shallow {
			t.Fatalf("err = %v, want a shallow RevisionError", err)
		}
		if !strings.Contains(err.Error(), "fetch-depth: 0") {
			t.Errorf("message %q does not say to set fetch-depth: 0", err)
		}
	})
	t.Run("a merge base beyond the clone's history asks for fetch-depth: 0", func(t *testing.T) {
		head, err := repo.Resolve("feature")
		if err != nil {
			t.Fatal(err)
		}
		// main points at the dropped commit: resolving it fails first.
		if _, err := repo.Resolve("main"); err == nil || !strings.Contains(err.Error(), "fetch-depth: 0") {
			t.Errorf("Resolve(main) = %v, want the shallow message", err)
		}
		if _, err := repo.MergeBase(head, head); err != nil {
			t.Errorf("the merge base of a commit with itself needs no history: %v", err)
		}
	})
}
