package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/config"
	"github.com/tollgate-dev/tollgate/report"
)

const stageStack = `AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Stage: {Type: String, Default: prod, AllowedValues: [prod, staging, sandbox]}
  Partner: {Type: String, Default: "123456789012"}
Conditions:
  IsSandbox: !Equals [!Ref Stage, sandbox]
Resources:
  DeployRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: sts:AssumeRole
            Principal: !If [IsSandbox, {AWS: "*"}, {AWS: !Sub "arn:aws:iam::${Partner}:root"}]
`

// configured checks dir (the current folder) with the configuration text.
func configured(t *testing.T, cfgText string, ov config.Overrides) (*report.Result, error) {
	t.Helper()
	cfg, err := config.Parse(".tollgate.yml", []byte(cfgText))
	if err != nil {
		t.Fatal(err)
	}
	ov.Account = "123456789012"
	s, err := cfg.Resolve(ov)
	if err != nil {
		return nil, err
	}
	opts, err := ForConfig(context.Background(), cfg, s, report.Tool{})
	if err != nil {
		return nil, err
	}
	return Check(context.Background(), opts)
}

func summary(res *report.Result) []string {
	var out []string
	for _, f := range res.Findings {
		out = append(out, fmt.Sprintf("%s %s %q", f.Code, f.Resource, f.Conditions()))
	}
	return out
}

func TestEachEnvironmentIsCheckedWithItsParameters(t *testing.T) {
	chdir(t, tree(t, map[string]string{
		"stacks/deploy.yaml":  stageStack,
		"params/sandbox.json": `[{"ParameterKey": "Stage", "ParameterValue": "sandbox"}]`,
		"params/prod.json":    `{"Parameters": {"Stage": "prod", "Partner": "999999999999"}, "Tags": {"team": "ops"}}`,
	}))
	res, err := configured(t, `paths: [stacks]
gitops:
  environments:
    - {name: sandbox, branches: [sandbox], parameters: params/sandbox.json}
    - {name: production, branches: [main], stacks: [{template: stacks/deploy.yaml, parameters: params/prod.json}]}
`, config.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	// Pinned: each environment checks its own value, and nothing else.
	want := []string{
		`EXTERNAL_PRINCIPAL DeployRole "in sandbox"`,
		`EXTERNAL_PRINCIPAL DeployRole "in production"`,
	}
	if got := summary(res); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(res.Findings[1].Message, "999999999999") || res.Findings[0].Environment != "sandbox" {
		t.Errorf("findings: %+v", res.Findings)
	}
}

func TestFlagsWinOverEnvironmentParameters(t *testing.T) {
	chdir(t, tree(t, map[string]string{
		"stacks/deploy.yaml":  stageStack,
		"params/sandbox.json": `["Stage=sandbox"]`,
	}))
	res, err := configured(t, `paths: [stacks]
gitops:
  environments:
    - {name: sandbox, branches: [sandbox], parameters: params/sandbox.json}
`, config.Overrides{Parameters: map[string]string{"Stage": "prod"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 0 {
		t.Errorf("--parameter Stage=prod should win over the environment's sandbox: %q", summary(res))
	}
}

func TestParametersFilesThatDoNotFitAreUsageErrors(t *testing.T) {
	var usage interface{ Usage() }
	for _, c := range []struct {
		name, cfg, file, want string
		ov                    config.Overrides
	}{
		{"an environment's file names an unknown parameter", "gitops:\n  environments:\n    - {name: dev, branches: [dev], parameters: p.json}\n",
			"[\"Stage=dev\",\n \"Stgae2=x\"]", "p.json:2:2: parameter Stgae2 is not declared by stacks/deploy.yaml", config.Overrides{}},
		{"--parameters-file names a parameter no template declares", "", `["Region=eu"]`,
			"p.json:1:2: parameter Region is not declared by stacks/deploy.yaml", config.Overrides{ParametersFile: "p.json"}},
		{"parameters-file is malformed", "parameters-file: p.json\n", `[{"ParameterKey": "Stage"`, "p.json:1:", config.Overrides{}},
		{"parameters-file does not exist", "parameters-file: nope.json\n", `[]`, "nope.json: parameters file not found", config.Overrides{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			chdir(t, tree(t, map[string]string{"stacks/deploy.yaml": stageStack, "p.json": c.file}))
			_, err := configured(t, "paths: [stacks]\n"+c.cfg, c.ov)
			if err == nil || !strings.Contains(err.Error(), c.want) || !errors.As(err, &usage) {
				t.Errorf("error %v, want a usage error containing %q", err, c.want)
			}
		})
	}
}

func TestParameterValuesDefaultsChecksOnlyTheDefaults(t *testing.T) {
	chdir(t, tree(t, map[string]string{"stacks/deploy.yaml": stageStack}))
	res, err := configured(t, "paths: [stacks]\n", config.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	if got := summary(res); len(got) != 1 || got[0] != `EXTERNAL_PRINCIPAL DeployRole "when Stage=sandbox"` {
		t.Errorf("findings with every accepted value: %q", got)
	}
	res, err = configured(t, "paths: [stacks]\nparameter-values: defaults\n", config.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 0 {
		t.Errorf("with parameter-values: defaults: %q", summary(res))
	}
}
