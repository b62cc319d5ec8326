package sampolicy_test

import (
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/iamdata/sampolicy"
	"github.com/tollgate-dev/tollgate/policy"
	"github.com/tollgate-dev/tollgate/template"
)

// nodeBuilder builds template nodes placed at the policy template entry,
// the way a checker expands a SAM function's Policies before resolving
// them: the definition's own values report at the entry's line, the
// user's values keep their own positions.
type nodeBuilder struct{ at template.Pos }

func (b nodeBuilder) Scalar(v *sampolicy.Value) *template.Node {
	kinds := map[sampolicy.Kind]template.Kind{sampolicy.Null: template.Null, sampolicy.Bool: template.Bool,
		sampolicy.Number: template.Number, sampolicy.String: template.String}
	return &template.Node{Kind: kinds[v.Kind], Value: v.Text, Pos: b.at, EndLine: b.at.Line}
}

func (b nodeBuilder) Seq(_ *sampolicy.Value, items []*template.Node) *template.Node {
	return &template.Node{Kind: template.Seq, Items: items, Pos: b.at, EndLine: b.at.Line}
}

func (b nodeBuilder) Map(_ *sampolicy.Value, keys []string, vals []*template.Node) *template.Node {
	n := &template.Node{Kind: template.Map, Pos: b.at, EndLine: b.at.Line}
	for i, k := range keys {
		n.Fields = append(n.Fields, template.Field{Key: k, KeyPos: b.at, Value: vals[i]})
	}
	return n
}

const samFunction = `Transform: AWS::Serverless-2016-10-31
Parameters:
  BucketName:
    Type: String
    Default: uploads
Resources:
  Table:
    Type: AWS::DynamoDB::Table
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: "pass"
      Policies:
        - S3CrudPolicy:
            BucketName: !Ref BucketName
        - DynamoDBReadPolicy: {TableName: !Ref Table}
`

func TestAFunctionsPolicyTemplatesExpandIntoPositionedResolvablePolicies(t *testing.T) {
	s := embedded(t)
	tpl := template.Parse("template.yaml", []byte(samFunction))
	if len(tpl.Problems) > 0 {
		t.Fatal(tpl.Problems)
	}
	entries := tpl.Resource("Fn").Node.Get("Properties").Get("Policies").Items
	r := template.NewResolver(tpl, template.Values{Region: "eu-west-1", AccountID: "123456789012"})
	var docs []*policy.Document
	for _, entry := range entries {
		f := entry.Fields[0]
		st, err := s.Template(f.Key)
		if err != nil {
			t.Fatal(err)
		}
		if f.Value.Kind != template.Map {
			t.Fatal(&sampolicy.ValuesError{Template: f.Key})
		}
		values := map[string]*template.Node{}
		for _, v := range f.Value.Fields {
			values[v.Key] = v.Value
		}
		raw, err := sampolicy.Expand[*template.Node](st, values, nodeBuilder{at: f.KeyPos})
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, policy.Parse(r.Resolve(raw, nil)))
	}

	s3 := docs[0].Statements[0]
	var resources []string
	for _, v := range s3.Resource.Values {
		resources = append(resources, v.Text)
	}
	if got := strings.Join(resources, " "); got != "arn:aws:s3:::uploads arn:aws:s3:::uploads/*" {
		t.Errorf("S3CrudPolicy resources = %s", got)
	}
	if !s3.Action.Has("s3:DeleteObject", false) || s3.Action.Node.Pos.Line != 16 {
		t.Errorf("S3CrudPolicy actions %+v at %+v; want s3:DeleteObject at the entry, line 16", s3.Action.Values, s3.Action.Node.Pos)
	}
	if pos := s3.Resource.Values[0].Node.Pos; pos.Line != 16 {
		t.Errorf("the bucket ARN is at %+v; want the entry's line 16, where its Fn::Sub is", pos)
	}

	table := docs[1].Statements[0].Resource.Values[0]
	if table.Known || table.Node.Kind != template.Unknown || len(table.Node.Items) == 0 ||
		table.Node.Items[0].Value != "arn:aws:dynamodb:eu-west-1:123456789012:table/" {
		t.Errorf("DynamoDBReadPolicy resource = %+v; want the table's ARN, known up to the table name", table.Node)
	}
}
