package checks

func ruleInvalidPartition() *Rule {
	return arnRule(&Rule{
		Code:      "INVALID_PARTITION",
		Type:      Error,
		Title:     "An ARN's partition is not an AWS partition",
		Why:       "The second field of an ARN is the partition: aws, aws-cn or aws-us-gov (and the isolated partitions). Any other value matches no resource.",
		Fix:       "write aws, or ${AWS::Partition} so the template works in every partition",
		Example:   "Resource: arn:amazon:s3:::my-bucket",
		LearnMore: aaSection("error", "invalid-partition"),
	})
}
