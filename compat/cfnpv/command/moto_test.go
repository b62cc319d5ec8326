package command

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/tollgate-dev/tollgate/cloud"
	"github.com/tollgate-dev/tollgate/internal/motoserver"
)

func TestMain(m *testing.M) {
	code := m.Run()
	motoserver.StopShared()
	os.Exit(code)
}

// The account comes from STS when there are credentials, as
// cfn-policy-validator's does: here those of a role of 210987654321 that
// moto hands out.
func TestTheAccountComesFromTheCredentials(t *testing.T) {
	moto := motoserver.Shared(t)
	moto.Env(t)
	cfg, err := cloud.LoadConfig(context.Background(), "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	out, err := sts.NewFromConfig(cfg).AssumeRole(context.Background(), &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::210987654321:role/validator"), RoleSessionName: aws.String("cpv")})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", aws.ToString(out.Credentials.AccessKeyId))
	t.Setenv("AWS_SECRET_ACCESS_KEY", aws.ToString(out.Credentials.SecretAccessKey))
	t.Setenv("AWS_SESSION_TOKEN", aws.ToString(out.Credentials.SessionToken))

	run := func(extra ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := Main(context.Background(), append([]string{"parse", "--template-path", T("key-secret.yaml"), "--region", "eu-west-1"}, extra...),
			Env{Stdout: &stdout, Stderr: &stderr, Getenv: os.Getenv})
		return code, stdout.String(), stderr.String()
	}
	if code, stdout, stderr := run(); code != 0 || !strings.Contains(stdout, `"Account": "210987654321"`) {
		t.Errorf("exit %d, want the account of the credentials:\n%s%s", code, stdout, stderr)
	}
	if code, stdout, stderr := run("--account", "111122223333"); code != 0 || !strings.Contains(stdout, `"Account": "111122223333"`) {
		t.Errorf("exit %d, want --account to win:\n%s%s", code, stdout, stderr)
	}
	if code, _, stderr := run("--profile", "no-such-profile"); code != 1 || !strings.Contains(stderr, "ERROR: Unexpected error occurred. The config profile (no-such-profile) could not be found") {
		t.Errorf("exit %d, want the unknown profile refused:\n%s", code, stderr)
	}
}

// Without credentials nothing is asked of AWS: the account is unknown, or
// $AWS_ACCOUNT_ID's.
func TestWithoutCredentialsTheRunIsOffline(t *testing.T) {
	env := map[string]string{"HOME": t.TempDir()}
	acct, _, found, err := machineIdentity(func(k string) string { return env[k] })(context.Background(), "eu-west-1", "")
	if found || err != nil || acct != "" {
		t.Errorf("found %v (%q), %v: want no credentials", found, acct, err)
	}
	env["AWS_ACCESS_KEY_ID"] = "AKIA"
	if !credentialsConfigured(func(k string) string { return env[k] }) {
		t.Error("keys in the environment are credentials")
	}
}
