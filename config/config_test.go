package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAValidConfigurationDecodes(t *testing.T) {
	src := `version: 1
paths: [stacks]
include: ["stacks/**/*.yaml"]
exclude: ["**/test/**"]
account: "123456789012"
region: eu-west-1
parameters: {Env: prod, Count: 3, Flag: true}
parameters-file: params/common.json
parameter-values: defaults
block-on: [ERROR, SECURITY_WARNING, WARNING]
block: {codes: [REDUNDANT_ACTION]}
allow: {codes: [EXTERNAL_PRINCIPAL]}
trusted-accounts: ["210987654321"]
trusted-orgs: [o-a1b2c3d4e5]
broad-sensitive-access: {wildcards: [permissions-management], allow: ["ec2:CreateNetworkInterface", "logs:*"]}
`
	cfg, err := Parse(".tollgate.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{Version: 1, Paths: []string{"stacks"}, Include: []string{"stacks/**/*.yaml"}, Exclude: []string{"**/test/**"},
		Account: "123456789012", Region: "eu-west-1", Parameters: map[string]string{"Env": "prod", "Count": "3", "Flag": "true"},
		ParametersFile: "params/common.json", ParameterValues: "defaults",
		BlockOn: []string{"ERROR", "SECURITY_WARNING", "WARNING"}, Block: Codes{[]string{"REDUNDANT_ACTION"}},
		Allow: Codes{[]string{"EXTERNAL_PRINCIPAL"}}, TrustedAccounts: []string{"210987654321"}, TrustedOrgs: []string{"o-a1b2c3d4e5"},
		BroadSensitiveAccess: &SensitiveAccess{Wildcards: []string{"permissions-management"}, Allow: []string{"ec2:CreateNetworkInterface", "logs:*"}},
		File:                 ".tollgate.yml"}
	if diff := cmp.Diff(want, cfg); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
}

func TestEmptyFilesMeanTheDefaults(t *testing.T) {
	for _, src := range []string{"", "\n", "# only a comment\n", "~\n"} {
		cfg, err := Parse("c.yml", []byte(src))
		if err != nil || cfg.Version != 1 || cfg.File != "c.yml" {
			t.Errorf("%q: cfg=%+v err=%v", src, cfg, err)
		}
	}
}

func TestWrongConfigurationsSayWhereAndHowToFix(t *testing.T) {
	cases := []struct {
		name string
		src  string
		want []string
	}{
		{"a misspelled key", "version: 1\nacount: \"123456789012\"\n",
			[]string{`.tollgate.yml:2:1: unknown key "acount" (did you mean "account"?)`}},
		{"a nested misspelled key", "block:\n  codez: [A]\n",
			[]string{`.tollgate.yml:2:3: unknown key "codez" (did you mean "codes"?)`}},
		{"an access level that does not exist", "broad-sensitive-access:\n  wildcards: [writes]\n",
			[]string{".tollgate.yml:2:15: broad-sensitive-access.wildcards[0]: writes is not allowed; expected one of permissions-management, write, tagging, read, list (did you mean write?)"}},
		{"an allowed action that is not one", "broad-sensitive-access:\n  allow: [CreateNetworkInterface]\n",
			[]string{`.tollgate.yml:2:11: broad-sensitive-access.allow[0]: "CreateNetworkInterface" is not valid; expected an action such as iam:CreateUser (* and ? allowed after the colon)`}},
		{"an unknown key with no near match", "colour: red\n",
			[]string{`.tollgate.yml:1:1: unknown key "colour" (expected one of access-analyzer, account, allow, allow-dynamic-ref-without-version, baseline, block, block-on, broad-sensitive-access, data-dir, exclude, gitops, include, parameter-values, parameters, parameters-file, paths, region, regions, sensitive-actions, trusted-accounts, trusted-orgs, trusted-principals, version)`}},
		{"an account written as a number", "account: 123456789012\n",
			[]string{`.tollgate.yml:1:10: account must be a string, not a number; write it in quotes ("123456789012") so leading zeros are kept`}},
		{"an account that is not 12 digits", "account: \"1234\"\n",
			[]string{`.tollgate.yml:1:10: account: "1234" is not valid; expected a 12-digit account ID such as "123456789012"`}},
		{"a finding type with a dash", "block-on: [SECURITY-WARNING]\n",
			[]string{`.tollgate.yml:1:12: block-on[0]: SECURITY-WARNING is not allowed; expected one of ERROR, SECURITY_WARNING, WARNING, SUGGESTION, NONE (did you mean SECURITY_WARNING?)`}},
		{"a list where a string belongs", "region: [eu-west-1]\n",
			[]string{`.tollgate.yml:1:9: region must be a string, not an array`}},
		{"a string where a list belongs", "paths: stacks\n",
			[]string{`.tollgate.yml:1:8: paths must be an array, not a string`}},
		{"a wrong version", "version: 2\n",
			[]string{`.tollgate.yml:1:10: version must be 1`}},
		{"a parameter that is a map", "parameters: {Env: {a: b}}\n",
			[]string{`.tollgate.yml:1:19: parameters.Env must be a boolean, a number or a string, not an object`}},
		{"a misspelt parameter-values", "parameter-values: default\n",
			[]string{`.tollgate.yml:1:19: parameter-values: default is not allowed; expected one of accepted, defaults (did you mean defaults?)`}},
		{"a YAML syntax error", "version: 1\n  paths: [\n",
			[]string{`.tollgate.yml:2:1: YAML syntax error: mapping values are not allowed in this context`}},
		{"a duplicate key", "region: a\nregion: b\n",
			[]string{`.tollgate.yml:2:1: duplicate key "region" (first defined at line 1)`}},
		{"a top-level list", "- a\n",
			[]string{`.tollgate.yml:1:1: the configuration must be an object, not an array`}},
		{"several problems at once", "acount: x\nregion: 5\nblock: {codes: [lower]}\n",
			[]string{
				`.tollgate.yml:1:1: unknown key "acount" (did you mean "account"?)`,
				`.tollgate.yml:2:9: region must be a string, not a number`,
				`.tollgate.yml:3:17: block.codes[0]: "lower" is not valid; expected an issue code such as EXTERNAL_PRINCIPAL`,
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(".tollgate.yml", []byte(c.src))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *config.Error", err)
			}
			if diff := cmp.Diff(c.want, strings.Split(err.Error(), "\n")); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFilesAreFoundAndRead(t *testing.T) {
	dir := t.TempDir()
	if cfg, err := Find(dir); err != nil || cfg.File != "" {
		t.Errorf("no file: cfg=%+v err=%v", cfg, err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".tollgate.yml"), []byte("region: eu-west-1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := Find(dir)
	if err != nil || cfg.Region != "eu-west-1" || !strings.HasSuffix(cfg.File, ".tollgate.yml") {
		t.Errorf("cfg=%+v err=%v", cfg, err)
	}
	if _, err := ReadFile(filepath.Join(dir, "missing.yml")); err == nil || !strings.Contains(err.Error(), "configuration file not found") {
		t.Errorf("missing file: %v", err)
	}
}

func TestTheSchemaIsValidJSONSchema(t *testing.T) {
	if _, err := compiled(); err != nil {
		t.Fatal(err)
	}
	if len(Schema()) == 0 {
		t.Fatal("empty schema")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "version: 1\n", "account: \"123456789012\"\nblock: {codes: [A]}\n", "a: &x [*x]\n",
		"parameters: {a: [1]}\n", "? [a]\n: b\n", "region: !!binary aGk=\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse("fuzz.yml", data)
		if err == nil && cfg == nil {
			t.Fatal("nil config without an error")
		}
		var ce *Error
		if err != nil && errors.As(err, &ce) {
			for _, is := range ce.Issues {
				if is.Message == "" {
					t.Fatalf("issue without a message: %+v", ce)
				}
			}
		}
	})
}

func TestBroadSensitiveAccessReachesTheChecks(t *testing.T) {
	cfg, err := Parse(".tollgate.yml", []byte("broad-sensitive-access:\n  actions: [permissions-management, write]\n  allow: [\"logs:*\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := cfg.Resolve(Overrides{DataDir: t.TempDir(), Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	got := s.Checks.Sensitive
	if got == nil || !cmp.Equal(got.Actions, []string{"permissions-management", "write"}) || !cmp.Equal(got.Allow, []string{"logs:*"}) || got.Wildcards != nil {
		t.Errorf("Sensitive = %+v", got)
	}
}
