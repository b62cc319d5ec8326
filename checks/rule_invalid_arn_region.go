package checks

func ruleInvalidARNRegion() *Rule {
	return arnRule(&Rule{
		Code:      "INVALID_ARN_REGION",
		Type:      Error,
		Title:     "An ARN's Region is not a Region",
		Why:       "The fourth field of an ARN is a Region such as us-east-1. A value that is not one (us-east, US-EAST-1, a zone such as us-east-1a) matches no resource.",
		Fix:       "write a Region, ${AWS::Region}, or * for all Regions",
		Example:   "Resource: arn:aws:dynamodb:us-east:123456789012:table/orders",
		LearnMore: aaSection("error", "invalid-arn-region"),
	})
}
