package engine

import (
	"context"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/config"
	"github.com/tollgate-dev/tollgate/gitops"
	"github.com/tollgate-dev/tollgate/report"
	"github.com/tollgate-dev/tollgate/template"
)

// Environment parameter sets. When the gitops environments name parameters
// files, a template is checked once per environment it deploys to, with
// that environment's values pinned, and each finding says which
// environments it holds in. A template no environment names a file for is
// checked once, as before.

// EnvironmentParameters is one environment's parameters files, by template.
type EnvironmentParameters struct {
	Environment string
	// Files maps a template (slash-separated, cleaned) to its parameters
	// file; "" for a template the environment deploys without one.
	Files map[string]string
}

// ForConfig is FromSettings with the parameter sets of cfg's gitops
// environments (see WithEnvironments).
func ForConfig(ctx context.Context, cfg *config.Config, s *config.Settings, tool report.Tool) (Options, error) {
	opts := FromSettings(s, tool)
	return opts, WithEnvironments(ctx, cfg, &opts)
}

// WithEnvironments adds to opts the parameter sets of cfg's gitops
// environments, when some environment names a parameters file.
func WithEnvironments(ctx context.Context, cfg *config.Config, opts *Options) error {
	if !gitops.Configured(cfg) || !namesParameterFiles(cfg) {
		return nil
	}
	m, _, _, err := Mapping(ctx, cfg)
	if err != nil {
		return err
	}
	for _, e := range m.Environments {
		ep := EnvironmentParameters{Environment: e.Name, Files: map[string]string{}}
		for _, s := range e.Stacks {
			ep.Files[path.Clean(filepathToSlash(s.Template))] = s.Parameters
		}
		opts.Environments = append(opts.Environments, ep)
	}
	return nil
}

func namesParameterFiles(cfg *config.Config) bool {
	for _, e := range cfg.GitOps.Environments {
		if e.Parameters != "" {
			return true
		}
		for _, s := range e.Stacks {
			if s.Parameters != "" {
				return true
			}
		}
	}
	return false
}

func filepathToSlash(p string) string { return strings.ReplaceAll(p, "\\", "/") }

// parameterSet is the values a template is checked with in some
// environments.
type parameterSet struct {
	environments []string
	file         string
	values       map[string]string
}

// parameterSets lists the distinct parameter sets of a template across the
// environments, reading each file once per template; nil when no
// environment names a file for it.
func (o *Options) parameterSets(file string, t *template.Template) ([]parameterSet, error) {
	key := path.Clean(filepathToSlash(file))
	var sets []parameterSet
	anyFile := false
	for _, e := range o.Environments {
		pf, ok := e.Files[key]
		if !ok {
			continue
		}
		anyFile = anyFile || pf != ""
		found := false
		for i := range sets {
			if sets[i].file == pf {
				sets[i].environments = append(sets[i].environments, e.Environment)
				found = true
			}
		}
		if !found {
			sets = append(sets, parameterSet{environments: []string{e.Environment}, file: pf})
		}
	}
	if !anyFile {
		return nil, nil
	}
	for i := range sets {
		var env map[string]string
		if sets[i].file != "" {
			pf, err := config.ReadParameterFile(sets[i].file)
			if err != nil {
				return nil, err
			}
			if t.Root != nil {
				if err := pf.Check(t); err != nil {
					return nil, err
				}
			}
			env = pf.Values
		}
		sets[i].values = o.Parameters.Merge(env)
	}
	return sets, nil
}

// checkEnvironments runs check once per parameter set and merges the
// outcomes: a finding that holds in every environment reads as one
// finding, the others name the environments they hold in.
func (o *Options) checkEnvironments(checker *checks.Checker, sets []parameterSet, check func(*checks.Checker) fileOutcome) fileOutcome {
	var out fileOutcome
	type at struct {
		i    int
		envs []string
	}
	seen := map[string]*at{}
	total := 0
	for si, set := range sets {
		v := o.Checks.Values
		v.Parameters = set.values
		r := check(checker.WithValues(v))
		total += len(set.environments)
		if si == 0 {
			out = r
			out.findings = nil
		} else {
			for _, n := range r.notices {
				if !slices.Contains(out.notices, n) {
					out.notices = append(out.notices, n)
				}
			}
			for _, c := range r.nested {
				if !slices.ContainsFunc(out.nested, func(d candidate) bool { return d.Path == c.Path }) {
					out.nested = append(out.nested, c)
				}
			}
			out.principalPolicies = max(out.principalPolicies, r.principalPolicies)
			if r.template != nil && out.template != nil {
				out.template.Policies += r.template.Policies
			}
			if out.err == (template.Notice{}) {
				out.err = r.err
			}
		}
		for _, f := range r.findings {
			k := findingKey(f)
			if a, ok := seen[k]; ok {
				a.envs = append(a.envs, set.environments...)
				continue
			}
			seen[k] = &at{i: len(out.findings), envs: append([]string(nil), set.environments...)}
			out.findings = append(out.findings, f)
		}
	}
	for _, a := range seen {
		if len(a.envs) < total {
			sort.Strings(a.envs)
			out.findings[a.i].Environment = strings.Join(a.envs, ", ")
		}
	}
	// Findings of two environments may share a fingerprint (the same
	// problem with another value): Sort numbers them apart again.
	checks.Sort(out.findings)
	return out
}

func findingKey(f checks.Finding) string {
	return strings.Join([]string{f.Code, f.File, f.Path, f.Message, f.Branch, f.When, strconv.Itoa(f.Line), strconv.Itoa(f.Column)}, "\x00")
}
