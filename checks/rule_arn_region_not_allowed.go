package checks

func ruleARNRegionNotAllowed() *Rule {
	return arnRule(&Rule{
		Code:      "ARN_REGION_NOT_ALLOWED",
		Type:      Error,
		Title:     "An ARN has a Region where its service has none",
		Why:       "Some resources are global: S3 buckets, IAM roles, CloudFront distributions. Their ARNs have an empty Region field, so an ARN with a Region matches nothing.",
		Fix:       "remove the Region, keeping the empty field (arn:aws:s3:::my-bucket)",
		Example:   "Resource: arn:aws:s3:us-east-1::my-bucket",
		LearnMore: aaSection("error", "arn-region-not-allowed"),
	})
}
