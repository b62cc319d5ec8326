// Package checks holds the finding model, the rule registry and the offline
// rules that examine templates and the IAM policies they declare.
package checks

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/tollgate-dev/tollgate/template"
)

// Type is how serious a finding is. The names follow IAM Access Analyzer's
// finding types.
type Type string

// Finding types, most serious first.
const (
	Error           Type = "ERROR"
	SecurityWarning Type = "SECURITY_WARNING"
	Warning         Type = "WARNING"
	Suggestion      Type = "SUGGESTION"
)

// Types lists the finding types, most serious first.
var Types = []Type{Error, SecurityWarning, Warning, Suggestion}

// ParseType reads a finding type, accepting any case and "-" for "_".
func ParseType(s string) (Type, error) {
	norm := Type(strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), "-", "_")))
	for _, t := range Types {
		if t == norm {
			return t, nil
		}
	}
	return "", fmt.Errorf("unknown finding type %q; expected one of ERROR, SECURITY_WARNING, WARNING, SUGGESTION", s)
}

// Rank orders types: 0 for ERROR up to 3 for SUGGESTION.
func (t Type) Rank() int {
	for i, x := range Types {
		if x == t {
			return i
		}
	}
	return len(Types)
}

// Sources of findings.
const (
	SourceOffline        = "offline"
	SourceAccessAnalyzer = "access-analyzer"
	SourceBoth           = "both"
	// SourceOnline marks findings of other AWS APIs (the CloudFormation registry).
	SourceOnline = "online"
)

// SpanAt is a finding's span in file from pos to endLine: a finding always
// names a line and a column, so unset ones read as 1.
func SpanAt(file string, pos template.Pos, endLine int) template.Span {
	return template.Span{File: file, Line: max(pos.Line, 1), Column: max(pos.Col, 1), EndLine: max(endLine, 1)}
}

// String is where the finding is, its code and its message: "a.yaml:3:7:
// INVALID_ACTION ...". (Without it a Finding would print as its Span.)
func (f Finding) String() string {
	return f.Span.String() + ": " + f.Code + " " + f.Message
}

// Finding is one problem at one place in one template.
type Finding struct {
	Code    string `json:"code"`
	Type    Type   `json:"type"`
	Message string `json:"message"`
	// Fix says how to resolve the finding.
	Fix string `json:"fix,omitempty"`
	// Span is where it is: file, line, column and last line (JSON file,
	// line, column, endLine).
	template.Span
	// Resource is the logical ID of the resource the finding is about.
	Resource     string `json:"resource,omitempty"`
	ResourceType string `json:"resourceType,omitempty"`
	// Path is the JSON path of the element inside the template.
	Path string `json:"path,omitempty"`
	// Branch names the conditions under which the finding holds, when the
	// template has undecidable Fn::If branches: "when IsProd is true".
	Branch string `json:"branch,omitempty"`
	// When is set when the finding holds only with parameter values other
	// than the defaults: one assignment that reaches it, "Stage=sandbox".
	// Findings that hold with the defaults have none. It is not part of
	// the fingerprint: which example value is named may change when the
	// template does.
	When string `json:"when,omitempty"`
	// Environment lists the gitops environments a finding holds in, when
	// the template was checked with each environment's parameters and the
	// finding does not hold in all of them: "production, staging".
	Environment string `json:"environment,omitempty"`
	// Policy names the policy the finding is in ("TrustPolicy", an inline
	// policy's name, "BucketPolicy"), as cfn-policy-validator names it;
	// PolicyPath is the element's path inside that policy document.
	Policy     string `json:"policy,omitempty"`
	PolicyPath string `json:"policyPath,omitempty"`
	// Principal is set when the finding is about what one principal can
	// do with all its policies: its logical ID (its name when the
	// template does not declare it).
	Principal string `json:"principal,omitempty"`
	Source    string `json:"source"`
	LearnMore string `json:"learnMore,omitempty"`
	Blocking  bool   `json:"blocking"`
	// Fingerprint identifies the finding across unrelated edits: it is made
	// of the code, resource, path (without list indexes) and subject, not
	// the line.
	Fingerprint string `json:"fingerprint"`
	// Suppression is set when the finding was suppressed, with the reason.
	Suppression *Suppression `json:"suppression,omitempty"`

	// subject is the offending value (an action name, a principal), used
	// for the fingerprint.
	subject string
	// merged marks findings of a merged evaluation (template.Merge) on a
	// value no single branch produced: less precise than the same finding
	// found in a combination checked one by one.
	merged bool
}

// Conditions describes when the finding holds, for renderers: "" when it
// holds with the template's defaults whatever its conditions, else "when
// Stage=sandbox", "when IsProd is true", or both joined; prefixed with
// the environments it holds in ("in staging, when …") when not all.
func (f *Finding) Conditions() string {
	c := f.conditions()
	if f.Environment == "" {
		return c
	}
	if c == "" {
		return "in " + f.Environment
	}
	return "in " + f.Environment + ", " + c
}

func (f *Finding) conditions() string { return Holds(f.Branch, f.When) }

// Holds describes a branch label ("when IsProd is true") and a parameter
// assignment ("Stage=sandbox") together: "when Stage=sandbox and IsProd
// is true"; "" when both are empty.
func Holds(branch, when string) string {
	switch {
	case when == "":
		return branch
	case branch == "":
		return "when " + when
	case strings.Contains(branch, " or "):
		return "when " + when + ", " + branch
	}
	return "when " + when + " and " + strings.TrimPrefix(branch, "when ")
}

// Suppression records why a finding does not count.
type Suppression struct {
	// Kind is "inline" (template Metadata), "baseline" or "config".
	Kind   string `json:"kind"`
	Reason string `json:"reason,omitempty"`
}

var indexRE = regexp.MustCompile(`\[\d+\]`)

// fingerprint computes the stable identity of f.
func fingerprint(f *Finding) string {
	h := sha256.New()
	for _, part := range []string{f.Code, f.File, f.Resource, indexRE.ReplaceAllString(f.Path, "[]"), f.subject, f.Branch} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Sort orders findings by file, line, column, code and message, and makes
// fingerprints unique within the list (a repeated one gets a "-2" suffix).
func Sort(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := &fs[i], &fs[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		return a.Message < b.Message
	})
	seen := map[string]int{}
	for i := range fs {
		fp := fs[i].Fingerprint
		if fp == "" {
			continue
		}
		if base, _, ok := strings.Cut(fp, "-"); ok {
			fp = base
		}
		seen[fp]++
		if n := seen[fp]; n > 1 {
			fs[i].Fingerprint = fmt.Sprintf("%s-%d", fp, n)
		} else {
			fs[i].Fingerprint = fp
		}
	}
}

// Finalize merges findings repeated across template branches, computes
// fingerprints and sorts. Every list of findings passes through it once.
func Finalize(fs []Finding) []Finding {
	fs = dedupe(fs)
	for i := range fs {
		if fs[i].Fingerprint == "" {
			fs[i].Fingerprint = fingerprint(&fs[i])
		}
	}
	Sort(fs)
	return fs
}

// dedupe merges findings with the same code, place, path and message, as
// happen when several branches of a template share a problem; the merged
// finding names every branch it holds in. A finding that holds with the
// defaults in any branch is one that holds with the defaults: the
// branches only non-default values reach are then left out of its label.
func dedupe(fs []Finding) []Finding {
	type key struct {
		code, file, path, msg string
		line, col             int
	}
	underDefaults := map[key]bool{}
	exact := map[key]bool{}
	for _, f := range fs {
		k := key{f.Code, f.File, f.Path, f.Message, f.Line, f.Column}
		if f.When == "" && !f.merged {
			underDefaults[k] = true
		}
		if !f.merged {
			exact[k] = true
		}
	}
	first := map[key]int{}
	out := fs[:0]
	for _, f := range fs {
		k := key{f.Code, f.File, f.Path, f.Message, f.Line, f.Column}
		if f.When != "" && underDefaults[k] || f.merged && exact[k] {
			continue
		}
		if i, ok := first[k]; ok {
			if out[i].When != f.When {
				// Both need non-default values: keep the first (the most
				// likely) assignment and its branches.
				continue
			}
			switch {
			case out[i].Branch == "": // already holds unconditionally
			case f.Branch == "":
				out[i].Branch = ""
			case !slices.Contains(strings.Split(out[i].Branch, " or "), f.Branch):
				out[i].Branch += " or " + f.Branch
			}
			continue
		}
		first[k] = len(out)
		out = append(out, f)
	}
	for i := range out {
		if strings.Contains(out[i].Branch, " or ") {
			out[i].Branch = simplifyBranches(strings.Split(out[i].Branch, " or "))
		}
	}
	return out
}

// simplifyBranches merges the branch labels a finding holds in ("when A is
// true and B is false"). When they cover every combination of the
// conditions that vary between them, the finding holds whatever those are,
// and only the conditions common to all labels remain.
func simplifyBranches(labels []string) string {
	assigns := make([]map[string]string, len(labels))
	for i, l := range labels {
		a := map[string]string{}
		for _, part := range strings.Split(strings.TrimPrefix(l, "when "), " and ") {
			name, value, ok := strings.Cut(part, " is ")
			if !ok {
				return strings.Join(labels, " or ")
			}
			a[name] = value
		}
		assigns[i] = a
	}
	vary := map[string]bool{}
	for name, v := range assigns[0] {
		for _, a := range assigns[1:] {
			if a[name] != v {
				vary[name] = true
			}
		}
	}
	for _, a := range assigns[1:] {
		if len(a) != len(assigns[0]) {
			return strings.Join(labels, " or ")
		}
	}
	distinct := map[string]bool{}
	for _, l := range labels {
		distinct[l] = true
	}
	if len(vary) >= 16 || len(distinct) != 1<<len(vary) {
		return strings.Join(labels, " or ")
	}
	var common []string
	for name, v := range assigns[0] {
		if !vary[name] {
			common = append(common, name+" is "+v)
		}
	}
	if len(common) == 0 {
		return ""
	}
	slices.Sort(common)
	return "when " + strings.Join(common, " and ")
}

// Merge adds findings of an online backend to offline ones. A finding both
// report (same code, file and line) is kept once, with the offline message
// (which carries our fix) and source "both".
func Merge(offline, online []Finding) []Finding {
	type key struct {
		code, file string
		line       int
	}
	// Several offline findings may share a key before Finalize merges
	// them (one per branch): each is marked.
	at := map[key][]int{}
	for i, f := range offline {
		k := key{f.Code, f.File, f.Line}
		at[k] = append(at[k], i)
	}
	out := append([]Finding(nil), offline...)
	for _, f := range online {
		if is, ok := at[key{f.Code, f.File, f.Line}]; ok {
			for _, i := range is {
				out[i].Source = SourceBoth
			}
			continue
		}
		out = append(out, f)
	}
	return Finalize(out)
}
