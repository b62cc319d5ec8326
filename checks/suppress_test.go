package checks_test

import (
	"bytes"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/template"
)

const suppressedRole = `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  PartnerRole:
    Type: AWS::IAM::Role
    Metadata:
      tollgate:
        ignore:
          - code: EXTERNAL_PRINCIPAL
            reason: the partner reads the nightly export under contract ACME-42
          - code: UNSUPPORTED_SID
            reason: the Sid is written for another service
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {AWS: arn:aws:iam::999999999999:root}
            Action: sts:AssumeRole
`

func TestInlineSuppressionsCoverOfflineAndOnlineFindings(t *testing.T) {
	k := newChecker(t)
	tpl := template.Parse("role.yaml", []byte(suppressedRole))
	t.Run("offline, an entry for an Access Analyzer code is not judged", func(t *testing.T) {
		res := k.Check(tpl)
		if diff := cmp.Diff([]string{"EXTERNAL_PRINCIPAL inline"}, summary(res.Findings)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("online, its findings are suppressed too", func(t *testing.T) {
		online := func(*template.Extraction) []checks.Finding {
			return []checks.Finding{{Code: "UNSUPPORTED_SID", Type: checks.Error, Span: template.Span{File: "role.yaml", Line: 16, Column: 13},
				Resource: "PartnerRole", Source: checks.SourceAccessAnalyzer, Message: "Unsupported Sid"}}
		}
		res := k.CheckWith(tpl, online)
		if diff := cmp.Diff([]string{"EXTERNAL_PRINCIPAL inline", "UNSUPPORTED_SID inline"}, summary(res.Findings)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("online, an entry matching nothing is reported", func(t *testing.T) {
		res := k.CheckWith(tpl, func(*template.Extraction) []checks.Finding { return nil })
		if diff := cmp.Diff([]string{"EXTERNAL_PRINCIPAL inline", "UNMATCHED_SUPPRESSION"}, summary(res.Findings)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
}

func summary(fs []checks.Finding) []string {
	var out []string
	for _, f := range fs {
		s := f.Code
		if f.Suppression != nil {
			s += " " + f.Suppression.Kind
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func TestABaselineSuppressesTheFindingsItRecords(t *testing.T) {
	k := newChecker(t)
	res := k.Check(template.Parse("role.yaml", []byte(strings.ReplaceAll(suppressedRole, "Metadata:", "NoMetadata:"))))
	if len(res.Findings) != 1 {
		t.Fatalf("findings: %v", summary(res.Findings))
	}
	var buf bytes.Buffer
	if err := checks.NewBaseline(res.Findings).Write(&buf); err != nil {
		t.Fatal(err)
	}
	b, err := checks.ParseBaseline(".tollgate-baseline.json", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	again := k.Check(template.Parse("role.yaml", []byte(strings.ReplaceAll(strings.ReplaceAll(suppressedRole, "Metadata:", "NoMetadata:"),
		"Version: \"2012-10-17\"\n        Statement:", "Version: \"2012-10-17\"\n        # an edit that moves the finding down a line\n        Statement:"))))
	stale := b.Apply(again.Findings, ".tollgate-baseline.json")
	if len(stale) != 0 || again.Findings[0].Suppression == nil || again.Findings[0].Suppression.Kind != "baseline" {
		t.Errorf("a moved finding is not matched: stale %v, findings %+v", stale, again.Findings)
	}
	fixed := k.Check(template.Parse("role.yaml", []byte(strings.ReplaceAll(strings.ReplaceAll(suppressedRole, "Metadata:", "NoMetadata:"), "999999999999", "111122223333"))))
	if stale := b.Apply(fixed.Findings, ".tollgate-baseline.json"); len(stale) != 1 {
		t.Errorf("a fixed finding leaves %d stale entries, want 1", len(stale))
	}
	if !strings.Contains(buf.String(), `"code": "EXTERNAL_PRINCIPAL"`) || strings.Contains(buf.String(), `"line"`) {
		t.Errorf("the baseline should name codes for readers and leave out lines:\n%s", buf.String())
	}
}

func TestBaselinesKeepTheEntriesOfFilesNotChecked(t *testing.T) {
	old := &checks.Baseline{Version: 1, Findings: []checks.BaselineEntry{
		{File: "a.yaml", Fingerprint: "1", Code: "X"}, {File: "b.yaml", Fingerprint: "2", Code: "Y"}}}
	b := checks.NewBaseline([]checks.Finding{{Span: template.Span{File: "a.yaml"}, Fingerprint: "3", Code: "Z"}})
	b.Keep(old, func(f string) bool { return f != "a.yaml" })
	var got []string
	for _, e := range b.Findings {
		got = append(got, e.File+":"+e.Fingerprint)
	}
	if diff := cmp.Diff([]string{"a.yaml:3", "b.yaml:2"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestBrokenBaselinesSayHowToRewriteThem(t *testing.T) {
	for name, data := range map[string]string{
		"not JSON":                     "{",
		"a newer version":              `{"version": 2, "findings": []}`,
		"an unknown field":             `{"version": 1, "findings": [], "extra": true}`,
		"an entry without fingerprint": `{"version": 1, "findings": [{"file": "a.yaml"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := checks.ParseBaseline("b.json", []byte(data))
			if err == nil || !strings.Contains(err.Error(), "b.json") || !strings.Contains(err.Error(), "--write-baseline b.json") {
				t.Errorf("err = %v", err)
			}
		})
	}
}

func TestAFindingInOneBranchNamesTheBranch(t *testing.T) {
	tpl := template.Parse("branch.yaml", []byte(`AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Stage: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Resources:
  AppPolicy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: !If [IsProd, s3:GetObject, s3:GetObjekt]
            Resource: arn:aws:s3:::reports/*
          - Effect: Allow
            Action: s3:PutObjekt
            Resource: arn:aws:s3:::reports/*
`))
	res := newChecker(t).Check(tpl)
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.Code+" "+f.Branch)
	}
	want := []string{"INVALID_ACTION when IsProd is false", "INVALID_ACTION "}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
