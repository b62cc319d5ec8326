package gitops

import (
	"fmt"
	"sort"
	"strconv"
)

// DeployPlan says what a run deploys: the environments its branch maps to,
// and one entry per stack, Region and account, ready for a GitHub Actions
// matrix.
type DeployPlan struct {
	Branch      string `json:"branch"`
	PullRequest int    `json:"pullRequest,omitempty"`
	// Environment is the first environment, or nil when no rule matches.
	Environment *string `json:"environment"`
	Gate        *Gate   `json:"gate"`
	Why         string  `json:"why"`
	// Matrix holds the entries of the first environment; Stages lists every
	// environment of a promotion chain in order, each with its entries.
	Matrix Matrix  `json:"matrix"`
	Stages []Stage `json:"stages"`
	// Skipped lists templates that did not change, when changes were known.
	Skipped []string `json:"skipped,omitempty"`
}

// Stage is one environment of a plan.
type Stage struct {
	Environment string `json:"environment"`
	Gate        Gate   `json:"gate"`
	Matrix      Matrix `json:"matrix"`
}

// Matrix is the shape GitHub Actions' strategy.matrix takes.
type Matrix struct {
	Include []Entry `json:"include"`
}

// Entry is one deployment: a stack in a Region of an account.
type Entry struct {
	Stack       string            `json:"stack"`
	BaseStack   string            `json:"baseStack"`
	Template    string            `json:"template"`
	Region      string            `json:"region"`
	Account     string            `json:"account"`
	Environment string            `json:"environment"`
	Role        string            `json:"role,omitempty"`
	Parameters  string            `json:"parameters,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	// Key is unique across the plan; workflows use it for concurrency groups.
	Key string `json:"key"`
}

// MarshalJSON writes the Gate with the field names of the configuration.
func (g Gate) MarshalJSON() ([]byte, error) {
	q := func(s string) string {
		if s == "" {
			return "\"none\""
		}
		return strconv.Quote(s)
	}
	return []byte(`{"approval":` + q(g.Approval) + `,"require":` + q(g.Require) + `}`), nil
}

// PlanOptions are what a plan is made from.
type PlanOptions struct {
	Branch      string
	PullRequest int
	// Changed lists the templates that changed; nil means unknown, and every
	// stack is planned.
	Changed []string
	// DefaultRegion and DefaultAccount fill environments that name none.
	DefaultRegion  string
	DefaultAccount string
}

// Plan maps a run to its deployments. A branch no environment takes plans
// nothing; that is not an error.
func (m *Mapping) Plan(o PlanOptions) (*DeployPlan, error) {
	pr := o.PullRequest > 0
	match := m.Resolve(o.Branch, pr)
	p := &DeployPlan{Branch: o.Branch, PullRequest: o.PullRequest, Why: match.Why, Matrix: Matrix{Include: []Entry{}}, Stages: []Stage{}}
	if len(match.Environments) == 0 {
		return p, nil
	}
	changed := map[string]bool{}
	for _, c := range o.Changed {
		changed[c] = true
	}
	skipped := map[string]bool{}
	for i, e := range match.Environments {
		regions := e.Regions
		if len(regions) == 0 {
			if o.DefaultRegion == "" {
				return nil, fmt.Errorf("environment %s has no regions and no default region is set; add regions: to it in .tollgate.yml", e.Name)
			}
			regions = []string{o.DefaultRegion}
		}
		accounts := e.Accounts
		if len(accounts) == 0 {
			accounts = []string{o.DefaultAccount}
		}
		stage := Stage{Environment: e.Name, Gate: e.Gate, Matrix: Matrix{Include: []Entry{}}}
		for _, s := range e.Stacks {
			if o.Changed != nil && !changed[s.Template] {
				skipped[s.Template] = true
				continue
			}
			name := s.Name
			if e.PerBranchNames(o.Branch, pr) {
				suffix := o.Branch
				if pr {
					suffix = "pr-" + strconv.Itoa(o.PullRequest)
				}
				name = BranchStackName(s.Name, suffix)
			}
			for _, region := range regions {
				for _, account := range accounts {
					stage.Matrix.Include = append(stage.Matrix.Include, Entry{
						Stack: name, BaseStack: s.Name, Template: s.Template, Region: region, Account: account,
						Environment: e.Name, Role: e.Role, Parameters: s.Parameters, Tags: s.Tags,
						Key: e.Name + "/" + account + "/" + region + "/" + name,
					})
				}
			}
		}
		if i == 0 {
			p.Environment = &stage.Environment
			g := e.Gate
			p.Gate = &g
			p.Matrix = stage.Matrix
		}
		p.Stages = append(p.Stages, stage)
	}
	for t := range skipped {
		p.Skipped = append(p.Skipped, t)
	}
	sort.Strings(p.Skipped)
	return p, nil
}

// StackTags are the tags a deploy of the entry puts on its stack: the
// environment, the commit (when known) and the entry's own tags.
func (en *Entry) StackTags(commit string) map[string]string {
	tags := map[string]string{"tollgate:environment": en.Environment}
	if commit != "" {
		tags["tollgate:commit"] = commit
	}
	for k, v := range en.Tags {
		tags[k] = v
	}
	return tags
}
