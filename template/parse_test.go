package template

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
)

// at walks a dotted path ("Resources.Role.Properties") through maps, with
// numeric segments indexing lists.
func at(t *testing.T, n *Node, path string) *Node {
	t.Helper()
	for _, seg := range strings.Split(path, ".") {
		if n == nil {
			t.Fatalf("path %q: nil before %q", path, seg)
		}
		if n.Kind == Seq {
			var i int
			if _, err := fmt.Sscan(seg, &i); err != nil || i >= len(n.Items) {
				t.Fatalf("path %q: bad index %q", path, seg)
			}
			n = n.Items[i]
			continue
		}
		n = n.Get(seg)
	}
	if n == nil {
		t.Fatalf("path %q: not found", path)
	}
	return n
}

func mustParse(t *testing.T, name, text string) *Template {
	t.Helper()
	tpl := Parse(name, []byte(text))
	if tpl.Root == nil {
		t.Fatalf("%s did not parse: %+v", name, tpl.Problems)
	}
	return tpl
}

func TestShortFormTagsExpandToLongForm(t *testing.T) {
	src := `Resources:
  R:
    Type: AWS::S3::Bucket
    Properties:
      A: !Ref Param
      B: !Sub "arn:${AWS::Partition}:s3:::x"
      C: !GetAtt Db.Endpoint.Address
      D: !GetAtt [Db, Arn]
      E: !If [IsProd, a, b]
      F: !Join ["-", [a, !Ref AWS::Region]]
      G: !Select [0, !GetAZs ""]
      H: !Split [",", "a,b"]
      I: !FindInMap [M, k1, k2]
      J: !Base64 text
      K: !Cidr ["10.0.0.0/16", 4, 8]
      L: !ImportValue shared-vpc
      M: !Equals [a, b]
      N: !And [!Condition X, !Not [!Condition Y]]
      O: !Or [!Condition X, !Condition Y]
`
	tpl := mustParse(t, "t.yaml", src)
	props := at(t, tpl.Root, "Resources.R.Properties")
	cases := []struct{ key, want string }{
		{"A", `!Ref "Param"`},
		{"B", `!Sub "arn:${AWS::Partition}:s3:::x"`},
		{"C", `!GetAtt ["Db", "Endpoint.Address"]`},
		{"D", `!GetAtt ["Db", "Arn"]`},
		{"E", `!If ["IsProd", "a", "b"]`},
		{"F", `!Join ["-", ["a", !Ref "AWS::Region"]]`},
		{"G", `!Select [0, !GetAZs ""]`},
		{"H", `!Split [",", "a,b"]`},
		{"I", `!FindInMap ["M", "k1", "k2"]`},
		{"J", `!Base64 "text"`},
		{"K", `!Cidr ["10.0.0.0/16", 4, 8]`},
		{"L", `!ImportValue "shared-vpc"`},
		{"M", `!Equals ["a", "b"]`},
		{"N", `!And [{Condition: "X"}, !Not [{Condition: "Y"}]]`},
		{"O", `!Or [{Condition: "X"}, {Condition: "Y"}]`},
	}
	for _, c := range cases {
		if got := Describe(props.Get(c.key)); got != c.want {
			t.Errorf("%s: got %s, want %s", c.key, got, c.want)
		}
	}
	if got := props.Get("A").Tag; got != "!Ref" {
		t.Errorf("tag of A = %q, want !Ref", got)
	}
	if fn, _, _ := props.Get("C").Intrinsic(); fn != "Fn::GetAtt" {
		t.Errorf("C is %q, want Fn::GetAtt", fn)
	}
}

func TestPositionsAreExactInYAMLAndJSON(t *testing.T) {
	yamlSrc := "Resources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      Path: /svc/\n      Tags:\n        - Key: team\n          Value: !Sub \"${AWS::StackName}-é\"\n"
	jsonSrc := "{\n  \"Resources\": {\n    \"Role\": {\n      \"Type\": \"AWS::IAM::Role\",\n      \"Properties\": {\"Path\": \"/svc/\", \"Tags\": [{\"Key\": \"é\", \"Value\": \"x\"}]}\n    }\n  }\n}\n"
	y := mustParse(t, "t.yaml", yamlSrc)
	j := mustParse(t, "t.json", jsonSrc)
	if j.Format != JSON || y.Format != YAML {
		t.Fatalf("formats: yaml=%v json=%v", y.Format, j.Format)
	}
	cases := []struct {
		name string
		tpl  *Template
		path string
		want Pos
	}{
		{"a YAML scalar", y, "Resources.Role.Properties.Path", Pos{5, 13}},
		{"a YAML list item map", y, "Resources.Role.Properties.Tags.0", Pos{7, 11}},
		{"a YAML tagged value", y, "Resources.Role.Properties.Tags.0.Value", Pos{8, 18}},
		{"a JSON string", j, "Resources.Role.Properties.Path", Pos{5, 30}},
		{"a JSON value after a multibyte character", j, "Resources.Role.Properties.Tags.0.Value", Pos{5, 70}},
		{"a JSON object", j, "Resources.Role", Pos{3, 13}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := at(t, c.tpl.Root, c.path).Pos; got != c.want {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
	if r := y.Resource("Role"); r == nil || r.Pos != (Pos{2, 3}) || r.Type != "AWS::IAM::Role" {
		t.Errorf("resource Role = %+v", r)
	}
	if got := at(t, y.Root, "Resources.Role").EndLine; got != 8 {
		t.Errorf("EndLine of Role = %d, want 8", got)
	}
}

func TestBadInputBecomesAPositionedProblem(t *testing.T) {
	deepYAML := "a: " + strings.Repeat("[", 10000) + strings.Repeat("]", 10000)
	deepList := strings.Repeat("[", 10000) + strings.Repeat("]", 10000)
	deepBlock := func() string {
		var b strings.Builder
		for i := 0; i < 1000; i++ {
			b.WriteString(strings.Repeat(" ", i) + "k:\n")
		}
		return b.String()
	}()
	deepJSON := strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000)
	cases := []struct {
		name      string
		text      string
		line, col int
		contains  string
		fatal     bool
		structure bool
	}{
		{"broken YAML indentation", "Resources:\n  A:\n    Type: X\n   Bad: [\n", 4, 4, "YAML syntax error", true, false},
		{"a bad key deep in a long file", "Resources:\n  A:\n    Type: X\n    Properties:\n      P: 1\n      Q: 2\n     R: 3\n      S: 4\n", 7, 6, "YAML syntax error", true, false},
		{"a tab in YAML indentation", "Resources:\n\tA: 1\n", 2, 1, "YAML syntax error", true, false},
		{"an unclosed JSON object", "{\n  \"Resources\": {\n    \"A\": 1\n", 4, 1, "unexpected end of file", true, false},
		{"a trailing comma in JSON", "{\"Resources\": {\"A\": 1,}}", 1, 23, "expected a quoted key", true, false},
		{"garbage after JSON", "{\"Resources\": {}} x", 1, 19, "after the end of the document", true, false},
		{"a bad JSON escape", "{\"a\": \"\\q\"}", 1, 8, "invalid escape", true, false},
		{"a raw newline in a JSON string", "{\"a\": \"x\ny\"}", 1, 9, "control character", true, false},
		{"a duplicate YAML key", "Resources:\n  A:\n    Type: X\n  A:\n    Type: Y\n", 4, 3, `duplicate key "A" (first defined at line 2)`, false, false},
		{"a duplicate JSON key", "{\"Resources\": {},\n \"Resources\": {}}", 2, 2, `duplicate key "Resources"`, false, false},
		{"an unknown tag", "Resources:\n  A:\n    Type: !Reff X\n", 3, 11, "unknown tag !Reff", false, false},
		{"an empty file", "", 1, 1, "the file is empty", true, false},
		{"a file of blank lines", "\n \n\t\n", 1, 1, "the file is empty", true, false},
		{"a binary file", "Resources:\x00\x01\x02", 1, 11, "binary", true, false},
		{"UTF-16 with a byte-order mark", utf16le("\ufeffResources:\n  A:\n    Type: AWS::SNS::Topic\n"), 1, 1, "the file is UTF-16LE (it starts with a UTF-16 byte-order mark); CloudFormation reads templates only as UTF-8", true, false},
		{"UTF-16 big-endian with a byte-order mark", "\xfe\xff\x00R\x00e", 1, 1, "UTF-16BE", true, false},
		{"UTF-16 without a byte-order mark", utf16le("Resources:\n  A: 1\n"), 1, 1, "the file is UTF-16LE;", true, false},
		{"invalid UTF-8", "Resources:\n  A: \"caf\xe9\"\n", 2, 10, "invalid UTF-8 (byte 0xe9)", true, false},
		{"deep YAML flow nesting", deepYAML, 1, 0, "", true, false},
		{"a deep list read as JSON", deepList, 1, 258, "nesting deeper than 256 levels", true, false},
		{"deep YAML block nesting", deepBlock, 258, 258, "nesting deeper than 256 levels", true, false},
		{"deep JSON nesting", deepJSON, 1, 1286, "nesting deeper than 256 levels", true, false},
		{"a top-level list", "- a\n- b\n", 1, 1, "it must be a mapping", true, true},
		{"Resources that is a list", "Resources:\n  - a\n", 2, 3, "Resources must be a mapping", false, true},
		{"a resource without Type", "Resources:\n  A:\n    Properties: {}\n", 2, 3, "resource A has no Type", false, true},
		{"a wrong format version", "AWSTemplateFormatVersion: 2010-09-10\nResources: {}\n", 1, 27, "AWSTemplateFormatVersion", false, true},
		{"a mapping key that is a list", "Resources:\n  ? [a, b]\n  : x\n", 2, 5, "mapping key must be a plain value", false, false},
		{"an alias to itself", "a: &x [*x]\n", 0, 0, "", true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tpl := Parse("bad.yaml", []byte(c.text))
			if c.fatal && tpl.Root != nil {
				t.Fatalf("Root is set; want nil")
			}
			if !c.fatal && tpl.Root == nil {
				t.Fatalf("Root is nil: %+v", tpl.Problems)
			}
			if len(tpl.Problems) == 0 {
				t.Fatal("no problem reported")
			}
			p := tpl.Problems[len(tpl.Problems)-1]
			if !c.fatal {
				p = tpl.Problems[0]
			}
			if c.contains != "" && !strings.Contains(p.Message, c.contains) {
				t.Errorf("message %q does not contain %q", p.Message, c.contains)
			}
			if c.line != 0 && (p.Pos.Line != c.line || (c.col != 0 && p.Pos.Col != c.col)) {
				t.Errorf("position %d:%d, want %d:%d (%s)", p.Pos.Line, p.Pos.Col, c.line, c.col, p.Message)
			}
			if p.Pos.Line < 1 {
				t.Errorf("problem without a line: %+v", p)
			}
			if p.Structure != c.structure {
				t.Errorf("Structure = %v, want %v", p.Structure, c.structure)
			}
		})
	}
}

// utf16le encodes text as UTF-16LE, as Windows tools write it.
func utf16le(text string) string {
	var b []byte
	for _, u := range utf16.Encode([]rune(text)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return string(b)
}

func TestUTF16TemplatesAreRecognisedAsTemplates(t *testing.T) {
	src := utf16le("\ufeffAWSTemplateFormatVersion: \"2010-09-09\"\nResources: {}\n")
	if !Sniff([]byte(src)) {
		t.Error("a UTF-16 template is not recognised, so discovery would skip it instead of reporting it")
	}
}

func TestAliasBombIsRejectedQuickly(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i < 10; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	b.WriteString("Resources: {}\n")
	tpl := Parse("bomb.yaml", []byte(b.String()))
	if tpl.Root != nil {
		t.Fatal("an alias bomb parsed")
	}
	last := tpl.Problems[len(tpl.Problems)-1]
	if !strings.Contains(last.Message, "aliases expand to more than") || last.Pos.Line < 5 {
		t.Errorf("problem = %+v", last)
	}
}

func TestAliasesAndMergeKeysWithinLimits(t *testing.T) {
	src := `Common: &common
  Type: AWS::SQS::Queue
  Properties: &props
    VisibilityTimeout: 30
Resources:
  A: *common
  B:
    <<: *common
    Properties:
      <<: *props
      DelaySeconds: 5
`
	tpl := mustParse(t, "alias.yaml", src)
	if len(tpl.Problems) != 0 {
		t.Fatalf("problems: %+v", tpl.Problems)
	}
	if got := tpl.Resource("A").Type; got != "AWS::SQS::Queue" {
		t.Errorf("A type = %q", got)
	}
	b := tpl.Resource("B")
	if b.Type != "AWS::SQS::Queue" {
		t.Errorf("B type = %q", b.Type)
	}
	got := Describe(b.Properties)
	if want := `{DelaySeconds: 5, VisibilityTimeout: 30}`; got != want {
		t.Errorf("B properties = %s, want %s", got, want)
	}
}

func TestBlockScalarsRecordTheirExtent(t *testing.T) {
	tpl := mustParse(t, "b.yaml", "Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n      Code:\n        ZipFile: |\n          line1\n          line2\n          line3\n      Handler: x\n")
	z := at(t, tpl.Root, "Resources.F.Properties.Code.ZipFile")
	if !z.Block || z.Pos.Line != 6 || z.EndLine != 9 {
		t.Errorf("ZipFile block=%v pos=%v end=%d", z.Block, z.Pos, z.EndLine)
	}
}

func TestScalarKindsFollowYAMLAndJSON(t *testing.T) {
	tpl := mustParse(t, "k.yaml", "a: 1\nb: 1.5\nc: true\nd: ~\ne: \"1\"\nf: yes\ng: 0x1F\nh: !!str 3\n")
	want := map[string]Kind{"a": Number, "b": Number, "c": Bool, "d": Null, "e": String, "f": String, "g": Number, "h": String}
	for k, kind := range want {
		if got := tpl.Root.Get(k).Kind; got != kind {
			t.Errorf("%s: kind %v, want %v", k, got, kind)
		}
	}
	j := mustParse(t, "k.json", `{"a": -1.5e3, "b": false, "c": null, "d": "\u00e9\ud83d\ude00", "e": []}`)
	if got := j.Root.Get("a"); got.Kind != Number || got.Value != "-1.5e3" {
		t.Errorf("a = %+v", got)
	}
	if got := j.Root.Get("d").Value; got != "é😀" {
		t.Errorf("d = %q", got)
	}
}

func TestTemplatesAreToldApartFromOtherYAML(t *testing.T) {
	cases := []struct {
		name string
		text string
		want bool
	}{
		{"a template with a version", "AWSTemplateFormatVersion: \"2010-09-09\"\nResources: {}\n", true},
		{"a template with only Resources", "Resources:\n  B:\n    Type: AWS::S3::Bucket\n", true},
		{"a SAM template", "Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n", true},
		{"a Kubernetes manifest", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n", false},
		{"a GitHub workflow", "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n", false},
		{"a package.json", `{"name": "x", "version": "1.0.0"}`, false},
		{"a docker compose file with resources", "services:\n  a:\n    deploy:\n      resources: {}\n", false},
		{"a Resources map of strings", "Resources:\n  a: b\n", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Parse("x", []byte(c.text)).IsTemplate(); got != c.want {
				t.Errorf("IsTemplate = %v, want %v", got, c.want)
			}
		})
	}
	if !Sniff([]byte("AWSTemplateFormatVersion: x\n  bad: [")) || Sniff([]byte("apiVersion: v1\nkind: Pod\n")) {
		t.Error("Sniff misjudges")
	}
	if !Sniff([]byte("Resources:\n  A:\n    Type: AWS::S3::Bucket\n   x: [")) {
		t.Error("Sniff misses a broken template without a version")
	}
}

func TestOversizedTextIsNotParsed(t *testing.T) {
	big := bytes.Repeat([]byte("# padding line\n"), MaxSize/15+2)
	tpl := Parse("big.yaml", big)
	if !tpl.TooLarge || tpl.Root != nil || tpl.Size != len(big) {
		t.Errorf("TooLarge=%v Root=%v Size=%d", tpl.TooLarge, tpl.Root != nil, tpl.Size)
	}
}

func TestSectionsAreIndexed(t *testing.T) {
	tpl := mustParse(t, "s.yaml", `Transform: [AWS::LanguageExtensions, AWS::Serverless-2016-10-31]
Parameters:
  Env: {Type: String, Default: dev}
  Secret: {Type: String, NoEcho: true}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  B:
    Type: AWS::S3::Bucket
    Condition: IsProd
    DeletionPolicy: Retain
    UpdateReplacePolicy: Snapshot
    Metadata: {x: 1}
`)
	if diff := cmp.Diff([]string{"AWS::LanguageExtensions", "AWS::Serverless-2016-10-31"}, tpl.Transforms); diff != "" {
		t.Errorf("transforms: %s", diff)
	}
	if p := tpl.Parameters["Env"]; p == nil || p.Type != "String" || Describe(p.Default) != `"dev"` {
		t.Errorf("Env = %+v", p)
	}
	if !tpl.Parameters["Secret"].NoEcho {
		t.Error("Secret is not NoEcho")
	}
	b := tpl.Resource("B")
	if b.Condition != "IsProd" || b.DeletionPolicy != "Retain" || b.UpdateReplacePolicy != "Snapshot" || b.Metadata == nil {
		t.Errorf("B = %+v", b)
	}
}

func TestAForEachTemplateWithoutAVersionIsATemplate(t *testing.T) {
	src := `Transform: AWS::LanguageExtensions
Resources:
  Fn::ForEach::Queues:
    - Name
    - [Orders, Invoices]
    - ${Name}Queue:
        Type: AWS::SQS::Queue
`
	tpl := mustParse(t, "loop.yaml", src)
	if !tpl.IsTemplate() {
		t.Fatal("a template made only of Fn::ForEach loops is not recognised")
	}
	if len(tpl.Resources) != 2 || tpl.Resource("OrdersQueue") == nil {
		t.Errorf("resources %d, want OrdersQueue and InvoicesQueue", len(tpl.Resources))
	}
	if notTpl := mustParse(t, "k8s.yaml", "Resources:\n  Fn::ForEach::x: 3\n"); notTpl.IsTemplate() {
		t.Error("a key that only looks like a loop made a template")
	}
}

// A small file may not expand to a huge one: every check walks the
// expanded document, so an 850-byte alias fan-out cost 50 ms to 100 ms per
// run before the bound followed the file's size (found by fuzzing).
func TestAliasFanOutIsBoundedByTheFileSize(t *testing.T) {
	data, err := os.ReadFile("testdata/seeds/alias-fanout.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tpl := Parse("fanout.yaml", data)
	if tpl.Root != nil {
		t.Fatal("an 850-byte file expanded to half a million nodes")
	}
	last := tpl.Problems[len(tpl.Problems)-1]
	if want := fmt.Sprintf("YAML aliases expand to more than %d nodes", aliasLimit(len(data))); last.Message != want || last.Pos.Line < 4 {
		t.Errorf("problem = %+v, want %q", last, want)
	}
	if aliasLimit(MaxSize) != MaxAliasExpansion {
		t.Errorf("the limit of a large file is %d, want %d", aliasLimit(MaxSize), MaxAliasExpansion)
	}
}
