package github

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	gh "github.com/google/go-github/v66/github"
)

// DeploymentRequest describes a deploy to record on GitHub.
type DeploymentRequest struct {
	Owner, Repo string
	// SHA is the commit deployed; Ref the branch it came from.
	SHA, Ref    string
	Environment string
	// Task tells deploys of different stacks to one environment apart:
	// "deploy:<stack>".
	Task        string
	Description string
	// Transient marks environments that go away (per-branch, previews).
	Transient  bool
	Production bool
}

// Deployment is a GitHub Deployment being reported on.
type Deployment struct {
	svc         DeploymentService
	owner, repo string
	ID          int64
	// LogURL links statuses to the run.
	LogURL string
}

// StartDeployment finds the Deployment of this commit, environment and
// task, or creates it: a rerun of the same deploy reports on the same
// Deployment instead of adding one.
func StartDeployment(ctx context.Context, svc DeploymentService, r DeploymentRequest, logURL string) (*Deployment, error) {
	list, _, err := svc.ListDeployments(ctx, r.Owner, r.Repo, &gh.DeploymentsListOptions{
		SHA: r.SHA, Task: r.Task, Environment: r.Environment, ListOptions: gh.ListOptions{PerPage: 100}})
	if err != nil {
		return nil, apiError("listing deployments", err)
	}
	for _, d := range list {
		if d.GetSHA() == r.SHA && d.GetTask() == r.Task && d.GetEnvironment() == r.Environment {
			return &Deployment{svc: svc, owner: r.Owner, repo: r.Repo, ID: d.GetID(), LogURL: logURL}, nil
		}
	}
	req := &gh.DeploymentRequest{
		Ref: gh.String(r.SHA), Task: gh.String(r.Task), Environment: gh.String(r.Environment),
		Description: gh.String(clipRunes(r.Description, 140)),
		// The gate is tollgate's own (findings) and the environment's
		// protection rules; commit statuses of other checks are not asked for.
		RequiredContexts: &[]string{}, AutoMerge: gh.Bool(false),
		TransientEnvironment: gh.Bool(r.Transient), ProductionEnvironment: gh.Bool(r.Production),
	}
	d, _, err := svc.CreateDeployment(ctx, r.Owner, r.Repo, req)
	if err != nil {
		return nil, apiError("creating the deployment", err)
	}
	return &Deployment{svc: svc, owner: r.Owner, repo: r.Repo, ID: d.GetID(), LogURL: logURL}, nil
}

// Deployment states tollgate reports.
const (
	DeployInProgress = "in_progress"
	DeploySuccess    = "success"
	DeployFailure    = "failure"
	DeployError      = "error"
)

// SetStatus reports the deploy's state; envURL (from a stack output) is
// shown on the pull request and the environment page when it is an http(s)
// URL.
func (d *Deployment) SetStatus(ctx context.Context, state, description, envURL string) error {
	req := &gh.DeploymentStatusRequest{State: gh.String(state), Description: gh.String(clipRunes(description, 140)),
		AutoInactive: gh.Bool(state == DeploySuccess)}
	if d.LogURL != "" {
		req.LogURL = gh.String(d.LogURL)
	}
	if u, err := url.Parse(envURL); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		req.EnvironmentURL = gh.String(u.String())
	}
	if _, _, err := d.svc.CreateDeploymentStatus(ctx, d.owner, d.repo, d.ID, req); err != nil {
		return apiError(fmt.Sprintf("setting deployment %d to %s", d.ID, state), err)
	}
	return nil
}

func clipRunes(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// ErrNoToken is returned by RecordDeployment when the run has no token
// (or no commit) to record a deployment with.
var ErrNoToken = errors.New("no GitHub token or repository; the deploy is not recorded as a GitHub Deployment")

// RecordDeployment records a deploy of this run as a GitHub Deployment,
// already in progress: the repository, API and run link come from env.
// token is used when the github-token input is unset (GITHUB_TOKEN);
// status describes the in-progress state.
func RecordDeployment(ctx context.Context, env *Env, token, userAgent string, r DeploymentRequest, status string) (*Deployment, error) {
	if token = firstNonEmptyString(env.Inputs.Token, token); token == "" || r.SHA == "" {
		return nil, ErrNoToken
	}
	transport := &Transport{Clock: RealClock{}, Policy: DefaultRetryPolicy}
	svc, err := NewServices(env.APIURL, token, userAgent, transport)
	if err != nil {
		return nil, err
	}
	r.Owner, r.Repo = env.Owner, env.Repo
	d, err := StartDeployment(ctx, svc.Deployments, r, env.RunURL())
	if err != nil {
		return nil, err
	}
	d.SetStatus(ctx, DeployInProgress, status, "")
	return d, nil
}

func firstNonEmptyString(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// EnvironmentURL picks the stack output that names the environment's URL,
// for the deployment status.
func EnvironmentURL(outputs map[string]string) string {
	for _, k := range []string{"EnvironmentURL", "EnvironmentUrl", "URL", "Url", "WebsiteURL", "ApiUrl", "ApiURL", "Endpoint"} {
		if v := outputs[k]; strings.HasPrefix(v, "https://") || strings.HasPrefix(v, "http://") {
			return v
		}
	}
	return ""
}
