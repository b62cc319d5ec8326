package checks_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/internal/golden"
	"github.com/tollgate-dev/tollgate/template"
)

// TestEveryPolicyTypeFixtureFailsAndPasses checks the fixtures of the
// resource types (and places) that carry policies under fixtures/types:
// bad.yaml's findings are its # expect comments, with bad.out as their
// golden text (notices of what was not checked included), and good.yaml
// has no ERROR or SECURITY_WARNING.
func TestEveryPolicyTypeFixtureFailsAndPasses(t *testing.T) {
	k := newChecker(t)
	dirs, err := filepath.Glob(filepath.Join("..", "fixtures", "types", "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no fixtures under fixtures/types: %v", err)
	}
	for _, dir := range dirs {
		name := "fixtures/types/" + filepath.Base(dir) + "/"
		t.Run(filepath.Base(dir), func(t *testing.T) {
			bad, err := os.ReadFile(filepath.Join(dir, "bad.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			res := k.Check(template.Parse(name+"bad.yaml", bad))
			want := expectations(bad)
			if side, err := os.ReadFile(filepath.Join(dir, "expect")); err == nil {
				want = sideExpectations(t, side) // for lines that cannot hold a comment (JSON text)
			}
			if diff := cmp.Diff(want, found(res.Findings)); diff != "" {
				t.Errorf("findings of bad.yaml differ from its # expect comments (-want +got):\n%s", diff)
			}
			out := render(res.Findings)
			for _, n := range res.Notices {
				out = append(out, "note: "+n.String()+"\n"...)
			}
			golden.Check(t, filepath.Join(dir, "bad.out"), out)
			good, err := os.ReadFile(filepath.Join(dir, "good.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range k.Check(template.Parse(name+"good.yaml", good)).Findings {
				if f.Suppression == nil && (f.Type == checks.Error || f.Type == checks.SecurityWarning) {
					t.Errorf("good.yaml:%d: %s %s: %s", f.Line, f.Type, f.Code, f.Message)
				}
			}
		})
	}
}

// TestUncheckedPlacesAreNoticed: a policy whose document is known only at
// deploy time, and a type whose policies are not IAM's, are listed as not
// checked, in the extraction and as notices.
func TestUncheckedPlacesAreNoticed(t *testing.T) {
	src := `Resources:
  Imported:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument: !ImportValue shared-policy
  Device:
    Type: AWS::IoT::Policy
    Properties:
      PolicyDocument: {Version: "2012-10-17", Statement: []}
`
	res := newChecker(t).Check(template.Parse("u.yaml", []byte(src)))
	if len(res.Extraction.Unchecked) != 2 || len(res.Notices) != 2 {
		t.Fatalf("unchecked %+v, notices %q", res.Extraction.Unchecked, res.Notices)
	}
	for i, want := range []string{"u.yaml:5: not checked: Resources.Imported.Properties.PolicyDocument (AWS::IAM::ManagedPolicy Imported): its value is known only at deploy time (!ImportValue \"shared-policy\")",
		"u.yaml:6: not checked: Resources.Device (AWS::IoT::Policy Device): IoT Core policies"} {
		if !strings.HasPrefix(res.Notices[i].String(), want) {
			t.Errorf("notice %d = %q, want %q...", i, res.Notices[i], want)
		}
	}
}

// sideExpectations reads "LINE CODE@Resource" lines.
func sideExpectations(t *testing.T, data []byte) []expectation {
	var out []expectation
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var e expectation
		var what string
		if _, err := fmt.Sscanf(l, "%d %s", &e.Line, &what); err != nil {
			t.Fatalf("expect: %q: %v", l, err)
		}
		e.Code, e.Resource, _ = strings.Cut(what, "@")
		out = append(out, e)
	}
	sortExpectations(out)
	return out
}
