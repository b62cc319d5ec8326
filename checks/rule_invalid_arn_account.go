package checks

func ruleInvalidARNAccount() *Rule {
	return arnRule(&Rule{
		Code:      "INVALID_ARN_ACCOUNT",
		Type:      Error,
		Title:     "An ARN's account is not a 12-digit account ID",
		Why:       "The fifth field of an ARN is a 12-digit account ID. An 11-digit number (a YAML number that lost its leading zero) or an account alias matches no resource.",
		Fix:       "write the 12-digit account ID in quotes, ${AWS::AccountId}, or *",
		Example:   "Resource: arn:aws:dynamodb:us-east-1:12345678901:table/orders",
		LearnMore: aaSection("error", "invalid-arn-account"),
	})
}
