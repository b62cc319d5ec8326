package managed_test

import (
	"testing"

	"github.com/tollgate-dev/tollgate/iamdata/managed"
)

// BenchmarkLoad is what the first use of the embedded set costs: reading
// the header and the index, no documents.
func BenchmarkLoad(b *testing.B) {
	data := embeddedBytes(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := managed.Load(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFirstDocument is one policy on demand in a fresh set: load,
// look up by ARN, inflate its block.
func BenchmarkFirstDocument(b *testing.B) {
	data := embeddedBytes(b)
	b.ReportAllocs()
	for b.Loop() {
		s, _ := managed.Load(data)
		p, err := s.Lookup("arn:${AWS::Partition}:iam::aws:policy/IAMFullAccess")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := p.Document(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLookup is a lookup by ARN once the document's block is inflated.
func BenchmarkLookup(b *testing.B) {
	s, _ := managed.Embedded()
	b.ReportAllocs()
	for b.Loop() {
		p, err := s.Lookup("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := p.Document(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNotFound is a misspelled name: the suggestion compares it with
// every policy name.
func BenchmarkNotFound(b *testing.B) {
	s, _ := managed.Embedded()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Lookup("arn:aws:iam::aws:policy/AmazonS3FulAccess"); err == nil {
			b.Fatal("found")
		}
	}
}

// BenchmarkNode parses a large document (ReadOnlyAccess) into a node.
func BenchmarkNode(b *testing.B) {
	s, _ := managed.Embedded()
	p := s.ByName("ReadOnlyAccess")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Node(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidate inflates and checks every document.
func BenchmarkValidate(b *testing.B) {
	data := embeddedBytes(b)
	b.ReportAllocs()
	for b.Loop() {
		s, _ := managed.Load(data)
		if err := s.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}

func embeddedBytes(b *testing.B) []byte {
	b.Helper()
	return managed.EmbeddedBytes()
}
