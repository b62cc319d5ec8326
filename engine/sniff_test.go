package engine

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate-dev/tollgate/report"
	"github.com/tollgate-dev/tollgate/template"
)

// nonTemplates are files that sit beside templates in real repositories
// (cfn-policy-validator's keeps every one of these shapes in its tests).
var nonTemplates = map[string]string{
	"params/cfn.json":           `[{"ParameterKey": "Stage", "ParameterValue": "prod"}, {"ParameterKey": "Env", "ParameterValue": "test"}]`,
	"params/cfn-invalid.json":   `[{"ParameterKey": "Stage"}]`,
	"params/kv.json":            `["Stage=prod", "Env=test"]`,
	"params/pipeline.json":      `{"Parameters": {"Stage": "prod"}, "Tags": {"Team": "x"}, "StackPolicy": {"Statement": []}}`,
	"params/not-json.json":      "not_json\n",
	".pre-commit-hooks.yaml":    "-   id: tollgate\n    entry: tollgate check\n    files: \\.(json|yaml|yml)$\n",
	"evaluations/cases.json":    `[{"query": "review fixtures/x.yaml", "files": ["fixtures/x.yaml"]}]`,
	"tests/input_policy.json":   "{\n  \"Account\": \"123456789012\",\n  \"Roles\": [{\"Policy\": {{max_size_policy}}}]\n}\n",
	"tests/invalid_file.json":   "{\n  \"InvalidFile\": {\n    \"NotValid\"[]\n  }\n}\n",
	"tests/invalid_file.yaml":   "InvalidFile:\n  NotValid: {{bad_value}}\n",
	"tests/empty.yaml":          "",
	"config/settings.yaml":      "just: data\n",
	"config/resources-ish.yaml": "Resources:\n  A: {Properties: {}}\n",
}

// brokenTemplates do not parse, but something says they were meant to be
// templates: they are reported.
var brokenTemplates = map[string]string{
	"stacks/minified.json":          `{"Resources": {"Q": {"Type" "AWS::SQS::Queue"}}}`,
	"stacks/transform.yaml":         "Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Function: [\n",
	"stacks/app.template.json":      `{"Description": "x",`,
	"stacks/template.yaml":          "",
	"stacks/network-cfn.yml":        "Description: net\n  x: [\n",
	"stacks/versioned.yaml":         "AWSTemplateFormatVersion: \"2010-09-09\"\n  bad: [\n",
	"stacks/duplicate-version.yaml": "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  B: {Type: AWS::S3::Bucket}\n  B: {Type: AWS::S3::Bucket}\n",
}

func TestFolderScansSkipNonTemplatesAndCountThem(t *testing.T) {
	files := map[string]string{"stacks/good.yaml": goodTemplate}
	for k, v := range nonTemplates {
		files[k] = v
	}
	for k, v := range brokenTemplates {
		files[k] = v
	}
	chdir(t, tree(t, files))
	res := run(t, options(t, "."))

	wantTemplates := []string{
		"stacks/app.template.json", "stacks/duplicate-version.yaml", "stacks/good.yaml", "stacks/minified.json",
		"stacks/network-cfn.yml", "stacks/template.yaml", "stacks/transform.yaml", "stacks/versioned.yaml",
	}
	if diff := cmp.Diff(wantTemplates, templateFiles(res)); diff != "" {
		t.Errorf("templates (-want +got):\n%s", diff)
	}
	for _, f := range res.Findings {
		if _, broken := brokenTemplates[f.File]; f.Code != "PARSE_ERROR" || !broken {
			t.Errorf("unexpected finding %s %s:%d %s", f.Code, f.File, f.Line, f.Message)
		}
	}
	wantSkipped := []report.Skipped{
		{File: ".pre-commit-hooks.yaml", Reason: "a list"},
		{File: "config/resources-ish.yaml", Reason: "a mapping whose Resources have no Type"},
		{File: "config/settings.yaml", Reason: "a mapping without AWSTemplateFormatVersion or Resources"},
		{File: "evaluations/cases.json", Reason: "a list"},
		{File: "params/cfn-invalid.json", Reason: `a CloudFormation parameters file ([{"ParameterKey": …, "ParameterValue": …}])`},
		{File: "params/cfn.json", Reason: `a CloudFormation parameters file ([{"ParameterKey": …, "ParameterValue": …}])`},
		{File: "params/kv.json", Reason: `a parameters file of "Key=Value" strings`},
		{File: "params/not-json.json", Reason: "a string"},
		{File: "params/pipeline.json", Reason: `a CodePipeline template configuration ({"Parameters": …, "Tags": …})`},
		{File: "tests/empty.yaml", Reason: "empty"},
		{File: "tests/input_policy.json", Reason: "not valid JSON (line 3: unexpected '{', expected a quoted key), and nothing in it marks a template"},
		{File: "tests/invalid_file.json", Reason: "not valid JSON (line 3: unexpected '[', expected ':' after key \"NotValid\"), and nothing in it marks a template"},
		{File: "tests/invalid_file.yaml", Reason: "not valid YAML (line 2: a mapping key must be a plain value, not a mapping), and nothing in it marks a template"},
	}
	if diff := cmp.Diff(wantSkipped, res.Skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
	if len(res.Notices) != 0 {
		t.Errorf("a folder scan names no skipped file in the notices: %q", res.Notices)
	}
}

// A file named on the command line is always answered for: a template is
// checked, an unreadable file is a PARSE_ERROR (YAML and JSON alike), and a
// file that parses as something else gets a notice saying what it is.
func TestExplicitNonTemplatesAreNamedNotReported(t *testing.T) {
	chdir(t, tree(t, nonTemplates))
	res := run(t, options(t, "params/cfn.json", "params/pipeline.json", "tests/invalid_file.json", "tests/invalid_file.yaml"))
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.File+": "+f.Code)
	}
	if diff := cmp.Diff([]string{"tests/invalid_file.json: PARSE_ERROR", "tests/invalid_file.yaml: PARSE_ERROR"}, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	want := []string{
		`params/cfn.json is not a CloudFormation template: it is a CloudFormation parameters file ([{"ParameterKey": …, "ParameterValue": …}]); skipped`,
		`params/pipeline.json is not a CloudFormation template: it is a CodePipeline template configuration ({"Parameters": …, "Tags": …}); skipped`,
	}
	if diff := cmp.Diff(want, template.NoticeStrings(res.Notices)); diff != "" {
		t.Errorf("notices (-want +got):\n%s", diff)
	}
	if len(res.Skipped) != 2 {
		t.Errorf("skipped = %+v", res.Skipped)
	}
}

func TestTheNameOfAFileCanMarkItAsATemplate(t *testing.T) {
	for name, want := range map[string]bool{
		"template.yaml": true, "stack.template": true, "Shop.template.json": true, "app-template.yml": true,
		"db_template.yaml": true, "VPCFlowLogsS3.cfn.yaml": true, "net-cfn.json": true, "cloudformation.yml": true,
		"dir/x.cloudformation.json": true,
		"templates.yaml":            false, "params.json": false, "cfn-params.json": false, "package.json": false, "mytemplate.yaml": false,
	} {
		if got := namedLikeTemplate(name); got != want {
			t.Errorf("namedLikeTemplate(%q) = %t, want %t", name, got, want)
		}
	}
}

func TestTopLevelKeysOfBrokenText(t *testing.T) {
	for text, want := range map[string][]string{
		`{"Resources": {"Q": {"Type" "x"}}, "Outputs": {`:  {"Resources", "Outputs"},
		`{"a\"b": 1, "c": {"d": [1, {"e": 2}]}, "f"`:       {`a\"b`, "c"},
		"Transform: x\n  nested: y\n'Quoted': [\n- item\n": {"Transform", "Quoted"},
	} {
		if diff := cmp.Diff(want, topLevelKeys([]byte(text))); diff != "" {
			t.Errorf("%q (-want +got):\n%s", text, diff)
		}
	}
}

// The diff and the plan judge files as check does.
func TestIsTemplateFollowsDiscovery(t *testing.T) {
	for text, want := range map[string]bool{
		goodTemplate:                            true,
		nonTemplates["params/cfn.json"]:         false,
		brokenTemplates["stacks/minified.json"]: true,
		nonTemplates["tests/invalid_file.json"]: false,
	} {
		if got := isTemplate(template.Parse("x.json", []byte(text)), []byte(text)); got != want {
			t.Errorf("isTemplate(%q) = %t, want %t", text, got, want)
		}
	}
}

// A nested stack's template is read as if named; one that is not a
// template is counted with the files discovery found (this crashed once:
// the skipped list was indexed by the discovered files only).
func TestANestedNonTemplateIsCountedToo(t *testing.T) {
	chdir(t, tree(t, map[string]string{
		"parent.yaml": "Resources:\n  Child:\n    Type: AWS::CloudFormation::Stack\n    Properties: {TemplateURL: ./child.yaml}\n",
		"child.yaml":  "Parameters: {One: {Type: String}}\nResources: {}\n",
	}))
	res := run(t, options(t, "parent.yaml"))
	want := []report.Skipped{{File: "child.yaml", Reason: "a mapping with an empty Resources section"}}
	if diff := cmp.Diff(want, res.Skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
}
