package engine

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/gitrepo"
	"github.com/tollgate-dev/tollgate/template"
)

// rootFS is the folder whose files a template's Rain directives may read:
// fs.FS paths cannot climb out of it, and symlinks that lead out of it are
// refused, so a pull request cannot make tollgate read (and quote) files
// elsewhere on the machine.
type rootFS struct {
	root string // real, absolute
}

// errOutside is returned for a path whose real target is outside the root,
// or hidden in it.
var errOutside = errors.New("outside the folder being checked")

func (r rootFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	full := filepath.Join(r.root, filepath.FromSlash(name))
	real, err := filepath.EvalSymlinks(full)
	if err != nil {
		return nil, err
	}
	rel, err := filepath.Rel(r.root, real)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errOutside}
	}
	// A link to .git/config (the checkout's token) is as hidden as the file.
	if hiddenSegment(filepath.ToSlash(rel)) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errOutside}
	}
	return os.Open(real)
}

// filesFor returns the folder a template's Rain directives and nested
// stacks may read, and the template's own folder inside it: in an fs.FS
// (fsys not nil) the FS itself without its hidden files; on the OS the
// working directory when the template is under it (a repository checkout),
// else the path the user named.
func filesFor(fsys fs.FS, c candidate) (fs.FS, string) {
	if fsys != nil {
		return hiddenFS{fsys}, path.Dir(c.Path)
	}
	abs, err := filepath.Abs(c.Path)
	if err != nil {
		return nil, ""
	}
	roots := []string{}
	if wd, err := os.Getwd(); err == nil {
		roots = append(roots, wd)
	}
	if c.Root != "" {
		roots = append(roots, c.Root)
	}
	roots = append(roots, filepath.Dir(abs))
	for _, root := range roots {
		real, err := filepath.EvalSymlinks(root)
		if err != nil {
			continue
		}
		realFile, err := filepath.EvalSymlinks(filepath.Dir(abs))
		if err != nil {
			return nil, ""
		}
		rel, err := filepath.Rel(real, realFile)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			continue
		}
		return rootFS{root: real}, filepath.ToSlash(rel)
	}
	return nil, ""
}

// revisionFS reads the files of a git revision, for the Rain directives of
// a template at that revision (the base of a diff): modules as they were.
type revisionFS struct {
	repo *gitrepo.Repo
	rev  *gitrepo.Revision
}

func (r revisionFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	data, size, err := r.repo.ReadFile(r.rev, name, template.MaxSize)
	if err != nil {
		if errors.Is(err, gitrepo.ErrNotExist) {
			err = fs.ErrNotExist
		}
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	if data == nil && size > 0 {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errors.New("too large")}
	}
	return &memFile{Reader: bytes.NewReader(data), name: path.Base(name), size: int64(len(data))}, nil
}

// memFile is a file read into memory.
type memFile struct {
	*bytes.Reader
	name string
	size int64
}

func (f *memFile) Stat() (fs.FileInfo, error) { return memInfo{f.name, f.size}, nil }
func (f *memFile) Close() error               { return nil }

type memInfo struct {
	name string
	size int64
}

func (i memInfo) Name() string       { return i.name }
func (i memInfo) Size() int64        { return i.size }
func (i memInfo) Mode() fs.FileMode  { return 0o444 }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }

// Where the engine reads templates: Options.FS, or, when that is nil, the
// operating system's files with paths as given (absolute, relative, or
// outside the working directory), symlinks resolved and confined to the
// folder walked. The helpers below take the FS (nil for the OS), so
// discovery, reading a template, its Rain directives and its nested stacks
// go through one place.
//
// An fs.FS holds slash-separated, unrooted paths (fs.ValidPath): a path
// given outside it (absolute, or climbing out with "..") is a usage error.
// Links in it are not followed: a symlinked entry is skipped with a notice,
// since an fs.FS cannot say where a link leads without reading through it.

// placedError is an error about a place, which a run reports as that
// notice (its text is the notice's).
type placedError struct {
	notice template.Notice
	err    error
}

func (e *placedError) Error() string { return e.notice.String() }
func (e *placedError) Unwrap() error { return e.err }

// noticeOf is the error as a run's error: at its place when it has one
// (a placedError, a parameters file's error).
func noticeOf(err error) template.Notice {
	var pe *placedError
	if errors.As(err, &pe) {
		return pe.notice
	}
	var pf *template.ParameterFileError
	if errors.As(err, &pf) {
		return template.Notice{Span: pf.Span, Message: pf.Msg}
	}
	return template.Noticef("%s", err)
}

// errNotInFS is a path an fs.FS cannot hold.
var errNotInFS = errors.New("not inside the file system being checked (give a relative path without ..)")

// fsPath turns a path given by the user into a path of fsys.
func fsPath(p string) (string, error) {
	q := path.Clean(filepath.ToSlash(p))
	if !fs.ValidPath(q) {
		return "", errNotInFS
	}
	return q, nil
}

func statPath(fsys fs.FS, p string) (fs.FileInfo, error) {
	if fsys == nil {
		return os.Stat(p)
	}
	return fs.Stat(fsys, p)
}

func readDir(fsys fs.FS, dir string) ([]fs.DirEntry, error) {
	if fsys == nil {
		return os.ReadDir(dir)
	}
	return fs.ReadDir(fsys, dir)
}

func openPath(fsys fs.FS, p string) (fs.File, error) {
	if fsys == nil {
		return os.Open(p)
	}
	return fsys.Open(p)
}

func readPath(fsys fs.FS, p string) ([]byte, error) {
	if fsys == nil {
		return os.ReadFile(p)
	}
	return fs.ReadFile(fsys, p)
}

// joinPath is dir/name in the FS's syntax.
func joinPath(fsys fs.FS, dir, name string) string {
	if fsys == nil {
		return filepath.Join(dir, name)
	}
	return path.Join(dir, name)
}

// realPath is where p really is: the absolute path with links resolved on
// the OS, the cleaned path in an FS (which has no links to follow).
func realPath(fsys fs.FS, p string) (string, error) {
	if fsys != nil {
		return path.Clean(p), nil
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}

// hiddenFS refuses paths with a hidden segment (.git/config holds the
// checkout's token), as rootFS does on the OS.
type hiddenFS struct{ fsys fs.FS }

func (h hiddenFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if hiddenSegment(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errOutside}
	}
	return h.fsys.Open(name)
}

// hiddenSegment reports whether a slash-separated path has a segment that
// starts with a dot.
func hiddenSegment(p string) bool {
	for _, seg := range strings.Split(p, "/") {
		if strings.HasPrefix(seg, ".") && seg != "." {
			return true
		}
	}
	return false
}

// linkNotFollowed is the notice for a symlink met in an fs.FS.
func linkNotFollowed(p string) string {
	return fmt.Sprintf("skipped %s: it is a symlink, and links are not followed in the file system being checked", displayPath(p))
}

// cleanPath is filepath.Clean on the OS, path.Clean in an FS.
func cleanPath(fsys fs.FS, p string) string {
	if fsys == nil {
		return filepath.Clean(p)
	}
	return path.Clean(p)
}
