package checks

func rulePassRoleWithStarInResourceAndNotAction() *Rule {
	return passRoleRule(&Rule{
		Code:      "PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
		Type:      SecurityWarning,
		Title:     "NotAction leaves iam:PassRole allowed on every role",
		Why:       passRoleWhy,
		Fix:       passRoleFixDefault,
		Example:   "Statement:\n  - Effect: Allow\n    NotAction: s3:*\n    Resource: \"*\"",
		LearnMore: aaSection("security-warning", "pass-role-with-star-in-resource-and-not-action"),
	}, "NotAction does not exclude iam:PassRole, so the statement allows it on every role, without iam:PassedToService.")
}
