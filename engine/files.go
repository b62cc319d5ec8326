package engine

import (
	"bytes"
	"errors"
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
	for _, seg := range strings.Split(filepath.ToSlash(rel), "/") {
		if strings.HasPrefix(seg, ".") && seg != "." {
			return nil, &fs.PathError{Op: "open", Path: name, Err: errOutside}
		}
	}
	return os.Open(real)
}

// filesFor returns the folder a template's Rain directives may read, and the
// template's own folder inside it: the working directory when the template
// is under it (a repository checkout), else the path the user named.
func filesFor(c candidate) (fs.FS, string) {
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
