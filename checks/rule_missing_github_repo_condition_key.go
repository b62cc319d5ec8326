package checks

import (
	"fmt"

	"github.com/tollgate-dev/tollgate/policy"
)

func ruleMissingGitHubRepoConditionKey() *Rule {
	r := &Rule{
		Code:  "MISSING_GITHUB_REPO_CONDITION_KEY",
		Type:  SecurityWarning,
		Title: "A role trusts GitHub Actions without pinning a repository",
		Why: "GitHub issues OIDC tokens to every workflow of every repository on GitHub. A trust policy for " +
			"token.actions.githubusercontent.com without a condition on its sub claim, or with sub \"*\" or " +
			"\"repo:*\", lets any GitHub user's workflow assume the role.",
		Fix: "add Condition StringEquals or StringLike token.actions.githubusercontent.com:sub: repo:OWNER/REPO:* " +
			"(narrower: repo:OWNER/REPO:ref:refs/heads/main or repo:OWNER/REPO:environment:prod)",
		Example: "AssumeRolePolicyDocument:\n  Statement:\n    - Effect: Allow\n      Principal:\n        Federated: !Sub arn:aws:iam::${AWS::AccountId}:oidc-provider/token.actions.githubusercontent.com\n" +
			"      Action: sts:AssumeRoleWithWebIdentity\n      Condition:\n        StringEquals:\n          token.actions.githubusercontent.com:aud: sts.amazonaws.com",
		LearnMore: aaSection("security-warning", "missing-github-repo-condition-key"),
	}
	r.Policy = func(c *PolicyContext) {
		federatedValues(c, func(s *policy.Statement, v policy.Value, host string) {
			if !isGitHubHost(host) {
				return
			}
			scope, val := githubSubject(s, host)
			switch {
			case scope != subAnyRepo:
			case val == nil:
				c.At(v.Node, v.Path, host+":sub", fmt.Sprintf("The role trusts GitHub Actions with no condition on %s:sub, so a workflow in any repository on GitHub can assume it.", host), "")
			default:
				c.At(val.Node, val.Path, val.Text, fmt.Sprintf("The condition %s:sub %q matches workflows in any repository on GitHub, so anyone's workflow can assume this role.", host, val.Text), "")
			}
		})
	}
	return r
}
