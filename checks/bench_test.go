package checks_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/internal/testgen"
	"github.com/tollgate-dev/tollgate/template"
)

// BenchmarkRules runs the full rule set on generated 40-resource templates
// that are parsed beforehand, so it measures the rules alone (resolution,
// extraction, policy parsing and every rule). BenchmarkCheck in engine
// measures the whole pipeline.
func BenchmarkRules(b *testing.B) {
	opts := testgen.Options{Templates: 100, Groups: 5, Plant: true}
	var ts []*template.Template
	for i := 0; i < opts.Templates; i++ {
		name, data := testgen.Template(i, opts)
		ts = append(ts, template.Parse(name, data))
	}
	k, err := checks.NewChecker(fixtureOptions(b), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, t := range ts {
			k.Check(t)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(ts)), "µs/template")
}

// managedTemplate is a 40-resource template whose roles attach AWS managed
// policies (eight distinct ones, some large) and SAM names, so that the
// cost of judging principals by their managed policies shows.
func managedTemplate(i int, attach bool) []byte {
	policies := []string{"ReadOnlyAccess", "PowerUserAccess", "AmazonS3FullAccess", "AWSLambda_FullAccess",
		"service-role/AWSLambdaBasicExecutionRole", "AmazonDynamoDBFullAccess", "CloudWatchLogsFullAccess", "AmazonSQSFullAccess"}
	var b strings.Builder
	fmt.Fprintf(&b, "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n")
	for r := 0; r < 40; r++ {
		fmt.Fprintf(&b, "  Role%d:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Version: \"2012-10-17\"\n"+
			"        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]\n"+
			"      Policies:\n        - PolicyName: logs\n          PolicyDocument:\n            Version: \"2012-10-17\"\n"+
			"            Statement: [{Effect: Allow, Action: [logs:CreateLogStream, logs:PutLogEvents], Resource: \"*\"}]\n", r)
		if attach {
			fmt.Fprintf(&b, "      ManagedPolicyArns:\n        - !Sub arn:${AWS::Partition}:iam::aws:policy/%s\n        - !Sub arn:${AWS::Partition}:iam::aws:policy/%s\n",
				policies[(i+r)%len(policies)], policies[(i+r+3)%len(policies)])
		}
	}
	return []byte(b.String())
}

// BenchmarkManagedPolicies measures the rules on templates of 40 roles
// with an inline policy each, without and with two AWS managed policies
// attached to every role: the difference is what judging principals by
// their managed policies costs (each document is parsed once per checker,
// then every template judges its principals' unions).
func BenchmarkManagedPolicies(b *testing.B) {
	for _, attach := range []bool{false, true} {
		name := "inline-only"
		if attach {
			name = "with-managed"
		}
		b.Run(name, func(b *testing.B) {
			var ts []*template.Template
			for i := 0; i < 100; i++ {
				ts = append(ts, template.Parse(fmt.Sprintf("m%d.yaml", i), managedTemplate(i, attach)))
			}
			k, err := checks.NewChecker(fixtureOptions(b), nil)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				for _, t := range ts {
					k.Check(t)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(ts)), "µs/template")
		})
	}
}

// BenchmarkManagedPoliciesFirstUse is the cost a run pays once: a new
// checker reads the managed set and parses the documents it needs.
func BenchmarkManagedPoliciesFirstUse(b *testing.B) {
	t := template.Parse("m.yaml", managedTemplate(0, true))
	opts := fixtureOptions(b)
	b.ReportAllocs()
	for b.Loop() {
		k, err := checks.NewChecker(opts, nil)
		if err != nil {
			b.Fatal(err)
		}
		k.Check(t)
	}
}
