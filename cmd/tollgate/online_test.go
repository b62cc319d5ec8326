package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/fakeaws"
)

func awsTestEnv(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIATEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

func TestCheckWithAccessAnalyzer(t *testing.T) {
	awsTestEnv(t)
	fake := fakeaws.NewAnalyzer(t,
		fakeaws.Rule{Needle: "s3:GetObjekt", Code: "INVALID_ACTION", Type: "ERROR", Details: "The action s3:GetObjekt does not exist."},
		fakeaws.Rule{Needle: "cloudformation:ExecuteChangeSet", Code: "MISSING_CONDITION", Type: "SUGGESTION", Details: "Add a condition."})
	t.Setenv("AWS_ENDPOINT_URL_ACCESSANALYZER", fake.URL)
	o := runArgs(t, nil, "check", example, "--access-analyzer", "--region", "eu-west-1", "--account", "123456789012", "--format", "json")
	var doc struct {
		Findings []struct{ Code, Source string }
		Notices  []string
	}
	if err := json.Unmarshal([]byte(o.stdout), &doc); err != nil {
		t.Fatalf("%v\n%s\n%s", err, o.stdout, o.stderr)
	}
	got := map[string]string{}
	for _, f := range doc.Findings {
		got[f.Code] = f.Source
	}
	if got["INVALID_ACTION"] != "both" || got["MISSING_CONDITION"] != "access-analyzer" || got["EXTERNAL_PRINCIPAL"] != "offline" {
		t.Errorf("sources = %v, notices = %q", got, doc.Notices)
	}
	if len(fake.Requests) == 0 {
		t.Error("Access Analyzer was not called")
	}
}

func TestAccessAnalyzerFailuresLeaveTheOfflineReport(t *testing.T) {
	awsTestEnv(t)
	fake := fakeaws.NewAnalyzer(t)
	fake.Fail = "ValidatePolicy"
	t.Setenv("AWS_ENDPOINT_URL_ACCESSANALYZER", fake.URL)
	o := runArgs(t, nil, "check", example, "--access-analyzer", "--region", "eu-west-1", "--account", "123456789012")
	if o.code != exitBlocking || !strings.Contains(o.stdout, "5 findings (4 blocking)") || !strings.Contains(o.stdout, "note: IAM Access Analyzer ValidatePolicy failed") {
		t.Errorf("code %d\n%s", o.code, o.stdout)
	}
	if strings.Count(o.stdout, "ValidatePolicy failed") != 1 {
		t.Errorf("want the failure said once:\n%s", o.stdout)
	}
	o = runArgs(t, nil, "check", example, "--access-analyzer")
	if o.code != exitUsage || !strings.Contains(o.stderr, "aws-region is not set") {
		t.Errorf("without a region: code %d stderr %q", o.code, o.stderr)
	}
}
