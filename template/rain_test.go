package template

import (
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

// rainFiles is a repository with a template folder and shared modules.
func rainFiles(extra map[string]string) fstest.MapFS {
	files := fstest.MapFS{
		"stacks/handler.py": {Data: []byte("def handler(event, context):\n    return 'ok'\n")},
		"stacks/tags.yaml":  {Data: []byte("- Key: team\n  Value: !Rain::Constant Team\n")},
		"modules/bucket.yml": {Data: []byte(`Parameters:
  AppName: {Type: String}
  Versioned: {Type: String, Default: Enabled}
  LogBucket: {Type: String, Default: ""}
Conditions:
  HasLogs: !Not [!Equals [!Ref LogBucket, ""]]
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub ${AppName}-data
      VersioningConfiguration: {Status: !Ref Versioned}
  Policy:
    Type: AWS::S3::BucketPolicy
    Condition: HasLogs
    DependsOn: Bucket
    Properties:
      Bucket: !Ref Bucket
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Deny
            Principal: "*"
            Action: s3:*
            Resource: !Sub "${Bucket.Arn}/*"
            Condition: {Bool: {aws:SecureTransport: false}}
  Replica:
    Type: AWS::S3::Bucket
    Metadata:
      Rain: {IfParam: LogBucket}
  Reader:
    Type: !Rain::Module reader.yml
    Properties:
      Target: !GetAtt Bucket.Arn
Outputs:
  Arn:
    Value: !GetAtt Bucket.Arn
`)},
		"modules/reader.yml": {Data: []byte(`Parameters:
  Target: {Type: String}
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}
      Policies:
        - PolicyName: read
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - {Effect: Allow, Action: s3:GetObject, Resource: !Sub "${Target}/*"}
`)},
	}
	for k, v := range extra {
		files[k] = &fstest.MapFile{Data: []byte(v)}
	}
	return files
}

func parseRain(t *testing.T, src string, extra map[string]string) *Template {
	t.Helper()
	tpl := ParseWith("stacks/app.yaml", []byte(src), ParseOptions{Files: rainFiles(extra), Dir: "stacks"})
	if tpl.Root == nil {
		t.Fatalf("did not parse: %+v", tpl.Problems)
	}
	return tpl
}

func resourceIDs(tpl *Template) []string {
	var out []string
	for _, r := range tpl.Resources {
		out = append(out, r.LogicalID+" "+r.Type)
	}
	sort.Strings(out)
	return out
}

func TestRainModulesArePackagedAsRainDoes(t *testing.T) {
	src := `Resources:
  Data:
    Type: !Rain::Module ../modules/bucket.yml
    Properties:
      AppName: orders
      LogBucket: !Ref LogsBucket
    Overrides:
      Bucket:
        Properties:
          VersioningConfiguration: {Status: Suspended}
        DeletionPolicy: Retain
  LogsBucket:
    Type: AWS::S3::Bucket
Outputs:
  DataArn:
    Value: !GetAtt Data.Arn
  DataUrl:
    Value: !Sub "https://console/${Data.Arn}"
`
	tpl := parseRain(t, src, nil)
	if len(tpl.Problems) > 0 || len(tpl.Notes) > 0 {
		t.Fatalf("problems %+v, notes %v", tpl.Problems, tpl.Notes)
	}
	want := []string{"DataBucket AWS::S3::Bucket", "DataPolicy AWS::S3::BucketPolicy", "DataReaderRole AWS::IAM::Role",
		"DataReplica AWS::S3::Bucket", "LogsBucket AWS::S3::Bucket"}
	if diff := cmp.Diff(want, resourceIDs(tpl)); diff != "" {
		t.Errorf("resources (-want +got):\n%s", diff)
	}
	b := tpl.Resource("DataBucket")
	for path, want := range map[string]string{
		"Properties.BucketName":                     `!Sub "orders-data"`,
		"Properties.VersioningConfiguration.Status": `"Suspended"`,
		"DeletionPolicy":                            `"Retain"`,
	} {
		if got := Describe(at(t, b.Node, path)); got != want {
			t.Errorf("DataBucket.%s = %s, want %s", path, got, want)
		}
	}
	p := tpl.Resource("DataPolicy")
	if p.Condition != "DataHasLogs" || Describe(p.Node.Get("DependsOn")) != `"DataBucket"` {
		t.Errorf("condition %q, DependsOn %s", p.Condition, Describe(p.Node.Get("DependsOn")))
	}
	if got := Describe(at(t, p.Properties, "Bucket")); got != `!Ref "DataBucket"` {
		t.Errorf("a Ref to a module resource is renamed: %s", got)
	}
	if got := Describe(at(t, p.Properties, "PolicyDocument.Statement.0.Resource")); got != `!Sub "${DataBucket.Arn}/*"` {
		t.Errorf("a Sub of a module resource is renamed: %s", got)
	}
	if got := Describe(tpl.Conditions["DataHasLogs"]); got != `!Not [!Equals [!Ref "LogsBucket", ""]]` {
		t.Errorf("module conditions join the template's, with parameters written in: %s", got)
	}
	role := tpl.Resource("DataReaderRole")
	if got := Describe(at(t, role.Properties, "Policies.0.PolicyDocument.Statement.0.Resource")); got != `!Sub "${DataBucket.Arn}/*"` {
		t.Errorf("a nested module's parameter from its parent's resource: %s", got)
	}
	if got := Describe(at(t, tpl.Outputs, "DataArn.Value")); got != `!GetAtt ["DataBucket", "Arn"]` {
		t.Errorf("!GetAtt Module.Output is the output's value: %s", got)
	}
	if got := Describe(at(t, tpl.Outputs, "DataUrl.Value")); got != `!Sub "https://console/${DataBucket.Arn}"` {
		t.Errorf("${Module.Output} is the output's value: %s", got)
	}
	// Module content is reported at the line of the Type that brought it.
	if b.Node.Get("Type").Pos.Line != 3 {
		t.Errorf("module resources at line %d, want 3", b.Node.Get("Type").Pos.Line)
	}
	x := Extract(tpl, NewResolver(tpl, Values{}))
	if len(x.Policies) != 3 {
		t.Errorf("%d policies, want the bucket policy and the reader role's two", len(x.Policies))
	}
}

func TestRainIfParamOmitsAResourceWhenThePropertyIsMissing(t *testing.T) {
	tpl := parseRain(t, "Resources:\n  Data:\n    Type: !Rain::Module ../modules/bucket.yml\n    Properties: {AppName: x}\n", nil)
	for _, id := range resourceIDs(tpl) {
		if strings.HasPrefix(id, "DataReplica") {
			t.Errorf("IfParam: LogBucket kept %s without LogBucket", id)
		}
	}
}

func TestRainEmbedIncludeAndConstants(t *testing.T) {
	src := `Rain:
  Constants:
    Team: payments
    Prefix: pay
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Code:
        ZipFile: !Rain::Embed handler.py
      FunctionName: !Sub ${Rain::Prefix}-handler
      Tags: !Rain::Include tags.yaml
      Description: !Rain::Constant Team
`
	tpl := parseRain(t, src, nil)
	if len(tpl.Problems) > 0 || len(tpl.Notes) > 0 {
		t.Fatalf("problems %+v, notes %v", tpl.Problems, tpl.Notes)
	}
	if tpl.Root.Get("Rain") != nil {
		t.Error("the Rain section is rain's own; it does not deploy")
	}
	props := tpl.Resource("Fn").Properties
	zip := at(t, props, "Code.ZipFile")
	if zip.Kind != String || !strings.HasPrefix(zip.Value, "def handler") || strings.HasSuffix(zip.Value, "\n") || zip.Pos.Line != 10 {
		t.Errorf("embedded %q at line %d", zip.Value, zip.Pos.Line)
	}
	for path, want := range map[string]string{
		"FunctionName": `!Sub "pay-handler"`,
		"Tags.0.Value": `"payments"`,
		"Description":  `"payments"`,
		"Tags.0.Key":   `"team"`,
	} {
		if got := Describe(at(t, props, path)); got != want {
			t.Errorf("%s = %s, want %s", path, got, want)
		}
	}
}

func TestRainDirectivesThatCannotRunOfflineAreNotices(t *testing.T) {
	t.Setenv("TOLLGATE_TEST_SECRET", "s3cr3t-value")
	src := `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Code: !Rain::S3
        Path: src
        Run: ./build.sh
        BucketProperty: S3Bucket
        KeyProperty: S3Key
      Description: !Rain::Env TOLLGATE_TEST_SECRET
      Handler: !Rain::S3Http docs/index.html
  Remote:
    Type: !Rain::Module https://example.com/modules/vpc.yml
  Escape:
    Type: AWS::SSM::Parameter
    Properties:
      Value: !Rain::Embed ../../../../etc/passwd
      Name: !Rain::Embed /etc/hostname
      Description: !Rain::Embed ../.git/config
      AllowedPattern: !Rain::Embed .env
`
	tpl := parseRain(t, src, map[string]string{".git/config": "[http] extraheader = AUTHORIZATION: basic c2VjcmV0", "stacks/.env": "TOKEN=x"})
	if len(tpl.Problems) > 0 {
		t.Fatalf("problems %+v: none of these is wrong", tpl.Problems)
	}
	if d := Describe(tpl.Root); strings.Contains(d, "AUTHORIZATION") || strings.Contains(d, "TOKEN=") {
		t.Errorf("a hidden file was read: %s", d)
	}
	if len(tpl.Notes) != 1 {
		t.Fatalf("want one notice for the file, got %q", tpl.Notes)
	}
	note := tpl.Notes[0]
	for _, want := range []string{"uploads to S3", "runs a build command", "environment variables", "remote", "outside the folder", "hidden files", "rain pkg"} {
		if !strings.Contains(note.String(), want) {
			t.Errorf("the notice does not say %q:\n%s", want, note)
		}
	}
	props := tpl.Resource("Fn").Properties
	if code := props.Get("Code"); code.Get("S3Bucket").Kind != Unknown || code.Get("S3Key").Kind != Unknown {
		t.Errorf("Rain::S3 with properties: %s", Describe(code))
	}
	desc := props.Get("Description")
	if desc.Kind != Unknown || strings.Contains(Describe(tpl.Root), "s3cr3t") {
		t.Errorf("Rain::Env must never read the environment: %s", Describe(desc))
	}
	if tpl.Resource("Remote") != nil || tpl.Resource("Escape").Properties.Get("Value").Kind != Unknown {
		t.Error("remote modules and files outside the folder are left out")
	}
}

func TestRainMistakesAreReportedAtTheirLine(t *testing.T) {
	src := `Resources:
  Data:
    Type: !Rain::Module ../modules/bukcet.yml
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Code: {ZipFile: !Rain::Embedd handler.py}
      Description: !Rain::Constant Nope
`
	tpl := parseRain(t, src, nil)
	var got []string
	for _, p := range tpl.Problems {
		got = append(got, p.Message)
		if !p.Structure || p.Pos.Line == 0 {
			t.Errorf("%+v", p)
		}
	}
	want := []string{
		"Rain::Module: ../modules/bukcet.yml does not exist, so rain pkg fails (did you mean bucket.yml?)",
		"unknown Rain directive Rain::Embedd (did you mean Rain::Embed?)",
		"Rain constant Nope is not defined",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestARainModuleThatIncludesItselfStops(t *testing.T) {
	loop := map[string]string{
		"modules/a.yml": "Resources:\n  B:\n    Type: !Rain::Module b.yml\n",
		"modules/b.yml": "Resources:\n  A:\n    Type: !Rain::Module a.yml\n  Q:\n    Type: AWS::SQS::Queue\n",
	}
	tpl := parseRain(t, "Resources:\n  M:\n    Type: !Rain::Module ../modules/a.yml\n", loop)
	if len(tpl.Problems) > 0 || len(tpl.Notes) != 1 || !strings.Contains(tpl.Notes[0].String(), "includes itself through stacks/app.yaml → modules/a.yml → modules/b.yml → modules/a.yml") {
		t.Fatalf("problems %+v, notes %q", tpl.Problems, tpl.Notes)
	}
	if diff := cmp.Diff([]string{"MBQ AWS::SQS::Queue"}, resourceIDs(tpl)); diff != "" {
		t.Error(diff)
	}
	self := parseRain(t, "Resources:\n  M:\n    Type: !Rain::Module app.yaml\n", nil)
	if len(self.Notes) != 1 || !strings.Contains(self.Notes[0].String(), "includes itself") {
		t.Errorf("a template that is its own module: %q", self.Notes)
	}
}

func TestRainWithoutFilesIsANoticeNotAnError(t *testing.T) {
	tpl := Parse("app.yaml", []byte("Resources:\n  M:\n    Type: !Rain::Module m.yml\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {QueueName: !Rain::Embed name.txt}\n"))
	if len(tpl.Problems) > 0 || len(tpl.Notes) != 1 || !strings.Contains(tpl.Notes[0].String(), "were not available") {
		t.Fatalf("problems %+v, notes %q", tpl.Problems, tpl.Notes)
	}
	if !tpl.IsTemplate() || tpl.Resource("Q") == nil {
		t.Error("the rest of the template is still checked")
	}
	if only := Parse("m.yaml", []byte("Resources:\n  M:\n    Type: !Rain::Module https://example.com/m.yml\n")); !only.IsTemplate() || len(only.Notes) != 1 {
		t.Errorf("a template of remote modules only is still a template, with a notice: %v", only.Notes)
	}
}

func TestTheModulesSectionIsPackagedToo(t *testing.T) {
	src := "Modules:\n  Data:\n    Source: ../modules/bucket.yml\n    Properties: {AppName: x}\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n"
	tpl := parseRain(t, src, nil)
	if len(tpl.Problems) > 0 || tpl.Resource("DataBucket") == nil || tpl.Resource("Q") == nil || tpl.Root.Get("Modules") != nil {
		t.Fatalf("problems %+v, resources %v", tpl.Problems, resourceIDs(tpl))
	}
}
