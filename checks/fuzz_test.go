package checks_test

import (
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/template"
)

// FuzzCheck runs every rule on arbitrary template text: hostile templates
// must give findings, never a panic, and every finding must point at a
// line and carry a known code and a message. Seeds (testdata/fuzz/FuzzCheck)
// are the rule fixtures.
func FuzzCheck(f *testing.F) {
	k := newChecker(f)
	codes := map[string]bool{}
	for _, r := range checks.Rules() {
		codes[r.Code] = true
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res := k.Check(template.Parse("fuzz.yaml", data))
		for _, f := range res.Findings {
			if !codes[f.Code] || f.Line < 1 || f.Column < 1 || strings.TrimSpace(f.Message) == "" || f.Fingerprint == "" {
				t.Errorf("malformed finding %+v", f)
			}
		}
	})
}

// FuzzParseBaseline reads arbitrary baseline files: they are user files and
// must fail with a message, never a panic.
func FuzzParseBaseline(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := checks.ParseBaseline("baseline.json", data)
		if err != nil {
			if !strings.Contains(err.Error(), "baseline.json") {
				t.Errorf("error %q does not name the file", err)
			}
			return
		}
		b.Apply([]checks.Finding{{Span: template.Span{File: "a.yaml"}, Fingerprint: "x"}}, "baseline.json")
	})
}
