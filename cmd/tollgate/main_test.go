package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const example = "../../fixtures/example"

type outcome struct {
	code           int
	stdout, stderr string
}

func runArgs(t *testing.T, getenv map[string]string, args ...string) outcome {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
		getenv: func(k string) string { return getenv[k] }})
	return outcome{code, out.String(), errb.String()}
}

func TestExitStatusesAndOutputs(t *testing.T) {
	cases := []struct {
		name      string
		args      []string
		code      int
		stdout    []string
		stderr    []string
		notStdout []string
	}{
		{"the example has blocking findings", []string{"check", example, "--account", "123456789012"}, exitBlocking,
			[]string{"stacks/payments/template.yaml:45:20: SECURITY_WARNING EXTERNAL_PRINCIPAL", "5 findings (4 blocking) in 1 of 2 templates"}, nil, nil},
		{"flags may come before the path", []string{"check", "--account=123456789012", "--no-color", example}, exitBlocking,
			[]string{"5 findings (4 blocking)"}, nil, []string{"\x1b["}},
		{"a pinned parameter value decides a condition", []string{"check", example, "--parameter", "Environment=staging", "--account", "123456789012"}, exitBlocking,
			[]string{"4 findings (3 blocking)", "BROAD_SENSITIVE_ACCESS kms:Decrypt"}, nil, []string{"kmss"}},
		{"a finding only a non-default value reaches names it", []string{"check", example, "--account", "123456789012"}, exitBlocking,
			[]string{"[ReaderPolicy] (when Environment=production)"}, nil, nil},
		{"the other pinned value decides it the other way", []string{"check", example, "--parameter", "Environment=production", "--account", "123456789012"}, exitBlocking,
			[]string{"4 findings (4 blocking)", "kmss:Decrypt matches no action. Did you mean kms (AWS Key Management Service)? [ReaderPolicy]\n"}, nil, []string{"BROAD_SENSITIVE_ACCESS", "(when"}},
		{"findings of other types do not block", []string{"check", example, "--block-on", "SUGGESTION"}, exitOK,
			[]string{"(0 blocking)"}, nil, nil},
		{"an unknown account is mentioned", []string{"check", example}, exitBlocking,
			[]string{"note: the deploy account is unknown"}, nil, nil},
		{"a clean folder passes", []string{"check", example + "/stacks/web"}, exitOK,
			[]string{"✓ no findings in 1 template"}, nil, nil},
		{"version", []string{"version"}, exitOK, []string{"tollgate "}, nil, nil},
		{"help", []string{"help"}, exitOK, []string{"Usage:", "tollgate check"}, nil, nil},
		{"help for check", []string{"help", "check"}, exitOK, []string{"-format", "-block-on", "-parameter"}, nil, nil},
		{"check --help", []string{"check", "--help"}, exitOK, []string{"-account"}, nil, nil},
		{"no command", nil, exitUsage, nil, []string{"Usage:"}, nil},
		{"an unknown command", []string{"chekc"}, exitUsage, nil, []string{`unknown command "chekc"`}, nil},
		{"an unknown flag", []string{"check", "--formt", "json"}, exitUsage, nil, []string{"flag provided but not defined: -formt"}, nil},
		{"an unknown format", []string{"check", "--format", "xml", example}, exitUsage, nil, []string{`--format "xml" is not one of`}, nil},
		{"a bad account", []string{"check", "--account", "12", example}, exitUsage, nil, []string{`--account "12" is not an account ID`}, nil},
		{"a bad region", []string{"check", "--region", "Mars", example}, exitUsage, nil, []string{`--region "Mars" is not a Region`}, nil},
		{"a bad block-on type", []string{"check", "--block-on", "ERROR,FATAL", example}, exitUsage, nil, []string{`unknown finding type "FATAL"`}, nil},
		{"a bad parameter flag", []string{"check", "--parameter", "novalue", example}, exitUsage, nil, []string{`"novalue" is not KEY=VALUE`}, nil},
		{"a bad external principal", []string{"check", "--allow-external-principal", "bob", example}, exitUsage, nil, []string{"neither an account ID"}, nil},
		{"a missing path", []string{"check", "does/not/exist"}, exitUsage, nil, []string{"does/not/exist: no such file or directory"}, nil},
		{"a missing config file", []string{"check", "--config", "nope.yml", example}, exitUsage, nil, []string{"nope.yml: configuration file not found"}, nil},
		{"an allowed external account", []string{"check", example, "--account", "123456789012", "--allow-external-principal", "999999999999"}, exitBlocking,
			[]string{"4 findings (3 blocking)"}, nil, []string{"999999999999"}},
		{"an allowed external principal ARN and anyone", []string{"check", example, "--account", "123456789012", "--allow-external-principal", "*,arn:aws:iam::999999999999:root"}, exitBlocking,
			[]string{"3 findings (2 blocking)"}, nil, []string{"EXTERNAL_PRINCIPAL"}},
		{"ignored findings are suppressed", []string{"check", example, "--account", "123456789012", "--ignore-finding", "EXTERNAL_PRINCIPAL", "--ignore-finding", "ReaderPolicy.INVALID_ACTION,Nobody"}, exitBlocking,
			[]string{"1 blocking", "3 suppressed", "note: --ignore-finding Nobody matched no finding"}, nil, []string{"EXTERNAL_PRINCIPAL  ["}},
		{"block on none", []string{"check", example, "--account", "123456789012", "--block-on", "none"}, exitOK,
			[]string{"(0 blocking)"}, nil, nil},
		{"excluded resource types", []string{"check", example, "--account", "123456789012", "--exclude-resource-types", "AWS::IAM::Role,AWS::IAM::ManagedPolicy"}, exitBlocking,
			[]string{"1 finding (1 blocking)"}, nil, []string{"DeployRole", "ReaderPolicy"}},
		{"a bad excluded type", []string{"check", example, "--exclude-resource-types", "Role"}, exitUsage, nil, []string{`--exclude-resource-types "Role" is not a resource type`}, nil},
		{"policies lists the policies, whatever the findings", []string{"policies", example, "--account", "123456789012"}, exitOK,
			[]string{"DeployRole trust policy TrustPolicy [AWS::IAM::Role]", "attaches to: role payments-deploy-staging", "policies in 2 templates"}, nil, nil},
		{"policies as JSON", []string{"policies", "--format", "json", example}, exitOK, []string{`"kind": "trust"`, `"notChecked": []`}, nil, nil},
		{"policies of a template that cannot be read fail", []string{"policies", "../../template/testdata/seeds/broken.yaml"}, exitBlocking,
			[]string{"broken.yaml:4:", "ERROR PARSE_ERROR", "0 policies in 1 template"}, nil, nil},
		{"policies as JSON name the unreadable template", []string{"policies", "--format", "json", "../../template/testdata/seeds/broken.yaml"}, exitBlocking,
			[]string{`"templateErrors": [`, `"code": "PARSE_ERROR"`}, nil, nil},
		{"policies has no SARIF", []string{"policies", "--format", "sarif", example}, exitUsage, nil, []string{`--format "sarif" is not one of text, json`}, nil},
		{"help for policies", []string{"help", "policies"}, exitOK, []string{"Usage: tollgate policies", "-exclude-resource-types"}, nil, nil},
		{"cfn-policy-validator speaks its command line", []string{"cfn-policy-validator", "validate", "--template-path", example + "/stacks/payments/template.yaml",
			"--region", "eu-west-1", "--account", "123456789012", "--ignore-finding", "EXTERNAL_PRINCIPAL"}, 2,
			[]string{`"BlockingFindings": [`, `"resourceName": "No resource attached"`}, nil, []string{"EXTERNAL_PRINCIPAL"}},
		{"cfn-policy-validator's usage errors", []string{"cfn-policy-validator", "validate", "--region", "eu-west-1"}, 2,
			nil, []string{"tollgate cfn-policy-validator validate: error: the following arguments are required: --template-path"}, nil},
		{"cfn-policy-validator's errors", []string{"cfn-policy-validator", "parse", "--template-path", "nope.yaml", "--region", "eu-west-1"}, 1,
			nil, []string{"ERROR: CloudFormation template not found: nope.yaml"}, nil},
		{"help for cfn-policy-validator", []string{"help", "cfn-policy-validator"}, exitOK, []string{"Usage: tollgate cfn-policy-validator"}, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := runArgs(t, nil, c.args...)
			if o.code != c.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", o.code, c.code, o.stdout, o.stderr)
			}
			for _, s := range c.stdout {
				if !strings.Contains(o.stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, o.stdout)
				}
			}
			for _, s := range c.notStdout {
				if strings.Contains(o.stdout, s) {
					t.Errorf("stdout has %q:\n%s", s, o.stdout)
				}
			}
			for _, s := range c.stderr {
				if !strings.Contains(o.stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, o.stderr)
				}
			}
			if strings.Contains(o.stderr, "goroutine") || strings.Contains(o.stderr, "panic") {
				t.Errorf("stack trace on stderr:\n%s", o.stderr)
			}
		})
	}
}

func TestFormatsAndOutputFiles(t *testing.T) {
	o := runArgs(t, nil, "check", example, "--format", "json", "--account", "123456789012")
	var doc struct {
		Version  int
		Findings []map[string]any
		Summary  map[string]int
	}
	if err := json.Unmarshal([]byte(o.stdout), &doc); err != nil || doc.Version != 1 || doc.Summary["blocking"] != 4 {
		t.Errorf("json: %v %+v", err, doc.Summary)
	}
	out := filepath.Join(t.TempDir(), "report.sarif")
	o = runArgs(t, nil, "check", example, "--format", "sarif", "--output", out)
	if o.code != exitBlocking || o.stdout != "" || !strings.Contains(o.stderr, "wrote sarif report to") {
		t.Errorf("code %d stdout %q stderr %q", o.code, o.stdout, o.stderr)
	}
	if b, err := os.ReadFile(out); err != nil || !bytes.Contains(b, []byte(`"version": "2.1.0"`)) {
		t.Errorf("sarif file: %v", err)
	}
	o = runArgs(t, nil, "check", example, "--format", "markdown")
	if !strings.HasPrefix(o.stdout, "### ⛔ tollgate:") {
		t.Errorf("markdown: %q", o.stdout)
	}
	o = runArgs(t, nil, "check", example, "--output", filepath.Join(t.TempDir(), "missing-dir", "x.txt"))
	if o.code != exitFailure || !strings.Contains(o.stderr, "--output") {
		t.Errorf("unwritable output: code %d stderr %q", o.code, o.stderr)
	}
}

func TestConfigurationIsReadAndErrorsPointAtIt(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yml")
	os.WriteFile(good, []byte("account: \"123456789012\"\nblock-on: [ERROR]\nallow: {codes: [INVALID_ACTION]}\n"), 0o644)
	o := runArgs(t, nil, "check", "--config", good, example)
	// ERROR blocks, but INVALID_ACTION is allowed: one blocking finding left.
	if o.code != exitBlocking || !strings.Contains(o.stdout, "5 findings (1 blocking)") {
		t.Errorf("code %d stdout %s", o.code, o.stdout)
	}
	bad := filepath.Join(dir, "bad.yml")
	os.WriteFile(bad, []byte("acount: x\nregion: 5\n"), 0o644)
	o = runArgs(t, nil, "check", "--config", bad, example)
	want := "tollgate: " + bad + ":1:1: unknown key \"acount\" (did you mean \"account\"?)\ntollgate: " + bad + ":2:9: region must be a string, not a number\n"
	if o.code != exitUsage || o.stderr != want {
		t.Errorf("code %d stderr:\n%s\nwant:\n%s", o.code, o.stderr, want)
	}
	// The default file is read from the working directory.
	t.Chdir(dir)
	os.WriteFile(".tollgate.yml", []byte("paths: [stacks]\n"), 0o644)
	o = runArgs(t, nil, "check")
	if o.code != exitUsage || !strings.Contains(o.stderr, "stacks: no such file or directory") {
		t.Errorf("default config paths: code %d stderr %q", o.code, o.stderr)
	}
}

func TestErrorsCannotForgeOutputLines(t *testing.T) {
	o := runArgs(t, nil, "check", "missing\n::error::forged")
	if strings.Contains(o.stderr, "\n::error") {
		t.Errorf("stderr: %q", o.stderr)
	}
}

func TestEveryCommandHasHelp(t *testing.T) {
	for _, c := range commands() {
		t.Run(c.name, func(t *testing.T) {
			o := runArgs(t, nil, "help", c.name)
			if o.code != exitOK || !strings.Contains(o.stdout, "Usage:") {
				t.Errorf("help %s: code %d\n%s%s", c.name, o.code, o.stdout, o.stderr)
			}
		})
	}
}

func TestParametersFilesPinAndFailWithTheirLine(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "staging.json")
	bad := filepath.Join(dir, "typo.json")
	os.WriteFile(good, []byte(`[{"ParameterKey": "Environment", "ParameterValue": "staging"}]`), 0o644)
	os.WriteFile(bad, []byte("[\"Environment=staging\",\n \"Enviroment=production\"]"), 0o644)
	o := runArgs(t, nil, "check", example, "--account", "123456789012", "--parameters-file", good)
	if o.code != exitBlocking || !strings.Contains(o.stdout, "4 findings (3 blocking)") || strings.Contains(o.stdout, "kmss") {
		t.Errorf("with the staging file pinned: %d\n%s%s", o.code, o.stdout, o.stderr)
	}
	o = runArgs(t, nil, "check", example, "--account", "123456789012", "--parameters-file", bad)
	if o.code != exitUsage || !strings.Contains(o.stderr, "typo.json:2:2: parameter Enviroment is not declared by any checked template (did you mean Environment?)") {
		t.Errorf("with a misspelt name: %d\n%s%s", o.code, o.stdout, o.stderr)
	}
	o = runArgs(t, nil, "check", example, "--parameter-values", "defaults")
	if o.code != exitBlocking || strings.Contains(o.stdout, "kmss") {
		t.Errorf("--parameter-values defaults: %d\n%s%s", o.code, o.stdout, o.stderr)
	}
}
