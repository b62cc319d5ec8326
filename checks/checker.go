package checks

import (
	"errors"

	"github.com/tollgate-dev/tollgate/policy"
	"github.com/tollgate-dev/tollgate/template"
)

// Checker runs the rules over templates. It is safe for concurrent use: each
// Check call has its own state.
type Checker struct {
	opts  Options
	rules []*Rule
}

// NewChecker returns a checker running rules (all of Rules() when nil).
func NewChecker(opts Options, rules []*Rule) (*Checker, error) {
	if opts.Data == nil {
		return nil, errors.New("checks: no IAM data set")
	}
	if rules == nil {
		rules = Rules()
	}
	return &Checker{opts: opts, rules: rules}, nil
}

// Rules returns the rules this checker runs.
func (k *Checker) Rules() []*Rule { return k.rules }

// TemplateResult is the outcome of checking one template.
type TemplateResult struct {
	Findings []Finding
	// Policies is how many policies were checked (each branch counts);
	// PrincipalPolicies how many of them are trust or resource policies.
	Policies          int
	PrincipalPolicies int
	// Resources is how many resources the template declares.
	Resources int
	// Extraction holds the template's policies, for the online backends.
	Extraction *template.Extraction
}

// Check runs every rule on one parsed template.
func (k *Checker) Check(t *template.Template) TemplateResult {
	var out []Finding
	tc := &TemplateContext{Options: &k.opts, Template: t, out: &out}
	var docs []*PolicyContext
	if t.Root != nil {
		r := template.NewResolver(t, k.opts.Values)
		tc.Extraction = template.Extract(t, r)
		for _, p := range tc.Extraction.Policies {
			docs = append(docs, &PolicyContext{TemplateContext: tc, Policy: p, Doc: policy.Parse(p.Document)})
		}
	} else {
		tc.Extraction = &template.Extraction{}
	}
	for _, rule := range k.rules {
		tc.rule = rule
		if rule.Template != nil {
			rule.Template(tc)
		}
		if rule.Policy != nil {
			for _, pc := range docs {
				rule.Policy(pc)
			}
		}
	}
	res := TemplateResult{Findings: Finalize(out), Policies: len(docs), Resources: len(t.Resources), Extraction: tc.Extraction}
	for _, pc := range docs {
		if pc.Policy.Kind != template.Identity {
			res.PrincipalPolicies++
		}
	}
	return res
}

// Rules returns every rule, in the order they run. This list is the registry:
// a rule that is not here does not exist.
func Rules() []*Rule {
	return []*Rule{
		ruleParseError(),
		ruleInvalidTemplate(),
		ruleTemplateTooLarge(),
		ruleInvalidServiceInAction(),
		ruleInvalidAction(),
		ruleExternalPrincipal(),
		ruleDataLoss(),
		rulePossibleDataLoss(),
		ruleDeletionPolicyRemoved(),
	}
}

// RuleFix returns the fix text of the rule with the given code, or "".
func RuleFix(code string) string {
	for _, r := range Rules() {
		if r.Code == code {
			return r.Fix
		}
	}
	return ""
}

// RuleInfos describes every rule, for renderers.
func RuleInfos() []Info {
	rules := Rules()
	out := make([]Info, len(rules))
	for i, r := range rules {
		out[i] = r.Info()
	}
	return out
}
