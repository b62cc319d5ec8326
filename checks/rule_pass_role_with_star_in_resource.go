package checks

func rulePassRoleWithStarInResource() *Rule {
	return passRoleRule(&Rule{
		Code:      "PASS_ROLE_WITH_STAR_IN_RESOURCE",
		Type:      SecurityWarning,
		Title:     "iam:PassRole is allowed on every role",
		Why:       passRoleWhy,
		Fix:       passRoleFixDefault,
		Example:   "Statement:\n  - Effect: Allow\n    Action: iam:PassRole\n    Resource: \"*\"",
		LearnMore: aaSection("security-warning", "pass-role-with-star-in-resource"),
	}, "The statement allows iam:PassRole on every role, without iam:PassedToService: its holder can pass any role, administrators included, to a service it controls.")
}
