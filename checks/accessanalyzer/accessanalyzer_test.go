package accessanalyzer

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	aa "github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
	"github.com/google/go-cmp/cmp"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/iamdata"
	"github.com/tollgate-dev/tollgate/template"
)

// fakeAnalyzer speaks IAM Access Analyzer's REST-JSON protocol as the SDK
// serializes it. Its findings are computed from the document it receives,
// with spans and paths derived from that text, as the real service does.
type fakeAnalyzer struct {
	t *testing.T
	*httptest.Server
	mu sync.Mutex
	// rules: a value equal to needle gets a finding.
	rules []fakeRule
	// throttle answers this many calls with 429 first; fail answers every
	// call of the named operation with 500; slow delays every call.
	throttle  int
	fail      string
	slow      time.Duration
	sensitive bool
	requests  []fakeRequest
}

type fakeRule struct {
	needle, code, typ, details string
}

type fakeRequest struct {
	Op   string
	Body map[string]any
}

func newFake(t *testing.T, rules ...fakeRule) *fakeAnalyzer {
	f := &fakeAnalyzer{t: t, rules: rules}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeAnalyzer) client() Client {
	return aa.New(aa.Options{
		BaseEndpoint: aws.String(f.URL), Region: "eu-west-1",
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIA", SecretAccessKey: "s"}, nil
		}),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = 4; o.MaxBackoff = time.Millisecond }),
	})
}

func (f *fakeAnalyzer) ops() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.requests {
		out = append(out, r.Op)
	}
	sort.Strings(out)
	return out
}

func apiError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", code)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"message": msg})
}

func (f *fakeAnalyzer) serve(w http.ResponseWriter, r *http.Request) {
	ops := map[string]string{"/policy/validation": "ValidatePolicy", "/policy/check-no-new-access": "CheckNoNewAccess",
		"/policy/check-no-public-access": "CheckNoPublicAccess", "/policy/check-access-not-granted": "CheckAccessNotGranted"}
	op, ok := ops[r.URL.Path]
	if r.Method != http.MethodPost || !ok {
		apiError(w, 404, "ResourceNotFoundException", "no such operation "+r.Method+" "+r.URL.Path)
		return
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		apiError(w, 403, "AccessDeniedException", "unsigned request")
		return
	}
	var body map[string]any
	raw, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(raw, &body); err != nil {
		apiError(w, 400, "ValidationException", "body is not JSON")
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, fakeRequest{op, body})
	throttled := f.throttle > 0
	if throttled {
		f.throttle--
	}
	f.mu.Unlock()
	if f.slow > 0 {
		time.Sleep(f.slow)
	}
	switch {
	case throttled:
		apiError(w, 429, "ThrottlingException", "Rate exceeded")
		return
	case f.fail == op:
		apiError(w, 500, "InternalServerException", "internal failure")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch op {
	case "ValidatePolicy":
		f.validate(w, r, body)
	case "CheckNoNewAccess":
		f.noNewAccess(w, body)
	case "CheckNoPublicAccess":
		doc := body["policyDocument"].(string)
		result := "PASS"
		if strings.Contains(doc, `"Principal":"*"`) && !strings.Contains(doc, `"Condition"`) {
			result = "FAIL"
		}
		json.NewEncoder(w).Encode(map[string]any{"result": result, "message": "The resource policy grants public access.",
			"reasons": []map[string]any{{"description": "Public access granted in the following statement with index: 0.", "statementIndex": 0}}})
	case "CheckAccessNotGranted":
		doc := body["policyDocument"].(string)
		access := body["access"].([]any)[0].(map[string]any)["actions"].([]any)
		var parsed any
		json.Unmarshal([]byte(doc), &parsed)
		result, reasons := "PASS", []map[string]any{}
		for _, a := range access {
			if path, ok := findValue(parsed, a.(string), nil); ok && len(path) > 1 {
				i := path[1].(map[string]any)["index"]
				result = "FAIL"
				reasons = append(reasons, map[string]any{"description": fmt.Sprintf("One or more of the listed actions in the statement with index: %v.", i), "statementIndex": i})
			}
		}
		json.NewEncoder(w).Encode(map[string]any{"result": result, "message": "The policy document grants access to perform one or more of the listed actions.",
			"reasons": reasons})
	}
}

func (f *fakeAnalyzer) validate(w http.ResponseWriter, r *http.Request, body map[string]any) {
	doc, _ := body["policyDocument"].(string)
	pt, _ := body["policyType"].(string)
	if doc == "" || (pt != "IDENTITY_POLICY" && pt != "RESOURCE_POLICY") {
		apiError(w, 400, "ValidationException", "1 validation error detected")
		return
	}
	var parsed any
	if err := json.Unmarshal([]byte(doc), &parsed); err != nil {
		json.NewEncoder(w).Encode(map[string]any{"findings": []any{map[string]any{"issueCode": "JSON_SYNTAX_ERROR",
			"findingType": "ERROR", "findingDetails": "Fix the JSON syntax error.", "learnMoreLink": "https://example.com",
			"locations": []any{}}}})
		return
	}
	var findings []any
	for _, rule := range f.rules {
		path, ok := findValue(parsed, rule.needle, nil)
		if !ok {
			continue
		}
		off := strings.Index(doc, strconv.Quote(rule.needle))
		findings = append(findings, map[string]any{
			"issueCode": rule.code, "findingType": rule.typ, "findingDetails": rule.details,
			"learnMoreLink": "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html",
			"locations": []any{map[string]any{"path": path, "span": map[string]any{
				"start": map[string]any{"line": 1, "column": off, "offset": off},
				"end":   map[string]any{"line": 1, "column": off + len(rule.needle) + 2, "offset": off + len(rule.needle) + 2}}}},
		})
	}
	// One finding per page, to exercise pagination.
	start, _ := strconv.Atoi(r.URL.Query().Get("nextToken"))
	out := map[string]any{"findings": []any{}}
	if start < len(findings) {
		out["findings"] = findings[start : start+1]
		if start+1 < len(findings) {
			out["nextToken"] = strconv.Itoa(start + 1)
		}
	}
	json.NewEncoder(w).Encode(out)
}

// findValue returns the Access Analyzer path to the first string equal to
// needle.
func findValue(v any, needle string, path []any) ([]any, bool) {
	switch x := v.(type) {
	case string:
		return path, x == needle
	case []any:
		for i, it := range x {
			if p, ok := findValue(it, needle, append(append([]any(nil), path...), map[string]any{"index": i})); ok {
				return p, true
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if p, ok := findValue(x[k], needle, append(append([]any(nil), path...), map[string]any{"value": k})); ok {
				return p, true
			}
		}
	}
	return nil, false
}

func (f *fakeAnalyzer) noNewAccess(w http.ResponseWriter, body map[string]any) {
	actions := func(s string) map[string]bool {
		out := map[string]bool{}
		var doc struct{ Statement []struct{ Action any } }
		json.Unmarshal([]byte(s), &doc)
		for _, st := range doc.Statement {
			switch a := st.Action.(type) {
			case string:
				out[a] = true
			case []any:
				for _, x := range a {
					out[fmt.Sprint(x)] = true
				}
			}
		}
		return out
	}
	old, neu := actions(body["existingPolicyDocument"].(string)), actions(body["newPolicyDocument"].(string))
	for a := range neu {
		if !old[a] {
			json.NewEncoder(w).Encode(map[string]any{"result": "FAIL", "message": "The modified permissions grant new access compared to your existing policy.",
				"reasons": []map[string]any{{"description": "New access in the statement with index: 1.", "statementIndex": 1}}})
			return
		}
	}
	json.NewEncoder(w).Encode(map[string]any{"result": "PASS", "message": "The policy does not grant new access."})
}

const tmpl = `Resources:
  Deployer:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: codebuild.amazonaws.com}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: deploy
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: s3:GetObjekt
                Resource: !Sub "${Bucket.Arn}/*"
              - Effect: Allow
                Action: [iam:PassRole, iam:CreateUser]
                Resource: "*"
  Bucket:
    Type: AWS::S3::Bucket
  BucketPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Bucket
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: "*"
            Action: s3:GetObject
            Resource: !Sub "${Bucket.Arn}/*"
`

func extract(t *testing.T, src string) (*template.Template, []*template.Policy) {
	t.Helper()
	tpl := template.Parse("stacks/app.yaml", []byte(src))
	if tpl.Root == nil {
		t.Fatal(tpl.Problems)
	}
	return tpl, template.Extract(tpl, template.NewResolver(tpl, template.Values{AccountID: "123456789012"})).Policies
}

type brief struct {
	Code, Type, Source, Resource, Path string
	Line                               int
}

func briefs(fs []checks.Finding) []brief {
	out := make([]brief, len(fs))
	for i, f := range fs {
		out[i] = brief{f.Code, string(f.Type), f.Source, f.Resource, f.Path, f.Line}
	}
	return out
}

var standardRules = []fakeRule{
	{"s3:GetObjekt", "INVALID_ACTION", "ERROR", "The action s3:GetObjekt does not exist."},
	{"iam:PassRole", "PASS_ROLE_WITH_STAR_IN_RESOURCE", "SECURITY_WARNING", "Using the iam:PassRole action with wildcards (*) in the resource can be overly permissive."},
}

func TestFindingsMapToTheTemplateLines(t *testing.T) {
	fake := newFake(t, standardRules...)
	tpl, policies := extract(t, tmpl)
	res := Run(context.Background(), Options{Client: fake.client(), Values: template.Values{AccountID: "123456789012"},
		SensitiveActions: []string{"iam:CreateUser"}}, tpl, policies)
	want := []brief{
		{"INVALID_ACTION", "ERROR", "access-analyzer", "Deployer", "Resources.Deployer.Properties.Policies[0].PolicyDocument.Statement[0].Action", 16},
		{"SENSITIVE_ACCESS_GRANTED", "SECURITY_WARNING", "access-analyzer", "Deployer", "Resources.Deployer.Properties.Policies[0].PolicyDocument.Statement[1]", 18},
		{"PASS_ROLE_WITH_STAR_IN_RESOURCE", "SECURITY_WARNING", "access-analyzer", "Deployer", "Resources.Deployer.Properties.Policies[0].PolicyDocument.Statement[1].Action[0]", 19},
		{"PUBLIC_ACCESS", "SECURITY_WARNING", "access-analyzer", "BucketPolicy", "Resources.BucketPolicy.Properties.PolicyDocument.Statement[0]", 29},
	}
	if diff := cmp.Diff(want, briefs(res.Findings)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if len(res.Notices) != 0 {
		t.Errorf("notices: %q", res.Notices)
	}
	// The trust policy is validated as a role trust policy, the inline
	// policy as an identity policy, the bucket policy as a bucket's.
	var shapes []string
	for _, r := range fake.requests {
		if r.Op == "ValidatePolicy" {
			shapes = append(shapes, fmt.Sprintf("%v/%v", r.Body["policyType"], r.Body["validatePolicyResourceType"]))
		}
	}
	sort.Strings(shapes)
	wantShapes := []string{"IDENTITY_POLICY/<nil>", "IDENTITY_POLICY/<nil>", "RESOURCE_POLICY/AWS::IAM::AssumeRolePolicyDocument", "RESOURCE_POLICY/AWS::S3::Bucket"}
	if diff := cmp.Diff(wantShapes, shapes); diff != "" {
		t.Errorf("ValidatePolicy request shapes (-want +got):\n%s", diff)
	}
}

func TestFindingsOnPlaceholdersAreDropped(t *testing.T) {
	// The fake flags any value that looks like our made-up ARN; such a
	// finding says nothing about the template.
	fake := newFake(t, fakeRule{"arn:aws:s3:::tollgate-unresolved-1/*", "INVALID_ARN_RESOURCE", "ERROR", "bad ARN"})
	tpl, policies := extract(t, tmpl)
	res := Run(context.Background(), Options{Client: fake.client()}, tpl, policies[1:2])
	if len(res.Findings) != 0 {
		t.Errorf("findings: %+v", briefs(res.Findings))
	}
	var sent string
	for _, r := range fake.requests {
		if r.Op == "ValidatePolicy" {
			sent = r.Body["policyDocument"].(string)
		}
	}
	if !strings.Contains(sent, `"Resource":"arn:aws:s3:::tollgate-unresolved-1/*"`) {
		t.Errorf("the document sent was %s", sent)
	}
}

func TestNoNewAccessComparesWithTheBaseRevision(t *testing.T) {
	fake := newFake(t)
	baseSrc := strings.Replace(tmpl, "[iam:PassRole, iam:CreateUser]", "iam:PassRole", 1)
	_, basePolicies := extract(t, baseSrc)
	base := map[string]*template.Policy{}
	for _, p := range basePolicies {
		base[Key(p)] = p
	}
	tpl, policies := extract(t, tmpl)
	res := Run(context.Background(), Options{Client: fake.client(), Base: base}, tpl, policies)
	var got []brief
	for _, f := range briefs(res.Findings) {
		if f.Code == CodeNewAccess {
			got = append(got, f)
		}
	}
	want := []brief{{"NEW_ACCESS", "SECURITY_WARNING", "access-analyzer", "Deployer", "Resources.Deployer.Properties.Policies[0].PolicyDocument.Statement[1]", 18}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("NEW_ACCESS findings (-want +got):\n%s", diff)
	}
}

func TestFaultsBecomeNoticesAndTheRestShips(t *testing.T) {
	tpl, policies := extract(t, tmpl)
	t.Run("throttling is retried", func(t *testing.T) {
		fake := newFake(t, standardRules...)
		fake.throttle = 3
		res := Run(context.Background(), Options{Client: fake.client(), Concurrency: 1}, tpl, policies)
		if len(res.Notices) != 0 || len(res.Findings) < 2 {
			t.Errorf("notices %q, %d findings", res.Notices, len(res.Findings))
		}
	})
	t.Run("a failing API is one notice", func(t *testing.T) {
		fake := newFake(t, standardRules...)
		fake.fail = "ValidatePolicy"
		res := Run(context.Background(), Options{Client: fake.client()}, tpl, policies)
		if len(res.Notices) != 1 || !strings.Contains(res.Notices[0], "ValidatePolicy failed for stacks/app.yaml: InternalServerException: internal failure") {
			t.Errorf("notices %q", res.Notices)
		}
		if len(res.Findings) != 1 || res.Findings[0].Code != CodePublicAccess {
			t.Errorf("the other checks' findings were lost: %+v", briefs(res.Findings))
		}
	})
	t.Run("a slow API times out", func(t *testing.T) {
		fake := newFake(t)
		fake.slow = 200 * time.Millisecond
		res := Run(context.Background(), Options{Client: fake.client(), CallTimeout: 20 * time.Millisecond}, tpl, policies)
		if len(res.Notices) == 0 || !strings.Contains(res.Notices[0], "timed out") {
			t.Errorf("notices %q", res.Notices)
		}
	})
}

func TestOnlineFindingsMergeWithOfflineOnes(t *testing.T) {
	data, err := iamdata.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	k, _ := checks.NewChecker(checks.Options{Data: data}, nil)
	tpl, policies := extract(t, tmpl)
	offline := k.Check(tpl).Findings
	fake := newFake(t, standardRules...)
	online := Run(context.Background(), Options{Client: fake.client()}, tpl, policies)
	merged := checks.Merge(offline, online.Findings)
	var invalid []checks.Finding
	for _, f := range merged {
		if f.Code == "INVALID_ACTION" {
			invalid = append(invalid, f)
		}
	}
	if len(invalid) != 1 || invalid[0].Source != checks.SourceBoth || !strings.Contains(invalid[0].Message, "Did you mean") {
		t.Errorf("INVALID_ACTION after merge: %+v", invalid)
	}
	for _, f := range merged {
		if f.Fingerprint == "" {
			t.Errorf("finding without a fingerprint: %+v", f)
		}
	}
}

func TestDocumentsRenderWithSpansForEveryValue(t *testing.T) {
	_, policies := extract(t, tmpl)
	d := render(policies[1].Document, &placeholders{partition: "aws", region: "eu-west-1", account: "123456789012"})
	var parsed any
	if err := json.Unmarshal([]byte(d.text), &parsed); err != nil {
		t.Fatalf("rendered document is not JSON: %v\n%s", err, d.text)
	}
	sp := d.byPath["Statement[1].Action[0]"]
	if sp == nil || d.text[sp.start:sp.end] != `"iam:PassRole"` || sp.node.Pos.Line != 19 {
		t.Errorf("span = %+v", sp)
	}
	if got := d.at(sp.start + 3); got != sp {
		t.Errorf("offset lookup = %+v", got)
	}
	u := render(&template.Node{Kind: template.String, Value: "é😀\"\\\n"}, &placeholders{})
	if u.text != `"\u00e9\ud83d\ude00\"\\\u000a"` {
		t.Errorf("escaping: %s", u.text)
	}
}
