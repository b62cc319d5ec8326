package github

import "github.com/tollgate-dev/tollgate/report"

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
	for i := range res.Notices {
		res.Notices[i] = e.Redact(res.Notices[i])
	}
	for i := range res.Errors {
		res.Errors[i] = e.Redact(res.Errors[i])
	}
}
