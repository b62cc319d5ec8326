package template

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/testgen"
)

// BenchmarkParseMinifiedJSON parses a 1.5 MB template written on one line,
// as some generators emit it. Columns must be counted incrementally: with a
// count from the start of the line per node, this took 75 s instead of
// about 0.1 s.
func BenchmarkParseMinifiedJSON(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"Resources":{`)
	for i := 0; i < 15000; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `"Q%d":{"Type":"AWS::SQS::Queue","Properties":{"QueueName":"q%d","Tags":[{"Key":"a","Value":"b"}]}}`, i, i)
	}
	sb.WriteString(`}}`)
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if t := Parse("min.json", data); t.Root == nil {
			b.Fatal(t.Problems)
		}
	}
}

// BenchmarkParseYAML parses a 40-resource YAML template with policies.
func BenchmarkParseYAML(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n")
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&sb, "  Role%d:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n"+
			"          - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}\n"+
			"      Policies:\n        - PolicyName: p\n          PolicyDocument:\n            Statement:\n"+
			"              - Effect: Allow\n                Action: [s3:GetObject, s3:PutObject]\n                Resource: !Sub arn:aws:s3:::b-%d/*\n"+
			"  Table%d:\n    Type: AWS::DynamoDB::Table\n    Properties: {BillingMode: PAY_PER_REQUEST}\n", i, i, i)
	}
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		Parse("t.yaml", data)
	}
}

// BenchmarkParseNestedLoops parses three nested Fn::ForEach of 100 items:
// the loops are counted before they expand, so this stays at the bound's
// cost (target: under 0.5 s and 100 MB in the binary).
func BenchmarkParseNestedLoops(b *testing.B) {
	src := []byte(nestedLoops(100))
	b.ReportAllocs()
	for b.Loop() {
		Parse("product.yaml", src)
	}
}

// BenchmarkExtractBranches extracts policies whose conditions read
// parameters: five conditions (checked one by one) and thirty (64 checked
// one by one, the rest merged).
func BenchmarkExtractBranches(b *testing.B) {
	for _, n := range []int{5, 30} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			tpl := Parse("many.yaml", []byte(testgen.WildcardBehind(n, false)))
			b.ReportAllocs()
			for b.Loop() {
				Extract(tpl, NewResolver(tpl, Values{}))
			}
		})
	}
}
