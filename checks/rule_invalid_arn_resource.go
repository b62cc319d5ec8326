package checks

func ruleInvalidARNResource() *Rule {
	return arnRule(&Rule{
		Code:      "INVALID_ARN_RESOURCE",
		Type:      Error,
		Title:     "An ARN's resource part matches no resource type of its service",
		Why:       "The sixth field of an ARN names the resource in the form its service defines (table/NAME for DynamoDB, function:NAME for Lambda). A resource part in no such form matches nothing.",
		Fix:       "write the resource part in the form the service reference gives for the resource type",
		Example:   "Resource: arn:aws:dynamodb:us-east-1:123456789012:orders",
		LearnMore: aaSection("error", "invalid-arn-resource"),
	})
}
