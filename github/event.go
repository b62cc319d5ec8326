package github

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
)

// Event is the event that started a run, with what tollgate needs from
// it: which commits, which branch, which pull request, and whether the
// head can be trusted. Its methods hold the event semantics (is this a
// pull request, may it deploy, which branch's environment does it target),
// so callers never compare event names.
type Event struct {
	// Name is the event name ("pull_request"); Action its activity type
	// ("opened").
	Name   string
	Action string
	// BaseSHA is the commit changes are compared with ("" when there is
	// none, as for a new branch or a scheduled run); HeadSHA is the commit
	// reviewed, and where the check run and links point.
	BaseSHA string
	HeadSHA string
	// BaseRef and HeadRef are branch names without refs/heads/.
	BaseRef string
	HeadRef string
	// Branch is the branch under review: the pull request's head branch or
	// the pushed branch. It is untrusted text.
	Branch string
	// PR is the pull request number, 0 when the event has none.
	PR int
	// Title is the pull request title: untrusted text.
	Title string
	// HeadRepository is "owner/name" of the pull request's head.
	HeadRepository string
	// Fork is set when the head lives in another repository. Under
	// pull_request the token is then read-only and there is no OIDC token.
	Fork bool
	// UntrustedHead is set under pull_request_target: the workflow runs with
	// a write token, so nothing from the head may be executed or read as
	// configuration (templates are read as data only).
	UntrustedHead bool
	// Skip, when set, says why there is nothing to check.
	Skip string
}

// IsPullRequest reports whether the run reviews a pull request
// (pull_request or pull_request_target; not a merge queue's group).
func (e *Event) IsPullRequest() bool {
	return e.Name == "pull_request" || e.Name == "pull_request_target"
}

// IsFork reports whether the pull request's head lives in another
// repository.
func (e *Event) IsFork() bool { return e.Fork }

// ReadOnly reports whether the run's token cannot write to the repository:
// GitHub gives pull_request runs from forks a read-only token.
func (e *Event) ReadOnly() bool { return e.Name == "pull_request" && e.Fork }

// MayDeploy reports whether the workspace holds trusted code: not a fork's,
// and not the head of a pull_request_target run, which has a write token
// while holding a stranger's files.
func (e *Event) MayDeploy() bool { return !e.UntrustedHead && !e.Fork }

// Head is the commit the run reviews.
func (e *Event) Head() string { return e.HeadSHA }

// Base is the commit the run compares with ("" when there is none), and
// whether the comparison is with the merge base of it and the head, as a
// pull request's is (a push compares with the commit before it).
func (e *Event) Base() (sha string, mergeBase bool) { return e.BaseSHA, e.IsPullRequest() }

// PullRequest is the number of the pull request under review, 0 for other
// events (a merge group names a pull request, but reviews the queue).
func (e *Event) PullRequest() int {
	if e.IsPullRequest() {
		return e.PR
	}
	return 0
}

// TargetBranch is the branch whose environment the reviewed change deploys
// to: a pull request's base branch, else the branch itself.
func (e *Event) TargetBranch() string {
	if e.IsPullRequest() && e.BaseRef != "" {
		return e.BaseRef
	}
	return e.Branch
}

// MaxEventSize bounds the payload read; GitHub caps webhook payloads at 25 MB.
const MaxEventSize = 25 << 20

// Events lists the events tollgate understands.
var Events = []string{"pull_request", "pull_request_target", "push", "merge_group", "workflow_dispatch", "schedule"}

// EventError is an event tollgate cannot work from: an unsupported event
// or a payload without what it needs. The workflow is misconfigured.
type EventError struct{ Err error }

// Error returns the cause's message.
func (e *EventError) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *EventError) Unwrap() error { return e.Err }

// RunEvent reads the event of the GitHub Actions run that getenv
// describes, with the same size bound and checks as the action; nil when
// there is none (outside Actions, GITHUB_EVENT_NAME or GITHUB_EVENT_PATH is
// unset). It is the event reader of the commands that, unlike the action,
// also run on a workstation (plan, diff).
func RunEvent(getenv func(string) string) (*Event, error) {
	e := &Env{EventName: getenv("GITHUB_EVENT_NAME"), EventPath: getenv("GITHUB_EVENT_PATH"), SHA: getenv("GITHUB_SHA"), Ref: getenv("GITHUB_REF")}
	if e.EventName == "" || e.EventPath == "" {
		return nil, nil
	}
	return ReadEvent(e)
}

// ReadEvent reads the payload file of e and parses it.
func ReadEvent(e *Env) (*Event, error) {
	p, err := readEvent(e)
	if err != nil {
		return nil, &EventError{err}
	}
	return p, nil
}

func readEvent(e *Env) (*Event, error) {
	if e.EventPath == "" {
		return nil, fmt.Errorf("GITHUB_EVENT_PATH is not set; 'tollgate action' needs the event payload the runner provides")
	}
	f, err := os.Open(e.EventPath)
	if err != nil {
		return nil, fmt.Errorf("reading the event payload: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxEventSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading the event payload %s: %w", e.EventPath, err)
	}
	if len(data) > MaxEventSize {
		return nil, fmt.Errorf("the event payload %s is over %d MB", e.EventPath, MaxEventSize>>20)
	}
	return ParseEvent(e.EventName, data, e)
}

// payload holds the fields tollgate reads from the events it supports.
type payload struct {
	Action      string `json:"action"`
	Number      int    `json:"number"`
	PullRequest *struct {
		Number int    `json:"number"`
		Title  string `json:"title"`
		Head   prRef  `json:"head"`
		Base   prRef  `json:"base"`
	} `json:"pull_request"`
	Ref        string `json:"ref"`
	Before     string `json:"before"`
	After      string `json:"after"`
	Deleted    bool   `json:"deleted"`
	MergeGroup *struct {
		HeadSHA string `json:"head_sha"`
		HeadRef string `json:"head_ref"`
		BaseSHA string `json:"base_sha"`
		BaseRef string `json:"base_ref"`
	} `json:"merge_group"`
	Repository *struct {
		FullName string `json:"full_name"`
	} `json:"repository"`
}

type prRef struct {
	Ref  string `json:"ref"`
	SHA  string `json:"sha"`
	Repo *struct {
		FullName string `json:"full_name"`
	} `json:"repo"`
}

var (
	shaRE        = regexp.MustCompile(`^(?:[0-9a-f]{40}|[0-9a-f]{64})$`)
	zeroSHARE    = regexp.MustCompile(`^0+$`)
	mergeQueuePR = regexp.MustCompile(`/pr-(\d{1,9})-[0-9a-f]+$`)
)

// ParseEvent turns the payload of event name into a Plan. env supplies what
// the payload lacks for some events (the commit of a scheduled run). Every
// commit SHA is checked, since SHAs go into API paths and links.
func ParseEvent(name string, data []byte, env *Env) (*Event, error) {
	var p payload
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("the %s event payload is not valid JSON: %w", name, jsonErr(data, err))
	}
	plan := &Event{Name: name, Action: p.Action}
	switch name {
	case "pull_request", "pull_request_target":
		pr := p.PullRequest
		if pr == nil {
			return nil, fmt.Errorf("the %s event payload has no pull_request object", name)
		}
		plan.PR = pr.Number
		if plan.PR == 0 {
			plan.PR = p.Number
		}
		if plan.PR <= 0 {
			return nil, fmt.Errorf("the %s event payload has no pull request number", name)
		}
		plan.Title = pr.Title
		plan.HeadSHA, plan.BaseSHA = pr.Head.SHA, pr.Base.SHA
		plan.HeadRef, plan.BaseRef = pr.Head.Ref, pr.Base.Ref
		plan.Branch = pr.Head.Ref
		base := ""
		if pr.Base.Repo != nil {
			base = pr.Base.Repo.FullName
		}
		if pr.Head.Repo != nil {
			plan.HeadRepository = pr.Head.Repo.FullName
		}
		// A head repository that was deleted shows as null: it was a fork.
		plan.Fork = plan.HeadRepository == "" || !strings.EqualFold(plan.HeadRepository, base)
		plan.UntrustedHead = name == "pull_request_target"
	case "push":
		plan.HeadSHA, plan.BaseSHA = p.After, p.Before
		plan.Branch, _ = strings.CutPrefix(p.Ref, "refs/heads/")
		if !strings.HasPrefix(p.Ref, "refs/heads/") {
			plan.Branch = ""
		}
		plan.HeadRef = plan.Branch
		if p.Deleted || zeroSHARE.MatchString(p.After) {
			plan.Skip = fmt.Sprintf("the push deleted %s; there is nothing to check", p.Ref)
			plan.HeadSHA = ""
		}
		if zeroSHARE.MatchString(p.Before) {
			plan.BaseSHA = "" // a new branch or tag: no base to compare with
		}
	case "merge_group":
		mg := p.MergeGroup
		if mg == nil {
			return nil, errors.New("the merge_group event payload has no merge_group object")
		}
		plan.HeadSHA, plan.BaseSHA = mg.HeadSHA, mg.BaseSHA
		plan.HeadRef, _ = strings.CutPrefix(mg.HeadRef, "refs/heads/")
		plan.BaseRef, _ = strings.CutPrefix(mg.BaseRef, "refs/heads/")
		plan.Branch = plan.BaseRef
		if m := mergeQueuePR.FindStringSubmatch(mg.HeadRef); m != nil {
			fmt.Sscan(m[1], &plan.PR)
		}
	case "workflow_dispatch", "schedule":
		plan.HeadSHA = env.SHA
		plan.Branch, _ = strings.CutPrefix(env.Ref, "refs/heads/")
		if !strings.HasPrefix(env.Ref, "refs/heads/") {
			plan.Branch = ""
		}
		plan.HeadRef = plan.Branch
		if p.Ref != "" && name == "workflow_dispatch" {
			if b, ok := strings.CutPrefix(p.Ref, "refs/heads/"); ok {
				plan.Branch, plan.HeadRef = b, b
			}
		}
	default:
		return nil, fmt.Errorf("event %q is not supported; run tollgate on %s", name, strings.Join(Events, ", "))
	}
	if plan.Skip == "" && !shaRE.MatchString(plan.HeadSHA) {
		return nil, fmt.Errorf("the %s event names head commit %q, which is not a commit SHA", name, clip(plan.HeadSHA))
	}
	if plan.BaseSHA != "" && !shaRE.MatchString(plan.BaseSHA) {
		return nil, fmt.Errorf("the %s event names base commit %q, which is not a commit SHA", name, clip(plan.BaseSHA))
	}
	return plan, nil
}

// jsonErr adds the line of a syntax error.
func jsonErr(data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) && se.Offset <= int64(len(data)) {
		line := 1 + bytes.Count(data[:se.Offset], []byte("\n"))
		return fmt.Errorf("line %d: %w", line, err)
	}
	return err
}

// clip shortens untrusted text quoted in an error.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// RunRevisions is what to compare in a GitHub Actions run: the event's
// base and head commits (a pull request's, or a push's before and after),
// else the base branch GITHUB_BASE_REF names (head then stays ""). ok is
// false outside Actions or when the run names no base.
func RunRevisions(getenv func(string) string) (base, head string, ok bool, err error) {
	if getenv("GITHUB_ACTIONS") != "true" {
		return "", "", false, nil
	}
	ev, err := RunEvent(getenv)
	if err != nil {
		return "", "", false, err
	}
	if ev != nil && ev.BaseSHA != "" {
		return ev.BaseSHA, ev.HeadSHA, true, nil
	}
	if ref := getenv("GITHUB_BASE_REF"); ref != "" {
		return "origin/" + ref, "", true, nil
	}
	return "", "", false, nil
}
