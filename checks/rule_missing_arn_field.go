package checks

func ruleMissingARNField() *Rule {
	return arnRule(&Rule{
		Code:      "MISSING_ARN_FIELD",
		Type:      Error,
		Title:     "An ARN has fewer than six fields",
		Why:       "An ARN has six colon-separated fields, arn:partition:service:region:account:resource, even where some are empty (arn:aws:s3:::my-bucket). IAM rejects an ARN with fewer.",
		Fix:       "add the missing fields; leave them empty (::) where the service has none",
		Example:   "Resource: arn:aws:s3:my-bucket",
		LearnMore: aaSection("error", "missing-arn-field"),
	})
}
