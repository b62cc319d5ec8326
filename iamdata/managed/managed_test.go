package managed_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate-dev/tollgate/iamdata/managed"
	"github.com/tollgate-dev/tollgate/policy"
)

func embedded(t testing.TB) *managed.Set {
	t.Helper()
	s, err := managed.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func document(t testing.TB, p *managed.Policy) map[string]any {
	t.Helper()
	doc, err := p.Document()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatalf("%s: %v", p.Name, err)
	}
	return m
}

func TestTheEmbeddedSetHoldsEveryAWSManagedPolicyWithItsCurrentDocument(t *testing.T) {
	s := embedded(t)
	if s.Len() < 1500 {
		t.Errorf("%d policies; AWS publishes over 1,500", s.Len())
	}
	if s.Source != managed.NPMPackage || s.Version == "" || s.Updated == "" {
		t.Errorf("source %q version %q updated %q; want the npm package, its version and a date", s.Source, s.Version, s.Updated)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	admin := s.ByName("AdministratorAccess")
	if admin == nil {
		t.Fatal("AdministratorAccess is missing")
	}
	want := map[string]any{"Version": "2012-10-17", "Statement": []any{
		map[string]any{"Effect": "Allow", "Action": "*", "Resource": "*"}}}
	if diff := cmp.Diff(want, document(t, admin)); diff != "" {
		t.Errorf("AdministratorAccess (-want +got):\n%s", diff)
	}
	iam := document(t, s.ByName("IAMFullAccess"))
	if !strings.Contains(mustJSON(t, iam), `"iam:*"`) {
		t.Errorf("IAMFullAccess = %v, want it to grant iam:*", iam)
	}
	for _, p := range s.Policies() {
		if _, ok := document(t, &p)["Statement"]; !ok {
			t.Errorf("%s has no Statement", p.Name)
		}
	}
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPoliciesAreFoundByARNInAnyPartitionAndByBareName(t *testing.T) {
	s := embedded(t)
	cases := []struct{ ref, name, path string }{
		{"arn:aws:iam::aws:policy/AdministratorAccess", "AdministratorAccess", "/"},
		{"arn:aws-cn:iam::aws:policy/ReadOnlyAccess", "ReadOnlyAccess", "/"},
		{"arn:aws-us-gov:iam::aws:policy/AmazonS3FullAccess", "AmazonS3FullAccess", "/"},
		{"arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", "AWSLambdaBasicExecutionRole", "/service-role/"},
		{"arn:aws:iam::aws:policy/aws-service-role/AWSSupportServiceRolePolicy", "AWSSupportServiceRolePolicy", "/aws-service-role/"},
		{"arn:aws:iam::aws:policy/job-function/ViewOnlyAccess", "ViewOnlyAccess", "/job-function/"},
		{"AmazonS3FullAccess", "AmazonS3FullAccess", "/"},
		{"AWSLambdaBasicExecutionRole", "AWSLambdaBasicExecutionRole", "/service-role/"},
	}
	for _, c := range cases {
		t.Run(c.ref, func(t *testing.T) {
			p, err := s.Lookup(c.ref)
			if err != nil {
				t.Fatal(err)
			}
			if p.Name != c.name || p.Path != c.path || !strings.HasPrefix(p.VersionID, "v") {
				t.Errorf("got %s at %s (%s), want %s at %s", p.Name, p.Path, p.VersionID, c.name, c.path)
			}
			if got := p.ARN("aws"); got != "arn:aws:iam::aws:policy"+c.path+c.name {
				t.Errorf("ARN(aws) = %s", got)
			}
		})
	}
}

func TestAPolicyThatDoesNotExistIsReportedWithTheClosestName(t *testing.T) {
	s := embedded(t)
	cases := []struct{ ref, want string }{
		{"arn:aws:iam::aws:policy/AdministratorAcess",
			`there is no AWS managed policy "arn:aws:iam::aws:policy/AdministratorAcess"; did you mean "arn:aws:iam::aws:policy/AdministratorAccess"?`},
		{"arn:${AWS::Partition}:iam::aws:policy/AWSLambdaBasicExecutionRole",
			`there is no AWS managed policy "arn:${AWS::Partition}:iam::aws:policy/AWSLambdaBasicExecutionRole"; did you mean "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"? (its path is /service-role/)`},
		{"arn:aws-cn:iam::aws:policy/service-role/AdministratorAccess",
			`there is no AWS managed policy "arn:aws-cn:iam::aws:policy/service-role/AdministratorAccess"; did you mean "arn:aws-cn:iam::aws:policy/AdministratorAccess"? (it has no path)`},
		{"administratoraccess",
			`there is no AWS managed policy "administratoraccess"; did you mean "AdministratorAccess"? (policy names are case-sensitive)`},
		{"AmazonS3FulAccess",
			`there is no AWS managed policy "AmazonS3FulAccess"; did you mean "AmazonS3FullAccess"?`},
		{"NothingLikeAnyPolicyAtAll", `there is no AWS managed policy "NothingLikeAnyPolicyAtAll"`},
	}
	for _, c := range cases {
		t.Run(c.ref, func(t *testing.T) {
			p, err := s.Lookup(c.ref)
			var nf *managed.NotFoundError
			if !errors.As(err, &nf) {
				t.Fatalf("Lookup = %v, %v; want a NotFoundError", p, err)
			}
			if err.Error() != c.want {
				t.Errorf("got  %s\nwant %s", err, c.want)
			}
		})
	}
}

func TestCustomerManagedPoliciesAreNotLookedUp(t *testing.T) {
	s := embedded(t)
	for _, arn := range []string{
		"arn:aws:iam::123456789012:policy/AdministratorAccess",
		"arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/team/Boundary",
	} {
		if _, err := s.Lookup(arn); !errors.Is(err, managed.ErrCustomerManaged) {
			t.Errorf("Lookup(%s) = %v, want ErrCustomerManaged", arn, err)
		}
	}
}

func TestParseRefReadsEveryFormAndSaysWhatIsWrong(t *testing.T) {
	good := []struct {
		text string
		want managed.Ref
	}{
		{"AdministratorAccess", managed.Ref{Path: "/", Name: "AdministratorAccess"}},
		{"arn:aws:iam::aws:policy/AdministratorAccess", managed.Ref{Partition: "aws", Account: "aws", Path: "/", Name: "AdministratorAccess"}},
		{"arn:${AWS::Partition}:iam::aws:policy/a/b/Name", managed.Ref{Partition: "${AWS::Partition}", Account: "aws", Path: "/a/b/", Name: "Name"}},
		{"arn:aws-iso-b:iam::123456789012:policy/x", managed.Ref{Partition: "aws-iso-b", Account: "123456789012", Path: "/", Name: "x"}},
		{"arn:aws:iam::${AWS::AccountId}:policy/x", managed.Ref{Partition: "aws", Account: "${AWS::AccountId}", Path: "/", Name: "x"}},
	}
	for _, c := range good {
		got, err := managed.ParseRef(c.text)
		if err != nil {
			t.Errorf("ParseRef(%q): %v", c.text, err)
			continue
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("ParseRef(%q) (-want +got):\n%s", c.text, diff)
		}
		if got.String() != c.text {
			t.Errorf("ParseRef(%q).String() = %q", c.text, got.String())
		}
	}
	bad := []struct{ text, reason string }{
		{"", "names are 1 to 128"},
		{"Admin Access", "names are 1 to 128"},
		{"service-role/AWSLambdaBasicExecutionRole", "write AWSLambdaBasicExecutionRole alone or the whole ARN"},
		{"arn:aws:iam::aws", "arn:PARTITION:iam::ACCOUNT:policy/NAME"},
		{"arn:aws-mars:iam::aws:policy/X", `"aws-mars" is not a partition`},
		{"arn:${AWS::Region}:iam::aws:policy/X", `is not a partition`},
		{"arn:aws:s3::aws:policy/X", `the service is "s3"`},
		{"arn:aws:iam:us-east-1:aws:policy/X", "IAM ARNs have no Region"},
		{"arn:aws:iam::amazon:policy/X", `the account is "amazon"`},
		{"arn:aws:iam::12345:policy/X", `the account is "12345"`},
		{"arn:aws:iam::aws:role/X", `the resource is "role/X"`},
		{"arn:aws:iam::aws:policy/", `the policy name "" is not`},
		{"arn:aws:iam::aws:policy//X", `the path "//" is not an IAM path`},
		{"arn:aws:iam::aws:policy/AdministratorAccess ", `the policy name "AdministratorAccess " is not`},
	}
	for _, c := range bad {
		_, err := managed.ParseRef(c.text)
		var se *managed.SyntaxError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), c.reason) {
			t.Errorf("ParseRef(%q) = %v; want a SyntaxError saying %q", c.text, err, c.reason)
		}
	}
}

func TestADocumentReadsAsAPositionedPolicy(t *testing.T) {
	s := embedded(t)
	p := s.ByName("AdministratorAccess")
	n, err := p.Node()
	if err != nil {
		t.Fatal(err)
	}
	doc := policy.Parse(n)
	if len(doc.Problems) > 0 || len(doc.Statements) != 1 {
		t.Fatalf("statements %d, problems %v", len(doc.Statements), doc.Problems)
	}
	st := doc.Statements[0]
	if !st.Allows() || !st.Action.Has("*", false) || !st.Resource.Has("*", false) {
		t.Errorf("statement = %+v, want Allow * on *", st)
	}
	if pos := st.Action.Node.Pos; pos.Line != 6 {
		t.Errorf("Action at %+v, want line 6 of the indented document", pos)
	}
	ind, _ := p.Indented()
	if lines := strings.Split(string(ind), "\n"); !strings.Contains(lines[5], `"Action": "*"`) {
		t.Errorf("line 6 of the indented document is %q", lines[5])
	}
}

func TestPackingIsDeterministicAndRoundTrips(t *testing.T) {
	n := &managed.Normalized{Source: "test", Version: "1", Updated: "2026-01-02T03:04:05Z", Policies: []managed.Entry{
		{Name: "B", Path: "/service-role/", VersionID: "v2", Document: json.RawMessage(`{ "Statement" : [] }`)},
		{Name: "A", Path: "/", VersionID: "v1", Updated: "2025-01-01T00:00:00Z", Document: json.RawMessage(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)},
	}}
	var one, two bytes.Buffer
	if err := managed.Pack(&one, n); err != nil {
		t.Fatal(err)
	}
	if err := managed.Pack(&two, n); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(one.Bytes(), two.Bytes()) {
		t.Error("packing the same data twice gave different bytes")
	}
	s, err := managed.Load(one.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	back, err := s.Normalized()
	if err != nil {
		t.Fatal(err)
	}
	want := &managed.Normalized{Source: "test", Version: "1", Updated: "2026-01-02T03:04:05Z", Policies: []managed.Entry{
		n.Policies[1],
		{Name: "B", Path: "/service-role/", VersionID: "v2", Document: json.RawMessage(`{"Statement":[]}`)},
	}}
	if diff := cmp.Diff(want, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if got := s.Names(); !cmp.Equal(got, []string{"A", "B"}) {
		t.Errorf("Names = %v", got)
	}
}

func TestPackRefusesEntriesIAMWouldNotHave(t *testing.T) {
	doc := json.RawMessage(`{"Statement":[]}`)
	cases := map[string]managed.Entry{
		"a name with a space":    {Name: "A B", Path: "/", VersionID: "v1", Document: doc},
		"a path without slashes": {Name: "A", Path: "service-role", VersionID: "v1", Document: doc},
		"a version that is not":  {Name: "A", Path: "/", VersionID: "1", Document: doc},
		"a document that is a list": {Name: "A", Path: "/", VersionID: "v1",
			Document: json.RawMessage(`[1]`)},
		"a document that is not JSON": {Name: "A", Path: "/", VersionID: "v1", Document: json.RawMessage(`{`)},
	}
	for name, e := range cases {
		t.Run(name, func(t *testing.T) {
			err := managed.Pack(&bytes.Buffer{}, &managed.Normalized{Policies: []managed.Entry{e}})
			if err == nil {
				t.Error("packed")
			}
		})
	}
	dup := &managed.Normalized{Policies: []managed.Entry{
		{Name: "A", Path: "/", VersionID: "v1", Document: doc}, {Name: "A", Path: "/", VersionID: "v2", Document: doc}}}
	if err := managed.Pack(&bytes.Buffer{}, dup); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("duplicate names: %v", err)
	}
}

func TestCorruptDataFilesAreRefusedNotTrusted(t *testing.T) {
	var buf bytes.Buffer
	n := &managed.Normalized{Source: "t", Policies: []managed.Entry{
		{Name: "A", Path: "/", VersionID: "v1", Document: json.RawMessage(`{"Statement":[]}`)}}}
	if err := managed.Pack(&buf, n); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	for i := 0; i < len(good); i++ {
		for _, b := range []byte{0x00, 0xff, good[i] ^ 0x20} {
			data := bytes.Clone(good)
			data[i] = b
			s, err := managed.Load(data)
			if err != nil {
				continue
			}
			s.Validate()
			s.Lookup("A")
		}
	}
	for _, data := range [][]byte{nil, []byte("TGMP1\n"), good[:len(good)/2], []byte("TGIAM1\n\x00\x00\x00\x02{}")} {
		if _, err := managed.Load(data); err == nil {
			t.Errorf("Load(%q) succeeded", data)
		}
	}
}

func TestCompareListsAddedRemovedAndRevisedPolicies(t *testing.T) {
	doc := json.RawMessage(`{"Statement":[]}`)
	set := func(entries ...managed.Entry) *managed.Set {
		var buf bytes.Buffer
		if err := managed.Pack(&buf, &managed.Normalized{Source: "t", Policies: entries}); err != nil {
			t.Fatal(err)
		}
		s, err := managed.Load(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	old := set(
		managed.Entry{Name: "Gone", Path: "/", VersionID: "v1", Document: doc},
		managed.Entry{Name: "Moved", Path: "/", VersionID: "v1", Document: doc},
		managed.Entry{Name: "Same", Path: "/", VersionID: "v4", Document: doc},
		managed.Entry{Name: "Revised", Path: "/service-role/", VersionID: "v1", Document: doc},
		managed.Entry{Name: "Rewritten", Path: "/", VersionID: "v1", Document: doc})
	cur := set(
		managed.Entry{Name: "Moved", Path: "/job-function/", VersionID: "v1", Document: doc},
		managed.Entry{Name: "New", Path: "/", VersionID: "v1", Updated: "2026-01-01T00:00:00Z", Document: doc},
		managed.Entry{Name: "Revised", Path: "/service-role/", VersionID: "v2", Document: doc},
		managed.Entry{Name: "Rewritten", Path: "/", VersionID: "v1", Document: json.RawMessage(`{"Statement":[{}]}`)},
		managed.Entry{Name: "Same", Path: "/", VersionID: "v4", Document: doc})
	d, err := managed.Compare(old, cur)
	if err != nil {
		t.Fatal(err)
	}
	want := &managed.Diff{
		Old: managed.Summary{Source: "t", Policies: 5}, New: managed.Summary{Source: "t", Policies: 5},
		Added: []managed.Change{
			{Name: "Moved", ARN: "arn:aws:iam::aws:policy/job-function/Moved", NewVersion: "v1"},
			{Name: "New", ARN: "arn:aws:iam::aws:policy/New", NewVersion: "v1", Updated: "2026-01-01T00:00:00Z"}},
		Removed: []managed.Change{
			{Name: "Gone", ARN: "arn:aws:iam::aws:policy/Gone", OldVersion: "v1"},
			{Name: "Moved", ARN: "arn:aws:iam::aws:policy/Moved", OldVersion: "v1"}},
		Changed: []managed.Change{
			{Name: "Revised", ARN: "arn:aws:iam::aws:policy/service-role/Revised", OldVersion: "v1", NewVersion: "v2"},
			{Name: "Rewritten", ARN: "arn:aws:iam::aws:policy/Rewritten", OldVersion: "v1", NewVersion: "v1"}},
	}
	if diff := cmp.Diff(want, d); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if same, _ := managed.Compare(cur, cur); !same.Empty() {
		t.Errorf("a set compared with itself: %+v", same)
	}
}
