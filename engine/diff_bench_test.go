package engine

import (
	"context"
	"fmt"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/gittest"
)

// monorepo commits n templates in n/20 folders, then a second commit that
// replaces the table of one of them. It returns the repository.
func monorepo(tb testing.TB, n int) *gittest.Repo {
	tb.Helper()
	r := gittest.New(tb)
	files := map[string]string{}
	for i := range n {
		files[fmt.Sprintf("stacks/team%02d/svc%04d/template.yaml", i%(n/20), i)] = fmt.Sprintf(
			"AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Table:\n    Type: AWS::DynamoDB::Table\n    Properties:\n"+
				"      TableName: table-%d\n      KeySchema: [{AttributeName: id, KeyType: HASH}]\n  Queue:\n    Type: AWS::SQS::Queue\n"+
				"    Properties: {DelaySeconds: %d}\n", i, i%900)
	}
	r.Commit("base", files)
	r.Commit("one change", map[string]string{"stacks/team07/svc0007/template.yaml": "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n" +
		"  Table:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      TableName: table-7\n      KeySchema: [{AttributeName: orderId, KeyType: HASH}]\n" +
		"  Queue:\n    Type: AWS::SQS::Queue\n    Properties: {DelaySeconds: 7}\n"})
	return r
}

// BenchmarkDiffMonorepo is `tollgate diff --base HEAD~1` in a repository of
// 1,000 templates where one changed (target: 300 ms, process start aside;
// scripts/bench-diff.sh times the binary end to end).
func BenchmarkDiffMonorepo(b *testing.B) {
	r := monorepo(b, 1000)
	opts := DiffOptions{Dir: r.Dir, Base: "HEAD~1", MergeBase: true, Checks: checksOptions(b)}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := Diff(context.Background(), opts)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Diffs.Stacks) != 1 || len(res.Findings) != 1 {
			b.Fatalf("%d stacks, %d findings", len(res.Diffs.Stacks), len(res.Findings))
		}
	}
}
