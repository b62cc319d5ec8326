package checks

func rulePassRoleWithStarInActionAndResource() *Rule {
	return passRoleRule(&Rule{
		Code:      "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE",
		Type:      SecurityWarning,
		Title:     "A wildcard action includes iam:PassRole on every role",
		Why:       passRoleWhy,
		Fix:       passRoleFixDefault,
		Example:   "Statement:\n  - Effect: Allow\n    Action: iam:*\n    Resource: \"*\"",
		LearnMore: aaSection("security-warning", "pass-role-with-star-in-action-and-resource"),
	}, "The wildcard action includes iam:PassRole and the statement covers every role, without iam:PassedToService: its holder can pass any role to a service it controls.")
}
