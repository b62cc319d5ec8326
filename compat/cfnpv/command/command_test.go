package command

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/checks/accessanalyzer"
	"github.com/tollgate-dev/tollgate/internal/fakeaws"
	"github.com/tollgate-dev/tollgate/internal/golden"
	"github.com/tollgate-dev/tollgate/model"
)

// T and F name the test templates and files.
func T(name string) string { return "testdata/templates/" + name }
func F(name string) string { return "testdata/files/" + name }

// testCase is one command line, run as a pipeline would run it.
type testCase struct {
	name string
	args []string
	env  map[string]string
	// noCredentials runs without AWS credentials.
	noCredentials bool
	analyzer      accessanalyzer.Client
}

type outcome struct {
	code           int
	stdout, stderr string
}

func (c testCase) run(t *testing.T) outcome {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e := Env{Stdout: &stdout, Stderr: &stderr, Version: "v1.2.3", Tool: model.Tool{Name: "tollgate", Version: "v1.2.3"},
		Getenv: func(k string) string { return c.env[k] },
		Identity: func(context.Context, string, string) (string, string, bool, error) {
			if c.noCredentials {
				return "", "", false, nil
			}
			return "123456789012", "aws", true, nil
		},
		Now: func() time.Time { return time.Date(2026, 12, 7, 11, 19, 5, 241e6, time.UTC) },
	}
	if c.analyzer != nil {
		e.Analyzer = func(context.Context, string, string) (accessanalyzer.Client, error) { return c.analyzer, nil }
	} else {
		e.Analyzer = func(context.Context, string, string) (accessanalyzer.Client, error) {
			return nil, fmt.Errorf("no AWS credentials in the test")
		}
	}
	code := Main(context.Background(), c.args, e)
	return outcome{code, stdout.String(), stderr.String()}
}

// check compares the outcome with the case's golden file.
func (c testCase) check(t *testing.T) outcome {
	t.Helper()
	o := c.run(t)
	text := fmt.Sprintf("$ %s %s\nexit %d\n--- stdout\n%s--- stderr\n%s", Prog, strings.Join(c.args, " "), o.code, o.stdout, o.stderr)
	golden.Check(t, filepath.Join("testdata", "golden", c.name+".txt"), []byte(text))
	return o
}

func argv(s ...string) []string { return s }

// Every resource type cfn-policy-validator reads (and the ones only
// tollgate reads), through validate and parse: names, policy names,
// ordering, details and spans.
func TestEveryResourceTypeThroughValidateAndParse(t *testing.T) {
	for _, tpl := range []string{"roles", "users-groups", "permission-set", "bucket", "access-points", "queue-topic",
		"key-secret", "lambda", "api-domain-vault", "layer-table-trail", "tollgate-only"} {
		for _, cmd := range []string{"validate", "parse"} {
			c := testCase{name: cmd + "-" + tpl, args: argv(cmd, "--template-path", T(tpl+".yaml"), "--region", "us-east-1")}
			t.Run(c.name, func(t *testing.T) { c.check(t) })
		}
	}
}

// Every flag, with the statuses cfn-policy-validator exits with.
func TestEveryFlag(t *testing.T) {
	roles := T("roles.yaml")
	params := T("parameters.yaml")
	cases := []testCase{
		{name: "parameters", args: argv("validate", "--template-path", params, "--region", "us-east-1", "--parameters", "Stage=prod", "ConnectionArn=arn:aws:codestar-connections:us-east-1:123456789012:connection/abc")},
		{name: "parameters-given-twice-keeps-the-last", args: argv("parse", "--template-path", params, "--region", "us-east-1", "--parameters", "Stage=prod", "--parameters", "ConnectionArn=x")},
		{name: "parameters-missing", args: argv("validate", "--template-path", params, "--region", "us-east-1")},
		{name: "parameters-without-equals", args: argv("validate", "--template-path", params, "--region", "us-east-1", "--parameters", "Stage")},
		{name: "configuration-codepipeline", args: argv("parse", "--template-path", params, "--region", "us-east-1", "--template-configuration-file", F("codepipeline.json"))},
		{name: "configuration-cloudformation", args: argv("parse", "--template-path", params, "--region", "us-east-1", "--template-configuration-file", F("cloudformation.json"), "--parameters", "Stage=prod")},
		{name: "configuration-key-values", args: argv("parse", "--template-path", params, "--region", "us-east-1", "--template-configuration-file", F("key-values.json"))},
		{name: "configuration-missing", args: argv("validate", "--template-path", params, "--region", "us-east-1", "--template-configuration-file", F("none.json"))},
		{name: "configuration-invalid-json", args: argv("validate", "--template-path", params, "--region", "us-east-1", "--template-configuration-file", F("invalid.json"))},
		{name: "configuration-missing-value", args: argv("validate", "--template-path", params, "--region", "us-east-1", "--template-configuration-file", F("missing-value.json"))},
		{name: "configuration-parameters-not-object", args: argv("validate", "--template-path", params, "--region", "us-east-1", "--template-configuration-file", F("parameters-not-object.json"))},
		{name: "configuration-unsupported", args: argv("validate", "--template-path", params, "--region", "us-east-1", "--template-configuration-file", F("unsupported.json"))},
		{name: "configuration-no-equals", args: argv("validate", "--template-path", params, "--region", "us-east-1", "--template-configuration-file", F("no-equals.json"))},
		{name: "ignore-finding-code", args: argv("validate", "--template-path", roles, "--region", "us-east-1", "--ignore-finding", "PASS_ROLE_WITH_STAR_IN_RESOURCE,missing_version")},
		{name: "ignore-finding-resource", args: argv("validate", "--template-path", roles, "--region", "us-east-1", "--ignore-finding", "app-deployer")},
		{name: "ignore-finding-resource-and-code", args: argv("validate", "--template-path", roles, "--region", "us-east-1", "--ignore-finding", "app-deployer.EXTERNAL_PRINCIPAL, WorkerRole.MISSING_VERSION")},
		{name: "treat-warnings-as-blocking", args: argv("validate", "--template-path", T("users-groups.yaml"), "--region", "us-east-1", "--treat-finding-type-as-blocking", "error,WARNING")},
		{name: "treat-none-as-blocking", args: argv("validate", "--template-path", roles, "--region", "us-east-1", "--treat-finding-type-as-blocking", "ERROR,NONE")},
		{name: "treat-unknown-as-blocking", args: argv("validate", "--template-path", roles, "--region", "us-east-1", "--treat-finding-type-as-blocking", "ERROR,FATAL")},
		{name: "allow-external-account", args: argv("validate", "--template-path", T("key-secret.yaml"), "--region", "us-east-1", "--allow-external-principals", "999999999999")},
		{name: "allow-external-arn-and-anyone", args: argv("validate", "--template-path", T("access-points.yaml"), "--region", "us-east-1", "--allow-external-principals", "arn:aws:iam::999999999999:role/Reader,*")},
		{name: "allow-dynamic-ref-without-version", args: argv("validate", "--template-path", params, "--region", "us-east-1", "--parameters", "Stage=prod", "ConnectionArn=x", "--allow-dynamic-ref-without-version")},
		{name: "exclude-resource-types", args: argv("validate", "--template-path", roles, "--region", "us-east-1", "--exclude-resource-types", "AWS::IAM::ManagedPolicy, AWS::No::Such")},
		{name: "enable-logging", args: argv("validate", "--template-path", T("key-secret.yaml"), "--region", "us-east-1", "--enable-logging")},
		{name: "region-from-environment", args: argv("parse", "--template-path", T("key-secret.yaml")), env: map[string]string{"AWS_DEFAULT_REGION": "eu-west-1"}},
		{name: "region-missing", args: argv("parse", "--template-path", T("key-secret.yaml"))},
		{name: "region-invalid", args: argv("parse", "--template-path", T("key-secret.yaml"), "--region", "us-!est-2")},
		{name: "region-invalid-in-environment", args: argv("parse", "--template-path", T("key-secret.yaml")), env: map[string]string{"AWS_REGION": "us_east_1"}},
		{name: "account-from-environment", args: argv("validate", "--template-path", T("key-secret.yaml"), "--region", "us-east-1"),
			noCredentials: true, env: map[string]string{"AWS_ACCOUNT_ID": "999999999999"}},
		{name: "account-flag", args: argv("validate", "--template-path", T("key-secret.yaml"), "--region", "us-east-1", "--account", "999999999999")},
		{name: "account-unknown", args: argv("validate", "--template-path", T("key-secret.yaml"), "--region", "us-east-1"), noCredentials: true},
		{name: "check-no-public-access", args: argv("check-no-public-access", "--template-path", T("api-domain-vault.yaml"), "--region", "us-east-1")},
		{name: "check-no-public-access-non-blocking", args: argv("check-no-public-access", "--template-path", T("bucket.yaml"), "--region", "us-east-1", "--treat-findings-as-non-blocking")},
		{name: "check-no-public-access-ignore", args: argv("check-no-public-access", "--template-path", T("bucket.yaml"), "--region", "us-east-1", "--ignore-finding", "acme-site")},
		{name: "check-access-not-granted-actions", args: argv("check-access-not-granted", "--template-path", roles, "--region", "us-east-1", "--actions", "iam:PassRole, s3:GetObject")},
		{name: "check-access-not-granted-resources", args: argv("check-access-not-granted", "--template-path", T("users-groups.yaml"), "--region", "us-east-1", "--resources", "arn:aws:iam::123456789012:user/operator")},
		{name: "check-access-not-granted-nothing", args: argv("check-access-not-granted", "--template-path", roles, "--region", "us-east-1")},
		{name: "check-no-new-access-identity", args: argv("check-no-new-access", "--template-path", roles, "--region", "us-east-1", "--reference-policy", F("reference-identity.json"),
			"--reference-policy-type", "IDENTITY"), analyzer: fakeaws.NewAnalyzer(t).Client()},
		{name: "check-no-new-access-type", args: argv("check-no-new-access", "--template-path", roles, "--region", "us-east-1", "--reference-policy", F("reference-identity.json"),
			"--reference-policy-type", "other"), analyzer: fakeaws.NewAnalyzer(t).Client()},
		{name: "check-no-new-access-reference-missing", args: argv("check-no-new-access", "--template-path", roles, "--region", "us-east-1", "--reference-policy", F("none.json"),
			"--reference-policy-type", "identity")},
		{name: "check-no-new-access-reference-invalid", args: argv("check-no-new-access", "--template-path", roles, "--region", "us-east-1", "--reference-policy", F("invalid.json"),
			"--reference-policy-type", "identity")},
		{name: "check-no-new-access-without-credentials", args: argv("check-no-new-access", "--template-path", roles, "--region", "us-east-1", "--reference-policy", F("reference-identity.json"),
			"--reference-policy-type", "identity")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.check(t) })
	}
}

// What cfn-policy-validator refuses, refused alike: unknown, ambiguous
// and misplaced flags (status 2, its usage and wording), templates it
// cannot read (status 1, its wording, with tollgate's position).
func TestBadInput(t *testing.T) {
	roles := T("roles.yaml")
	cases := []testCase{
		{name: "no-arguments", args: argv()},
		{name: "unknown-command", args: argv("frobnicate")},
		{name: "unknown-flag", args: argv("validate", "--template-path", roles, "--region", "us-east-1", "--no-such-flag", "x")},
		{name: "flag-of-another-command", args: argv("parse", "--template-path", roles, "--region", "us-east-1", "--ignore-finding", "X")},
		{name: "ambiguous-abbreviation", args: argv("validate", "--template-path", roles, "--region", "us-east-1", "--allow")},
		{name: "abbreviations", args: argv("validate", "--template-p", roles, "--reg=us-east-1", "--ignore", "MISSING_VERSION", "--allow-external-principal", "999999999999")},
		{name: "missing-template-path", args: argv("validate", "--region", "us-east-1")},
		{name: "missing-value", args: argv("validate", "--template-path", roles, "--region")},
		{name: "value-of-a-switch", args: argv("validate", "--template-path", roles, "--region", "us-east-1", "--enable-logging=yes")},
		{name: "template-missing", args: argv("validate", "--template-path", T("none.yaml"), "--region", "us-east-1")},
		{name: "template-is-a-folder", args: argv("validate", "--template-path", "testdata/templates", "--region", "us-east-1")},
		{name: "template-broken", args: argv("validate", "--template-path", T("broken.yaml"), "--region", "us-east-1")},
		{name: "template-not-a-template", args: argv("validate", "--template-path", T("not-a-template.json"), "--region", "us-east-1")},
		{name: "template-missing-properties", args: argv("validate", "--template-path", T("missing-properties.yaml"), "--region", "us-east-1")},
		{name: "help", args: argv("--help")},
		{name: "validate-help", args: argv("validate", "-h")},
		{name: "version", args: argv("--version")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.check(t) })
	}
}
