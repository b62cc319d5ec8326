package checks

import (
	"errors"
	"slices"
	"strings"

	"github.com/tollgate-dev/tollgate/policy"
	"github.com/tollgate-dev/tollgate/template"
)

// Checker runs the rules over templates. It is safe for concurrent use: each
// Check call has its own state.
type Checker struct {
	opts    Options
	rules   []*Rule
	managed *managedDocs
	// depth counts the templates this one is written inside (StackSets).
	depth int
}

// NewChecker returns a checker running rules (all of Rules() when nil).
func NewChecker(opts Options, rules []*Rule) (*Checker, error) {
	if opts.Data == nil {
		return nil, errors.New("checks: no IAM data set")
	}
	if rules == nil {
		rules = Rules()
	}
	return &Checker{opts: opts, rules: rules, managed: newManagedDocs(opts.Managed)}, nil
}

// WithValues returns a checker like k that resolves templates with v (a
// gitops environment's parameters, say).
func (k *Checker) WithValues(v template.Values) *Checker {
	c := *k
	c.opts.Values = v
	return &c
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
	// Extraction holds the template's policies, for the online backends,
	// and the places it declares access that were not read (Unchecked).
	Extraction *template.Extraction
	// Notices say what the checks could not judge fully (policies attached
	// to principals of other stacks) and, one per place, what was not checked.
	Notices []template.Notice
}

// Check runs every rule on one parsed template.
func (k *Checker) Check(t *template.Template) TemplateResult {
	return k.CheckWith(t, nil)
}

// CheckWith runs every rule on one parsed template, then online (when not
// nil) on the template's policies, and merges the two. The template's
// inline suppressions then apply to both, and the rules that report on
// suppressions see both.
func (k *Checker) CheckWith(t *template.Template, online func(*template.Extraction) []Finding) TemplateResult {
	return k.checkWith(t, online, nil)
}

// checkWith is CheckWith that also runs the change rules on a diff (when
// cc is not nil), before suppressions apply, so a change finding can be
// suppressed like any other.
func (k *Checker) checkWith(t *template.Template, online func(*template.Extraction) []Finding, cc *ChangeContext) TemplateResult {
	var out []Finding
	tc := &TemplateContext{Options: &k.opts, Template: t, out: &out, online: online != nil, managed: k.managed}
	if t.Root != nil {
		r := template.NewResolver(t, k.opts.Values)
		tc.Extraction = template.Extract(t, r)
		excludeTypes(tc.Extraction, k.opts.ExcludeTypes)
		tc.Policies = make([]*PolicyContext, 0, len(tc.Extraction.Policies))
		for _, p := range tc.Extraction.Policies {
			tc.Policies = append(tc.Policies, &PolicyContext{TemplateContext: tc, Policy: p, Doc: policy.Parse(p.Document)})
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
			for _, pc := range tc.Policies {
				rule.Policy(pc)
			}
		}
	}
	if cc != nil {
		cc.out = &out
		for _, rule := range k.rules {
			if rule.Change != nil {
				cc.rule = rule
				rule.Change(cc)
			}
		}
	}
	if online != nil && t.Root != nil {
		out = Merge(out, online(tc.Extraction))
	}
	if t.Root != nil {
		tc.ran = map[string]bool{}
		for _, rule := range k.rules {
			// Change rules run only on a diff.
			if rule.Change == nil || cc != nil {
				tc.ran[rule.Code] = true
			}
		}
		tc.suppressions().suppress(out)
		for _, rule := range k.rules {
			if rule.After != nil {
				tc.rule = rule
				rule.After(tc)
			}
		}
	}
	if t.Root != nil {
		out = append(out, k.checkEmbedded(t, tc.Extraction)...)
	}
	res := TemplateResult{Findings: Finalize(out), Policies: len(tc.Policies), Resources: len(t.Resources), Extraction: tc.Extraction}
	if tc.eff != nil && len(tc.eff.external) > 0 {
		res.Notices = append(res.Notices, template.NoticeAt(template.Span{File: t.File}, "identity policies attach to principals this template does not declare, so each is "+
			"judged without that principal's other policies: %s", strings.Join(tc.eff.external, "; ")))
	}
	if k.depth == 0 {
		res.Notices = append(res.Notices, UncheckedNotices(t.File, tc.Extraction)...)
	}
	for _, pc := range tc.Policies {
		if pc.Policy.Kind != template.Identity {
			res.PrincipalPolicies++
		}
	}
	return res
}

// excludeTypes drops the policies of the excluded resource types, as if
// the template did not declare them. The extraction's lists share arrays
// (a principal's attachments point into its policies), so each list is
// rebuilt rather than edited in place.
func excludeTypes(x *template.Extraction, types []string) {
	if len(types) == 0 {
		return
	}
	excluded := func(typ string) bool { return slices.Contains(types, typ) }
	x.Policies = keep(x.Policies, func(p *template.Policy) bool { return !excluded(p.ResourceType) })
	x.ManagedPolicies = keep(x.ManagedPolicies, func(m template.ManagedPolicyRef) bool { return !excluded(m.ResourceType) })
	x.Principals = keep(x.Principals, func(p *template.Principal) bool { return !p.Declared() || !excluded(p.ResourceType) })
	for _, p := range x.Principals {
		p.Attached = keep(p.Attached, func(a *template.Attachment) bool {
			a.Policies = keep(a.Policies, func(p *template.Policy) bool { return !excluded(p.ResourceType) })
			return !excluded(a.ResourceType) && (len(a.Policies) > 0 || a.Ref != nil)
		})
	}
}

// keep returns a new slice of the elements of s that ok accepts.
func keep[T any](s []T, ok func(T) bool) []T {
	out := make([]T, 0, len(s))
	for _, v := range s {
		if ok(v) {
			out = append(out, v)
		}
	}
	return out
}

// Rules returns every rule, in the order they run. This list is the registry:
// a rule that is not here does not exist.
func Rules() []*Rule {
	return []*Rule{
		// The template itself.
		ruleParseError(),
		ruleInvalidTemplate(),
		ruleTemplateTooLarge(),
		ruleBranchesMerged(),
		ruleInvalidPolicyProperty(),
		// Policy grammar.
		ruleDataTypeMismatch(),
		ruleInvalidPolicyElement(),
		ruleMissingStatement(),
		ruleMissingVersion(),
		ruleInvalidVersion(),
		ruleUnsupportedElementCombination(),
		ruleMissingEffect(),
		ruleInvalidEffect(),
		ruleMissingAction(),
		ruleMissingResource(),
		ruleSubNeeded(),
		ruleUniqueSidsRequired(),
		ruleDynamicReferenceWithoutVersion(),
		// Actions.
		ruleInvalidServiceInAction(),
		ruleInvalidAction(),
		ruleUnsupportedActionInPolicy(),
		ruleWildcardInServiceName(),
		ruleRedundantAction(),
		ruleAllowWithNotAction(),
		// Resources.
		ruleInvalidARNPrefix(),
		ruleMissingARNField(),
		ruleInvalidPartition(),
		ruleInvalidARNServiceCase(),
		ruleInvalidService(),
		ruleInvalidARNRegion(),
		ruleInvalidARNAccount(),
		ruleInvalidARNResource(),
		ruleARNRegionNotAllowed(),
		ruleARNAccountNotAllowed(),
		ruleMissingARNRegion(),
		ruleResourceMismatch(),
		// Principals.
		ruleMissingPrincipal(),
		ruleUnsupportedPrincipal(),
		ruleInvalidPrincipalKey(),
		ruleInvalidPrincipalFormat(),
		ruleInvalidServicePrincipalFormat(),
		ruleUnsupportedWildcardInPrincipal(),
		ruleAllowWithNotPrincipal(),
		ruleExternalPrincipal(),
		ruleLogDeliveryAccountPrincipal(),
		ruleRestrictAccessToServicePrincipal(),
		ruleMissingGitHubRepoConditionKey(),
		ruleGitHubOrgWideTrust(),
		ruleMissingGitHubAudienceConditionKey(),
		ruleMissingConditionKeyForOIDCPrincipal(),
		// Conditions.
		ruleInvalidConditionOperator(),
		ruleInvalidGlobalConditionKey(),
		ruleInvalidServiceConditionKey(),
		ruleTypeMismatch(),
		ruleTypeMismatchBoolean(),
		ruleTypeMismatchDate(),
		ruleTypeMismatchIPRange(),
		ruleTypeMismatchNumber(),
		ruleForAllValuesWithSingleValuedKey(),
		ruleWildcardWithoutLikeOperator(),
		// Privilege.
		rulePassRoleWithStarInResource(),
		rulePassRoleWithStarInActionAndResource(),
		rulePassRoleWithNotResource(),
		rulePassRoleWithStarInActionAndNotResource(),
		rulePassRoleWithStarInResourceAndNotAction(),
		rulePassRoleWithNotActionAndNotResource(),
		rulePrivilegeEscalation(),
		ruleAdministratorAccess(),
		ruleBroadSensitiveAccess(),
		ruleManagedPolicyNotFound(),
		ruleInvalidSAMPolicy(),
		rulePolicySize(),
		// Suppressions, which see the findings of every rule above.
		ruleInvalidSuppression(),
		ruleUnmatchedSuppression(),
		// Changes against a base revision (tollgate diff, check --diff-base).
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
