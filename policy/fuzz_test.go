package policy_test

import (
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/policy"
	"github.com/tollgate-dev/tollgate/template"
)

// FuzzParse reads arbitrary documents (written as template text, JSON or
// YAML) as policies: elements of any shape must become problems, never a
// panic, and every element read must keep a position and a path. The seed
// corpus is in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		tpl := template.Parse("policy.json", data)
		if tpl.Root == nil {
			return
		}
		d := policy.Parse(tpl.Root)
		for _, s := range d.Statements {
			if !strings.HasPrefix(s.Path, "Statement") {
				t.Errorf("statement path %q", s.Path)
			}
			for _, l := range []policy.List{s.Action, s.NotAction, s.Resource, s.NotResource} {
				for _, v := range l.Values {
					if v.Node == nil || v.Path == "" {
						t.Errorf("value %+v has no node or path", v)
					}
				}
			}
			for _, c := range s.Conditions {
				if c.Path == "" || c.Base == "" && c.Operator != "" && !strings.HasSuffix(c.Operator, ":") {
					t.Errorf("condition %+v", c)
				}
			}
		}
		for _, p := range d.Problems {
			if p.Message == "" {
				t.Error("a problem without a message")
			}
		}
	})
}
