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

// Plan is what the event asks tollgate to review: which commits, which
// branch, which pull request, and whether the head can be trusted.
type Plan struct {
	// Event is the event name; Action its activity type ("opened").
	Event  string
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

// ReadOnly reports whether the run's token cannot write to the repository:
// GitHub gives pull_request runs from forks a read-only token.
func (p *Plan) ReadOnly() bool { return p.Event == "pull_request" && p.Fork }

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

// ReadEvent reads the payload file of e and parses it.
func ReadEvent(e *Env) (*Plan, error) {
	p, err := readEvent(e)
	if err != nil {
		return nil, &EventError{err}
	}
	return p, nil
}

func readEvent(e *Env) (*Plan, error) {
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
func ParseEvent(name string, data []byte, env *Env) (*Plan, error) {
	var p payload
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("the %s event payload is not valid JSON: %w", name, jsonErr(data, err))
	}
	plan := &Plan{Event: name, Action: p.Action}
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
