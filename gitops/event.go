package gitops

import (
	"encoding/json"
	"fmt"
	"regexp"
)

// PullRequest is what tollgate needs from a pull request event: the commits
// GitHub compares.
type PullRequest struct {
	Number  int
	BaseSHA string
	HeadSHA string
	// BaseRef is the branch the pull request merges into ("main").
	BaseRef string
}

var shaRE = regexp.MustCompile(`^[0-9a-f]{40}([0-9a-f]{24})?$`)

// maxEventSize bounds the event payload read; GitHub's are far smaller.
const maxEventSize = 25 << 20

// ParsePullRequestEvent reads the pull request from the JSON payload of a
// GitHub Actions event (the file GITHUB_EVENT_PATH names). ok is false for
// events that are not about a pull request (push, schedule). The payload is
// untrusted: SHAs must be hex, and nothing else is used.
func ParsePullRequestEvent(data []byte) (pr PullRequest, ok bool, err error) {
	if len(data) > maxEventSize {
		return PullRequest{}, false, fmt.Errorf("the event payload is %d bytes, more than the %d tollgate reads", len(data), maxEventSize)
	}
	var ev struct {
		PullRequest *struct {
			Number int `json:"number"`
			Base   struct {
				SHA string `json:"sha"`
				Ref string `json:"ref"`
			} `json:"base"`
			Head struct {
				SHA string `json:"sha"`
			} `json:"head"`
		} `json:"pull_request"`
	}
	if err := json.Unmarshal(data, &ev); err != nil {
		return PullRequest{}, false, fmt.Errorf("the event payload is not valid JSON: %w", err)
	}
	if ev.PullRequest == nil {
		return PullRequest{}, false, nil
	}
	p := ev.PullRequest
	if !shaRE.MatchString(p.Base.SHA) || !shaRE.MatchString(p.Head.SHA) {
		return PullRequest{}, false, fmt.Errorf("the event's pull_request.base.sha %q and head.sha %q must be commit SHAs (40 hex digits)",
			clip(p.Base.SHA), clip(p.Head.SHA))
	}
	return PullRequest{Number: p.Number, BaseSHA: p.Base.SHA, HeadSHA: p.Head.SHA, BaseRef: p.Base.Ref}, true, nil
}

// clip shortens untrusted text quoted in a message.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
