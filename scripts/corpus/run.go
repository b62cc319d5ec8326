package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Run is one harness run over one or more corpora; its JSON form is what
// compare reads, so its field names are a contract.
type Run struct {
	Version      int      `json:"version"`
	Tollgate     string   `json:"tollgate,omitempty"`
	TollgateArgs []string `json:"tollgateArgs,omitempty"`
	// As is how files reached tollgate: "named" on its command line, or
	// "found" by a folder scan (discovery's rules for what is a template
	// differ between the two).
	As      string    `json:"as,omitempty"`
	Corpora []*Corpus `json:"corpora"`
}

// Corpus is one folder of templates.
type Corpus struct {
	// Name is the folder as given on the command line; compare pairs
	// corpora by it.
	Name  string  `json:"name"`
	Root  string  `json:"root"`
	Files []*File `json:"files"`
}

// File is what tollgate said about one candidate file.
type File struct {
	// Path is slash-separated and relative to the corpus root.
	Path string `json:"path"`
	// Template is whether tollgate read the file as a template (files it
	// skips as "not a template" count as candidates only).
	Template bool `json:"template"`
	// Exit is tollgate's exit status; Error its standard error when the
	// status was neither 0 nor 1 or the output was not its JSON.
	Exit     int       `json:"exit"`
	Error    string    `json:"error,omitempty"`
	Millis   float64   `json:"ms"`
	Findings []Finding `json:"findings,omitempty"`
	Notices  []string  `json:"notices,omitempty"`
	CfnLint  *Verdict  `json:"cfnLint,omitempty"`
}

// Finding is the part of tollgate's JSON finding the harness keeps.
type Finding struct {
	Code         string `json:"code"`
	Type         string `json:"type"`
	Message      string `json:"message"`
	Line         int    `json:"line"`
	Column       int    `json:"column"`
	Resource     string `json:"resource,omitempty"`
	ResourceType string `json:"resourceType,omitempty"`
	Path         string `json:"path,omitempty"`
	Branch       string `json:"branch,omitempty"`
	Policy       string `json:"policy,omitempty"`
	Blocking     bool   `json:"blocking"`
}

// tollgateOutput is the part of `tollgate check --format json` read here.
type tollgateOutput struct {
	Findings []Finding `json:"findings"`
	Summary  struct {
		Templates int `json:"templates"`
	} `json:"summary"`
	Notices []string `json:"notices"`
	Errors  []string `json:"errors"`
}

// templateExts are the extensions tollgate's discovery reads.
var templateExts = map[string]bool{".yaml": true, ".yml": true, ".json": true, ".template": true}

// candidates lists the files under root tollgate would consider, sorted.
// Hidden folders and node_modules are skipped as tollgate skips them.
func candidates(root string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (strings.HasPrefix(name, ".") || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && templateExts[strings.ToLower(filepath.Ext(name))] {
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// checkCorpus runs tollgate once per candidate file of dir; found runs it
// as a scan of the corpus that includes only that file.
func checkCorpus(binary, dir string, extra []string, workers int, found bool) (*Corpus, error) {
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(root); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("%s is not a folder", dir)
	}
	for _, cfg := range []string{".tollgate.yml", ".tollgate.yaml"} {
		if _, err := os.Stat(filepath.Join(root, cfg)); err == nil {
			return nil, fmt.Errorf("%s has a %s that would change the run; copy the corpus without it", dir, cfg)
		}
	}
	paths, err := candidates(root)
	if err != nil {
		return nil, err
	}
	c := &Corpus{Name: filepath.ToSlash(filepath.Clean(dir)), Root: root, Files: make([]*File, len(paths))}
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				c.Files[i] = checkFile(binary, root, paths[i], extra, found)
			}
		}()
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()
	return c, nil
}

// checkFile runs tollgate on one file, from the corpus root so that the
// file names in its output are the relative paths. With found, tollgate
// scans the corpus root with a configuration whose include is the file:
// it judges the file as a scan of the repository would.
func checkFile(binary, root, rel string, extra []string, found bool) *File {
	args := append([]string{"check", "--format", "json", "--no-color"}, extra...)
	if found {
		cfg, err := includeOnly(rel)
		if err != nil {
			return &File{Path: rel, Exit: -1, Error: err.Error()}
		}
		defer os.Remove(cfg)
		args = append(args, "--config", cfg, ".")
	} else {
		args = append(args, filepath.FromSlash(rel))
	}
	cmd := exec.Command(binary, args...)
	cmd.Dir = root
	// An empty environment except PATH and HOME: no AWS_* or TOLLGATE_*
	// variable of the caller's shell may change what is measured.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "NO_COLOR=1"}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	f := &File{Path: rel, Millis: float64(time.Since(start).Microseconds()) / 1000}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		f.Exit = exit.ExitCode()
	default:
		f.Exit = -1
		f.Error = err.Error()
		return f
	}
	var out tollgateOutput
	if jerr := json.Unmarshal(stdout.Bytes(), &out); jerr != nil || (f.Exit != 0 && f.Exit != 1) {
		f.Error = strings.TrimSpace(stderr.String())
		if jerr != nil && f.Error == "" {
			f.Error = "output is not tollgate's JSON: " + jerr.Error()
		}
		return f
	}
	f.Template = out.Summary.Templates > 0
	f.Findings = out.Findings
	f.Notices = append(out.Notices, out.Errors...)
	return f
}

// includeOnly writes a temporary tollgate configuration (outside the
// corpus, which stays untouched) whose include matches exactly rel.
func includeOnly(rel string) (string, error) {
	f, err := os.CreateTemp("", "corpus-include-*.yml")
	if err != nil {
		return "", err
	}
	quoted, _ := json.Marshal(globEscape(rel)) // a JSON string is a YAML string
	_, err = fmt.Fprintf(f, "version: 1\ninclude: [%s]\n", quoted)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// globEscape makes a path a doublestar pattern that matches only itself.
func globEscape(p string) string {
	var b strings.Builder
	for _, r := range p {
		if strings.ContainsRune(`*?[]{}\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// buildTollgate builds ./cmd/tollgate of the module in the working folder.
func buildTollgate() (string, func(), error) {
	dir, err := os.MkdirTemp("", "corpus-tollgate-")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	bin := filepath.Join(dir, "tollgate")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/tollgate")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("building ./cmd/tollgate (run from the repository root, or pass -tollgate): %w", err)
	}
	return bin, cleanup, nil
}

// tollgateVersion is the first line of `tollgate version`.
func tollgateVersion(binary string) (string, error) {
	out, err := exec.Command(binary, "version").Output()
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line, nil
}

func writeJSON(path string, r *Run) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", " ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

func readJSON(path string) (*Run, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Run
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if r.Version != 1 {
		return nil, fmt.Errorf("%s: not a corpus run (version %d)", path, r.Version)
	}
	return &r, nil
}
