package checks

import (
	"os"
	"testing"

	"github.com/tollgate-dev/tollgate/iamdata"
	"github.com/tollgate-dev/tollgate/template"
)

func TestSmoke(t *testing.T) {
	data, err := iamdata.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	k, _ := NewChecker(Options{Data: data, Values: template.Values{AccountID: "123456789012"}}, nil)
	for _, f := range []string{"../fixtures/example/stacks/payments/template.yaml", "../fixtures/example/stacks/web/template.json"} {
		b, _ := os.ReadFile(f)
		tpl := template.Parse(f, b)
		res := k.Check(tpl)
		t.Logf("%s: %d policies", f, res.Policies)
		for _, fd := range res.Findings {
			t.Logf("%d:%d %s %s %s [%s] %s | %s | %s", fd.Line, fd.Column, fd.Type, fd.Code, fd.Message, fd.Resource, fd.Path, fd.Branch, fd.Fingerprint)
		}
	}
}
