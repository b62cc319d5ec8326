package checks

import (
	"strings"

	"github.com/tollgate-dev/tollgate/policy"
	"github.com/tollgate-dev/tollgate/template"
)

// Trust in GitHub Actions and other OpenID Connect providers is judged by
// what the token's claims are required to be.

// providerHost returns the host of an identity provider principal: the
// part after oidc-provider/ in its ARN, the provider's Url when it is an
// AWS::IAM::OIDCProvider of the template, or the name of a web identity
// provider. ok is false when it cannot be known.
func providerHost(t *template.Template, v policy.Value) (string, bool) {
	text := valueText(v)
	if i := strings.Index(text, ":oidc-provider/"); i >= 0 {
		host := text[i+len(":oidc-provider/"):]
		if hasHole(host) {
			return "", false
		}
		return host, true
	}
	if v.Known && contains(federatedProviders, strings.TrimSpace(text)) {
		return strings.TrimSpace(text), true
	}
	if !v.Known && v.Node != nil && v.Node.Origin != nil && v.Node.Origin.ResourceType == "AWS::IAM::OIDCProvider" {
		if res := t.Resource(v.Node.Origin.Resource); res != nil {
			if url, ok := res.Properties.Get("Url").Str(); ok {
				host := strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(strings.TrimSpace(url)), "https://"), "http://")
				return strings.TrimSuffix(host, "/"), host != ""
			}
		}
	}
	return "", false
}

// isGitHubHost reports whether a provider host is GitHub Actions'
// (github.com's, an enterprise's custom issuer, or GHE.com's).
func isGitHubHost(host string) bool {
	host = strings.ToLower(host)
	return host == "token.actions.githubusercontent.com" ||
		strings.HasPrefix(host, "token.actions.githubusercontent.com/") ||
		(strings.HasPrefix(host, "token.actions.") && strings.HasSuffix(host, ".ghe.com"))
}

// federatedValues yields the Federated principals of the Allow statements
// of a trust policy, with their provider host when known.
func federatedValues(c *PolicyContext, visit func(s *policy.Statement, v policy.Value, host string)) {
	if c.Policy.Kind != template.Trust {
		return
	}
	for _, s := range c.Doc.Statements {
		if !s.Allows() || s.Principal == nil {
			continue
		}
		for _, v := range s.Principal.Types["Federated"].Values {
			if host, ok := providerHost(c.Template, v); ok {
				visit(s, v, host)
			}
		}
	}
}

// claimConditions returns the positive conditions of a statement on a
// claim of a provider ("HOST:sub"), and whether there is any condition on
// the key at all.
func claimConditions(s *policy.Statement, host, claim string) []*policy.Condition {
	var out []*policy.Condition
	for _, c := range conditionsOn(s, host+":"+claim) {
		if positiveCondition(c) {
			out = append(out, c)
		}
	}
	return out
}

// subjectScope is how much of GitHub a sub condition value lets in.
type subjectScope int

const (
	subPinned  subjectScope = iota // one repository, or a custom claim
	subOrgWide                     // every repository of one owner
	subAnyRepo                     // any repository of anyone
)

// githubSubjectScope reads one value of a sub condition. Wildcards only
// count under a Like operator: under StringEquals they are literal text.
func githubSubjectScope(v policy.Value, like bool) subjectScope {
	if !v.Known {
		return subPinned
	}
	s := strings.TrimSpace(v.Text)
	if !like {
		return subPinned
	}
	if strings.Trim(s, "*?") == "" {
		return subAnyRepo
	}
	rest, ok := strings.CutPrefix(s, "repo:")
	if !ok {
		if strings.HasPrefix(s, "*") {
			return subAnyRepo
		}
		return subPinned
	}
	owner, repo, found := strings.Cut(rest, "/")
	if !found || strings.ContainsAny(owner, "*?") {
		return subAnyRepo
	}
	repo, _, _ = strings.Cut(repo, ":")
	if repo == "" || strings.HasPrefix(repo, "*") || strings.HasPrefix(repo, "?") {
		return subOrgWide
	}
	return subPinned
}

// githubSubject judges the sub conditions of a GitHub trust statement:
// the widest value, or subAnyRepo with a nil value when there is none.
func githubSubject(s *policy.Statement, host string) (subjectScope, *policy.Value) {
	conds := claimConditions(s, host, "sub")
	if len(conds) == 0 {
		return subAnyRepo, nil
	}
	// Conditions are ANDed: the narrowest condition decides. Within one,
	// values are ORed: the widest value decides.
	best := subAnyRepo
	var bestValue *policy.Value
	for _, c := range conds {
		op, _ := condOperator(c)
		widest, widestValue := subPinned, (*policy.Value)(nil)
		for i := range c.Values.Values {
			sc := githubSubjectScope(c.Values.Values[i], op.like)
			if sc >= widest {
				if sc > widest || widestValue == nil {
					widestValue = &c.Values.Values[i]
				}
				widest = sc
			}
		}
		if bestValue == nil || widest < best {
			best, bestValue = widest, widestValue
		}
	}
	return best, bestValue
}
