package report_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate-dev/tollgate/report"
	"github.com/tollgate-dev/tollgate/template"
)

// placedNotices has a notice at a line, one about a whole file, one about
// no file, and an error at a line.
func placedNotices() *report.Result {
	return &report.Result{Tool: tool,
		Notices: []template.Notice{
			template.NoticeAt(template.Span{File: "stacks/a.yaml", Line: 12}, "not checked: Resources.F (AWS::Lambda::Function F): its template child.yaml is missing"),
			template.NoticeAt(template.Span{File: "stacks/b.yaml"}, "not checked: nested stacks are followed 8 deep at most"),
			template.Noticef("the deploy account is unknown"),
		},
		Errors: []template.Notice{template.NoticeAt(template.Span{File: "stacks/c.json", Line: 3, Column: 9}, "cannot read: permission denied")},
	}
}

// A notice's place is in front of its message in every text output, as
// when notices were strings, and SARIF points at it.
func TestNoticesCarryTheirPlace(t *testing.T) {
	res := placedNotices()
	var text bytes.Buffer
	if err := report.Text(&text, res, report.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"note: stacks/a.yaml:12: not checked: Resources.F",
		"note: stacks/b.yaml: not checked: nested stacks",
		"note: the deploy account is unknown",
		"error: stacks/c.json:3:9: cannot read: permission denied",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}

	var js bytes.Buffer
	if err := report.JSON(&js, res); err != nil {
		t.Fatal(err)
	}
	var doc struct{ Notices, Errors []string }
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(template.NoticeStrings(res.Notices), doc.Notices); diff != "" {
		t.Errorf("JSON notices are not the strings they were (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"stacks/c.json:3:9: cannot read: permission denied"}, doc.Errors); diff != "" {
		t.Errorf("JSON errors (-want +got):\n%s", diff)
	}

	var sarif bytes.Buffer
	if err := report.SARIF(&sarif, res); err != nil {
		t.Fatal(err)
	}
	type region struct{ StartLine, StartColumn int }
	var log struct {
		Runs []struct {
			Invocations []struct {
				ToolExecutionNotifications []struct {
					Level     string
					Locations []struct {
						PhysicalLocation struct {
							ArtifactLocation struct{ URI string }
							Region           *region
						}
					}
				}
			}
		}
	}
	if err := json.Unmarshal(sarif.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	type got struct {
		Level, URI string
		Region     *region
	}
	var places []got
	for _, n := range log.Runs[0].Invocations[0].ToolExecutionNotifications {
		g := got{Level: n.Level}
		if len(n.Locations) > 0 {
			g.URI, g.Region = n.Locations[0].PhysicalLocation.ArtifactLocation.URI, n.Locations[0].PhysicalLocation.Region
		}
		places = append(places, g)
	}
	want := []got{
		{"note", "stacks/a.yaml", &region{StartLine: 12}},
		{"note", "stacks/b.yaml", nil},
		{"note", "", nil},
		{"error", "stacks/c.json", &region{StartLine: 3, StartColumn: 9}},
	}
	if diff := cmp.Diff(want, places); diff != "" {
		t.Errorf("SARIF notification places (-want +got):\n%s", diff)
	}
}
