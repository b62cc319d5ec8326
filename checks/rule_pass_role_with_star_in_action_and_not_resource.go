package checks

func rulePassRoleWithStarInActionAndNotResource() *Rule {
	return passRoleRule(&Rule{
		Code:      "PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
		Type:      SecurityWarning,
		Title:     "A wildcard action includes iam:PassRole, with NotResource",
		Why:       passRoleWhy,
		Fix:       passRoleFixDefault,
		Example:   "Statement:\n  - Effect: Allow\n    Action: iam:*\n    NotResource: arn:aws:iam::123456789012:role/Admin",
		LearnMore: aaSection("security-warning", "pass-role-with-star-in-action-and-not-resource"),
	}, "The wildcard action includes iam:PassRole, and NotResource leaves almost every role, without iam:PassedToService.")
}
