package checks

func rulePassRoleWithNotActionAndNotResource() *Rule {
	return passRoleRule(&Rule{
		Code:      "PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE",
		Type:      SecurityWarning,
		Title:     "NotAction and NotResource leave iam:PassRole allowed",
		Why:       passRoleWhy,
		Fix:       passRoleFixDefault,
		Example:   "Statement:\n  - Effect: Allow\n    NotAction: s3:*\n    NotResource: arn:aws:s3:::logs",
		LearnMore: aaSection("security-warning", "pass-role-with-not-action-and-not-resource"),
	}, "NotAction does not exclude iam:PassRole and NotResource leaves almost every role, so the statement allows passing them, without iam:PassedToService.")
}
