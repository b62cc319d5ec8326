package template

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary text through everything that reads templates:
// the parsers, the resolver under every branch assumption, and policy
// extraction. None of it may panic or hang.
func FuzzParse(f *testing.F) {
	for _, glob := range []string{"testdata/seeds/*", "../fixtures/example/*/*/*"} {
		files, _ := filepath.Glob(glob)
		for _, file := range files {
			if data, err := os.ReadFile(file); err == nil {
				f.Add(data)
			}
		}
	}
	f.Add([]byte(""))
	f.Add([]byte("{"))
	f.Add([]byte("Resources: !Ref x"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tpl := Parse("fuzz.yaml", data)
		for _, p := range tpl.Problems {
			if p.Pos.Line < 1 || p.Message == "" {
				t.Fatalf("problem without a position or a message: %+v", p)
			}
		}
		if tpl.Root == nil {
			return
		}
		tpl.IsTemplate()
		r := NewResolver(tpl, Values{AccountID: "123456789012", Region: "eu-west-1"})
		for _, res := range tpl.Resources {
			for _, a := range Assumptions(r.Undecided(res.Node), 2) {
				r.Resolve(res.Node, a)
			}
		}
		for name := range tpl.Conditions {
			r.Condition(name, nil)
		}
		Extract(tpl, r)
	})
}
