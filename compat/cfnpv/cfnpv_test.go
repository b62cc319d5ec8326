package cfnpv

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate-dev/tollgate/template"
)

func TestPolicyPathsBecomeAccessAnalyzerLocations(t *testing.T) {
	cases := []struct {
		path string
		want string
	}{
		{"Statement[0].Action[1]", `[{"value": "Statement"}, {"index": 0}, {"value": "Action"}, {"index": 1}]`},
		{"Statement[2].Principal.AWS", `[{"value": "Statement"}, {"index": 2}, {"value": "Principal"}, {"value": "AWS"}]`},
		{"Statement[0].Condition.StringLike.token.actions.githubusercontent.com:sub[1]",
			`[{"value": "Statement"}, {"index": 0}, {"value": "Condition"}, {"value": "StringLike"}, {"key": "token.actions.githubusercontent.com:sub"}, {"index": 1}]`},
		{"Version", `[{"value": "Version"}]`},
		{"", `[]`},
	}
	for _, c := range cases {
		if got := compact(pathElements(c.path), nil); got != c.want {
			t.Errorf("%s: %s, want %s", c.path, got, c.want)
		}
	}
}

func TestOutputIsWrittenAsPythonsJSONModuleWritesIt(t *testing.T) {
	v := O("name", "caf\u00e9 \U0001F600 \"q\" \\ \n\x01\x7f", "list", []any{1, true, nil}, "empty", []any{}, "obj", Object{}, "n", raw("2.50"))
	want := "{\n    \"name\": \"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\" \\\\ \\n\\u0001\\u007f\",\n    \"list\": [\n        1,\n        true,\n        null\n    ],\n" +
		"    \"empty\": [],\n    \"obj\": {},\n    \"n\": 2.50\n}\n"
	if d := cmp.Diff(want, Encode(v)); d != "" {
		t.Error(d)
	}
	spans := map[string][2]int{}
	text := compact(O("Statement", []any{O("Effect", "Allow")}), func(p string, s, e int) { spans[p] = [2]int{s, e} })
	if text != `{"Statement": [{"Effect": "Allow"}]}` || spans["Statement[0].Effect"] != [2]int{26, 33} || spans["Statement[0]"] != [2]int{15, 34} || spans[""] != [2]int{0, 36} {
		t.Errorf("%s %v", text, spans)
	}
}

func TestNodesAreFoundByPolicyPath(t *testing.T) {
	tpl := template.Parse("p.json", []byte(`{"Statement": [{"Action": "s3:GetObject", "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": ["repo:a/b:*"]}}}]}`))
	for path, want := range map[string]string{
		"Statement[0].Action":    "s3:GetObject",
		"Statement[0].Action[0]": "s3:GetObject",
		"Statement[0].Condition.StringLike.token.actions.githubusercontent.com:sub[0]": "repo:a/b:*",
	} {
		n := nodeAt(tpl.Root, path)
		if s, _ := n.Str(); s != want {
			t.Errorf("%s: %q, want %q", path, s, want)
		}
	}
	if nodeAt(tpl.Root, "Statement[3]") != nil || nodeAt(tpl.Root, "Statement[0].Action[1]") != nil {
		t.Error("a path that is not in the document found a node")
	}
}

func TestStatementsOfMergedPermissionsShift(t *testing.T) {
	for in, want := range map[string]string{"Statement[0].Action": "Statement[2].Action", "Statement[1]": "Statement[3]", "Version": "Version"} {
		if got := shiftStatement(in, 2); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}

func TestFunctionsAreNamedAsTheToolNamesThem(t *testing.T) {
	b := &builder{v: Values{Partition: "aws", Region: "eu-west-1", AccountID: "123456789012"}}
	for in, want := range map[string]string{
		"handler":                               "arn:aws:lambda:eu-west-1:123456789012:function:handler",
		"123456789012:function:handler":         "arn:aws:lambda:eu-west-1:123456789012:function:handler",
		"function:handler:live":                 "arn:aws:lambda:eu-west-1:123456789012:function:handler:live",
		"arn:aws:lambda:us-east-1:1:function:x": "arn:aws:lambda:us-east-1:1:function:x",
	} {
		if got := b.functionARN(in); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
		if got := functionName(b.functionARN(in)); got == "" || got == in && in != "handler" {
			t.Errorf("%s: name %q", in, got)
		}
	}
}

func TestWildcardsMatchAsIAMMatches(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"s3:Get*", "s3:getobject", false}, {"s3:get*", "s3:getobject", true}, {"*", "", true},
		{"arn:aws:s3:::b/*", "arn:aws:s3:::b/k/x", true}, {"arn:aws:s3:::b?", "arn:aws:s3:::bb", true},
		{"arn:aws:s3:::b?", "arn:aws:s3:::b", false}, {"a*b*c", "aXbYc", true}, {"a*b*c", "aXbY", false},
	}
	for _, c := range cases {
		if got := glob(c.pattern, c.s); got != c.want {
			t.Errorf("glob(%q, %q) = %v", c.pattern, c.s, got)
		}
	}
}
