package checks

import (
	"fmt"

	"github.com/tollgate-dev/tollgate/policy"
)

func ruleGitHubOrgWideTrust() *Rule {
	r := &Rule{
		Code:  "GITHUB_ORG_WIDE_TRUST",
		Type:  Warning,
		Title: "A role trusts every repository of a GitHub owner",
		Why: "A sub condition such as repo:acme/* lets the workflows of every repository of the owner assume the role, " +
			"including repositories created later and forks' pull request workflows where they run in the owner's " +
			"namespace. A role usually serves one repository.",
		Fix:       "pin the repository (repo:OWNER/REPO:*), and better the branch or environment (repo:OWNER/REPO:environment:prod)",
		Example:   "Condition:\n  StringLike:\n    token.actions.githubusercontent.com:sub: repo:acme/*",
		LearnMore: docsURL + "github_org_wide_trust",
	}
	r.Policy = func(c *PolicyContext) {
		federatedValues(c, func(s *policy.Statement, v policy.Value, host string) {
			if !isGitHubHost(host) {
				return
			}
			if scope, val := githubSubject(s, host); scope == subOrgWide && val != nil {
				c.At(val.Node, val.Path, val.Text, fmt.Sprintf("The condition %s:sub %q lets the workflows of every repository of this owner assume the role.", host, val.Text), "")
			}
		})
	}
	return r
}
