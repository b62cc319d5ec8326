package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/tollgate-dev/tollgate/gitops"
)

// PlanExplanation says which environment a branch maps to and why, and
// how each environment deploys (tollgate plan --explain).
func PlanExplanation(w io.Writer, m *gitops.Mapping, branch string, pr int) error {
	ew := &errWriter{w: w}
	match := m.Resolve(branch, pr > 0)
	ew.println(Plain(match.Why))
	for _, env := range match.Environments {
		per := ""
		if env.PerBranchNames(branch, pr > 0) {
			per = ", stacks named per branch"
		}
		approval := "no approval"
		if env.Gate.Approval != "" {
			approval = "approval by the GitHub Environment " + Plain(env.Name)
		}
		require := "deploys regardless of findings"
		if env.Gate.Require != "" {
			require = "refuses commits with blocking findings"
		}
		ew.println(fmt.Sprintf("  %s: %d stacks%s; %s; %s", Plain(env.Name), len(env.Stacks), per, approval, require))
	}
	return ew.err
}

// PlanJSON writes a deployment plan as tollgate plan prints it.
func PlanJSON(w io.Writer, p *gitops.DeployPlan) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}

// PlanText writes a deployment plan for a terminal.
func PlanText(w io.Writer, p *gitops.DeployPlan) error {
	if p.Environment == nil {
		_, err := fmt.Fprintln(w, Plain(p.Why)+"; nothing to deploy")
		return err
	}
	fmt.Fprintln(w, Plain(p.Why))
	for _, s := range p.Stages {
		fmt.Fprintf(w, "%s (%s):\n", s.Environment, gateText(s.Gate))
		for _, en := range s.Matrix.Include {
			fmt.Fprintf(w, "  %s ← %s in %s, account %s\n", en.Stack, Plain(en.Template), en.Region, nonEmptyOr(en.Account, "(default)"))
		}
		if len(s.Matrix.Include) == 0 {
			fmt.Fprintln(w, "  no stack changed")
		}
	}
	return nil
}

func gateText(g gitops.Gate) string {
	var parts []string
	if g.Approval != "" {
		parts = append(parts, "approval: "+g.Approval)
	}
	if g.Require != "" {
		parts = append(parts, "requires "+g.Require)
	}
	if len(parts) == 0 {
		return "no gate"
	}
	return strings.Join(parts, ", ")
}

func nonEmptyOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
