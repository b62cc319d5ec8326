// Package github is tollgate's side of GitHub: the Actions runtime (inputs,
// outputs, job summary, workflow commands), the event that started a run,
// and publishing a result as a sticky pull request comment, a check run with
// annotations and a SARIF file. It never decides findings; it only carries
// them to where people read them.
package github

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/sethvargo/go-githubactions"

	"github.com/tollgate-dev/tollgate/report"
)

// Env is everything a run takes from its environment, read once at start so
// the rest of the code (and every test) works from a plain value.
type Env struct {
	// EventName and EventPath name the event and its payload file.
	EventName string
	EventPath string
	// Repository is "owner/name"; Owner and Repo are its parts.
	Repository  string
	Owner, Repo string
	// SHA and Ref are what the workflow run checked out (for a pull request,
	// the merge commit and refs/pull/N/merge).
	SHA string
	Ref string
	// Workflow and Job name the run's workflow and job; they key the sticky
	// comment and the check run so that two jobs do not overwrite each other.
	Workflow string
	Job      string
	// RunID and RunAttempt identify this run, for links.
	RunID      int64
	RunAttempt int64
	// ServerURL is the web base (https://github.com or a GHES host); APIURL
	// the REST base. Both come from the runner, so GHES works unchanged.
	ServerURL string
	APIURL    string
	// Workspace is the checked-out repository.
	Workspace string
	// OutputFile and SummaryFile are the runner's file commands for step
	// outputs and the job summary; empty outside Actions.
	OutputFile  string
	SummaryFile string
	// Debug is set when the run has step debug logging on.
	Debug bool
	// Inputs are the action's inputs, with action.yml's defaults applied.
	Inputs Inputs
	// Secrets are values that must never appear in anything tollgate writes
	// or posts (the token, the runner's request tokens).
	Secrets []string
}

// Inputs are the action's inputs. Their names, defaults and meaning are
// documented in action.yml; InputDefaults must agree with it (a test checks).
type Inputs struct {
	Path          string
	Config        string
	Format        string
	FailOn        string
	Comment       string
	CommentAuthor string
	CheckName     string
	Key           string
	OutputDir     string
	Account       string
	Region        string
	RoleToAssume  string
	Token         string

	// AWS over OIDC (see docs/oidc.md).
	Audience            string
	RoleDurationSeconds string
	RoleSessionName     string
	RoleChain           string
	RoleSessionTags     string
	InlineSessionPolicy string
	ExportCredentials   string
	AccessAnalyzer      string
	Preview             string

	// Scope is "changed" (judge the change against the event's base
	// commit, with the semantic diff) or "all" (every template as it is).
	Scope string
	// Command selects what the action does: check, plan or deploy.
	Command string
	// Entry is the plan entry a deploy runs (one matrix item, as JSON).
	Entry  string
	DryRun string
}

// InputDefaults are the defaults of action.yml, applied when an input is
// unset (the runner applies them too; this keeps local runs and tests
// identical to real ones).
var InputDefaults = map[string]string{
	"path":           ".",
	"config":         "",
	"format":         "text",
	"fail-on":        "",
	"comment":        "always",
	"comment-author": "github-actions[bot]",
	"check-name":     "tollgate",
	"key":            "",
	"output-dir":     ".tollgate",
	"account":        "",
	"aws-region":     "",
	"role-to-assume": "",
	"github-token":   "",

	"audience":              "sts.amazonaws.com",
	"role-duration-seconds": "3600",
	"role-session-name":     "",
	"role-chain":            "",
	"role-session-tags":     "",
	"inline-session-policy": "",
	"export-credentials":    "false",
	"access-analyzer":       "false",
	"preview":               "false",
	"scope":                 "changed",
	"command":               "check",
	"entry":                 "",
	"dry-run":               "false",
}

var repoRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)

// LoadEnv reads the environment of a GitHub Actions step through getenv.
// It fails, naming the variable and the fix, when something tollgate needs
// is missing or malformed; when only an input is wrong it returns the Env
// too, so the failure can still reach the job summary.
func LoadEnv(getenv func(string) string) (*Env, error) {
	// The event payload is read by ParseEvent with a size bound, so the
	// library must not read it on its own.
	hidePayload := func(k string) string {
		if k == "GITHUB_EVENT_PATH" {
			return ""
		}
		return getenv(k)
	}
	a := githubactions.New(githubactions.WithGetenv(hidePayload))
	ctx, err := a.Context()
	if err != nil {
		return nil, fmt.Errorf("reading the GitHub Actions environment: %w", err)
	}
	e := &Env{
		EventName: ctx.EventName, EventPath: getenv("GITHUB_EVENT_PATH"),
		Repository: ctx.Repository, SHA: ctx.SHA, Ref: ctx.Ref,
		Workflow: ctx.Workflow, Job: ctx.Job, RunID: ctx.RunID, RunAttempt: ctx.RunAttempt,
		ServerURL: strings.TrimRight(ctx.ServerURL, "/"), APIURL: strings.TrimRight(ctx.APIURL, "/"),
		Workspace: ctx.Workspace, OutputFile: getenv("GITHUB_OUTPUT"), SummaryFile: ctx.StepSummary,
		Debug: getenv("RUNNER_DEBUG") == "1",
	}
	if e.EventName == "" || e.Repository == "" {
		return nil, fmt.Errorf("GITHUB_EVENT_NAME and GITHUB_REPOSITORY are not set: 'tollgate action' runs inside GitHub Actions; to check templates on this machine, run 'tollgate check'")
	}
	if !repoRE.MatchString(e.Repository) {
		return nil, fmt.Errorf("GITHUB_REPOSITORY %q is not owner/name", e.Repository)
	}
	e.Owner, e.Repo, _ = strings.Cut(e.Repository, "/")
	input := func(name string) string {
		if v := a.GetInput(name); v != "" {
			return v
		}
		return InputDefaults[name]
	}
	e.Inputs = Inputs{
		Path: input("path"), Config: input("config"), Format: input("format"), FailOn: input("fail-on"),
		Comment: input("comment"), CommentAuthor: input("comment-author"), CheckName: input("check-name"),
		Key: input("key"), OutputDir: input("output-dir"), Account: input("account"), Region: input("aws-region"),
		RoleToAssume: input("role-to-assume"), Token: input("github-token"),
		Audience: input("audience"), RoleDurationSeconds: input("role-duration-seconds"), RoleSessionName: input("role-session-name"),
		RoleChain: input("role-chain"), RoleSessionTags: input("role-session-tags"), InlineSessionPolicy: input("inline-session-policy"),
		ExportCredentials: input("export-credentials"), AccessAnalyzer: input("access-analyzer"), Preview: input("preview"),
		Command: input("command"), Entry: input("entry"), DryRun: input("dry-run"), Scope: input("scope"),
	}
	for _, v := range []string{e.Inputs.Token, getenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN"), getenv("ACTIONS_RUNTIME_TOKEN")} {
		if len(v) >= 8 {
			e.Secrets = append(e.Secrets, v)
		}
	}
	return e, e.Inputs.validate()
}

// validate checks the inputs whose values are closed sets; the check
// command's own validation covers the rest (account, region, fail-on).
func (in Inputs) validate() error {
	switch in.Comment {
	case "always", "on-failure", "never":
	default:
		return fmt.Errorf("input comment: %q is not one of always, on-failure, never", in.Comment)
	}
	if _, err := report.LookupFormat(in.Format, report.UseAction); err != nil {
		return fmt.Errorf("input format: %w", err)
	}
	if in.CheckName == "" || len(in.CheckName) > 100 || strings.ContainsFunc(in.CheckName, report.IsControl) {
		return fmt.Errorf("input check-name: %q must be 1 to 100 printable characters", in.CheckName)
	}
	if in.OutputDir == "" {
		return fmt.Errorf("input output-dir is empty; expected a folder such as .tollgate")
	}
	switch in.Scope {
	case "changed", "all":
	default:
		return fmt.Errorf("input scope: %q is not one of changed, all", in.Scope)
	}
	switch in.Command {
	case "check", "plan", "deploy":
	default:
		return fmt.Errorf("input command: %q is not one of check, plan, deploy", in.Command)
	}
	for name, v := range map[string]string{"export-credentials": in.ExportCredentials, "access-analyzer": in.AccessAnalyzer,
		"preview": in.Preview, "dry-run": in.DryRun} {
		if _, err := ParseBool(v); err != nil {
			return fmt.Errorf("input %s: %v", name, err)
		}
	}
	if n, err := strconv.Atoi(in.RoleDurationSeconds); err != nil || n < 900 || n > 43200 {
		return fmt.Errorf("input role-duration-seconds: %q is not a number of seconds from 900 to 43200", in.RoleDurationSeconds)
	}
	return nil
}

// ParseBool reads a boolean input as GitHub writes them: true or false
// (any case); empty is false.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true":
		return true, nil
	case "false", "":
		return false, nil
	}
	return false, fmt.Errorf("%q is not true or false", s)
}

// Key returns what tells this job's comment and check run apart from other
// jobs': the key input, else "workflow/job". It is reduced to characters
// that cannot end an HTML comment or a Markdown construct.
func (e *Env) Key() string {
	k := e.Inputs.Key
	if k == "" {
		k = e.Workflow + "/" + e.Job
	}
	return SafeKey(k)
}

var unsafeKeyRE = regexp.MustCompile(`[^A-Za-z0-9._/+=@-]+`)

// SafeKey maps a key onto a harmless alphabet: workflow and job names are
// free text, and the key is embedded in an HTML comment.
func SafeKey(k string) string {
	k = unsafeKeyRE.ReplaceAllString(k, "_")
	k = strings.ReplaceAll(k, "--", "-_") // "--" could close the comment
	if len(k) > 100 {
		k = k[:100]
	}
	if k == "" || k == "/" {
		k = "default"
	}
	return k
}

// RunURL links to this workflow run's log.
func (e *Env) RunURL() string {
	if e.RunID == 0 {
		return ""
	}
	u := e.ServerURL + "/" + e.Repository + "/actions/runs/" + strconv.FormatInt(e.RunID, 10)
	if e.RunAttempt > 1 {
		u += "/attempts/" + strconv.FormatInt(e.RunAttempt, 10)
	}
	return u
}

// BlobURL is the base of links to files at commit sha.
func (e *Env) BlobURL(sha string) string {
	return e.ServerURL + "/" + e.Repository + "/blob/" + sha + "/"
}

// Redact removes every secret from s: a template that links to a file such
// as /proc/self/environ could otherwise put a token into a public comment.
func (e *Env) Redact(s string) string {
	for _, v := range e.Secrets {
		s = strings.ReplaceAll(s, v, "***")
	}
	return s
}

// ActionsRun reads the GitHub Actions run a command that also runs on
// workstations (deploy) happens in, through LoadEnv: nil outside Actions,
// and no event when the runner gave no payload.
func ActionsRun(getenv func(string) string) (*Env, *Event, error) {
	if getenv("GITHUB_ACTIONS") != "true" {
		return nil, nil, nil
	}
	e, err := LoadEnv(getenv)
	if err != nil {
		return nil, nil, err
	}
	if e.EventPath == "" {
		return e, nil, nil
	}
	ev, err := ReadEvent(e)
	if err != nil {
		return nil, nil, err
	}
	return e, ev, nil
}
