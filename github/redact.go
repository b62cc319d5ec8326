package github

import (
	"github.com/tollgate-dev/tollgate/report"
	"github.com/tollgate-dev/tollgate/template"
)

// RedactResult removes the run's secrets from every text of res before
// anything is written or posted.
func RedactResult(res *report.Result, e *Env) {
	if len(e.Secrets) == 0 {
		return
	}
	for i := range res.Findings {
		f := &res.Findings[i]
		for _, s := range []*string{&f.Message, &f.Fix, &f.File, &f.Resource, &f.ResourceType, &f.Path, &f.Branch, &f.When, &f.Environment} {
			*s = e.Redact(*s)
		}
		if f.Suppression != nil {
			f.Suppression.Reason = e.Redact(f.Suppression.Reason)
		}
	}
	for i := range res.Templates {
		res.Templates[i].File = e.Redact(res.Templates[i].File)
		res.Templates[i].Stack = e.Redact(res.Templates[i].Stack)
	}
	for _, ns := range [][]template.Notice{res.Notices, res.Errors} {
		for i := range ns {
			ns[i].File = e.Redact(ns[i].File)
			ns[i].Message = e.Redact(ns[i].Message)
		}
	}
}
