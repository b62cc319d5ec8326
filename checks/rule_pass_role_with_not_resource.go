package checks

func rulePassRoleWithNotResource() *Rule {
	return passRoleRule(&Rule{
		Code:      "PASS_ROLE_WITH_NOT_RESOURCE",
		Type:      SecurityWarning,
		Title:     "iam:PassRole is allowed with NotResource",
		Why:       passRoleWhy,
		Fix:       passRoleFixDefault,
		Example:   "Statement:\n  - Effect: Allow\n    Action: iam:PassRole\n    NotResource: arn:aws:iam::123456789012:role/Admin",
		LearnMore: aaSection("security-warning", "pass-role-with-not-resource"),
	}, "The statement allows iam:PassRole on every resource but those in NotResource, so on almost every role, without iam:PassedToService.")
}
