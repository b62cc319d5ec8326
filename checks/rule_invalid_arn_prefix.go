package checks

func ruleInvalidARNPrefix() *Rule {
	return arnRule(&Rule{
		Code:      "INVALID_ARN_PREFIX",
		Type:      Error,
		Title:     `A resource is neither "*" nor an ARN`,
		Why:       "IAM matches resources by ARN. A bucket name, a queue URL or an ID in Resource is not an ARN: IAM rejects the policy, or the statement matches nothing.",
		Fix:       "write the resource's ARN, e.g. arn:aws:s3:::my-bucket, or !GetAtt Resource.Arn",
		Example:   "Resource: my-bucket",
		LearnMore: aaSection("error", "invalid-arn-prefix"),
	})
}
