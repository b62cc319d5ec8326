package template

import (
	"slices"
	"testing"
)

func TestSpanString(t *testing.T) {
	for _, c := range []struct {
		s    Span
		want string
	}{
		{Span{File: "a.yaml", Line: 3, Column: 7, EndLine: 4}, "a.yaml:3:7"},
		{Span{File: "a.yaml", Line: 3}, "a.yaml:3"},
		{Span{File: "a.yaml"}, "a.yaml"},
		{Span{}, ""},
	} {
		if got := c.s.String(); got != c.want {
			t.Errorf("%#v.String() = %q, want %q", c.s, got, c.want)
		}
	}
	if got := (Span{}).Prefix(); got != "" {
		t.Errorf("zero Prefix = %q", got)
	}
	if got := (Span{File: "b.json", Line: 2}).Prefix(); got != "b.json:2: " {
		t.Errorf("Prefix = %q", got)
	}
}

func TestSpanOrder(t *testing.T) {
	spans := []Span{
		{File: "b", Line: 1},
		{File: "a", Line: 2, Column: 1},
		{File: "a", Line: 1, Column: 9},
		{File: "a", Line: 2},
		{File: "a", Line: 1, Column: 9, EndLine: 3},
	}
	slices.SortFunc(spans, Span.Compare)
	want := []Span{
		{File: "a", Line: 1, Column: 9},
		{File: "a", Line: 1, Column: 9, EndLine: 3},
		{File: "a", Line: 2},
		{File: "a", Line: 2, Column: 1},
		{File: "b", Line: 1},
	}
	if !slices.Equal(spans, want) {
		t.Errorf("sorted = %v, want %v", spans, want)
	}
	if !want[0].Less(want[1]) || want[1].Less(want[0]) || want[0].Less(want[0]) {
		t.Error("Less disagrees with Compare")
	}
	if !(Span{}).IsZero() || (Span{Line: 1}).IsZero() {
		t.Error("IsZero")
	}
	tpl := &Template{File: "t.yaml"}
	if got := tpl.Span(&Node{Pos: Pos{Line: 4, Col: 2}, EndLine: 6}); got != (Span{File: "t.yaml", Line: 4, Column: 2, EndLine: 6}) {
		t.Errorf("Template.Span = %#v", got)
	}
}
