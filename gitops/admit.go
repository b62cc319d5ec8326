package gitops

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/tollgate-dev/tollgate/config"
	"github.com/tollgate-dev/tollgate/internal/awsid"
	"github.com/tollgate-dev/tollgate/internal/escape"
)

// RefusedError is a deploy that cannot go ahead as asked: an entry that is
// not valid, or one the gate refuses. The run exits with status 2.
type RefusedError struct{ Msg string }

func (e *RefusedError) Error() string { return e.Msg }

// Usage marks the error as one of usage: the run exits with status 2.
func (e *RefusedError) Usage() {}

func refusef(format string, args ...any) error {
	return &RefusedError{Msg: fmt.Sprintf(format, args...)}
}

// ParseEntry reads one item of a plan's matrix, refusing unknown fields.
func ParseEntry(raw string) (Entry, error) {
	var en Entry
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&en); err != nil {
		return en, refusef("the plan entry is not valid: %v; pass one item of tollgate plan's matrix", err)
	}
	return en, nil
}

// Validate checks that the entry names everything a deploy needs, with
// values CloudFormation and STS accept.
func (en *Entry) Validate() error {
	var missing []string
	for name, v := range map[string]string{"stack": en.Stack, "template": en.Template, "environment": en.Environment, "region": en.Region} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		return refusef("the plan entry has no %s; pass --entry with an item of tollgate plan's matrix, or the flags", strings.Join(missing, ", "))
	}
	if n, changed := SanitizeStackName(en.Stack); changed {
		return refusef("stack %q is not a valid stack name (did you mean %q?)", en.Stack, n)
	}
	if !awsid.IsRegion(en.Region) {
		return refusef("region %q is not a Region", en.Region)
	}
	if en.Account != "" && !awsid.IsAccount(en.Account) {
		return refusef("account %q is not an account ID", en.Account)
	}
	return nil
}

// Admission is what the first part of a deploy's gate looks at.
type Admission struct {
	Config *config.Config
	// Branch is the branch being deployed; PullRequest its pull request,
	// for preview environments.
	Branch      string
	PullRequest int
}

// Admit is the first part of a deploy's gate: the branch deploys to the
// entry's environment, and the entry is one the plan of this branch holds
// (the right environment, and the stack name the branch gets: a feature
// branch must not deploy over the shared integration stack).
func (m *Mapping) Admit(en Entry, a Admission) error {
	if m.Environment(en.Environment) == nil {
		var names []string
		for _, e := range m.Environments {
			names = append(names, e.Name)
		}
		return refusef("environment %q is not in %s (environments: %s)", en.Environment, a.Config.Name(), strings.Join(names, ", "))
	}
	if a.Branch == "" {
		return refusef("no branch to check the gate with: pass --branch (outside GitHub Actions there is no event)")
	}
	plan, err := m.Plan(PlanOptions{Branch: a.Branch, PullRequest: a.PullRequest, DefaultRegion: a.Config.Region, DefaultAccount: a.Config.Account})
	if err != nil {
		return ConfigError(a.Config, err)
	}
	if !plan.Holds(en) {
		return refusef("refusing to deploy: %s; its plan has no stack %s in %s of %s", escape.Plain(plan.Why), en.Stack, en.Region, en.Environment)
	}
	return nil
}

// Holds reports whether the plan holds the entry (same key and template).
func (p *DeployPlan) Holds(en Entry) bool {
	for _, st := range p.Stages {
		for _, x := range st.Matrix.Include {
			if x.Stack == en.Stack && x.Environment == en.Environment && x.Region == en.Region && x.Template == en.Template &&
				(en.Account == "" || x.Account == "" || x.Account == en.Account) {
				return true
			}
		}
	}
	return false
}

// ConfigError turns a problem with the gitops section into a configuration
// error that points at the line of the environment (or preset) it is about.
func ConfigError(cfg *config.Config, err error) error {
	ce := &config.Error{File: cfg.Name()}
	at := func(pointers ...string) (int, int) {
		for _, p := range pointers {
			if line, col := cfg.Position(p); line > 0 {
				return line, col
			}
		}
		return 0, 0
	}
	var mes MappingErrors
	if !errors.As(err, &mes) {
		line, col := at("/gitops/preset", "/gitops")
		ce.Issues = append(ce.Issues, config.IssueAt(line, col, err.Error()))
		return ce
	}
	for _, me := range mes {
		pointers := []string{"/gitops/preset", "/gitops"}
		for i, env := range cfg.GitOps.Environments {
			if env.Name == me.Environment {
				base := fmt.Sprintf("/gitops/environments/%d", i)
				pointers = append([]string{base + "/" + me.Field, base}, pointers...)
			}
		}
		line, col := at(pointers...)
		ce.Issues = append(ce.Issues, config.IssueAt(line, col, "gitops: "+me.Message))
	}
	return ce
}

// Configured reports whether cfg has a gitops section to plan with.
func Configured(cfg *config.Config) bool {
	return cfg.GitOps.Preset != "" || len(cfg.GitOps.Environments) > 0
}

// With returns the entry with the fields that o sets replaced: the flags
// of tollgate deploy (--stack, --region, ...) over an entry of a plan.
func (en Entry) With(o Entry) Entry {
	for _, f := range []struct{ dst, v *string }{{&en.Stack, &o.Stack}, {&en.Template, &o.Template}, {&en.Environment, &o.Environment},
		{&en.Region, &o.Region}, {&en.Account, &o.Account}, {&en.Role, &o.Role}, {&en.Parameters, &o.Parameters}} {
		if *f.v != "" {
			*f.dst = *f.v
		}
	}
	return en
}
