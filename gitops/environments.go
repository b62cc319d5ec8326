package gitops

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// Environment is a deployment target: the branches that deploy to it, where
// (accounts, Regions, role), what (stacks) and behind which gate.
type Environment struct {
	Name string
	// Branches select the branches that deploy here; PullRequests selects
	// pull request runs of any branch (preview environments).
	Branches     []Pattern
	PullRequests bool
	// After chains environments on the same branch: this one deploys once
	// the named one has (trunk: main → staging → production).
	After    string
	Accounts []string
	Regions  []string
	// Role is the role to assume for deploys here.
	Role string
	// Parameters is the parameters file of stacks that name none.
	Parameters string
	Stacks     []Stack
	// PerBranch lists branches whose stacks get the branch in their name, so
	// deployments of two branches never overwrite each other.
	PerBranch []Pattern
	Gate      Gate
}

// Stack maps a template to a stack.
type Stack struct {
	Template   string
	Name       string
	Parameters string
	Tags       map[string]string
}

// Gate says what must hold before a deploy runs.
type Gate struct {
	// Approval is "github-environment" (GitHub Environment protection rules
	// approve) or "" for none.
	Approval string
	// Require is "no-blocking-findings" or "" for none.
	Require string
}

// Gate values.
const (
	ApprovalGitHubEnvironment = "github-environment"
	RequireNoBlockingFindings = "no-blocking-findings"
)

// Pattern matches branch names: a glob as GitHub writes them ("*" within a
// path segment, "**" across segments, "?", "[...]"), a regular expression
// after "re:", and either negated by a leading "!".
type Pattern struct {
	Text   string
	negate bool
	re     *regexp.Regexp
	glob   string
}

// ParsePattern reads a branch pattern.
func ParsePattern(s string) (Pattern, error) {
	p := Pattern{Text: s}
	body := s
	if strings.HasPrefix(body, "!") {
		p.negate, body = true, body[1:]
	}
	if expr, ok := strings.CutPrefix(body, "re:"); ok {
		re, err := regexp.Compile(expr)
		if err != nil {
			return p, fmt.Errorf("branch pattern %q: %v", s, err)
		}
		p.re = re
		return p, nil
	}
	if body == "" {
		return p, fmt.Errorf("branch pattern %q is empty", s)
	}
	if !doublestar.ValidatePattern(body) {
		return p, fmt.Errorf("branch pattern %q is not a valid glob", s)
	}
	p.glob = body
	return p, nil
}

// matches reports whether the pattern (ignoring negation) matches branch.
func (p Pattern) matches(branch string) bool {
	if p.re != nil {
		return p.re.MatchString(branch)
	}
	ok, _ := doublestar.Match(p.glob, branch)
	return ok
}

// matchAll applies a list of patterns in order, as GitHub does: a branch
// matches when the last pattern that matches it is not negated.
func matchAll(ps []Pattern, branch string) (bool, string) {
	matched, by := false, ""
	for _, p := range ps {
		if p.matches(branch) {
			matched, by = !p.negate, p.Text
		}
	}
	return matched, by
}

// Mapping is the ordered list of environments of a repository.
type Mapping struct {
	Environments []*Environment
}

// Match is the outcome of mapping a run to environments.
type Match struct {
	// Environments deploy in this order (a promotion chain on trunk).
	Environments []*Environment
	// Why says which rule matched, for `tollgate plan --explain`.
	Why string
}

// Resolve maps a branch (and whether the run is a pull request) to its
// environments. The first environment whose patterns match wins; the ones
// chained after it with After follow.
func (m *Mapping) Resolve(branch string, pullRequest bool) Match {
	for _, e := range m.Environments {
		if e.After != "" {
			continue
		}
		var why string
		switch {
		case pullRequest && e.PullRequests:
			why = fmt.Sprintf("pull requests deploy to %s", e.Name)
		case !pullRequest:
			ok, by := matchAll(e.Branches, branch)
			if !ok {
				continue
			}
			why = fmt.Sprintf("branch %q matches %q of environment %s", branch, by, e.Name)
		default:
			continue
		}
		chain := []*Environment{e}
		for next := m.after(e.Name); next != nil; next = m.after(next.Name) {
			chain = append(chain, next)
			why += fmt.Sprintf(", then %s after it", next.Name)
		}
		return Match{Environments: chain, Why: why}
	}
	if pullRequest {
		return Match{Why: "no environment takes pull requests"}
	}
	return Match{Why: fmt.Sprintf("branch %q matches no environment", branch)}
}

func (m *Mapping) after(name string) *Environment {
	for _, e := range m.Environments {
		if e.After == name {
			return e
		}
	}
	return nil
}

// Environment returns the environment with the given name, or nil.
func (m *Mapping) Environment(name string) *Environment {
	for _, e := range m.Environments {
		if e.Name == name {
			return e
		}
	}
	return nil
}

// PerBranchNames reports whether stacks of e deployed from branch are named
// after it (and pull request runs of a preview environment after the PR).
func (e *Environment) PerBranchNames(branch string, pullRequest bool) bool {
	if pullRequest && e.PullRequests {
		return true
	}
	ok, _ := matchAll(e.PerBranch, branch)
	return ok
}

// Validate finds what makes a mapping ambiguous or broken: duplicate names,
// After naming nothing or forming a loop, and two environments whose branch
// patterns overlap (a branch would deploy to both, and "first match wins"
// would hide the second); environments chained with After may share them.
func (m *Mapping) Validate() error {
	var errs MappingErrors
	add := func(env, field, format string, args ...any) {
		errs = append(errs, &MappingError{Environment: env, Field: field, Message: fmt.Sprintf(format, args...)})
	}
	names := map[string]bool{}
	for _, e := range m.Environments {
		if names[e.Name] {
			add(e.Name, "name", "environment %s is defined twice", e.Name)
		}
		names[e.Name] = true
		if e.Gate.Approval != "" && e.Gate.Approval != ApprovalGitHubEnvironment {
			add(e.Name, "gate", "environment %s: gate approval %q is not %q", e.Name, e.Gate.Approval, ApprovalGitHubEnvironment)
		}
		if e.Gate.Require != "" && e.Gate.Require != RequireNoBlockingFindings {
			add(e.Name, "gate", "environment %s: gate require %q is not %q", e.Name, e.Gate.Require, RequireNoBlockingFindings)
		}
	}
	for _, e := range m.Environments {
		if e.After == "" {
			continue
		}
		if !names[e.After] {
			add(e.Name, "after", "environment %s: after names %q, which is not an environment", e.Name, e.After)
			continue
		}
		seen := map[string]bool{e.Name: true}
		for cur := m.Environment(e.After); cur != nil && cur.After != ""; cur = m.Environment(cur.After) {
			if seen[cur.Name] {
				add(e.Name, "after", "environment %s: after forms a loop through %s", e.Name, cur.Name)
				break
			}
			seen[cur.Name] = true
		}
	}
	roots := []*Environment{}
	for _, e := range m.Environments {
		if e.After == "" {
			roots = append(roots, e)
		}
	}
	for i, a := range roots {
		for _, b := range roots[i+1:] {
			if w, pa, pb, ok := overlap(a.Branches, b.Branches); ok {
				add(b.Name, "branches", "environments %s (branch pattern %q) and %s (branch pattern %q) both match branches such as %q; "+
					"make the patterns disjoint (a \"!\" pattern can exclude), or chain one after the other with after:", a.Name, pa, b.Name, pb, w)
			}
			if a.PullRequests && b.PullRequests {
				add(b.Name, "pull-requests", "environments %s and %s both take pull requests", a.Name, b.Name)
			}
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// MappingError is one problem with the environments of a configuration,
// naming the environment and field it is about so a caller can point at
// the line.
type MappingError struct {
	Environment, Field, Message string
}

func (e *MappingError) Error() string { return e.Message }

// MappingErrors are every problem Validate found.
type MappingErrors []*MappingError

func (es MappingErrors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Message
	}
	return strings.Join(parts, "; ")
}

// overlap looks for a branch both pattern lists accept, trying witnesses
// made from every pattern (a glob with its wildcards filled in; a regular
// expression's literal prefix). It cannot prove two regular expressions
// disjoint, so it only reports what it can show.
func overlap(a, b []Pattern) (witness, pa, pb string, ok bool) {
	for _, w := range append(witnesses(a), witnesses(b)...) {
		okA, byA := matchAll(a, w)
		okB, byB := matchAll(b, w)
		if okA && okB {
			return w, byA, byB, true
		}
	}
	return "", "", "", false
}

var globFill = strings.NewReplacer("**", "x/y", "*", "x", "?", "x")

func witnesses(ps []Pattern) []string {
	var out []string
	for _, p := range ps {
		if p.negate {
			continue
		}
		if p.re != nil {
			lit := ""
			if re, err := regexp.Compile(strings.TrimPrefix(p.re.String(), "^")); err == nil {
				lit, _ = re.LiteralPrefix()
			}
			out = append(out, lit, lit+"x", lit+"1", lit+"1.0")
			continue
		}
		w := globFill.Replace(regexp.MustCompile(`\[[^\]]*\]`).ReplaceAllStringFunc(p.glob, func(class string) string {
			c := strings.TrimPrefix(strings.Trim(class, "[]"), "!")
			if c == "" || strings.HasPrefix(class, "[!") || strings.HasPrefix(class, "[^") {
				return "q"
			}
			return c[:1]
		}))
		out = append(out, w, path.Clean(w))
	}
	sort.Strings(out)
	return out
}
