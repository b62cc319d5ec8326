package checks

func ruleInvalidARNServiceCase() *Rule {
	return arnRule(&Rule{
		Code:      "INVALID_ARN_SERVICE_CASE",
		Type:      Error,
		Title:     "An ARN's service is not in lower case",
		Why:       "ARN services are lower case (s3, dynamodb). IAM rejects an ARN whose service has capitals.",
		Fix:       "write the service in lower case",
		Example:   "Resource: arn:aws:S3:::my-bucket",
		LearnMore: aaSection("error", "invalid-arn-service-case"),
	})
}
