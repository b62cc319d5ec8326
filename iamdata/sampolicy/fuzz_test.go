package sampolicy_test

import (
	"encoding/json"
	"testing"

	"github.com/tollgate-dev/tollgate/iamdata/sampolicy"
)

// The templates file is embedded, but Parse is the reader of a format, and
// expanding what it accepts must never panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"Version": "0.0.1", "Templates": {"XPolicy": {"Parameters": {"P": {"Description": "p"}},
		"Definition": {"Statement": [{"Effect": "Allow", "Resource": {"Ref": "P"}, "Condition": [null, 1, true]}]}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := sampolicy.Parse(data)
		if err != nil {
			return
		}
		for _, name := range s.Names() {
			tpl, err := s.Template(name)
			if err != nil {
				t.Fatal(err)
			}
			values := map[string]json.RawMessage{}
			for _, p := range tpl.Parameters {
				values[p.Name] = json.RawMessage(`"v"`)
			}
			out, err := tpl.ExpandJSON(values)
			if err != nil || !json.Valid(out) {
				t.Errorf("%s: %s, %v", name, out, err)
			}
		}
	})
}
