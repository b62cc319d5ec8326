package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	gh "github.com/google/go-github/v66/github"
)

// CommentService is the part of the GitHub API the sticky comment uses;
// go-github's IssuesService has these methods, and tests use fakes.
type CommentService interface {
	ListComments(ctx context.Context, owner, repo string, number int, opts *gh.IssueListCommentsOptions) ([]*gh.IssueComment, *gh.Response, error)
	CreateComment(ctx context.Context, owner, repo string, number int, comment *gh.IssueComment) (*gh.IssueComment, *gh.Response, error)
	EditComment(ctx context.Context, owner, repo string, commentID int64, comment *gh.IssueComment) (*gh.IssueComment, *gh.Response, error)
}

// CheckService is the part of the GitHub API the check run uses;
// go-github's ChecksService has these methods.
type CheckService interface {
	ListCheckRunsForRef(ctx context.Context, owner, repo, ref string, opts *gh.ListCheckRunsOptions) (*gh.ListCheckRunsResults, *gh.Response, error)
	CreateCheckRun(ctx context.Context, owner, repo string, opts gh.CreateCheckRunOptions) (*gh.CheckRun, *gh.Response, error)
	UpdateCheckRun(ctx context.Context, owner, repo string, checkRunID int64, opts gh.UpdateCheckRunOptions) (*gh.CheckRun, *gh.Response, error)
	ListCheckRunAnnotations(ctx context.Context, owner, repo string, checkRunID int64, opts *gh.ListOptions) ([]*gh.CheckRunAnnotation, *gh.Response, error)
}

// DeploymentService is the part of the GitHub API that records deploys;
// go-github's RepositoriesService has these methods.
type DeploymentService interface {
	ListDeployments(ctx context.Context, owner, repo string, opts *gh.DeploymentsListOptions) ([]*gh.Deployment, *gh.Response, error)
	CreateDeployment(ctx context.Context, owner, repo string, request *gh.DeploymentRequest) (*gh.Deployment, *gh.Response, error)
	CreateDeploymentStatus(ctx context.Context, owner, repo string, deployment int64, request *gh.DeploymentStatusRequest) (*gh.DeploymentStatus, *gh.Response, error)
}

// Services are the API clients a Publisher uses.
type Services struct {
	Comments    CommentService
	Checks      CheckService
	Deployments DeploymentService
}

// NewServices builds go-github clients for the REST API at apiURL (from
// GITHUB_API_URL, so GitHub Enterprise Server works unchanged), sending
// requests through transport (usually a *Transport).
func NewServices(apiURL, token, userAgent string, transport http.RoundTripper) (Services, error) {
	base, err := url.Parse(strings.TrimRight(apiURL, "/") + "/")
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return Services{}, fmt.Errorf("GITHUB_API_URL %q is not an http(s) URL", apiURL)
	}
	c := gh.NewClient(&http.Client{Transport: transport})
	if token != "" {
		c = c.WithAuthToken(token)
	}
	c.BaseURL = base
	c.UserAgent = userAgent
	return Services{Comments: c.Issues, Checks: c.Checks, Deployments: c.Repositories}, nil
}

// maxPages bounds pagination, against a server whose Link header never
// ends: 100 pages of 100 is more comments than any pull request has.
const maxPages = 100

// statusOf returns the HTTP status of an API error, 0 for others.
func statusOf(err error) int {
	var er *gh.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return er.Response.StatusCode
	}
	var rl *gh.RateLimitError
	if errors.As(err, &rl) && rl.Response != nil {
		return rl.Response.StatusCode
	}
	var al *gh.AbuseRateLimitError
	if errors.As(err, &al) && al.Response != nil {
		return al.Response.StatusCode
	}
	return 0
}

// isPermission reports whether err means the token may not write: a 403
// that is not a rate limit, or a 404 (GitHub hides what a token cannot see).
func isPermission(err error) bool {
	var rl *gh.RateLimitError
	var al *gh.AbuseRateLimitError
	if errors.As(err, &rl) || errors.As(err, &al) {
		return false
	}
	s := statusOf(err)
	return s == http.StatusForbidden || s == http.StatusNotFound
}

// isAmbiguous reports whether a failed write may still have happened: the
// server failed or did not answer. A 4xx answer means it did nothing.
func isAmbiguous(err error) bool {
	s := statusOf(err)
	return s == 0 || s >= 500
}

// APIError is a failed GitHub call, described for people: what was tried
// and GitHub's answer, without the raw request dump.
type APIError struct {
	What string
	Err  error
}

// Unwrap returns the go-github error.
func (e *APIError) Unwrap() error { return e.Err }

// Permission reports whether the token was not allowed to do it.
func (e *APIError) Permission() bool { return isPermission(e.Err) }

// Error says what failed and GitHub's answer.
func (e *APIError) Error() string {
	var er *gh.ErrorResponse
	var rl *gh.RateLimitError
	var al *gh.AbuseRateLimitError
	switch {
	case errors.As(e.Err, &rl):
		return fmt.Sprintf("%s: GitHub API rate limit exhausted until %s", e.What, rl.Rate.Reset.UTC().Format("15:04:05 MST"))
	case errors.As(e.Err, &al):
		return fmt.Sprintf("%s: GitHub secondary rate limit did not lift within the retry budget", e.What)
	case errors.As(e.Err, &er) && er.Response != nil:
		msg := er.Message
		if msg == "" {
			msg = http.StatusText(er.Response.StatusCode)
		}
		hint := ""
		if isPermission(e.Err) {
			hint = " (the token may not write here: a fork pull request, or missing permissions in the workflow)"
		}
		return fmt.Sprintf("%s: GitHub answered %d %s%s", e.What, er.Response.StatusCode, msg, hint)
	}
	return fmt.Sprintf("%s: %v", e.What, e.Err)
}

func apiError(what string, err error) error { return &APIError{What: what, Err: err} }
