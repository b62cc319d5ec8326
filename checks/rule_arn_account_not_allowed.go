package checks

func ruleARNAccountNotAllowed() *Rule {
	return arnRule(&Rule{
		Code:      "ARN_ACCOUNT_NOT_ALLOWED",
		Type:      Error,
		Title:     "An ARN has an account where its service has none",
		Why:       "S3 bucket and object ARNs have no account (bucket names are global). An ARN with an account matches nothing, so the statement grants or denies nothing.",
		Fix:       "remove the account, keeping the empty field (arn:aws:s3:::my-bucket)",
		Example:   "Resource: arn:aws:s3::123456789012:my-bucket",
		LearnMore: aaSection("error", "arn-account-not-allowed"),
	})
}
