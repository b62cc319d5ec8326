package checks

import "strings"

// IgnoreSelector is one value of --ignore-finding, in cfn-policy-validator's
// syntax: a finding code (PASS_ROLE_WITH_STAR_IN_RESOURCE), a resource
// (MyRole), or both joined by a period (MyRole.PASS_ROLE_WITH_STAR_IN_RESOURCE).
// Names compare without regard to case, as there.
type IgnoreSelector struct {
	// Resource and Code are set for RESOURCE.CODE; Name alone for a value
	// without a period, which matches a resource or a code.
	Resource, Code, Name string
}

// ParseIgnore reads --ignore-finding values; each may hold several
// comma-separated selectors. Empty ones are skipped.
func ParseIgnore(values []string) []IgnoreSelector {
	var out []IgnoreSelector
	for _, v := range values {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			if res, code, ok := strings.Cut(s, "."); ok {
				out = append(out, IgnoreSelector{Resource: res, Code: code})
				continue
			}
			out = append(out, IgnoreSelector{Name: s})
		}
	}
	return out
}

// String is the selector as it was written.
func (s IgnoreSelector) String() string {
	if s.Name != "" {
		return s.Name
	}
	return s.Resource + "." + s.Code
}

// Matches reports whether the selector names a finding with this code that
// is about this resource.
func (s IgnoreSelector) Matches(resource, code string) bool {
	if s.Name != "" {
		return strings.EqualFold(s.Name, resource) || strings.EqualFold(s.Name, code)
	}
	return strings.EqualFold(s.Resource, resource) && strings.EqualFold(s.Code, code)
}

// IgnoreKind is the suppression kind of findings that --ignore-finding
// names.
const IgnoreKind = "ignore-finding"

// Ignore suppresses the findings a selector names (by the finding's
// logical ID and code), and returns the selectors that named none, so a
// misspelt one can be said.
func Ignore(fs []Finding, sel []IgnoreSelector) (unmatched []IgnoreSelector) {
	used := make([]bool, len(sel))
	for i := range fs {
		f := &fs[i]
		for j, s := range sel {
			if !s.Matches(f.Resource, f.Code) {
				continue
			}
			used[j] = true
			if f.Suppression == nil {
				f.Suppression = &Suppression{Kind: IgnoreKind, Reason: "--ignore-finding " + s.String()}
			}
		}
	}
	for j, s := range sel {
		if !used[j] {
			unmatched = append(unmatched, s)
		}
	}
	return unmatched
}
