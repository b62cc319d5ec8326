package checks

import (
	"fmt"

	"github.com/tollgate-dev/tollgate/policy"
)

func ruleMissingGitHubAudienceConditionKey() *Rule {
	r := &Rule{
		Code:  "MISSING_GITHUB_AUDIENCE_CONDITION_KEY",
		Type:  Warning,
		Title: "A role trusts GitHub Actions without requiring the STS audience",
		Why: "The aud claim says whom a token is for. Requiring token.actions.githubusercontent.com:aud = " +
			"sts.amazonaws.com (what aws-actions/configure-aws-credentials requests) keeps tokens minted for other " +
			"services from being replayed to assume the role.",
		Fix:       "add Condition StringEquals token.actions.githubusercontent.com:aud: sts.amazonaws.com",
		Example:   "Condition:\n  StringLike:\n    token.actions.githubusercontent.com:sub: repo:acme/shop:*",
		LearnMore: docsURL + "missing_github_audience_condition_key",
	}
	r.Policy = func(c *PolicyContext) {
		federatedValues(c, func(s *policy.Statement, v policy.Value, host string) {
			if isGitHubHost(host) && len(claimConditions(s, host, "aud")) == 0 {
				c.At(v.Node, v.Path, host+":aud", fmt.Sprintf("The role trusts GitHub Actions without a condition on %s:aud.", host), "")
			}
		})
	}
	return r
}
