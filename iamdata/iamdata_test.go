package iamdata_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tollgate-dev/tollgate/iamdata"
)

func embedded(t testing.TB) *iamdata.Set {
	t.Helper()
	s, err := iamdata.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestTheEmbeddedDataCoversEveryServiceWithItsDetails(t *testing.T) {
	s := embedded(t)
	if n := len(s.Prefixes()); n < 400 {
		t.Errorf("%d services; the service reference has over 400", n)
	}
	a := s.Action("S3", "getobject")
	if a == nil || a.Name != "GetObject" || a.Access != iamdata.Read {
		t.Fatalf("s3:GetObject = %+v, want the Read action, found without regard to case", a)
	}
	if rt := s.ResourceType("s3", "object"); rt == nil || len(rt.ARNs) == 0 {
		t.Errorf("s3 object resource type = %+v, want its ARN format", rt)
	}
	if k, ok := s.GlobalConditionKey("aws:PrincipalTag/team"); !ok || k.Type != "String" {
		t.Errorf("aws:PrincipalTag/team = %+v, %v; want the tag-key pattern's String key", k, ok)
	}
	if k, ok := s.ConditionKey("s3:ExistingObjectTag/classification"); !ok {
		t.Errorf("s3:ExistingObjectTag/classification = %+v, want the <key> pattern to match", k)
	}
	if s.HasService("s4") || s.Action("s3", "GetObjekt") != nil {
		t.Error("unknown names are found")
	}
}

func TestWildcardsMatchLikeIAMActions(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true},
		{"*", "getobject", true},
		{"get*", "getobject", true},
		{"get*", "putobject", false},
		{"*object", "getobject", true},
		{"get?bject", "getobject", true},
		{"get?bject", "getobjects", false},
		{"*c*t*", "describetags", true},
		{"a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac", false},
		{"", "", true},
		{"", "x", false},
	}
	for _, c := range cases {
		if got := iamdata.WildcardMatch(c.pattern, c.s); got != c.want {
			t.Errorf("WildcardMatch(%q, %q) = %v, want %v", c.pattern, c.s, got, c.want)
		}
	}
}

func TestActionPatternsAreMatchedWithoutRegardToCase(t *testing.T) {
	s := embedded(t)
	names := func(as []*iamdata.Action) []string {
		var out []string
		for _, a := range as {
			out = append(out, a.Name)
		}
		return out
	}
	got := names(s.MatchActions("s3", "GETOBJECTTAG*"))
	if diff := cmp.Diff([]string{"GetObjectTagging"}, got); diff != "" {
		t.Errorf("s3:GETOBJECTTAG* (-want +got):\n%s", diff)
	}
	if got := s.MatchActions("s3", "Nothing*"); len(got) != 0 {
		t.Errorf("a pattern matching nothing returned %v", names(got))
	}
	if got := s.MatchActions("nosuch", "*"); got != nil {
		t.Errorf("an unknown service returned %v", names(got))
	}
}

func TestARNFormatsComeFromEveryServiceThatDeclaresThem(t *testing.T) {
	s := embedded(t)
	types := map[string]bool{}
	prefixes := map[string]bool{}
	for _, f := range s.ARNFormats("iam") {
		types[f.ResourceType] = true
		prefixes[f.Prefix] = true
	}
	if !types["role"] || !types["user"] {
		t.Errorf("iam ARN formats lack role or user: %v", types)
	}
	if len(prefixes) < 2 {
		t.Errorf("iam ARNs are declared by several prefixes (iam, sts, ...), got %v", prefixes)
	}
	if !s.HasARNService("execute-api") || s.HasARNService("S3") {
		t.Error("ARN services are looked up exactly")
	}
}

func TestPackingAndLoadingKeepsEverything(t *testing.T) {
	n := &iamdata.Normalized{Source: "test", Version: "1", Updated: "2026-01-02T03:04:05Z",
		Global: []iamdata.ConditionKey{{Name: "aws:SourceIp", Type: "IPAddress"}},
		Services: []iamdata.Service{{Prefix: "demo", Name: "Demo Service",
			Actions: []iamdata.Action{{Name: "GetThing", Access: iamdata.Read,
				Resources: []iamdata.ActionResource{{Type: "thing", Required: true}}, ConditionKeys: []string{"demo:Color"}}},
			ResourceTypes: []iamdata.ResourceType{{Name: "thing", ARNs: []string{"arn:${Partition}:demo:${Region}:${Account}:thing/${Name}"}}},
			ConditionKeys: []iamdata.ConditionKey{{Name: "demo:Color", Type: "String"}}}}}
	var b bytes.Buffer
	if err := iamdata.Pack(&b, n); err != nil {
		t.Fatal(err)
	}
	s, err := iamdata.Load(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Normalized()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(n, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if fs := s.ARNFormats("demo"); len(fs) != 1 || fs[0].Resource != "thing/${Name}" {
		t.Errorf("ARN formats after a round trip = %+v", fs)
	}
}

func TestBrokenDataIsRejectedWithAReason(t *testing.T) {
	var good bytes.Buffer
	if err := iamdata.Pack(&good, &iamdata.Normalized{Services: []iamdata.Service{{Prefix: "demo"}}}); err != nil {
		t.Fatal(err)
	}
	header := func(json string) []byte {
		var size [4]byte
		binary.BigEndian.PutUint32(size[:], uint32(len(json)))
		return append(append([]byte("TGIAM1\n"), size[:]...), json...)
	}
	cases := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"another file", []byte(`{"services": []}`)},
		{"a truncated header", good.Bytes()[:12]},
		{"a header that is not JSON", header("{not json")},
		{"a service out of range", header(`{"services":[{"p":"demo","o":0,"l":99}]}`)},
		{"a negative length", header(`{"services":[{"p":"demo","o":0,"l":-1}]}`)},
		{"a service without a prefix", header(`{"services":[{"p":"","o":0,"l":0}]}`)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := iamdata.Load(c.data); err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestACorruptServiceIsReportedByValidate(t *testing.T) {
	var b bytes.Buffer
	if err := iamdata.Pack(&b, &iamdata.Normalized{Services: []iamdata.Service{{Prefix: "demo", Actions: []iamdata.Action{{Name: "Get"}}}}}); err != nil {
		t.Fatal(err)
	}
	data := b.Bytes()
	start := 7 + 4 + int(binary.BigEndian.Uint32(data[7:11]))
	for i := start; i < len(data); i++ {
		data[i] = 0xff // the deflated service becomes garbage
	}
	s, err := iamdata.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err == nil {
		t.Error("Validate accepted a corrupt service")
	}
}

func BenchmarkEmbeddedLoad(b *testing.B) {
	data := embeddedBytes(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := iamdata.Load(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFirstServiceDecode is what the first look-up in a service costs.
func BenchmarkFirstServiceDecode(b *testing.B) {
	data := embeddedBytes(b)
	b.ReportAllocs()
	for b.Loop() {
		s, err := iamdata.Load(data)
		if err != nil {
			b.Fatal(err)
		}
		if s.Service("ec2") == nil {
			b.Fatal("no ec2")
		}
	}
}

func embeddedBytes(t testing.TB) []byte {
	t.Helper()
	n, err := embedded(t).Normalized()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := iamdata.Pack(&b, n); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
