package engine

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// rootFS is the folder whose files a template's Rain directives may read:
// fs.FS paths cannot climb out of it, and symlinks that lead out of it are
// refused, so a pull request cannot make tollgate read (and quote) files
// elsewhere on the machine.
type rootFS struct {
	root string // real, absolute
}

// errOutside is returned for a path whose real target is outside the root.
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
	if rel, err := filepath.Rel(r.root, real); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errOutside}
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
