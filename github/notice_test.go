package github

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	gh "github.com/google/go-github/v66/github"

	"github.com/tollgate-dev/tollgate/template"
)

// A notice or error that names a line becomes an annotation there; one
// about a whole file or none stays in the summary.
func TestNoticesAtALineAreAnnotated(t *testing.T) {
	notices := []template.Notice{
		template.NoticeAt(template.Span{File: "/ws/stacks/a.yaml", Line: 12}, "not checked: Resources.F: its template child.yaml is missing"),
		template.NoticeAt(template.Span{File: "stacks/b.yaml"}, "not checked: nested stacks are followed 8 deep at most"),
		template.Noticef("the deploy account is unknown"),
	}
	errs := []template.Notice{template.NoticeAt(template.Span{File: "./stacks/c.json", Line: 3, Column: 9, EndLine: 4}, "cannot read")}
	got := NoticeAnnotations(notices, errs, "/ws")
	want := []*gh.CheckRunAnnotation{
		{Path: gh.String("stacks/a.yaml"), StartLine: gh.Int(12), EndLine: gh.Int(12), AnnotationLevel: gh.String("notice"),
			Title: gh.String("tollgate note"), Message: gh.String("not checked: Resources.F: its template child.yaml is missing")},
		{Path: gh.String("stacks/c.json"), StartLine: gh.Int(3), EndLine: gh.Int(4), AnnotationLevel: gh.String("failure"),
			Title: gh.String("tollgate error"), Message: gh.String("cannot read")},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("annotations (-want +got):\n%s", diff)
	}
}
