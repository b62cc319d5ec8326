package gitops

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tollgate-dev/tollgate/config"
)

// Presets are the branching models a configuration can name instead of
// listing environments.
var Presets = map[string]func() []*Environment{
	// GitFlow: main (or master) is production, behind an approval; develop,
	// feature, release and hotfix branches deploy to integration, each
	// feature branch to stacks of its own.
	"gitflow": func() []*Environment {
		return []*Environment{
			{Name: "production", Branches: mustPatterns("main", "master"),
				Gate: Gate{Approval: ApprovalGitHubEnvironment, Require: RequireNoBlockingFindings}},
			{Name: "integration", Branches: mustPatterns("develop", "feature/**", "release/**", "hotfix/**"),
				PerBranch: mustPatterns("feature/**"), Gate: Gate{Require: RequireNoBlockingFindings}},
		}
	},
	// GitHub flow: main is production; every pull request gets a preview
	// environment with stacks of its own.
	"github-flow": func() []*Environment {
		return []*Environment{
			{Name: "production", Branches: mustPatterns("main", "master"),
				Gate: Gate{Approval: ApprovalGitHubEnvironment, Require: RequireNoBlockingFindings}},
			{Name: "preview", PullRequests: true, Gate: Gate{Require: RequireNoBlockingFindings}},
		}
	},
	// Trunk-based: main deploys to staging, then to production behind an
	// approval.
	"trunk": func() []*Environment {
		return []*Environment{
			{Name: "staging", Branches: mustPatterns("main", "master"), Gate: Gate{Require: RequireNoBlockingFindings}},
			{Name: "production", After: "staging", Gate: Gate{Approval: ApprovalGitHubEnvironment, Require: RequireNoBlockingFindings}},
		}
	},
}

// PresetNames lists the presets, sorted.
func PresetNames() []string {
	names := make([]string, 0, len(Presets))
	for n := range Presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func mustPatterns(ss ...string) []Pattern {
	ps, err := patterns(ss)
	if err != nil {
		panic(err) // presets are constants; a bad one is a programming error caught by the tests
	}
	return ps
}

func patterns(ss []string) ([]Pattern, error) {
	out := make([]Pattern, 0, len(ss))
	for _, s := range ss {
		p, err := ParsePattern(s)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// NewMapping builds the environments of a configuration: the preset's, with
// the listed environments overriding a preset environment of the same name
// field by field, or added after them. Environments without stacks get one
// stack per template, named after its file.
func NewMapping(g config.GitOps, templates []string) (*Mapping, error) {
	m := &Mapping{}
	if g.Preset != "" {
		preset, ok := Presets[g.Preset]
		if !ok {
			return nil, fmt.Errorf("gitops.preset %q is not a preset; expected one of %s", g.Preset, strings.Join(PresetNames(), ", "))
		}
		m.Environments = preset()
	}
	for i, ec := range g.Environments {
		e := m.Environment(ec.Name)
		if e == nil {
			e = &Environment{Name: ec.Name}
			m.Environments = append(m.Environments, e)
		}
		if err := apply(e, ec); err != nil {
			return nil, MappingErrors{{Environment: ec.Name, Field: fieldOf(err), Message: fmt.Sprintf("gitops.environments[%d] (%s): %v", i, ec.Name, err)}}
		}
	}
	if len(m.Environments) == 0 {
		return nil, fmt.Errorf("gitops has no environments: name a preset (%s) or list environments", strings.Join(PresetNames(), ", "))
	}
	names := DefaultStackNames(templates)
	for _, e := range m.Environments {
		if len(e.Stacks) == 0 {
			for _, t := range templates {
				e.Stacks = append(e.Stacks, Stack{Template: t, Name: names[t]})
			}
		}
		for i := range e.Stacks {
			if e.Stacks[i].Parameters == "" {
				e.Stacks[i].Parameters = e.Parameters
			}
		}
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

func apply(e *Environment, ec config.Environment) error {
	var err error
	if ec.Branches != nil {
		if e.Branches, err = patterns(ec.Branches); err != nil {
			return err
		}
	}
	if ec.PerBranch != nil {
		if e.PerBranch, err = patterns(ec.PerBranch); err != nil {
			return err
		}
	}
	if ec.PullRequests != nil {
		e.PullRequests = *ec.PullRequests
	}
	if ec.After != "" {
		e.After = ec.After
	}
	if ec.Accounts != nil {
		e.Accounts = ec.Accounts
	}
	if ec.Regions != nil {
		e.Regions = ec.Regions
	}
	if ec.Role != "" {
		e.Role = ec.Role
	}
	if ec.Parameters != "" {
		e.Parameters = ec.Parameters
	}
	if ec.Gate != nil {
		if ec.Gate.Approval != nil {
			e.Gate.Approval = normalizeNone(*ec.Gate.Approval)
		}
		if ec.Gate.Require != nil {
			e.Gate.Require = normalizeNone(*ec.Gate.Require)
		}
	}
	if ec.Stacks != nil {
		e.Stacks = nil
		for i, s := range ec.Stacks {
			name := s.Name
			if name == "" {
				name = DefaultStackNames([]string{s.Template})[s.Template]
			}
			if n, changed := SanitizeStackName(name); changed {
				return fmt.Errorf("stacks[%d]: %q is not a valid stack name (letters, digits and -, starting with a letter); did you mean %q?", i, name, n)
			}
			e.Stacks = append(e.Stacks, Stack{Template: s.Template, Name: name, Parameters: s.Parameters, Tags: s.Tags})
		}
	}
	return nil
}

// fieldOf names the configuration field an apply error is about.
func fieldOf(err error) string {
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "stacks["):
		return "stacks"
	case strings.Contains(msg, "branch pattern"):
		return "branches"
	}
	return "name"
}

func normalizeNone(s string) string {
	if s == "none" {
		return ""
	}
	return s
}
