package sampolicy_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate-dev/tollgate/iamdata/sampolicy"
)

func embedded(t testing.TB) *sampolicy.Set {
	t.Helper()
	s, err := sampolicy.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// expansion is one case of testdata/sam-expansions.json: what
// aws-sam-translator's own processor made of a template and values.
type expansion struct {
	Template string                     `json:"template"`
	Case     string                     `json:"case"`
	Values   map[string]json.RawMessage `json:"values"`
	Output   json.RawMessage            `json:"output"`
	Missing  []string                   `json:"missing"`
}

func TestEveryTemplateExpandsExactlyAsTheSAMTransformDoes(t *testing.T) {
	s := embedded(t)
	data, err := os.ReadFile("testdata/sam-expansions.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []expansion
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range cases {
		seen[c.Template] = true
		t.Run(c.Template+"/"+c.Case, func(t *testing.T) {
			tpl, err := s.Template(c.Template)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tpl.ExpandJSON(c.Values)
			if c.Missing != nil {
				var me *sampolicy.MissingError
				if !errors.As(err, &me) {
					t.Fatalf("ExpandJSON = %s, %v; SAM says the parameters %v lack values", got, err, c.Missing)
				}
				if diff := cmp.Diff(c.Missing, sortedCopy(me.Missing)); diff != "" {
					t.Errorf("missing (-SAM +ours):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			json.Compact(&want, c.Output)
			if !bytes.Equal(want.Bytes(), got) {
				t.Errorf("SAM:  %s\nours: %s", want.Bytes(), got)
			}
		})
	}
	if len(seen) != s.Len() {
		t.Errorf("the expectations cover %d templates of %d; run gen/generate.sh", len(seen), s.Len())
	}
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

func TestTheEmbeddedTemplatesAreSAMs(t *testing.T) {
	s := embedded(t)
	if s.Source != "aws-sam-translator" || s.Version == "" || s.TemplatesVersion == "" {
		t.Errorf("source %q version %q templates %q", s.Source, s.Version, s.TemplatesVersion)
	}
	if s.Len() < 80 {
		t.Errorf("%d templates; SAM has over 80", s.Len())
	}
	tpl, err := s.Template("S3CrudPolicy")
	if err != nil {
		t.Fatal(err)
	}
	want := []sampolicy.Parameter{{Name: "BucketName", Description: "Name of the Bucket"}}
	if diff := cmp.Diff(want, tpl.Parameters); diff != "" {
		t.Errorf("S3CrudPolicy parameters (-want +got):\n%s", diff)
	}
	got, err := tpl.ExpandJSON(map[string]json.RawMessage{"BucketName": json.RawMessage(`{"Ref":"B"}`)})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`"s3:PutObject"`, `{"Fn::Sub":["arn:${AWS::Partition}:s3:::${bucketName}/*",{"bucketName":{"Ref":"B"}}]}`} {
		if !strings.Contains(string(got), s) {
			t.Errorf("S3CrudPolicy expands to %s, without %s", got, s)
		}
	}
	if strings.Contains(string(got), `"Version"`) {
		t.Errorf("the expansion has a Version; SAM writes none: %s", got)
	}
}

func TestUnknownTemplatesAreReportedWithTheClosestName(t *testing.T) {
	s := embedded(t)
	cases := map[string]string{
		"S3CrudPolcy":         `"S3CrudPolicy"`,
		"s3crudpolicy":        `"S3CrudPolicy"`,
		"DynamoDBCrudPolicyX": `"DynamoDBCrudPolicy"`,
		"AdministratorAccess": "",
	}
	for name, want := range cases {
		_, err := s.Template(name)
		var ue *sampolicy.UnknownError
		if !errors.As(err, &ue) {
			t.Fatalf("Template(%q) = %v, want an UnknownError", name, err)
		}
		if want == "" && ue.Suggestion != "" || want != "" && !strings.HasSuffix(err.Error(), "did you mean "+want+"?") {
			t.Errorf("Template(%q): %v; want a suggestion of %s", name, err, want)
		}
		if s.Has(name) {
			t.Errorf("Has(%q)", name)
		}
	}
	if !s.Has("SQSPollerPolicy") {
		t.Error("Has(SQSPollerPolicy) is false")
	}
}

func TestParameterProblemsSaySAMsRuleAndTheFix(t *testing.T) {
	s := embedded(t)
	tpl, _ := s.Template("AWSSecretsManagerRotationPolicy")
	_, err := tpl.ExpandJSON(map[string]json.RawMessage{"SecretArn": json.RawMessage(`"x"`)})
	want := "SAM policy template AWSSecretsManagerRotationPolicy needs a value for its parameter FunctionName: write AWSSecretsManagerRotationPolicy: {FunctionName: …}"
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	if got := tpl.Unused([]string{"SecretArn", "FunctionName", "Zeta", "Alpha"}); !cmp.Equal(got, []string{"Alpha", "SecretArn", "Zeta"}) {
		t.Errorf("Unused = %v", got)
	}
	ve := &sampolicy.ValuesError{Template: "AMIDescribePolicy"}
	if want := "the value of SAM policy template AMIDescribePolicy must be a mapping of its parameters' values (AMIDescribePolicy: {} when it has none)"; ve.Error() != want {
		t.Errorf("got  %s\nwant %s", ve, want)
	}
	if _, err := tpl.ExpandJSON(map[string]json.RawMessage{"SecretArn": json.RawMessage(`{`), "FunctionName": json.RawMessage(`1`)}); err == nil {
		t.Error("a value that is not JSON was accepted")
	}
}

func TestMalformedTemplateFilesAreRefused(t *testing.T) {
	cases := map[string]string{
		"not JSON":            `{`,
		"no templates":        `{"Version": "1.0.0", "Templates": {}}`,
		"a bad name":          `{"Templates": {"Bad Name": {"Parameters": {}, "Definition": {"Statement": [{}]}}}}`,
		"no definition":       `{"Templates": {"XPolicy": {"Parameters": {}}}}`,
		"no parameters":       `{"Templates": {"XPolicy": {"Definition": {"Statement": [{}]}}}}`,
		"an empty statement":  `{"Templates": {"XPolicy": {"Parameters": {}, "Definition": {"Statement": []}}}}`,
		"more than Statement": `{"Templates": {"XPolicy": {"Parameters": {}, "Definition": {"Statement": [{}], "Version": "x"}}}}`,
		"a bad parameter":     `{"Templates": {"XPolicy": {"Parameters": {"a-b": {}}, "Definition": {"Statement": [{}]}}}}`,
		"a duplicate key":     `{"Templates": {"XPolicy": {"Parameters": {}, "Definition": {"Statement": [{"a": 1, "a": 2}]}}}}`,
		"too deep": `{"Templates": {"XPolicy": {"Parameters": {}, "Definition": {"Statement": [` +
			strings.Repeat("[", 100) + strings.Repeat("]", 100) + `]}}}}`,
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := sampolicy.Parse([]byte(data)); err == nil {
				t.Error("parsed")
			}
		})
	}
	if _, err := sampolicy.Load([]byte("not gzip")); err == nil {
		t.Error("Load accepted a file that is not gzip")
	}
}

func TestPackingIsDeterministic(t *testing.T) {
	src := []byte(`{"Version": "0.0.1", "Templates": {"XPolicy": {"Description": "d", "Parameters": {"P": {"Description": "p"}},
		"Definition": {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": {"Ref": "P"}}]}}}}`)
	var a, b bytes.Buffer
	if err := sampolicy.Pack(&a, "src", "1", src); err != nil {
		t.Fatal(err)
	}
	sampolicy.Pack(&b, "src", "1", src)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("packing twice gave different bytes")
	}
	s, err := sampolicy.Load(a.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	tpl, _ := s.Template("XPolicy")
	got, _ := tpl.ExpandJSON(map[string]json.RawMessage{"P": json.RawMessage(`"arn:aws:s3:::b/*"`)})
	if want := `{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`; string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func BenchmarkLoad(b *testing.B) {
	data := sampolicy.EmbeddedBytes()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sampolicy.Load(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExpandJSON(b *testing.B) {
	s, _ := sampolicy.Embedded()
	tpl, _ := s.Template("DynamoDBCrudPolicy")
	values := map[string]json.RawMessage{"TableName": json.RawMessage(`{"Ref":"Table"}`)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tpl.ExpandJSON(values); err != nil {
			b.Fatal(err)
		}
	}
}
