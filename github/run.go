package github

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tollgate-dev/tollgate/model"
	"github.com/tollgate-dev/tollgate/report"
)

// ForkNotice opens the summary of a fork pull request, as EXPERIENCE.md has it.
const ForkNotice = "read-only token: annotations only; AWS checks skipped (no OIDC token on fork pull requests)"

// AWSNotice says that no AWS check was asked for.
const AWSNotice = "AWS checks (IAM Access Analyzer, change-set previews) are not configured: only the offline checks ran; set role-to-assume to add them (docs/oidc.md)"

// CheckFunc reviews what the event asks for: the command plugs in the
// engine's review (which compares with the event's base commit when the
// scope input is changed). It only decides; the Runner publishes.
type CheckFunc func(ctx context.Context, ev *Event) (*report.Result, error)

// Runner is one run of the action, from the event to the outputs.
type Runner struct {
	Env *Env
	Log *Log
	// Clock and Policy drive retries; Transport is the HTTP transport under
	// the retrying one (nil: the default). Tests set all three.
	Clock     Clock
	Policy    RetryPolicy
	Transport http.RoundTripper
	UserAgent string
	Check     CheckFunc
}

// Run checks, publishes and writes the summary, the reports and the
// outputs. The job summary is written whatever fails. The error, when
// there is one, is the reason the run could not check at all.
func (r *Runner) Run(ctx context.Context) (model.Status, error) {
	for _, s := range r.Env.Secrets {
		r.Log.Mask(s)
	}
	files := Files{OutputFile: r.Env.OutputFile, SummaryFile: r.Env.SummaryFile}
	plan, err := ReadEvent(r.Env)
	if err != nil {
		r.fail(files, err)
		return model.Failed, err
	}
	if plan.Skip != "" {
		r.Log.Notice("tollgate: " + plan.Skip)
		r.writeSummary(files, "### ✅ tollgate: nothing to check\n\n"+report.Inline(plan.Skip)+"\n")
		r.setOutputs(files, nil, "", "")
		return model.Clean, nil
	}
	r.Log.Printf("tollgate: %s event, head %s, base %s, pull request #%d %q, branch %q, fork %t", report.Plain(plan.Name), plan.HeadSHA, plan.BaseSHA, plan.PR, report.Plain(plan.Title), report.Plain(plan.Branch), plan.Fork)
	res, err := r.Check(ctx, plan)
	if err != nil {
		r.fail(files, err)
		return model.Failed, err
	}
	RedactResult(res, r.Env)
	// Annotations and links need paths from the repository root, also when
	// the path input was absolute.
	for i := range res.Findings {
		res.Findings[i].File = RepoPath(res.Findings[i].File, r.Env.Workspace)
	}
	for i := range res.Templates {
		res.Templates[i].File = RepoPath(res.Templates[i].File, r.Env.Workspace)
	}

	var localErrs []error
	jsonPath, sarifPath, sarifNote, err := r.writeReports(res)
	if err != nil {
		localErrs = append(localErrs, err)
	}

	pub := &Publisher{Env: r.Env, Event: plan, Clock: r.Clock, Log: r.Log}
	if r.Env.Inputs.Token != "" && !plan.ReadOnly() {
		t := &Transport{Base: r.Transport, Clock: r.Clock, Policy: r.Policy, Logf: r.Log.Debugf}
		if pub.Svc, err = NewServices(r.Env.APIURL, r.Env.Inputs.Token, r.UserAgent, t); err != nil {
			localErrs = append(localErrs, err)
		}
	}
	var out Outcome
	if pub.Svc.Comments != nil {
		out = pub.Publish(ctx, res)
	} else {
		out = Outcome{ReadOnly: true, Why: "no GitHub API client"}
		if plan.ReadOnly() {
			out.Why = "this pull request comes from a fork, so GitHub gave the run a read-only token"
		}
		out.LogAnnotations = r.Log.Annotate(res.Active(), MaxLogAnnotations)
	}
	out.Errors = append(out.Errors, localErrs...)
	for _, e := range out.Errors {
		r.Log.Warning("tollgate: " + e.Error())
	}

	summary := Summary(res, pub, out, jsonPath, sarifPath, sarifNote)
	r.writeSummary(files, summary)
	r.logReport(res)
	r.setOutputs(files, res, jsonPath, sarifPath)

	status := res.Status()
	if status == model.Clean && len(out.Errors) > 0 {
		status = model.Failed // the review is clean, but it did not reach GitHub
	}
	return status, nil
}

// fail records a run that could not check: the summary and the log say why.
func (r *Runner) fail(files Files, err error) {
	msg := r.Env.Redact(err.Error())
	r.Log.Error("tollgate: " + msg)
	r.writeSummary(files, FailureSummary(msg))
}

// FailureSummary is the job summary of a run that could not check.
func FailureSummary(msg string) string {
	return "### ❗ tollgate: the check could not run\n\n" + report.Inline(msg) + "\n"
}

func (r *Runner) writeSummary(files Files, md string) {
	if err := files.WriteSummary(md); err != nil {
		// Nothing is lost: the summary goes to the log instead.
		r.Log.Warning("tollgate: " + err.Error() + "; the summary follows in the log")
		r.Log.Untrusted(md)
	}
}

// writeReports writes the JSON and SARIF reports into the output folder.
func (r *Runner) writeReports(res *report.Result) (jsonPath, sarifPath, sarifNote string, err error) {
	dir := r.Env.Inputs.OutputDir
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", "", fmt.Errorf("output-dir %q: %w", dir, err)
	}
	var jb bytes.Buffer
	if err := report.JSON(&jb, res); err != nil {
		return "", "", "", fmt.Errorf("rendering the JSON report: %w", err)
	}
	jsonPath = filepath.ToSlash(filepath.Join(dir, "report.json"))
	if err := os.WriteFile(jsonPath, jb.Bytes(), 0o644); err != nil {
		return "", "", "", fmt.Errorf("writing the JSON report: %w", err)
	}
	data, note, err := SARIF(res)
	if err != nil {
		return jsonPath, "", "", fmt.Errorf("rendering the SARIF report: %w", err)
	}
	sarifPath = filepath.ToSlash(filepath.Join(dir, "report.sarif"))
	if err := os.WriteFile(sarifPath, data, 0o644); err != nil {
		return jsonPath, "", "", fmt.Errorf("writing the SARIF report: %w", err)
	}
	return jsonPath, sarifPath, note, nil
}

// logReport prints the report in the chosen format, inside a group and
// between stop-commands markers, since it quotes the pull request.
func (r *Runner) logReport(res *report.Result) {
	var b bytes.Buffer
	f, err := report.LookupFormat(r.Env.Inputs.Format, report.UseAction)
	if err == nil {
		err = f.Check(&b, res, report.Options{Markdown: report.MarkdownOptions{MaxLen: MaxSummarySize}})
	}
	if err != nil {
		r.Log.Warning("tollgate: rendering the log report: " + err.Error())
		return
	}
	r.Log.Group("tollgate report")
	r.Log.Untrusted(b.String())
	r.Log.EndGroup()
}

func (r *Runner) setOutputs(files Files, res *report.Result, jsonPath, sarifPath string) {
	blocking, findings, environment := 0, 0, ""
	if res != nil {
		blocking, findings, environment = res.Blocking(), len(res.Active()), res.Environment
	}
	err := files.SetOutputs([][2]string{
		{"blocking", strconv.Itoa(blocking)},
		{"findings", strconv.Itoa(findings)},
		{"report-json", jsonPath},
		{"sarif-file", sarifPath},
		// The environment the reviewed change deploys to, from the gitops
		// mapping; empty when none matches.
		{"environment", environment},
	})
	if err != nil {
		r.Log.Warning("tollgate: " + err.Error())
	}
}

// Summary renders the job summary: the fork notice first when there is
// one, then the report with every finding that fits in 1 MiB, then what
// was published and where the reports are.
func Summary(res *report.Result, p *Publisher, out Outcome, jsonPath, sarifPath, sarifNote string) string {
	var b strings.Builder
	if p.Event.ReadOnly() {
		b.WriteString(ForkNotice + "\n\n")
	} else if out.ReadOnly {
		b.WriteString("read-only token: annotations only; " + report.Inline(out.Why) + "\n\n")
	}
	b.WriteString(p.markdown(res, MaxSummarySize-16<<10, false))
	if ctx := planContext(p.Event); ctx != "" {
		b.WriteString("\n<sub>" + ctx + "</sub>\n")
	}
	b.WriteString("\n#### Published\n\n")
	for _, l := range out.describe() {
		b.WriteString("- " + l + "\n")
	}
	if out.LogAnnotations > 0 {
		rest := len(res.Active()) - out.LogAnnotations
		line := fmt.Sprintf("- %s annotated in the log", count(out.LogAnnotations, "finding", "findings"))
		if rest > 0 {
			line += fmt.Sprintf("; GitHub shows at most %d per step, so the other %d are only in this summary and the reports", MaxLogAnnotations, rest)
		}
		b.WriteString(line + ".\n")
	}
	if jsonPath != "" {
		b.WriteString("- Reports: " + report.CodeSpan(jsonPath))
		if sarifPath != "" {
			b.WriteString(" and " + report.CodeSpan(sarifPath) + " (for github/codeql-action/upload-sarif)")
		}
		b.WriteString(".\n")
	}
	if sarifNote != "" {
		b.WriteString("- " + report.Inline(sarifNote) + ".\n")
	}
	return truncate(b.String(), MaxSummarySize)
}

// planContext says what was reviewed, for the summary: the event, the pull
// request and its title, the branches. All of it is untrusted text.
func planContext(p *Event) string {
	var parts []string
	parts = append(parts, report.Inline(p.Name))
	if p.PR > 0 {
		pr := fmt.Sprintf("pull request #%d", p.PR)
		if p.Title != "" {
			pr += " " + report.CodeSpan(truncate(p.Title, 200))
		}
		parts = append(parts, pr)
	}
	if p.Branch != "" {
		b := "branch " + report.CodeSpan(truncate(p.Branch, 200))
		if p.BaseRef != "" && p.BaseRef != p.Branch {
			b += " → " + report.CodeSpan(truncate(p.BaseRef, 200))
		}
		parts = append(parts, b)
	}
	if p.HeadSHA != "" {
		parts = append(parts, "head "+report.CodeSpan(short(p.HeadSHA)))
	}
	return strings.Join(parts, " · ")
}
