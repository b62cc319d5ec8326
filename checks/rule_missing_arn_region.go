package checks

func ruleMissingARNRegion() *Rule {
	return arnRule(&Rule{
		Code:      "MISSING_ARN_REGION",
		Type:      Error,
		Title:     "An ARN has no Region where its service needs one",
		Why:       "Regional resources (DynamoDB tables, Lambda functions, SQS queues) have a Region in their ARN. An ARN with an empty Region field matches nothing.",
		Fix:       "add the Region: ${AWS::Region}, a Region such as us-east-1, or * for all",
		Example:   "Resource: arn:aws:dynamodb::123456789012:table/orders",
		LearnMore: aaSection("error", "missing-arn-region"),
	})
}
