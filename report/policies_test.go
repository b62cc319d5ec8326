package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/engine"
	"github.com/tollgate-dev/tollgate/iamdata"
	"github.com/tollgate-dev/tollgate/report"
	"github.com/tollgate-dev/tollgate/template"
)

// Branches, deploy-time values (shown as their origin), a permissions
// boundary, an orphan, and what each attaches to.
func TestPoliciesShowBranchesOriginsAndAttachments(t *testing.T) {
	data, err := iamdata.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	res, err := engine.Check(context.Background(), engine.Options{Paths: []string{filepath.Join("testdata", "policies", "branches.yaml")},
		Checks: checks.Options{Data: data, Values: template.Values{AccountID: "123456789012"}}, KeepPolicies: true, Tool: tool})
	if err != nil {
		t.Fatal(err)
	}
	text := render(t, func(b *bytes.Buffer) error { return report.PoliciesText(b, res, report.TextOptions{}) })
	js := render(t, func(b *bytes.Buffer) error { return report.PoliciesJSON(b, res) })
	golden(t, "policies-branches.txt", text)
	golden(t, "policies-branches.json", js)
	var doc report.PoliciesReport
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, p := range doc.Policies {
		kinds[p.Resource+" "+p.Branch] = p.Kind
	}
	for key, want := range map[string]string{"Boundary ": "permissions boundary", "AppRole when IsSandbox is true": "identity",
		"AppRole when IsSandbox is false": "identity", "AppRole ": "trust", "Unused ": "identity"} {
		if kinds[key] != want {
			t.Errorf("%q: kind %q, want %q (all: %v)", key, kinds[key], want, kinds)
		}
	}
}
