package checks

import (
	"fmt"
	"strings"

	"github.com/tollgate-dev/tollgate/policy"
)

// audienceClaims are the claims that tie a web identity provider's tokens to
// one application.
var audienceClaims = map[string][]string{
	"accounts.google.com":            {"aud", "oaud", "sub"},
	"graph.facebook.com":             {"app_id", "id"},
	"www.amazon.com":                 {"app_id", "user_id"},
	"cognito-identity.amazonaws.com": {"aud"},
}

func ruleMissingConditionKeyForOIDCPrincipal() *Rule {
	r := &Rule{
		Code:  "MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL",
		Type:  SecurityWarning,
		Title: "A role trusts an identity provider without limiting whose tokens",
		Why: "Google, Facebook, Amazon and Cognito issue tokens to every application that uses them, and an EKS or " +
			"other OIDC provider to every workload it serves. Without a condition on the audience (aud, app_id) or " +
			"subject (sub) claim, anyone with a token from the provider can assume the role.",
		Fix:       "add a condition on the provider's aud claim (your application or identity pool ID) or sub claim",
		Example:   "Principal:\n  Federated: cognito-identity.amazonaws.com\nAction: sts:AssumeRoleWithWebIdentity",
		LearnMore: aaSection("security-warning", "missing-condition-key-for-oidc-principal"),
	}
	r.Policy = func(c *PolicyContext) {
		federatedValues(c, func(s *policy.Statement, v policy.Value, host string) {
			if isGitHubHost(host) {
				return
			}
			claims, ok := audienceClaims[strings.ToLower(host)]
			if !ok {
				claims = []string{"aud", "sub", "azp"}
			}
			for _, claim := range claims {
				if len(claimConditions(s, host, claim)) > 0 {
					return
				}
			}
			keys := make([]string, len(claims))
			for i, cl := range claims {
				keys[i] = host + ":" + cl
			}
			c.At(v.Node, v.Path, host, fmt.Sprintf("The role trusts %s with no condition on %s, so anyone with a token from it can assume the role.",
				host, strings.Join(keys, " or ")), fmt.Sprintf("add Condition StringEquals %s: YOUR-APPLICATION-ID", keys[0]))
		})
	}
	return r
}
