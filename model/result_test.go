package model

import (
	"testing"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/template"
)

func TestStatus(t *testing.T) {
	blocking := []checks.Finding{{Code: "X", Blocking: true}}
	quiet := []checks.Finding{{Code: "Y"}}
	for _, c := range []struct {
		name string
		res  Result
		want Status
	}{
		{"no findings are clean", Result{}, Clean},
		{"findings that do not block are clean", Result{Findings: quiet}, Clean},
		{"a blocking finding blocks", Result{Findings: append(quiet, blocking...)}, Blocking},
		{"an error fails the run", Result{Errors: []template.Notice{{Span: template.Span{File: "a.yaml"}, Message: "cannot read"}}}, Failed},
		{"an error outranks blocking findings: the review is incomplete", Result{Findings: blocking, Errors: []template.Notice{{Span: template.Span{File: "a.yaml"}, Message: "cannot read"}}}, Failed},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := c.res.Status(); got != c.want {
				t.Errorf("Status() = %v, want %v", got, c.want)
			}
		})
	}
}
