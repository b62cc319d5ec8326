package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// regionTemplate names the Region and partition in a finding's message.
const regionTemplate = `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: p
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: sqs:SendMessage
                Resource: !Sub "arn:${AWS::Partition}:s3:::${AWS::Region}-bucket/*"
`

func TestTheRegionComesFromTheEnvironmentWhenFlagAndConfigAreSilent(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "t.yaml")
	if err := os.WriteFile(file, []byte(regionTemplate), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"AWS_REGION", map[string]string{"AWS_REGION": "cn-north-1", "AWS_DEFAULT_REGION": "us-east-1"}, nil, "arn:aws-cn:s3:::cn-north-1-bucket/*"},
		{"AWS_DEFAULT_REGION", map[string]string{"AWS_DEFAULT_REGION": "us-gov-west-1"}, nil, "arn:aws-us-gov:s3:::us-gov-west-1-bucket/*"},
		{"the flag wins", map[string]string{"AWS_REGION": "cn-north-1"}, []string{"--region", "eu-west-1"}, "arn:aws:s3:::eu-west-1-bucket/*"},
		{"no Region", nil, nil, `!Sub "arn:${AWS::Partition}:s3:::${AWS::Region}-bucket/*"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := runArgs(t, c.env, append([]string{"check", file}, c.args...)...)
			if out.code != exitBlocking || !strings.Contains(out.stdout, c.want) {
				t.Errorf("exit %d, want %d with %s in:\n%s%s", out.code, exitBlocking, c.want, out.stdout, out.stderr)
			}
		})
	}
	out := runArgs(t, map[string]string{"AWS_REGION": "mars"}, "check", file)
	if out.code != exitUsage || !strings.Contains(out.stderr, `AWS_REGION "mars" is not a Region`) {
		t.Errorf("a bad AWS_REGION: exit %d, %s", out.code, out.stderr)
	}
}
