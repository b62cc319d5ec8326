package github

import (
	"context"
	"fmt"
	"path"
	"strings"
	"time"

	gh "github.com/google/go-github/v66/github"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/template"
)

// MaxAnnotationsPerRequest is GitHub's limit on annotations in one create
// or update of a check run; more are sent in further updates.
const MaxAnnotationsPerRequest = 50

// MaxCheckSummary is GitHub's limit on a check run's output summary.
const MaxCheckSummary = 65535

// CheckRun is one check run to publish.
type CheckRun struct {
	// Name is shown in the checks list: "tollgate", or "tollgate (key)"
	// when several jobs run tollgate.
	Name string
	// ExternalID marks check runs tollgate created for this key, so it
	// never touches the check runs GitHub makes for jobs, or others'.
	ExternalID string
	HeadSHA    string
	DetailsURL string
	// Conclusion is "success" or "failure".
	Conclusion string
	Title      string
	Summary    string
	// Annotations are every annotation; all of them are sent.
	Annotations []*gh.CheckRunAnnotation
}

// CheckResult says what happened to the check run.
type CheckResult struct {
	// Action is "created" or "updated".
	Action string
	ID     int64
	URL    string
	// Annotations is how many annotations were added by this run.
	Annotations int
}

// Checks publishes one check run per head SHA and key.
type Checks struct {
	Svc         CheckService
	Owner, Repo string
	Clock       Clock
}

// Publish creates the check run, or updates the one an earlier run of the
// same key created for the same commit, and sends every annotation that is
// not already there. When the earlier run holds annotations this result no
// longer has (the configuration changed), a fresh check run replaces it, as
// annotations cannot be deleted.
func (c *Checks) Publish(ctx context.Context, run CheckRun) (CheckResult, error) {
	run.Summary = truncate(run.Summary, MaxCheckSummary)
	run.Title = truncate(run.Title, 255)
	existing, err := c.find(ctx, run)
	if err != nil {
		return CheckResult{}, err
	}
	res := CheckResult{Action: "updated"}
	var have []*gh.CheckRunAnnotation
	if existing != nil {
		have, err = c.annotations(ctx, existing.GetID())
		if err != nil {
			return CheckResult{}, err
		}
		if stale(have, run.Annotations) {
			if err := c.supersede(ctx, existing, run.Name); err != nil {
				return CheckResult{}, err
			}
			existing, have = nil, nil
		}
	}
	if existing == nil {
		if existing, err = c.create(ctx, run); err != nil {
			return CheckResult{}, err
		}
		res.Action = "created"
		have = nil
	}
	res.ID, res.URL = existing.GetID(), existing.GetHTMLURL()
	n, err := c.sync(ctx, existing.GetID(), run, have)
	res.Annotations = n
	return res, err
}

// find returns the newest check run for the head SHA with our name and
// external ID.
func (c *Checks) find(ctx context.Context, run CheckRun) (*gh.CheckRun, error) {
	opts := &gh.ListCheckRunsOptions{CheckName: gh.String(run.Name), Filter: gh.String("all"), ListOptions: gh.ListOptions{PerPage: 100}}
	var newest *gh.CheckRun
	for page := 0; page < maxPages; page++ {
		list, resp, err := c.Svc.ListCheckRunsForRef(ctx, c.Owner, c.Repo, run.HeadSHA, opts)
		if err != nil {
			return nil, apiError("listing the check runs of commit "+short(run.HeadSHA), err)
		}
		for _, r := range list.CheckRuns {
			if r.GetExternalID() == run.ExternalID && r.GetName() == run.Name && (newest == nil || r.GetID() > newest.GetID()) {
				newest = r
			}
		}
		if resp == nil || resp.NextPage == 0 || resp.NextPage <= opts.Page {
			return newest, nil
		}
		opts.Page = resp.NextPage
	}
	return newest, nil
}

func (c *Checks) create(ctx context.Context, run CheckRun) (*gh.CheckRun, error) {
	now := gh.Timestamp{Time: c.Clock.Now().UTC().Truncate(time.Second)}
	opts := gh.CreateCheckRunOptions{
		Name: run.Name, HeadSHA: run.HeadSHA, ExternalID: gh.String(run.ExternalID),
		Status: gh.String("completed"), Conclusion: gh.String(run.Conclusion), CompletedAt: &now,
		Output: &gh.CheckRunOutput{Title: gh.String(run.Title), Summary: gh.String(run.Summary)},
	}
	if run.DetailsURL != "" {
		opts.DetailsURL = gh.String(run.DetailsURL)
	}
	var lastErr error
	for i := 0; i < 2; i++ {
		if i > 0 {
			// The create may have landed without an answer: look first.
			found, err := c.find(ctx, run)
			if err != nil {
				return nil, err
			}
			if found != nil {
				return found, nil
			}
		}
		cr, _, err := c.Svc.CreateCheckRun(ctx, c.Owner, c.Repo, opts)
		if err == nil {
			return cr, nil
		}
		lastErr = apiError("creating check run "+run.Name, err)
		if !isAmbiguous(err) || ctx.Err() != nil {
			break
		}
	}
	return nil, lastErr
}

// sync sets the outcome and adds the annotations missing from have, 50 per
// request. After a request that failed without an answer it lists the
// annotations again, so none is added twice.
func (c *Checks) sync(ctx context.Context, id int64, run CheckRun, have []*gh.CheckRunAnnotation) (int, error) {
	added := 0
	for round := 0; round < 3; round++ {
		missing := subtract(run.Annotations, have)
		first := true
		var err error
		for first || len(missing) > 0 {
			batch := missing[:min(len(missing), MaxAnnotationsPerRequest)]
			opts := c.update(run, batch)
			reqCtx := ctx
			if len(batch) == 0 {
				reqCtx = Idempotent(ctx) // sets fields only: safe to repeat
			}
			if _, _, err = c.Svc.UpdateCheckRun(reqCtx, c.Owner, c.Repo, id, opts); err != nil {
				break
			}
			added += len(batch)
			missing = missing[len(batch):]
			first = false
		}
		if err == nil {
			return added, nil
		}
		if !isAmbiguous(err) || ctx.Err() != nil {
			return added, apiError(fmt.Sprintf("updating check run %d", id), err)
		}
		if have, err = c.annotations(ctx, id); err != nil {
			return added, err
		}
	}
	return added, fmt.Errorf("updating check run %d: the annotations could not be sent after 3 rounds", id)
}

func (c *Checks) update(run CheckRun, batch []*gh.CheckRunAnnotation) gh.UpdateCheckRunOptions {
	now := gh.Timestamp{Time: c.Clock.Now().UTC().Truncate(time.Second)}
	opts := gh.UpdateCheckRunOptions{
		Name: run.Name, ExternalID: gh.String(run.ExternalID),
		Status: gh.String("completed"), Conclusion: gh.String(run.Conclusion), CompletedAt: &now,
		Output: &gh.CheckRunOutput{Title: gh.String(run.Title), Summary: gh.String(run.Summary), Annotations: batch},
	}
	if run.DetailsURL != "" {
		opts.DetailsURL = gh.String(run.DetailsURL)
	}
	return opts
}

// supersede closes an outdated check run so the checks list shows the new
// one's verdict.
func (c *Checks) supersede(ctx context.Context, old *gh.CheckRun, name string) error {
	now := gh.Timestamp{Time: c.Clock.Now().UTC().Truncate(time.Second)}
	_, _, err := c.Svc.UpdateCheckRun(Idempotent(ctx), c.Owner, c.Repo, old.GetID(), gh.UpdateCheckRunOptions{
		Name: name, ExternalID: old.ExternalID, Status: gh.String("completed"), Conclusion: gh.String("neutral"), CompletedAt: &now,
		Output: &gh.CheckRunOutput{Title: gh.String("Superseded by a newer tollgate run"),
			Summary: gh.String("The findings changed since this check run was made, and annotations cannot be removed, so a new check run replaces it.")},
	})
	if err != nil {
		return apiError(fmt.Sprintf("closing outdated check run %d", old.GetID()), err)
	}
	return nil
}

func (c *Checks) annotations(ctx context.Context, id int64) ([]*gh.CheckRunAnnotation, error) {
	opts := &gh.ListOptions{PerPage: 100}
	var out []*gh.CheckRunAnnotation
	for page := 0; page < 10*maxPages; page++ {
		list, resp, err := c.Svc.ListCheckRunAnnotations(ctx, c.Owner, c.Repo, id, opts)
		if err != nil {
			return nil, apiError(fmt.Sprintf("listing the annotations of check run %d", id), err)
		}
		out = append(out, list...)
		if resp == nil || resp.NextPage == 0 || resp.NextPage <= opts.Page {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
	return out, nil
}

// annotationKey identifies an annotation by everything GitHub shows.
func annotationKey(a *gh.CheckRunAnnotation) string {
	return strings.Join([]string{a.GetPath(), fmt.Sprint(a.GetStartLine()), fmt.Sprint(a.GetEndLine()),
		fmt.Sprint(a.GetStartColumn()), fmt.Sprint(a.GetEndColumn()), a.GetAnnotationLevel(), a.GetTitle(), a.GetMessage()}, "\x00")
}

// subtract returns the annotations of want that have does not hold,
// counting duplicates.
func subtract(want, have []*gh.CheckRunAnnotation) []*gh.CheckRunAnnotation {
	n := map[string]int{}
	for _, a := range have {
		n[annotationKey(a)]++
	}
	var out []*gh.CheckRunAnnotation
	for _, a := range want {
		k := annotationKey(a)
		if n[k] > 0 {
			n[k]--
			continue
		}
		out = append(out, a)
	}
	return out
}

// stale reports whether have holds an annotation want does not.
func stale(have, want []*gh.CheckRunAnnotation) bool {
	return len(subtract(have, want)) > 0
}

// Annotations turns findings into check run annotations, in the order of
// the findings, with paths relative to the repository root.
func Annotations(fs []checks.Finding, workspace string) []*gh.CheckRunAnnotation {
	out := make([]*gh.CheckRunAnnotation, 0, len(fs))
	for _, f := range fs {
		_, level := AnnotationLevel(f.Type)
		start := max(f.Line, 1)
		end := max(f.EndLine, start)
		a := &gh.CheckRunAnnotation{
			Path: gh.String(RepoPath(f.File, workspace)), StartLine: gh.Int(start), EndLine: gh.Int(end),
			AnnotationLevel: gh.String(level), Title: gh.String(annotationTitle(f)), Message: gh.String(annotationMessage(f)),
		}
		if start == end && f.Column > 0 {
			a.StartColumn, a.EndColumn = gh.Int(f.Column), gh.Int(f.Column)
		}
		out = append(out, a)
	}
	return out
}

// NoticeAnnotations puts each notice and error that names a line of a
// file on that line, so a reviewer sees "not checked" where it applies:
// notices at level notice, errors at failure. Those about no line stay in
// the summary only.
func NoticeAnnotations(notices, errs []template.Notice, workspace string) []*gh.CheckRunAnnotation {
	var out []*gh.CheckRunAnnotation
	for _, set := range []struct {
		ns           []template.Notice
		level, title string
	}{{notices, "notice", "tollgate note"}, {errs, "failure", "tollgate error"}} {
		for _, n := range set.ns {
			if n.File == "" || n.Line < 1 {
				continue
			}
			out = append(out, &gh.CheckRunAnnotation{
				Path: gh.String(RepoPath(n.File, workspace)), StartLine: gh.Int(n.Line), EndLine: gh.Int(max(n.EndLine, n.Line)),
				AnnotationLevel: gh.String(set.level), Title: gh.String(set.title), Message: gh.String(truncate(n.Message, 64<<10-1)),
			})
		}
	}
	return out
}

// RepoPath makes a finding's file relative to the repository root, as
// annotations and links need.
func RepoPath(file, workspace string) string {
	p := path.Clean(strings.ReplaceAll(file, "\\", "/"))
	if ws := strings.TrimRight(strings.ReplaceAll(workspace, "\\", "/"), "/"); ws != "" && path.IsAbs(p) {
		if rel, ok := strings.CutPrefix(p, ws+"/"); ok {
			p = rel
		}
	}
	return strings.TrimPrefix(p, "./")
}

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}
