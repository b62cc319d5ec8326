package engine

import (
	"context"
	"fmt"
	"testing"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/iamdata"
	"github.com/tollgate-dev/tollgate/internal/testgen"
	"github.com/tollgate-dev/tollgate/template"
)

// BenchmarkCheck runs the whole check over generated monorepos of 100 and
// 1,000 templates with 40 resources each (targets: 1,000 templates in 2 s
// and 200 MB on two cores; see scripts/bench.sh for wall time and RSS).
func BenchmarkCheck(b *testing.B) {
	data, err := iamdata.Embedded()
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("templates=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			if _, err := testgen.Write(dir, testgen.Options{Templates: n, Groups: 5, Plant: true}); err != nil {
				b.Fatal(err)
			}
			opts := Options{Paths: []string{dir},
				Checks: checks.Options{Data: data, Values: template.Values{AccountID: "123456789012", Region: "eu-west-1"}},
				Block:  checks.BlockPolicy{Types: checks.DefaultBlockTypes}}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				res, err := Check(context.Background(), opts)
				if err != nil {
					b.Fatal(err)
				}
				if res.Stats.Templates != n {
					b.Fatalf("checked %d templates, want %d", res.Stats.Templates, n)
				}
			}
		})
	}
}
