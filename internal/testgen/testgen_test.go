package testgen

import (
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/template"
)

func TestGeneratedTemplatesParseAndHaveTheirResources(t *testing.T) {
	o := Options{Templates: 6, Groups: 5, Plant: true}
	for i := 0; i < o.Templates; i++ {
		name, data := Template(i, o)
		tpl := template.Parse(name, data)
		if tpl.Root == nil || len(tpl.Problems) > 0 {
			t.Fatalf("%s: %+v", name, tpl.Problems)
		}
		if len(tpl.Resources) != 40 {
			t.Errorf("%s: %d resources, want 40", name, len(tpl.Resources))
		}
		wantJSON := i%3 == 2
		if (tpl.Format == template.JSON) != wantJSON || strings.HasSuffix(name, ".json") != wantJSON {
			t.Errorf("%s: format %v", name, tpl.Format)
		}
		x := template.Extract(tpl, template.NewResolver(tpl, template.Values{}))
		if len(x.Policies) != 5*6 {
			t.Errorf("%s: %d policies, want 30", name, len(x.Policies))
		}
		planted := strings.Contains(string(data), "GetObjekt")
		if planted != IsPlanted(i, o) {
			t.Errorf("%s: planted = %v", name, planted)
		}
	}
}
