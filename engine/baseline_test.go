package engine

import (
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/checks"
)

func TestTheBaselineSuppressesAndReportsWhatNoLongerOccurs(t *testing.T) {
	dir := tree(t, map[string]string{"a/template.yaml": badTrust, "b/template.yaml": badTrust})
	chdir(t, dir)
	first := run(t, options(t, "."))
	if first.Blocking() != 2 {
		t.Fatalf("%d blocking findings, want 2", first.Blocking())
	}
	b := checks.NewBaseline(first.Findings)

	o := options(t, "a")
	o.Baseline, o.BaselineFile = b, "baseline.json"
	res := run(t, o)
	if res.Blocking() != 0 || res.Findings[0].Suppression == nil || res.Findings[0].Suppression.Kind != "baseline" {
		t.Errorf("the recorded finding still blocks: %+v", res.Findings)
	}
	for _, n := range res.Notices {
		if strings.Contains(n.Message, "no longer occur") {
			t.Errorf("the entry of b, which was not checked, counts as stale: %q", n)
		}
	}

	fixed := tree(t, map[string]string{"a/template.yaml": "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  T: {Type: AWS::SNS::Topic}\n"})
	chdir(t, fixed)
	res = run(t, o)
	found := false
	for _, n := range res.Notices {
		found = found || strings.Contains(n.String(), "2 of the 4 findings recorded in the baseline baseline.json no longer occur")
	}
	if !found {
		t.Errorf("no stale notice: %q", res.Notices)
	}
}
