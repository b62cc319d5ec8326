package checks_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/internal/golden"
	"github.com/tollgate-dev/tollgate/template"
)

// The false-positive corpus holds realistic, correct templates (data
// perimeters, KMS key policies, GitHub OIDC for one repository, CloudFront
// origin access control, service roles, event wiring). None may block, with
// or without a known deploy account. Everything they do report is in a
// golden file, so any new warning is reviewed.
func TestCorrectTemplatesProduceNoBlockingFindings(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "fixtures", "corpus", "*.*"))
	if err != nil {
		t.Fatal(err)
	}
	files = templatesOnly(files)
	if len(files) < 5 {
		t.Fatalf("the corpus has %d templates; expected the full set", len(files))
	}
	known := fixtureOptions(t)
	unknown := known
	unknown.Values = template.Values{}
	var all bytes.Buffer
	for _, tc := range []struct {
		name string
		opts checks.Options
	}{{"for a known account", known}, {"for an unknown account", unknown}} {
		k, err := checks.NewChecker(tc.opts, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range files {
			name := "fixtures/corpus/" + filepath.Base(path)
			t.Run(filepath.Base(path)+" "+tc.name, func(t *testing.T) {
				data, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				res := k.Check(template.Parse(name, data))
				if res.Policies == 0 {
					t.Errorf("no policy was extracted from %s", name)
				}
				for _, f := range res.Findings {
					if f.Type == checks.Error || f.Type == checks.SecurityWarning {
						t.Errorf("%s:%d:%d: %s %s [%s]: %s", name, f.Line, f.Column, f.Type, f.Code, f.Resource, f.Message)
					}
				}
				if tc.name == "for a known account" {
					fmt.Fprintf(&all, "== %s\n", name)
					all.Write(render(res.Findings))
				}
			})
		}
	}
	golden.Check(t, filepath.Join("..", "fixtures", "corpus", "findings.out"), all.Bytes())
}

func templatesOnly(files []string) []string {
	var out []string
	for _, f := range files {
		switch filepath.Ext(f) {
		case ".yaml", ".yml", ".json":
			out = append(out, f)
		}
	}
	return out
}
