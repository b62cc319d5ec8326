package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// Verdict is what cfn-lint said about one file.
type Verdict struct {
	// SHA256 is of the file's content when it was linted; a changed file
	// is linted again.
	SHA256  string `json:"sha256"`
	CfnLint string `json:"cfnLint"`
	// Accepts is true when cfn-lint reported no error-level match.
	Accepts  bool        `json:"accepts"`
	Errors   []LintMatch `json:"errors,omitempty"`
	Warnings int         `json:"warnings"`
	Infos    int         `json:"infos"`
	// Failure is set when cfn-lint itself failed on the file.
	Failure string `json:"failure,omitempty"`
}

// LintMatch is one error-level cfn-lint match.
type LintMatch struct {
	Rule    string `json:"rule"`
	Line    int    `json:"line"`
	Message string `json:"message"`
}

// Codes lists the distinct rule IDs of the errors, sorted.
func (v *Verdict) Codes() []string {
	set := map[string]bool{}
	for _, m := range v.Errors {
		set[m.Rule] = true
	}
	out := make([]string, 0, len(set))
	for r := range set {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// String is the one-line verdict the text report prints.
func (v *Verdict) String() string {
	switch {
	case v == nil:
		return "cfn-lint: not run"
	case v.Failure != "":
		return "cfn-lint: failed (" + v.Failure + ")"
	case v.Accepts:
		return fmt.Sprintf("cfn-lint: accepts (%d warnings)", v.Warnings)
	}
	return "cfn-lint: rejects " + strings.Join(v.Codes(), ",")
}

// verdictCache is the cache file's shape: verdicts by absolute path.
type verdictCache struct {
	Version int                 `json:"version"`
	Files   map[string]*Verdict `json:"files"`
}

type linter struct {
	cachePath string
	batch     int
	log       io.Writer
	version   string
	cache     verdictCache
}

func (l *linter) load() error {
	l.cache = verdictCache{Version: 1, Files: map[string]*Verdict{}}
	out, err := exec.Command("cfn-lint", "--version").Output()
	if err != nil {
		return fmt.Errorf("cfn-lint is not installed or does not run (pip install cfn-lint): %v", err)
	}
	l.version = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(out)), "cfn-lint"))
	if l.cachePath == "" {
		return nil
	}
	data, err := os.ReadFile(l.cachePath)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, &l.cache); err != nil {
		return fmt.Errorf("%s: %w (delete it to start afresh)", l.cachePath, err)
	}
	if l.cache.Files == nil {
		l.cache.Files = map[string]*Verdict{}
	}
	return nil
}

func (l *linter) save() error {
	if l.cachePath == "" {
		return nil
	}
	data, err := json.MarshalIndent(l.cache, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(l.cachePath, append(data, '\n'), 0o644)
}

// judge attaches a verdict to the flagged files (or every file), linting
// only those the cache does not hold for this content and version.
func (l *linter) judge(r *Run, all bool) error {
	type job struct {
		file *File
		path string
		sum  string
	}
	var todo []job
	var attach []job
	for _, c := range r.Corpora {
		for _, f := range c.Files {
			if !all && !flagged(f) {
				continue
			}
			p := filepath.Join(c.Root, filepath.FromSlash(f.Path))
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			j := job{f, p, hex.EncodeToString(sum[:])}
			attach = append(attach, j)
			if v := l.cache.Files[p]; v == nil || v.SHA256 != j.sum || v.CfnLint != l.version {
				todo = append(todo, j)
			}
		}
	}
	if len(todo) > 0 {
		fmt.Fprintf(l.log, "cfn-lint %s on %d files (%d cached)\n", l.version, len(todo), len(attach)-len(todo))
	}
	for start := 0; start < len(todo); start += l.batch {
		end := min(start+l.batch, len(todo))
		paths := make([]string, 0, end-start)
		for _, j := range todo[start:end] {
			paths = append(paths, j.path)
		}
		got, err := l.lint(paths)
		if err != nil && len(paths) > 1 {
			// One file broke the batch: lint them one by one.
			got = map[string]*Verdict{}
			for _, p := range paths {
				one, err := l.lint([]string{p})
				if err != nil {
					got[p] = &Verdict{Failure: err.Error()}
					continue
				}
				got[p] = one[p]
			}
		} else if err != nil {
			got = map[string]*Verdict{paths[0]: {Failure: err.Error()}}
		}
		for _, j := range todo[start:end] {
			v := got[j.path]
			v.SHA256, v.CfnLint = j.sum, l.version
			l.cache.Files[j.path] = v
		}
		fmt.Fprintf(l.log, "cfn-lint: %d of %d files\n", end, len(todo))
		if err := l.save(); err != nil { // keep what is done if interrupted
			return err
		}
	}
	for _, j := range attach {
		j.file.CfnLint = l.cache.Files[j.path]
	}
	return nil
}

// flagged is whether a file has a finding that says tollgate could not read
// it as a template, the files whose cfn-lint verdict matters most.
func flagged(f *File) bool {
	for _, x := range f.Findings {
		if x.Code == "PARSE_ERROR" || x.Code == "INVALID_TEMPLATE" {
			return true
		}
	}
	return f.Error != ""
}

// cfnLintMatch is the part of cfn-lint's JSON output read here.
type cfnLintMatch struct {
	Filename string `json:"Filename"`
	Level    string `json:"Level"`
	Message  string `json:"Message"`
	Location struct {
		Start struct {
			LineNumber int `json:"LineNumber"`
		} `json:"Start"`
	} `json:"Location"`
	Rule struct {
		ID string `json:"Id"`
	} `json:"Rule"`
}

// lint runs one cfn-lint process on paths and returns a verdict for each.
func (l *linter) lint(paths []string) (map[string]*Verdict, error) {
	args := append([]string{"--format", "json", "--non-zero-exit-code", "none", "--"}, paths...)
	cmd := exec.Command("cfn-lint", args...)
	// From an empty folder, so no .cfnlintrc of a corpus applies.
	cmd.Dir = os.TempDir()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%v: %s", err, lastLine(stderr.String()))
	}
	return parseLint(stdout.Bytes(), paths)
}

// parseLint turns cfn-lint's JSON matches into one verdict per path.
func parseLint(out []byte, paths []string) (map[string]*Verdict, error) {
	var matches []cfnLintMatch
	if err := json.Unmarshal(out, &matches); err != nil {
		return nil, fmt.Errorf("cfn-lint output is not JSON: %v", err)
	}
	got := make(map[string]*Verdict, len(paths))
	for _, p := range paths {
		got[p] = &Verdict{Accepts: true}
	}
	for _, m := range matches {
		v := got[m.Filename]
		if v == nil {
			return nil, fmt.Errorf("cfn-lint reported on %q, which it was not given", m.Filename)
		}
		switch m.Level {
		case "Error":
			v.Accepts = false
			v.Errors = append(v.Errors, LintMatch{Rule: m.Rule.ID, Line: m.Location.Start.LineNumber, Message: m.Message})
		case "Warning":
			v.Warnings++
		default:
			v.Infos++
		}
	}
	return got, nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
