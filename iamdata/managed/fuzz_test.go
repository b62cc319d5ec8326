package managed_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/iamdata/managed"
)

// Policy references come from templates, data files from a cache directory
// and npm data from the network: reading any of them must fail cleanly,
// never panic. The seed corpora are in testdata/fuzz.

func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"AdministratorAccess", "arn:aws:iam::aws:policy/AdministratorAccess",
		"arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
		"arn:aws:iam::${AWS::AccountId}:policy/x", "arn:${AWS::Partition}", "arn:aws:iam::aws:policy//", "a/b"} {
		f.Add(s)
	}
	s, err := managed.Embedded()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		r, err := managed.ParseRef(text)
		if err != nil {
			return
		}
		if r.Name == "" || r.Path == "" || r.Path[0] != '/' || r.Path[len(r.Path)-1] != '/' {
			t.Errorf("ParseRef(%q) = %+v", text, r)
		}
		if r.String() != text {
			t.Errorf("ParseRef(%q).String() = %q", text, r.String())
		}
		p, err := s.LookupRef(r)
		if err == nil && (p.Name != r.Name || (r.IsARN() && p.ARN(r.Partition) != text)) {
			t.Errorf("Lookup(%q) = %s", text, p.ARN(r.Partition))
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("the error for %q spans lines: %v", text, err)
		}
	})
}

func FuzzLoad(f *testing.F) {
	var buf bytes.Buffer
	managed.Pack(&buf, &managed.Normalized{Source: "t", Policies: []managed.Entry{
		{Name: "A", Path: "/", VersionID: "v1", Document: json.RawMessage(`{"Statement":[]}`)},
		{Name: "B", Path: "/x/", VersionID: "v2", Document: json.RawMessage(`{"Statement":[{"Effect":"Allow"}]}`)}}})
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := managed.Load(data)
		if err != nil {
			return
		}
		s.Validate()
		for _, p := range s.Policies() {
			p.Document()
			s.Lookup(p.Name)
		}
		s.Lookup("Nothing")
	})
}

func FuzzFromNPM(f *testing.F) {
	f.Add([]byte(policiesJSON))
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := managed.FromNPMFile(data, "1")
		if err != nil {
			return
		}
		if err := managed.Pack(&bytes.Buffer{}, n); err != nil {
			t.Errorf("accepted data does not pack: %v", err)
		}
	})
}
