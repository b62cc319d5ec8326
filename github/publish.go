package github

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tollgate-dev/tollgate/model"
	"github.com/tollgate-dev/tollgate/report"
)

// Publisher carries a result to the pull request: the sticky comment, the
// check run with annotations, and, when the token cannot write, workflow
// command annotations in the log.
type Publisher struct {
	Env   *Env
	Event *Event
	Svc   Services
	Clock Clock
	Log   *Log
}

// Outcome is what publishing did, for the job summary and the log.
type Outcome struct {
	Comment CommentResult
	Check   CheckResult
	// ReadOnly is set when results went to the log as annotations because
	// the token cannot write; Why says why.
	ReadOnly bool
	Why      string
	// LogAnnotations counts findings annotated through workflow commands.
	LogAnnotations int
	// Errors are failures other than a read-only token; each makes the
	// run's status 3 unless findings block.
	Errors []error
}

// commentReserve is room for the marker and the history around the report.
const commentReserve = 2000

// Publish publishes res. It never fails as a whole: each failure is in the
// Outcome, and the caller still writes the job summary.
func (p *Publisher) Publish(ctx context.Context, res *report.Result) Outcome {
	var out Outcome
	switch {
	case p.Event.ReadOnly():
		out.ReadOnly, out.Why = true, "this pull request comes from a fork, so GitHub gave the run a read-only token"
	case p.Env.Inputs.Token == "":
		out.ReadOnly, out.Why = true, "the github-token input is empty"
	}
	if !out.ReadOnly && p.Event.HeadSHA != "" {
		out.Check, out.Errors = p.publishCheck(ctx, res, out.Errors)
	}
	if !out.ReadOnly && p.wantsComment() {
		var err error
		out.Comment, err = p.publishComment(ctx, res)
		out.Errors = appendErr(out.Errors, err)
	} else {
		out.Comment.Action = "skipped"
	}
	// A write refused for lack of permission is the read-only case, not a
	// failure: fall back to the log like for a fork.
	var kept []error
	for _, err := range out.Errors {
		var ae *APIError
		if errors.As(err, &ae) && ae.Permission() {
			out.ReadOnly = true
			if out.Why == "" {
				out.Why = "GitHub refused a write (" + ae.Error() + ")"
			}
			continue
		}
		kept = append(kept, err)
	}
	out.Errors = kept
	if out.ReadOnly || (out.Check.ID == 0 && p.Event.HeadSHA != "") {
		out.LogAnnotations = p.Log.Annotate(res.Active(), MaxLogAnnotations)
	}
	return out
}

func appendErr(errs []error, err error) []error {
	if err != nil {
		return append(errs, err)
	}
	return errs
}

func (p *Publisher) wantsComment() bool {
	return p.Event.PR > 0 && p.Env.Inputs.Comment != "never" && p.Event.IsPullRequest()
}

// Verdict classifies a result for the comment history.
func Verdict(res *report.Result) HistoryEntry {
	active := len(res.Active())
	switch {
	case res.Blocking() > 0:
		return HistoryEntry{Verdict: "blocking", Count: res.Blocking()}
	case len(res.Errors) > 0:
		return HistoryEntry{Verdict: "error", Count: len(res.Errors)}
	case active > 0:
		return HistoryEntry{Verdict: "findings", Count: active}
	}
	return HistoryEntry{Verdict: "clear"}
}

// markdown renders the comment or check run body for res.
func (p *Publisher) markdown(res *report.Result, maxLen int, stable bool) string {
	o := report.MarkdownOptions{BlobURL: p.Env.BlobURL(p.Event.HeadSHA), Commit: p.Event.HeadSHA, RunURL: p.Env.RunURL(), MaxLen: maxLen}
	r := res
	if stable {
		// What the report says, without what changes on every run.
		c := *res
		c.Stats.Duration = 0
		r = &c
		o.RunURL = ""
	}
	var b bytes.Buffer
	if err := report.Markdown(&b, r, o); err != nil {
		return ""
	}
	return b.String()
}

func (p *Publisher) publishComment(ctx context.Context, res *report.Result) (CommentResult, error) {
	entry := Verdict(res)
	entry.Commit = short(p.Event.HeadSHA)
	allClear := entry.Verdict == "clear"
	maxLen := MaxCommentSize - commentReserve
	body := p.markdown(res, maxLen, false)
	stable := p.markdown(res, maxLen, true)
	if allClear {
		heading, _, _ := strings.Cut(body, "\n")
		body = heading + "\n\nNothing to report at commit `" + short(p.Event.HeadSHA) + "`: " +
			count(res.Stats.Templates, "template", "templates") + " and " + count(res.Stats.Policies, "policy", "policies") + " checked.\n"
		stable = body
	}
	c := Comment{
		Key: p.Env.Key(), Author: p.Env.Inputs.CommentAuthor, Body: body, Digest: Digest(stable),
		Entry: entry, AllClear: allClear,
		Create: p.Env.Inputs.Comment == "always" || entry.Verdict != "clear",
	}
	s := &Sticky{Svc: p.Svc.Comments, Owner: p.Env.Owner, Repo: p.Env.Repo, PR: p.Event.PR}
	return s.Publish(ctx, c)
}

func (p *Publisher) publishCheck(ctx context.Context, res *report.Result, errs []error) (CheckResult, []error) {
	name := p.Env.Inputs.CheckName
	if p.Env.Inputs.Key != "" && name == InputDefaults["check-name"] {
		name += " (" + p.Env.Key() + ")"
	}
	run := CheckRun{
		Name: name, ExternalID: "tollgate:v1:" + p.Env.Key(), HeadSHA: p.Event.HeadSHA, DetailsURL: p.Env.RunURL(),
		Conclusion: "success", Title: CheckTitle(res),
		Summary:     p.markdown(res, MaxCheckSummary-100, false),
		Annotations: append(Annotations(res.Active(), p.Env.Workspace), NoticeAnnotations(res.Notices, res.Errors, p.Env.Workspace)...),
	}
	if res.Status() != model.Clean {
		run.Conclusion = "failure"
	}
	c := &Checks{Svc: p.Svc.Checks, Owner: p.Env.Owner, Repo: p.Env.Repo, Clock: p.Clock}
	r, err := c.Publish(ctx, run)
	return r, appendErr(errs, err)
}

// CheckTitle is the one-line verdict shown in the checks list.
func CheckTitle(res *report.Result) string {
	active := len(res.Active())
	switch {
	case res.Blocking() > 0:
		return count(res.Blocking(), "blocking finding", "blocking findings")
	case len(res.Errors) > 0:
		return "the check could not read every template"
	case active > 0:
		return count(active, "finding", "findings") + ", none blocking"
	case res.Stats.Templates == 0:
		return "no CloudFormation templates to check"
	}
	return "all clear"
}

// describe renders the outcome as summary lines.
func (o Outcome) describe() []string {
	var lines []string
	switch o.Comment.Action {
	case "created", "updated":
		lines = append(lines, fmt.Sprintf("Pull request comment %s.", o.Comment.Action))
	case "unchanged":
		lines = append(lines, "Pull request comment unchanged (the report says the same as before).")
	}
	switch o.Check.Action {
	case "created", "updated":
		lines = append(lines, fmt.Sprintf("Check run %s with %s.", o.Check.Action, count(o.Check.Annotations, "new annotation", "new annotations")))
	}
	for _, err := range o.Errors {
		lines = append(lines, "❗ "+report.Inline(err.Error()))
	}
	if len(lines) == 0 {
		lines = append(lines, "Nothing was posted to GitHub.")
	}
	return lines
}
