package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/tollgate-dev/tollgate/template"
)

// templateExts are the file extensions read as possible templates.
var templateExts = map[string]bool{".yaml": true, ".yml": true, ".json": true, ".template": true}

// skipDirs are folders never walked into: version control, dependencies and
// build output that duplicates the sources.
var skipDirs = map[string]bool{"node_modules": true, ".git": true, ".hg": true, ".svn": true,
	".terraform": true, ".aws-sam": true, "vendor": true, "__pycache__": true, ".venv": true}

// candidate is a file that may be a template.
type candidate struct {
	// Path is the file as reported: slash-separated, relative when given so.
	Path string
	// Explicit is set when the user named the file itself.
	Explicit bool
	// Stack is the CDK stack name, for cdk.out templates.
	Stack string
	// Root is the folder given on the command line that the file was found
	// in ("" for a file named itself).
	Root string
}

// discovery is the outcome of walking the paths.
type discovery struct {
	files   []candidate
	notices []template.Notice
	// errors are folders that could not be read: their templates were not
	// checked, so the run is incomplete (it fails, exit 3), never clean.
	errors []template.Notice
}

// UsageError is a problem with what the user asked for (a path that does not
// exist); the command exits with status 2.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usage marks the error as one of usage: the run exits with status 2.
func (e *UsageError) Usage() {}

// discover lists the candidate templates under paths, in fsys (nil for the
// OS: see files.go), in a stable order. include and exclude are doublestar
// patterns matched against the slash-separated path relative to the working
// directory (the root of fsys).
func discover(fsys fs.FS, paths, include, exclude []string) (*discovery, error) {
	for _, pats := range [][]string{include, exclude} {
		for _, p := range pats {
			if !doublestar.ValidatePattern(p) {
				return nil, &UsageError{fmt.Errorf("invalid glob pattern %q in include/exclude", p)}
			}
		}
	}
	d := &discovery{}
	seen := map[string]bool{}
	add := func(c candidate) {
		if seen[c.Path] {
			return
		}
		seen[c.Path] = true
		d.files = append(d.files, c)
	}
	for _, p := range paths {
		if fsys != nil {
			q, err := fsPath(p)
			if err != nil {
				return nil, &UsageError{fmt.Errorf("%s: %w", displayPath(p), err)}
			}
			p = q
		}
		info, err := statPath(fsys, p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, &UsageError{fmt.Errorf("%s: no such file or directory", displayPath(p))}
			}
			return nil, &UsageError{fmt.Errorf("%s: %w", displayPath(p), err)}
		}
		if !info.IsDir() {
			add(candidate{Path: filepath.ToSlash(filepath.Clean(p)), Explicit: true})
			continue
		}
		root, err := realPath(fsys, p)
		if err != nil {
			return nil, &UsageError{fmt.Errorf("%s: %w", displayPath(p), err)}
		}
		w := &walker{fsys: fsys, include: include, exclude: exclude, visited: map[string]bool{}, d: d, root: root}
		w.add = func(c candidate) { c.Root = root; add(c) }
		w.walk(cleanPath(fsys, p), 0)
	}
	sort.SliceStable(d.files, func(i, j int) bool { return d.files[i].Path < d.files[j].Path })
	return d, nil
}

type walker struct {
	fsys             fs.FS // nil: the OS
	include, exclude []string
	visited          map[string]bool
	d                *discovery
	add              func(candidate)
	// root is the real path of the folder being walked: symlinks that lead
	// out of it are not followed, so a pull request cannot make tollgate
	// read (and quote) files outside the repository, such as
	// /proc/self/environ.
	root string
}

// inside reports whether the real target of a link stays within the root.
func (w *walker) inside(link string) (string, bool) {
	real, err := filepath.EvalSymlinks(link)
	if err != nil {
		return "", false
	}
	if abs, err := filepath.Abs(real); err == nil {
		real = abs
	}
	rel, err := filepath.Rel(w.root, real)
	return real, err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// maxWalkDepth bounds folder nesting, as a guard against pathological trees.
const maxWalkDepth = 64

func (w *walker) walk(dir string, depth int) {
	if depth > maxWalkDepth {
		w.d.notices = append(w.d.notices, template.Noticef("skipped %s: folders nested deeper than %d levels", displayPath(dir), maxWalkDepth))
		return
	}
	real, err := realPath(w.fsys, dir)
	if err != nil {
		w.unreadable(dir, cleanErr(err))
		return
	}
	if w.visited[real] {
		// A symlink back into a folder already walked: a loop or a duplicate.
		w.d.notices = append(w.d.notices, template.Noticef("skipped %s: it is a symlink to a folder already read (%s)", displayPath(dir), w.describeLink(dir, real)))
		return
	}
	w.visited[real] = true
	entries, err := readDir(w.fsys, dir)
	if err != nil {
		w.unreadable(dir, cleanErr(err))
		return
	}
	stacks := cdkStacks(w.fsys, dir, entries)
	// Symlinked folders are walked after real ones, so a template reachable
	// both ways is reported under its real path.
	var linkedDirs []string
	for _, e := range entries {
		name := e.Name()
		full := joinPath(w.fsys, dir, name)
		typ := e.Type()
		linked := typ&fs.ModeSymlink != 0
		if linked && w.fsys != nil {
			w.d.notices = append(w.d.notices, template.Noticef("%s", linkNotFollowed(full)))
			continue
		}
		if linked {
			info, err := os.Stat(full)
			if err != nil {
				continue // a dangling link: nothing to read
			}
			if _, ok := w.inside(full); !ok {
				w.d.notices = append(w.d.notices, template.Noticef("skipped %s: it is a symlink to a place outside %s", displayPath(full), displayPath(w.root)))
				continue
			}
			typ = info.Mode().Type()
		}
		switch {
		case typ.IsDir() && linked:
			if !skipDirs[name] && !strings.HasPrefix(name, ".") {
				linkedDirs = append(linkedDirs, full)
			}
		case typ.IsDir():
			if skipDirs[name] || (strings.HasPrefix(name, ".") && name != ".") {
				continue
			}
			if stacks != nil && strings.HasPrefix(name, "asset.") {
				continue // CDK assets: bundled code, not templates
			}
			w.walk(full, depth+1)
		case typ.IsRegular():
			if !templateExts[strings.ToLower(filepath.Ext(name))] {
				continue
			}
			rel := filepath.ToSlash(full)
			if !w.matches(rel) {
				continue
			}
			if stacks != nil {
				if name == "manifest.json" || name == "tree.json" || name == "cdk.out" {
					continue
				}
				w.add(candidate{Path: rel, Stack: stacks[name]})
				continue
			}
			w.add(candidate{Path: rel})
		}
	}
	for _, d := range linkedDirs {
		w.walk(d, depth+1)
	}
}

// unreadable records a folder that could not be read.
func (w *walker) unreadable(dir string, err error) {
	w.d.errors = append(w.d.errors, template.Noticef("skipped %s: %v; the templates in it were not checked", displayPath(dir), err))
}

// describeLink says why a linked folder was already read: it contains the
// link (a loop) or it was reached another way.
func (w *walker) describeLink(dir, real string) string {
	abs, err := filepath.Abs(dir)
	if err == nil {
		if parent, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
			if rel, err := filepath.Rel(real, parent); err == nil && !strings.HasPrefix(rel, "..") {
				return "a symlink loop"
			}
		}
	}
	if wd, err := os.Getwd(); err == nil {
		if rwd, err := filepath.EvalSymlinks(wd); err == nil {
			if rel, err := filepath.Rel(rwd, real); err == nil && !strings.HasPrefix(rel, "..") {
				return displayPath(rel)
			}
		}
	}
	return displayPath(real)
}

func (w *walker) matches(rel string) bool {
	rel = strings.TrimPrefix(path.Clean(rel), "./")
	for _, p := range w.exclude {
		if ok, _ := doublestar.Match(p, rel); ok {
			return false
		}
	}
	if len(w.include) == 0 {
		return true
	}
	for _, p := range w.include {
		if ok, _ := doublestar.Match(p, rel); ok {
			return true
		}
	}
	return false
}

// cdkStacks reads a CDK cloud assembly's manifest.json (when dir is one) and
// maps template file names to stack names. It returns nil for other folders.
func cdkStacks(fsys fs.FS, dir string, entries []fs.DirEntry) map[string]string {
	hasManifest := false
	for _, e := range entries {
		if e.Name() == "manifest.json" {
			hasManifest = true
		}
	}
	if !hasManifest {
		return nil
	}
	data, err := readPath(fsys, joinPath(fsys, dir, "manifest.json"))
	if err != nil || len(data) > 16<<20 {
		return nil
	}
	var m struct {
		Artifacts map[string]struct {
			Type        string `json:"type"`
			DisplayName string `json:"displayName"`
			Properties  struct {
				TemplateFile string `json:"templateFile"`
				StackName    string `json:"stackName"`
			} `json:"properties"`
		} `json:"artifacts"`
	}
	if json.Unmarshal(data, &m) != nil || m.Artifacts == nil {
		return nil
	}
	out := map[string]string{}
	for id, a := range m.Artifacts {
		if a.Type != "aws:cloudformation:stack" || a.Properties.TemplateFile == "" {
			continue
		}
		name := a.Properties.StackName
		if name == "" {
			name = a.DisplayName
		}
		if name == "" {
			name = id
		}
		out[path.Base(a.Properties.TemplateFile)] = name
	}
	return out
}

// displayPath renders a path for messages. Renderers escape what is unsafe
// for their medium; this only normalises separators.
func displayPath(p string) string {
	return filepath.ToSlash(p)
}

// cleanErr drops the path prefix os errors repeat.
func cleanErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
