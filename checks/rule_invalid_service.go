package checks

func ruleInvalidService() *Rule {
	return arnRule(&Rule{
		Code:      "INVALID_SERVICE",
		Type:      Error,
		Title:     "An ARN names a service that has no resources",
		Why:       "The third field of an ARN is the service that owns the resource. A service that does not exist (s4, dynamo) matches no resource, so the statement grants or denies nothing.",
		Fix:       "use the service of the resource's ARN, e.g. s3, dynamodb, lambda",
		Example:   "Resource: arn:aws:dynamo:us-east-1:123456789012:table/orders",
		LearnMore: aaSection("error", "invalid-service"),
	})
}
