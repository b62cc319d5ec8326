package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/iamdata"
	"github.com/tollgate-dev/tollgate/report"
	"github.com/tollgate-dev/tollgate/template"
)

const goodTemplate = "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  B:\n    Type: AWS::S3::Bucket\n"

const badTrust = `Resources:
  R:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {AWS: "*"}
            Action: sts:AssumeRole
`

// tree writes files (path → content) under a new temporary folder.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func options(t *testing.T, paths ...string) Options {
	t.Helper()
	data, err := iamdata.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return Options{Paths: paths,
		Checks: checks.Options{Data: data, Values: template.Values{AccountID: "123456789012"}},
		Block:  checks.BlockPolicy{Types: checks.DefaultBlockTypes}}
}

func run(t *testing.T, o Options) *report.Result {
	t.Helper()
	res, err := Check(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// chdir moves into dir for the test, so reported paths are relative.
func chdir(t *testing.T, dir string) {
	t.Helper()
	t.Chdir(dir)
}

func templateFiles(res *report.Result) []string {
	var out []string
	for _, tpl := range res.Templates {
		out = append(out, tpl.File)
	}
	return out
}

func TestDiscoveryReadsTemplatesAndSkipsEverythingElse(t *testing.T) {
	dir := tree(t, map[string]string{
		"stacks/a.yaml":                          goodTemplate,
		"stacks/b.JSON":                          `{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}`,
		"stacks/c.template":                      goodTemplate,
		"stacks/notes.txt":                       goodTemplate,
		".github/workflows/ci.yml":               "on: push\njobs: {}\n",
		"k8s/deploy.yaml":                        "apiVersion: apps/v1\nkind: Deployment\n",
		"k8s/broken.yaml":                        "apiVersion: v1\n  kind: [\n",
		"package.json":                           `{"name": "x"}`,
		"node_modules/lib/template.yaml":         goodTemplate,
		".aws-sam/build/template.yaml":           goodTemplate,
		"stacks/empty.yaml":                      "",
		"stacks/broken.yaml":                     "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  B:\n   Type: [\n",
		"cdk.out/manifest.json":                  `{"artifacts": {"Shop": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "Shop.template.json", "stackName": "shop-prod"}}}}`,
		"cdk.out/Shop.template.json":             `{"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}`,
		"cdk.out/tree.json":                      `{"version": "tree-0.1"}`,
		"cdk.out/asset.abc123/template.yaml":     goodTemplate,
		"stacks/deeper/still/found/stack.yml":    goodTemplate,
		"stacks/data.yaml":                       "just: data\n",
		"stacks/binary.json":                     "\x00\x01\x02Resources",
		"stacks/with space and ::colons.yaml":    goodTemplate,
		"stacks/unicode-ünïcödé.yaml":            goodTemplate,
		"stacks/newline\nin-name.yaml":           goodTemplate,
		"stacks/percent%0Aand,comma.yaml":        goodTemplate,
		"stacks/broken-k8s-with-resources.yaml":  "kind: x\nresources:\n  limits: [\n",
		"stacks/list.yaml":                       "- Type: AWS::S3::Bucket\n",
		"stacks/subdir.yaml/not-a-file-name.txt": "x",
		"stacks/loops.yaml":                      "Transform: AWS::LanguageExtensions\nResources:\n  Fn::ForEach::Q:\n    - N\n    - [A, B]\n    - ${N}Queue: {Type: AWS::SQS::Queue}\n",
	})
	chdir(t, dir)
	res := run(t, options(t, "."))
	want := []string{
		"cdk.out/Shop.template.json",
		"stacks/a.yaml",
		"stacks/b.JSON",
		"stacks/broken.yaml",
		"stacks/c.template",
		"stacks/deeper/still/found/stack.yml",
		"stacks/loops.yaml",
		"stacks/newline\nin-name.yaml",
		"stacks/percent%0Aand,comma.yaml",
		"stacks/unicode-ünïcödé.yaml",
		"stacks/with space and ::colons.yaml",
	}
	if diff := cmp.Diff(want, templateFiles(res)); diff != "" {
		t.Errorf("templates (-want +got):\n%s", diff)
	}
	if res.Templates[0].Stack != "shop-prod" {
		t.Errorf("CDK stack name = %q", res.Templates[0].Stack)
	}
	if len(res.Findings) != 1 || res.Findings[0].Code != "PARSE_ERROR" || res.Findings[0].File != "stacks/broken.yaml" || res.Findings[0].Line != 4 {
		t.Errorf("findings = %+v", res.Findings)
	}
	if len(res.Errors) != 0 {
		t.Errorf("errors = %v", res.Errors)
	}
}

func TestExplicitFilesAreAlwaysReported(t *testing.T) {
	dir := tree(t, map[string]string{
		"empty.yaml":  "",
		"data.yaml":   "just: data\n",
		"binary.json": "\x00\x01",
		"bad.json":    "{\"Resources\": [}",
	})
	chdir(t, dir)
	res := run(t, options(t, "empty.yaml", "data.yaml", "binary.json", "bad.json"))
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.File+": "+f.Code+": "+f.Message)
	}
	want := []string{
		"bad.json: PARSE_ERROR: JSON syntax error: unexpected '}', expected a value",
		"binary.json: PARSE_ERROR: the file is binary (it contains a NUL byte), not a template",
		"empty.yaml: PARSE_ERROR: the file is empty",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if len(res.Notices) != 1 || !strings.Contains(res.Notices[0].String(), "data.yaml is not a CloudFormation template") {
		t.Errorf("notices = %q", res.Notices)
	}
}

func TestIncludeAndExcludeGlobs(t *testing.T) {
	dir := tree(t, map[string]string{
		"stacks/prod/a.yaml":  goodTemplate,
		"stacks/test/b.yaml":  goodTemplate,
		"stacks/prod/c.json":  `{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}`,
		"other/d.yaml":        goodTemplate,
		"stacks/prod/e.yml":   goodTemplate,
		"stacks/prod/x/f.yml": goodTemplate,
	})
	chdir(t, dir)
	o := options(t, ".")
	o.Include = []string{"stacks/**/*.{yaml,yml}"}
	o.Exclude = []string{"**/test/**", "stacks/prod/x/*"}
	want := []string{"stacks/prod/a.yaml", "stacks/prod/e.yml"}
	if diff := cmp.Diff(want, templateFiles(run(t, o))); diff != "" {
		t.Errorf("templates (-want +got):\n%s", diff)
	}
	o.Include = []string{"stacks/[prod"}
	if _, err := Check(context.Background(), o); err == nil || !strings.Contains(err.Error(), "invalid glob pattern") {
		t.Errorf("a bad pattern gives %v", err)
	}
}

func TestSymlinkLoopsEndTheWalk(t *testing.T) {
	dir := tree(t, map[string]string{"stacks/a.yaml": goodTemplate})
	for _, link := range []struct{ target, name string }{
		{"..", "stacks/loop"},
		{".", "stacks/self"},
		{"stacks", "alias"},
		{"missing", "stacks/dangling.yaml"},
	} {
		if err := os.Symlink(link.target, filepath.Join(dir, link.name)); err != nil {
			t.Skip("symlinks are not supported here:", err)
		}
	}
	chdir(t, dir)
	res := run(t, options(t, "."))
	if diff := cmp.Diff([]string{"stacks/a.yaml"}, templateFiles(res)); diff != "" {
		t.Errorf("templates (-want +got):\n%s", diff)
	}
	want := []string{
		"skipped stacks/loop: it is a symlink to a folder already read (a symlink loop)",
		"skipped stacks/self: it is a symlink to a folder already read (a symlink loop)",
		"skipped alias: it is a symlink to a folder already read (stacks)",
	}
	if diff := cmp.Diff(want, template.NoticeStrings(res.Notices)); diff != "" {
		t.Errorf("notices (-want +got):\n%s", diff)
	}
}

func TestSymlinksOutOfTheRootAreNotFollowed(t *testing.T) {
	outside := tree(t, map[string]string{"secret.yaml": goodTemplate, "dir/t.yaml": goodTemplate})
	dir := tree(t, map[string]string{"stacks/a.yaml": goodTemplate})
	for target, name := range map[string]string{
		filepath.Join(outside, "secret.yaml"): "stacks/x.yaml",
		filepath.Join(outside, "dir"):         "stacks/linked",
		"/proc/self/environ":                  "stacks/environ.yaml",
	} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Skip("symlinks are not supported here:", err)
		}
	}
	chdir(t, dir)
	res := run(t, options(t, "stacks"))
	if diff := cmp.Diff([]string{"stacks/a.yaml"}, templateFiles(res)); diff != "" {
		t.Errorf("templates (-want +got):\n%s", diff)
	}
	outsideNotices := 0
	for _, n := range res.Notices {
		if strings.Contains(n.String(), "is a symlink to a place outside") {
			outsideNotices++
		}
	}
	if outsideNotices != 3 {
		t.Errorf("notices = %q", res.Notices)
	}
}

func TestHugeFilesAreReportedWithoutBeingRead(t *testing.T) {
	dir := t.TempDir()
	chdir(t, dir)
	big := []byte("AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n")
	for len(big) < 20<<20 {
		big = append(big, "  # padding padding padding padding padding padding padding padding padding\n"...)
	}
	if err := os.WriteFile("huge.yaml", big, 0o644); err != nil {
		t.Fatal(err)
	}
	// A large data file that is not a template stays silent.
	if err := os.WriteFile("data.json", append([]byte(`{"rows": [`), strings.Repeat(`"row", `, 2<<20)...), 0o644); err != nil {
		t.Fatal(err)
	}
	res := run(t, options(t, "."))
	if len(res.Findings) != 1 {
		t.Fatalf("findings = %+v", res.Findings)
	}
	f := res.Findings[0]
	if f.Code != "TEMPLATE_TOO_LARGE" || f.File != "huge.yaml" || !strings.Contains(f.Message, "20.0 MB") || !strings.Contains(f.Message, "did not read it") {
		t.Errorf("finding = %+v", f)
	}
}

func TestResultsDoNotDependOnParallelism(t *testing.T) {
	files := map[string]string{}
	for i := 0; i < 40; i++ {
		name := filepath.Join("s", string(rune('a'+i%26)), strings.Repeat("x", i%5+1)+".yaml")
		if i%3 == 0 {
			files[name] = badTrust
		} else {
			files[name] = goodTemplate
		}
	}
	dir := tree(t, files)
	chdir(t, dir)
	one := options(t, ".")
	one.Workers = 1
	many := options(t, ".")
	many.Workers = runtime.GOMAXPROCS(0) * 4
	a, b := run(t, one), run(t, many)
	a.Stats.Duration, b.Stats.Duration = 0, 0
	if diff := cmp.Diff(a, b, cmpopts.IgnoreUnexported(checks.Finding{})); diff != "" {
		t.Errorf("results differ with parallelism (-1 worker +many):\n%s", diff)
	}
	if a.Blocking() == 0 {
		t.Error("the planted trust policies were not found")
	}
}

func TestAMissingPathIsAUsageError(t *testing.T) {
	_, err := Check(context.Background(), options(t, filepath.Join(t.TempDir(), "nope")))
	var ue *UsageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "no such file or directory") {
		t.Errorf("err = %v", err)
	}
}

func TestUnknownAccountIsANotice(t *testing.T) {
	dir := tree(t, map[string]string{"t.yaml": badTrust})
	o := options(t, dir)
	o.Checks.Values.AccountID = ""
	res := run(t, o)
	if len(res.Notices) != 1 || !strings.Contains(res.Notices[0].String(), "--account") {
		t.Errorf("notices = %q", res.Notices)
	}
	if res.Blocking() != 1 {
		t.Errorf("Principal \"*\" must be found without an account; blocking = %d", res.Blocking())
	}
}

func TestCancellationStopsTheRun(t *testing.T) {
	dir := tree(t, map[string]string{"t.yaml": goodTemplate})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Check(ctx, options(t, dir)); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}
