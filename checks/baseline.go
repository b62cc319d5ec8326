package checks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
)

// A baseline records the findings a repository had when it adopted
// tollgate, so that only new findings count. Findings are identified by file
// and fingerprint (code, resource, path and subject: not the line), so
// unrelated edits that move a finding do not make it new.

// BaselineVersion is the format version written and read.
const BaselineVersion = 1

// Baseline is the content of a baseline file.
type Baseline struct {
	Version  int             `json:"version"`
	Tool     string          `json:"tool"`
	Findings []BaselineEntry `json:"findings"`

	index map[baselineKey]int
}

// BaselineEntry is one recorded finding. Code, Resource and Message are for
// the people reading the file; only File and Fingerprint match.
type BaselineEntry struct {
	File        string `json:"file"`
	Fingerprint string `json:"fingerprint"`
	Code        string `json:"code"`
	Resource    string `json:"resource,omitempty"`
	Message     string `json:"message"`
}

type baselineKey struct{ file, fingerprint string }

// NewBaseline records findings, leaving out those suppressed in the
// template itself (they need no baseline) and keeping those a previous
// baseline suppressed.
func NewBaseline(fs []Finding) *Baseline {
	b := &Baseline{Version: BaselineVersion, Tool: "tollgate", Findings: []BaselineEntry{}}
	seen := map[baselineKey]bool{}
	for _, f := range fs {
		if f.Suppression != nil && f.Suppression.Kind == "inline" {
			continue
		}
		k := baselineKey{f.File, f.Fingerprint}
		if seen[k] {
			continue
		}
		seen[k] = true
		b.Findings = append(b.Findings, BaselineEntry{File: f.File, Fingerprint: f.Fingerprint, Code: f.Code, Resource: f.Resource, Message: f.Message})
	}
	sort.Slice(b.Findings, func(i, j int) bool {
		a, c := b.Findings[i], b.Findings[j]
		if a.File != c.File {
			return a.File < c.File
		}
		return a.Fingerprint < c.Fingerprint
	})
	return b
}

// Keep adds the entries of old for files that keep reports as not checked
// in this run, so that rewriting a baseline from a run over some folders
// does not forget the others.
func (b *Baseline) Keep(old *Baseline, keep func(file string) bool) {
	have := map[baselineKey]bool{}
	for _, e := range b.Findings {
		have[baselineKey{e.File, e.Fingerprint}] = true
	}
	for _, e := range old.Findings {
		if k := (baselineKey{e.File, e.Fingerprint}); keep(e.File) && !have[k] {
			have[k] = true
			b.Findings = append(b.Findings, e)
		}
	}
	sort.Slice(b.Findings, func(i, j int) bool {
		a, c := b.Findings[i], b.Findings[j]
		if a.File != c.File {
			return a.File < c.File
		}
		return a.Fingerprint < c.Fingerprint
	})
}

// Write writes the baseline as indented JSON; the output is stable, so a
// rewritten baseline diffs cleanly.
func (b *Baseline) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(b)
}

// ParseBaseline reads a baseline from its text; file names it in errors.
func ParseBaseline(file string, data []byte) (*Baseline, error) {
	var b Baseline
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("%s: not a tollgate baseline (%v); rewrite it with tollgate check --write-baseline %s", file, err, file)
	}
	if b.Version != BaselineVersion {
		return nil, fmt.Errorf("%s: baseline version %d is not supported (this tollgate reads version %d); rewrite it with tollgate check --write-baseline %s",
			file, b.Version, BaselineVersion, file)
	}
	b.index = make(map[baselineKey]int, len(b.Findings))
	for i, e := range b.Findings {
		if e.File == "" || e.Fingerprint == "" {
			return nil, fmt.Errorf("%s: finding %d has no file or fingerprint; rewrite the baseline with tollgate check --write-baseline %s", file, i+1, file)
		}
		b.index[baselineKey{e.File, e.Fingerprint}] = i
	}
	return &b, nil
}

// Apply suppresses the findings the baseline records and returns the
// entries that matched nothing (fixed since, or renamed).
func (b *Baseline) Apply(fs []Finding, file string) (stale []BaselineEntry) {
	if b.index == nil {
		b.index = map[baselineKey]int{}
		for i, e := range b.Findings {
			b.index[baselineKey{e.File, e.Fingerprint}] = i
		}
	}
	used := make([]bool, len(b.Findings))
	for i := range fs {
		f := &fs[i]
		j, ok := b.index[baselineKey{f.File, f.Fingerprint}]
		if !ok {
			continue
		}
		used[j] = true
		if f.Suppression == nil {
			f.Suppression = &Suppression{Kind: "baseline", Reason: "recorded in the baseline " + file}
		}
	}
	for j, u := range used {
		if !u {
			stale = append(stale, b.Findings[j])
		}
	}
	return stale
}
