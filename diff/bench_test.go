package diff

import (
	"fmt"
	"testing"

	"github.com/tollgate-dev/tollgate/iamdata"
	"github.com/tollgate-dev/tollgate/template"
)

// benchDiff measures a diff from the bytes of both versions: parsing,
// resolving, comparing, following references and the security analysis.
func benchDiff(b *testing.B, base, head []byte, wantResources int) {
	data, err := iamdata.Embedded()
	if err != nil {
		b.Fatal(err)
	}
	EmbeddedSpec()
	b.SetBytes(int64(len(base) + len(head)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		sd := Templates(template.Parse("base.json", base), template.Parse("head.json", head), Options{Data: data})
		if len(sd.Resources) != wantResources {
			b.Fatalf("%d resources changed, want %d", len(sd.Resources), wantResources)
		}
	}
}

// BenchmarkWide is a 2,000-resource template with one resource in twenty
// changed (the large-template target).
func BenchmarkWide(b *testing.B) {
	base, head := Wide(2000)
	benchDiff(b, base, head, 100)
}

// BenchmarkRefChain is a chain of queues, each named after the previous
// one, whose head changes: every queue is replaced. The time per queue must
// stay flat as the chain grows (linear growth).
func BenchmarkRefChain(b *testing.B) {
	for _, n := range []int{400, 800, 1600} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			base, head := RefChain(n, false)
			benchDiff(b, base, head, n)
		})
	}
}

// BenchmarkWideParsed is BenchmarkWide without the parsing: the diff's own
// share of the time.
func BenchmarkWideParsed(b *testing.B) {
	base, head := Wide(2000)
	data, err := iamdata.Embedded()
	if err != nil {
		b.Fatal(err)
	}
	bt, ht := template.Parse("base.json", base), template.Parse("head.json", head)
	b.ReportAllocs()
	for b.Loop() {
		if sd := Templates(bt, ht, Options{Data: data}); len(sd.Resources) != 100 {
			b.Fatalf("%d resources changed", len(sd.Resources))
		}
	}
}
