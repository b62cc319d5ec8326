package checks_test

import (
	"testing"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/internal/testgen"
	"github.com/tollgate-dev/tollgate/template"
)

// BenchmarkRules runs the full rule set on generated 40-resource templates
// that are parsed beforehand, so it measures the rules alone (resolution,
// extraction, policy parsing and every rule). BenchmarkCheck in engine
// measures the whole pipeline.
func BenchmarkRules(b *testing.B) {
	opts := testgen.Options{Templates: 100, Groups: 5, Plant: true}
	var ts []*template.Template
	for i := 0; i < opts.Templates; i++ {
		name, data := testgen.Template(i, opts)
		ts = append(ts, template.Parse(name, data))
	}
	k, err := checks.NewChecker(fixtureOptions(b), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, t := range ts {
			k.Check(t)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(ts)), "µs/template")
}
