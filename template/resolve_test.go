package template

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

const resolveSrc = `Parameters:
  Env: {Type: String, Default: dev}
  NoDefault: {Type: String}
  Subnets: {Type: CommaDelimitedList, Default: "subnet-1, subnet-2"}
  Zones: {Type: "List<AWS::EC2::AvailabilityZone::Name>"}
  Ami: {Type: "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>", Default: /aws/service/ami}
Mappings:
  Regions:
    eu-west-1: {Ami: ami-eu}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Equals [!Ref Env, dev]
  HasName: !Not [!Equals [!Ref NoDefault, ""]]
  DevOrName: !Or [!Condition IsDev, !Condition HasName]
  ProdAndName: !And [!Condition IsProd, !Condition HasName]
  DevAndName: !And [!Condition IsDev, !Condition HasName]
  Loop1: !Condition Loop2
  Loop2: !Condition Loop1
Resources:
  Bucket:
    Type: AWS::S3::Bucket
  Role:
    Type: AWS::IAM::Role
    Properties:
      V: placeholder
`

func resolveOne(t *testing.T, v Values, expr string) *Node {
	t.Helper()
	tpl := mustParse(t, "r.yaml", resolveSrc+"      X: "+expr+"\n")
	r := NewResolver(tpl, v)
	return r.Resolve(tpl.Resource("Role").Properties.Get("X"), nil)
}

func TestResolverEvaluatesWhatCanBeKnown(t *testing.T) {
	known := Values{AccountID: "123456789012", Region: "eu-west-1", Parameters: map[string]string{"NoDefault": "given"}}
	cases := []struct {
		name string
		v    Values
		expr string
		want string
	}{
		{"a parameter default", Values{}, "!Ref Env", `"dev"`},
		{"a parameter value overrides the default", Values{Parameters: map[string]string{"Env": "prod"}}, "!Ref Env", `"prod"`},
		{"a parameter without a value stays unknown", Values{}, "!Ref NoDefault", `!Ref NoDefault`},
		{"a list parameter splits on commas", Values{}, "!Ref Subnets", `["subnet-1", "subnet-2"]`},
		{"an SSM parameter is read at deploy time", Values{}, "!Ref Ami", `!Ref Ami`},
		{"the account is known when given", known, "!Ref AWS::AccountId", `"123456789012"`},
		{"the account is unknown otherwise", Values{}, "!Ref AWS::AccountId", `!Ref AWS::AccountId`},
		{"the partition defaults to aws", Values{}, "!Ref AWS::Partition", `"aws"`},
		{"the partition follows a China region", Values{Region: "cn-north-1"}, "!Ref AWS::Partition", `"aws-cn"`},
		{"the URL suffix follows the partition", Values{Region: "cn-north-1"}, "!Ref AWS::URLSuffix", `"amazonaws.com.cn"`},
		{"a resource Ref stays unknown", known, "!Ref Bucket", `!Ref Bucket`},
		{"a GetAtt stays unknown", known, "!GetAtt Bucket.Arn", `!GetAtt Bucket.Arn`},
		{"Sub with parameters and pseudo parameters", known, `!Sub "arn:${AWS::Partition}:s3:::${Env}-${AWS::Region}-${AWS::AccountId}"`, `"arn:aws:s3:::dev-eu-west-1-123456789012"`},
		{"Sub keeps ${!Literal}", Values{}, `!Sub "${!Literal}-${Env}"`, `"${Literal}-dev"`},
		{"Sub with a variable map", Values{}, `!Sub ["${A}/${Env}", {A: !Join ["", [x, y]]}]`, `"xy/dev"`},
		{"Sub with an unknown part", Values{}, `!Sub "${Bucket.Arn}/*"`, `!Sub "${Bucket.Arn}/*"`},
		{"Join of known values", known, `!Join [":", [a, !Ref AWS::Region, !Ref Env]]`, `"a:eu-west-1:dev"`},
		{"Join of a list parameter", Values{}, `!Join [";", !Ref Subnets]`, `"subnet-1;subnet-2"`},
		{"Select from a list", Values{}, `!Select [1, [a, b, c]]`, `"b"`},
		{"Select out of range stays unknown", Values{}, `!Select [5, [a]]`, `!Select [5, ["a"]]`},
		{"Split a known string", Values{}, `!Split [",", "a,b,c"]`, `["a", "b", "c"]`},
		{"FindInMap with known keys", known, `!FindInMap [Regions, !Ref AWS::Region, Ami]`, `"ami-eu"`},
		{"FindInMap with a missing key and a default", known, `!FindInMap [Regions, us-east-1, Ami, {DefaultValue: ami-default}]`, `"ami-default"`},
		{"If on a decided condition", Values{}, `!If [IsDev, yes-dev, no-dev]`, `"yes-dev"`},
		{"If on an undecided condition stays unknown", Values{}, `!If [HasName, a, b]`, `!If ["HasName", "a", "b"]`},
		{"If decided through Or", Values{}, `!If [DevOrName, a, b]`, `"a"`},
		{"If decided through And", Values{}, `!If [ProdAndName, a, b]`, `"b"`},
		{"Base64 of a known string", Values{}, `!Base64 hi`, `"aGk="`},
		{"GetAZs is known only at deploy time", Values{}, `!GetAZs ""`, `!GetAZs ""`},
		{"ImportValue is known only at deploy time", Values{}, `!ImportValue shared`, `!ImportValue "shared"`},
		{"NoValue removes a map entry", Values{}, `{a: 1, b: !Ref AWS::NoValue}`, `{a: 1}`},
		{"NoValue removes a list item", Values{}, `[1, !If [IsProd, 2, !Ref AWS::NoValue], 3]`, `[1, 3]`},
		{"ToJsonString of a known value", Values{}, `{"Fn::ToJsonString": {a: [1, x]}}`, `"{\"a\":[1,\"x\"]}"`},
		{"Length of a list", Values{}, `{"Fn::Length": [a, b]}`, `2`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Describe(resolveOne(t, c.v, c.expr)); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
}

func TestUnknownValuesKeepTheirOrigin(t *testing.T) {
	v := resolveOne(t, Values{}, `!Sub "arn:aws:s3:::${Bucket}/${NoDefault}/*"`)
	if v.Kind != Unknown || len(v.Items) != 5 {
		t.Fatalf("got %s with %d parts", Describe(v), len(v.Items))
	}
	if o := v.Items[1].Origin; o == nil || o.Resource != "Bucket" || o.ResourceType != "AWS::S3::Bucket" || o.Func != "Ref" {
		t.Errorf("bucket part origin = %+v", o)
	}
	if o := v.Items[3].Origin; o == nil || o.Parameter != "NoDefault" {
		t.Errorf("parameter part origin = %+v", o)
	}
	acct := resolveOne(t, Values{}, `!Sub "arn:aws:iam::${AWS::AccountId}:root"`)
	if o := acct.Items[1].Origin; o == nil || o.Pseudo != "AWS::AccountId" {
		t.Errorf("account part origin = %+v", acct.Items[1].Origin)
	}
	att := resolveOne(t, Values{}, `!GetAtt Bucket.Arn`)
	if o := att.Origin; o == nil || o.Attribute != "Arn" || o.ResourceType != "AWS::S3::Bucket" {
		t.Errorf("GetAtt origin = %+v", o)
	}
	// A lookup by an unknown Region is one of the map's values for that key.
	m := resolveOne(t, Values{}, `!FindInMap [Regions, !Ref AWS::Region, Ami]`)
	if o := m.Origin; m.Kind != Unknown || o == nil || o.Func != "Fn::FindInMap" || o.Mapping != "Regions" || o.MappingKey != "Ami" {
		t.Errorf("FindInMap origin = %+v", o)
	}
	if o := resolveOne(t, Values{}, `!FindInMap [Regions, eu-west-1, !Ref NoDefault]`).Origin; o == nil || o.Mapping != "" {
		t.Errorf("a lookup with an unknown second key names no map: %+v", o)
	}
}

func TestResolvedValuesArePlacedWhereTheyAreUsed(t *testing.T) {
	tpl := mustParse(t, "r.yaml", resolveSrc+"      X: !Ref Subnets\n")
	got := NewResolver(tpl, Values{}).Resolve(tpl.Resource("Role").Properties.Get("X"), nil)
	want := Pos{Line: 26, Col: 10}
	if got.Pos != want || got.Items[1].Pos != want {
		t.Errorf("positions %v and %v, want %v", got.Pos, got.Items[1].Pos, want)
	}
}

func TestConditionsAreThreeValued(t *testing.T) {
	tpl := mustParse(t, "c.yaml", resolveSrc)
	r := NewResolver(tpl, Values{})
	cases := []struct {
		name         string
		value, known bool
	}{
		{"IsProd", false, true},
		{"IsDev", true, true},
		{"HasName", false, false},
		{"DevOrName", true, true},
		{"ProdAndName", false, true},
		{"DevAndName", false, false},
		{"Loop1", false, false},
		{"Missing", false, false},
	}
	for _, c := range cases {
		v, known := r.Condition(c.name, nil)
		if v != c.value || known != c.known {
			t.Errorf("%s = %v (known %v), want %v (known %v)", c.name, v, known, c.value, c.known)
		}
	}
	if v, known := r.Condition("HasName", Assumption{"HasName": true}); !v || !known {
		t.Error("an assumption does not decide a condition")
	}
}

func TestUndecidedBranchesAreEnumerated(t *testing.T) {
	tpl := mustParse(t, "u.yaml", resolveSrc+"      X: [!If [HasName, a, b], !If [DevAndName, c, d], !If [IsDev, e, f]]\n")
	r := NewResolver(tpl, Values{})
	x := tpl.Resource("Role").Properties.Get("X")
	conds := r.Undecided(x)
	if diff := cmp.Diff([]string{"DevAndName", "HasName"}, conds); diff != "" {
		t.Fatalf("undecided: %s", diff)
	}
	var got []string
	for _, a := range everyAssumption(conds, 4) {
		got = append(got, a.String()+" => "+Describe(r.Resolve(x, a)))
	}
	want := []string{
		`when DevAndName is true and HasName is true => ["a", "c", "e"]`,
		`when DevAndName is false and HasName is true => ["a", "d", "e"]`,
		`when DevAndName is true and HasName is false => ["b", "c", "e"]`,
		`when DevAndName is false and HasName is false => ["b", "d", "e"]`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("variants (-want +got):\n%s", diff)
	}
}

// everyAssumption lists every combination of values of the first limit
// conditions, the first condition varying fastest, true first.
func everyAssumption(conds []string, limit int) []Assumption {
	conds = conds[:min(len(conds), limit)]
	out := make([]Assumption, 0, 1<<len(conds))
	for mask := 0; mask < 1<<len(conds); mask++ {
		a := Assumption{}
		for i, c := range conds {
			a[c] = mask&(1<<i) == 0
		}
		out = append(out, a)
	}
	return out
}

func TestEqualIgnoresPositionsAndKeyOrder(t *testing.T) {
	a := mustParse(t, "a.yaml", "x: {b: 1, a: [x, y]}\n").Root
	b := mustParse(t, "b.json", "{\n\n \"x\": {\"a\": [\"x\", \"y\"], \"b\": 1}}").Root
	c := mustParse(t, "c.json", `{"x": {"a": ["y", "x"], "b": 1}}`).Root
	if !Equal(a, b) {
		t.Error("equal documents differ")
	}
	if Equal(a, c) {
		t.Error("a reordered list compares equal")
	}
}
