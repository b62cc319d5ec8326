package command

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/tollgate-dev/tollgate/checks/accessanalyzer"
	"github.com/tollgate-dev/tollgate/cloud"
)

// machineIdentity asks STS whose credentials the machine has, as
// cfn-policy-validator does, when it has some: environment keys, a
// profile, web identity, container credentials, or a shared credentials or
// config file that holds them. Without any it reports none rather than
// wait on the instance metadata service.
func machineIdentity(getenv func(string) string) func(ctx context.Context, region, profile string) (string, string, bool, error) {
	return func(ctx context.Context, region, profile string) (string, string, bool, error) {
		if profile == "" && !credentialsConfigured(getenv) {
			return "", "", false, nil
		}
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		cfg, err := cloud.LoadConfig(ctx, region, profileOption(profile)...)
		if err != nil {
			return "", "", false, err
		}
		acct, partition, err := cloud.CallerIdentity(ctx, cfg)
		return acct, partition, err == nil, err
	}
}

func profileOption(profile string) []func(*awsconfig.LoadOptions) error {
	if profile == "" {
		return nil
	}
	return []func(*awsconfig.LoadOptions) error{awsconfig.WithSharedConfigProfile(profile)}
}

// machineAnalyzer is IAM Access Analyzer with the machine's credentials.
func machineAnalyzer(ctx context.Context, region, profile string) (accessanalyzer.Client, error) {
	cfg, err := cloud.LoadConfig(ctx, region, profileOption(profile)...)
	if err != nil {
		return nil, err
	}
	return accessanalyzer.NewClient(cfg), nil
}

// credentialsConfigured reports whether the environment or the shared
// files hold AWS credentials.
func credentialsConfigured(getenv func(string) string) bool {
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"} {
		if getenv(k) != "" {
			return true
		}
	}
	home := getenv("HOME")
	credFile, cfgFile := getenv("AWS_SHARED_CREDENTIALS_FILE"), getenv("AWS_CONFIG_FILE")
	if credFile == "" && home != "" {
		credFile = filepath.Join(home, ".aws", "credentials")
	}
	if cfgFile == "" && home != "" {
		cfgFile = filepath.Join(home, ".aws", "config")
	}
	if data, err := os.ReadFile(credFile); err == nil && strings.Contains(string(data), "aws_access_key_id") {
		return true
	}
	if data, err := os.ReadFile(cfgFile); err == nil {
		for _, key := range []string{"aws_access_key_id", "credential_process", "sso_", "role_arn", "web_identity_token_file"} {
			if strings.Contains(string(data), key) {
				return true
			}
		}
	}
	return false
}
