// Package githubtest is a fake GitHub REST API for tests: an httptest
// server with the endpoints tollgate calls, validating every request and
// answer against GitHub's OpenAPI description, with fault injection and a
// fake clock.
package githubtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is an httptest server with the REST endpoints tollgate uses.
// Every request, and every answer it gives, is validated against GitHub's
// own OpenAPI description (fixtures/openapi), so the fake cannot drift from
// the real API. Faults can be queued per endpoint.
type Server struct {
	t        *testing.T
	srv      *httptest.Server
	contract *contract

	mu        sync.Mutex
	nextID    int64
	comments  []*Comment
	checkRuns []*CheckRun
	deploys   []*Deployment
	faults    []*Fault
	requests  []string
	// readOnly answers every write with 403, as GitHub does for a
	// read-only token.
	ReadOnly bool
	// violations are requests or answers GitHub's description rejects;
	// any fails the test unless the test expects them.
	violations       []string
	ExpectViolations bool
}

// Comment is an issue comment the fake holds.
type Comment struct {
	ID    int64
	Body  string
	Login string
}

// CheckRun is a check run the fake holds, with its annotations as GitHub
// stores them.
type CheckRun struct {
	ID                        int64
	Name, HeadSHA, ExternalID string
	Status, Conclusion        string
	DetailsURL                string
	Title, Summary            string
	Annotations               []map[string]any
}

// Deployment is a GitHub Deployment the fake holds, with its statuses.
type Deployment struct {
	ID                          int64
	SHA, Ref, Task, Environment string
	Transient, Production       bool
	Statuses                    []DeploymentStatus
}

// DeploymentStatus is one status of a Deployment.
type DeploymentStatus struct {
	State, Description, EnvironmentURL, LogURL string
}

// Deployments returns the deployments created so far.
func (f *Server) Deployments() []Deployment {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Deployment, len(f.deploys))
	for i, d := range f.deploys {
		out[i] = *d
		out[i].Statuses = append([]DeploymentStatus(nil), d.Statuses...)
	}
	return out
}

// fault is an answer the fake gives instead of its normal one.
type Fault struct {
	// route is the start of "METHOD /path" as requested, e.g.
	// "POST /repos/o/r/check-runs".
	Route  string
	Times  int
	used   int
	Status int
	Header map[string]string
	Body   string
	// hang waits until the client gives up, like a server that never answers.
	Hang bool
	// lost does the work, then answers status: the write landed but the
	// client cannot know.
	Lost bool
}

// New starts a fake GitHub that stops when the test ends.
func New(t *testing.T) *Server {
	t.Helper()
	f := &Server{t: t, nextID: 1000}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /repos/{owner}/{repo}/issues/{number}/comments", f.listComments)
	mux.HandleFunc("POST /repos/{owner}/{repo}/issues/{number}/comments", f.createComment)
	mux.HandleFunc("PATCH /repos/{owner}/{repo}/issues/comments/{id}", f.editComment)
	mux.HandleFunc("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", f.listCheckRuns)
	mux.HandleFunc("POST /repos/{owner}/{repo}/check-runs", f.createCheckRun)
	mux.HandleFunc("PATCH /repos/{owner}/{repo}/check-runs/{id}", f.updateCheckRun)
	mux.HandleFunc("GET /repos/{owner}/{repo}/check-runs/{id}/annotations", f.listAnnotations)
	mux.HandleFunc("GET /repos/{owner}/{repo}/deployments", f.listDeployments)
	mux.HandleFunc("POST /repos/{owner}/{repo}/deployments", f.createDeployment)
	mux.HandleFunc("POST /repos/{owner}/{repo}/deployments/{id}/statuses", f.createDeploymentStatus)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		f.violate(fmt.Sprintf("fake GitHub: unexpected request %s %s", r.Method, r.URL))
		http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
	})
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { f.serve(mux, w, r) }))
	t.Cleanup(f.srv.Close)
	t.Cleanup(func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		if !f.ExpectViolations {
			for _, v := range f.violations {
				t.Error(v)
			}
		}
		for _, ft := range f.faults {
			if ft.used == 0 {
				t.Errorf("fault on %q never fired: the test does not test what it says", ft.Route)
			}
		}
	})

	var err error
	if f.contract, err = loadContract(specPath()); err != nil {
		t.Fatalf("loading GitHub's REST description: %v", err)
	}
	return f
}

// Fail queues a fault.
func (f *Server) Fail(ft *Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, ft)
}

func (f *Server) takeFault(route string) *Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ft := range f.faults {
		if ft.Times > 0 && strings.HasPrefix(route, ft.Route) {
			ft.Times--
			ft.used++
			return ft
		}
	}
	return nil
}

// serve validates the request, applies faults, and validates the answer.
func (f *Server) serve(mux *http.ServeMux, w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	route := r.Method + " " + r.URL.Path
	f.mu.Lock()
	f.requests = append(f.requests, route)
	f.mu.Unlock()

	op, bad := f.contract.checkRequest(r, body)
	for _, b := range bad {
		f.violate(b)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer test-token-123456" {
		f.violate(fmt.Sprintf("%s: Authorization = %q", route, got))
	}

	ft := f.takeFault(route)
	if ft != nil && ft.Hang {
		<-r.Context().Done()
		return
	}
	if ft != nil && !ft.Lost {
		for k, v := range ft.Header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(ft.Status)
		io.WriteString(w, ft.Body)
		return
	}
	if f.ReadOnly && r.Method != http.MethodGet {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com/rest"}`)
		return
	}
	rec := httptest.NewRecorder()
	r.Body = io.NopCloser(bytes.NewReader(body))
	mux.ServeHTTP(rec, r)
	if op != nil {
		for _, b := range f.contract.checkResponse(op, rec.Code, rec.Body.Bytes()) {
			f.violate("fake GitHub broke the contract: " + b)
		}
	}
	if ft != nil && ft.Lost {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(ft.Status)
		io.WriteString(w, ft.Body)
		return
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

func (f *Server) violate(msg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.violations = append(f.violations, msg)
}

func (f *Server) id() int64 {
	f.nextID++
	return f.nextID
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// paginate answers one page and sets GitHub's Link header.
func (f *Server) paginate(w http.ResponseWriter, r *http.Request, n int) (lo, hi int) {
	q := r.URL.Query()
	per, _ := strconv.Atoi(q.Get("per_page"))
	if per <= 0 {
		per = 30
	}
	per = min(per, 100)
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	last := max((n+per-1)/per, 1)
	link := func(p int) string {
		u := *r.URL
		u.Scheme, u.Host = "http", r.Host
		qq := u.Query()
		qq.Set("page", strconv.Itoa(p))
		qq.Set("per_page", strconv.Itoa(per))
		u.RawQuery = qq.Encode()
		return u.String()
	}
	var links []string
	if page < last {
		links = append(links, fmt.Sprintf(`<%s>; rel="next"`, link(page+1)), fmt.Sprintf(`<%s>; rel="last"`, link(last)))
	}
	if page > 1 {
		links = append(links, fmt.Sprintf(`<%s>; rel="prev"`, link(page-1)), fmt.Sprintf(`<%s>; rel="first"`, link(1)))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	lo = min((page-1)*per, n)
	return lo, min(lo+per, n)
}

func userJSON(login string) map[string]any {
	u := "https://api.github.com/users/" + url.PathEscape(login)
	typ := "User"
	if strings.HasSuffix(login, "[bot]") {
		typ = "Bot"
	}
	return map[string]any{
		"login": login, "id": 41898282, "node_id": "MDM6Qm90NDE4OTgyODI=", "avatar_url": "https://avatars.githubusercontent.com/in/15368",
		"gravatar_id": "", "url": u, "html_url": "https://github.com/apps/github-actions", "followers_url": u + "/followers",
		"following_url": u + "/following{/other_user}", "gists_url": u + "/gists{/gist_id}", "starred_url": u + "/starred{/owner}{/repo}",
		"subscriptions_url": u + "/subscriptions", "organizations_url": u + "/orgs", "repos_url": u + "/repos",
		"events_url": u + "/events{/privacy}", "received_events_url": u + "/received_events", "type": typ, "site_admin": false,
	}
}

const fakeTime = "2026-01-02T03:04:05Z"

func (f *Server) commentJSON(r *http.Request, c *Comment) map[string]any {
	base := "https://api.github.com/repos/" + r.PathValue("owner") + "/" + r.PathValue("repo")
	return map[string]any{
		"id": c.ID, "node_id": "IC_" + strconv.FormatInt(c.ID, 10), "url": base + "/issues/comments/" + strconv.FormatInt(c.ID, 10),
		"html_url": "https://github.com/" + r.PathValue("owner") + "/" + r.PathValue("repo") + "/pull/2#issuecomment-" + strconv.FormatInt(c.ID, 10),
		"body":     c.Body, "user": userJSON(c.Login), "created_at": fakeTime, "updated_at": fakeTime,
		"issue_url": base + "/issues/2", "author_association": "NONE",
	}
}

func (f *Server) listComments(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	lo, hi := f.paginate(w, r, len(f.comments))
	out := []map[string]any{}
	for _, c := range f.comments[lo:hi] {
		out = append(out, f.commentJSON(r, c))
	}
	writeJSON(w, http.StatusOK, out)
}

func (f *Server) createComment(w http.ResponseWriter, r *http.Request) {
	var in struct{ Body string }
	json.NewDecoder(r.Body).Decode(&in)
	f.mu.Lock()
	defer f.mu.Unlock()
	c := &Comment{ID: f.id(), Body: in.Body, Login: "github-actions[bot]"}
	f.comments = append(f.comments, c)
	writeJSON(w, http.StatusCreated, f.commentJSON(r, c))
}

func (f *Server) editComment(w http.ResponseWriter, r *http.Request) {
	var in struct{ Body string }
	json.NewDecoder(r.Body).Decode(&in)
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.comments {
		if c.ID == id {
			if c.Login != "github-actions[bot]" {
				writeJSON(w, http.StatusForbidden, map[string]string{"message": "Resource not accessible by integration"})
				return
			}
			c.Body = in.Body
			writeJSON(w, http.StatusOK, f.commentJSON(r, c))
			return
		}
	}
	writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
}

func (f *Server) checkRunJSON(r *http.Request, c *CheckRun) map[string]any {
	base := "https://api.github.com/repos/" + r.PathValue("owner") + "/" + r.PathValue("repo")
	id := strconv.FormatInt(c.ID, 10)
	var conclusion any
	if c.Conclusion != "" {
		conclusion = c.Conclusion
	}
	return map[string]any{
		"id": c.ID, "node_id": "CR_" + id, "head_sha": c.HeadSHA, "name": c.Name, "external_id": c.ExternalID,
		"url": base + "/check-runs/" + id, "html_url": "https://github.com/" + r.PathValue("owner") + "/" + r.PathValue("repo") + "/runs/" + id,
		"details_url": c.DetailsURL, "status": c.Status, "conclusion": conclusion, "started_at": fakeTime, "completed_at": fakeTime,
		"output": map[string]any{"title": c.Title, "summary": c.Summary, "text": nil, "annotations_count": len(c.Annotations),
			"annotations_url": base + "/check-runs/" + id + "/annotations"},
		"check_suite": map[string]any{"id": 5}, "app": nil, "pull_requests": []any{},
	}
}

type checkRunInput struct {
	Name       string `json:"name"`
	HeadSHA    string `json:"head_sha"`
	ExternalID string `json:"external_id"`
	Status     string `json:"status"`
	Conclusion string `json:"conclusion"`
	DetailsURL string `json:"details_url"`
	Output     *struct {
		Title       string           `json:"title"`
		Summary     string           `json:"summary"`
		Annotations []map[string]any `json:"annotations"`
	} `json:"output"`
}

func (c *CheckRun) apply(in checkRunInput) {
	if in.Name != "" {
		c.Name = in.Name
	}
	if in.ExternalID != "" {
		c.ExternalID = in.ExternalID
	}
	if in.Status != "" {
		c.Status = in.Status
	}
	if in.Conclusion != "" {
		c.Conclusion, c.Status = in.Conclusion, "completed"
	}
	if in.DetailsURL != "" {
		c.DetailsURL = in.DetailsURL
	}
	if in.Output != nil {
		c.Title, c.Summary = in.Output.Title, in.Output.Summary
		for _, a := range in.Output.Annotations {
			stored := map[string]any{"path": a["path"], "blob_href": "https://github.com/blob", "start_line": a["start_line"],
				"end_line": a["end_line"], "start_column": a["start_column"], "end_column": a["end_column"],
				"annotation_level": a["annotation_level"], "title": a["title"], "message": a["message"], "raw_details": a["raw_details"]}
			c.Annotations = append(c.Annotations, stored)
		}
	}
}

func (f *Server) createCheckRun(w http.ResponseWriter, r *http.Request) {
	var in checkRunInput
	json.NewDecoder(r.Body).Decode(&in)
	f.mu.Lock()
	defer f.mu.Unlock()
	c := &CheckRun{ID: f.id(), HeadSHA: in.HeadSHA, Status: "queued"}
	c.apply(in)
	f.checkRuns = append(f.checkRuns, c)
	writeJSON(w, http.StatusCreated, f.checkRunJSON(r, c))
}

func (f *Server) findRun(r *http.Request) *CheckRun {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	for _, c := range f.checkRuns {
		if c.ID == id {
			return c
		}
	}
	return nil
}

func (f *Server) updateCheckRun(w http.ResponseWriter, r *http.Request) {
	var in checkRunInput
	json.NewDecoder(r.Body).Decode(&in)
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.findRun(r)
	if c == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return
	}
	c.apply(in)
	writeJSON(w, http.StatusOK, f.checkRunJSON(r, c))
}

func (f *Server) listCheckRuns(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	name := r.URL.Query().Get("check_name")
	var runs []*CheckRun
	for _, c := range f.checkRuns {
		if c.HeadSHA == r.PathValue("ref") && (name == "" || c.Name == name) {
			runs = append(runs, c)
		}
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].ID > runs[j].ID })
	lo, hi := f.paginate(w, r, len(runs))
	out := []map[string]any{}
	for _, c := range runs[lo:hi] {
		out = append(out, f.checkRunJSON(r, c))
	}
	writeJSON(w, http.StatusOK, map[string]any{"total_count": len(runs), "check_runs": out})
}

func (f *Server) listAnnotations(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.findRun(r)
	if c == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return
	}
	lo, hi := f.paginate(w, r, len(c.Annotations))
	out := append([]map[string]any{}, c.Annotations[lo:hi]...)
	writeJSON(w, http.StatusOK, out)
}

// Count returns how many requests matched "METHOD path-prefix".
func (f *Server) Count(prefix string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		if strings.HasPrefix(r, prefix) {
			n++
		}
	}
	return n
}

// Clock moves only when slept; it records every wait.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

// NewClock starts a fake clock at a fixed time.
func NewClock() *Clock {
	return &Clock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

// Now returns the fake time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep records d and moves the clock by it, at once.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

// Slept returns every wait so far.
func (c *Clock) Slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// URL is the API base to point a client at.
func (f *Server) URL() string { return f.srv.URL }

// AddComment adds a comment to the pull request thread.
func (f *Server) AddComment(login, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.comments = append(f.comments, &Comment{ID: f.id(), Login: login, Body: body})
}

// Comments returns a copy of every comment.
func (f *Server) Comments() []Comment {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Comment, len(f.comments))
	for i, c := range f.comments {
		out[i] = *c
	}
	return out
}

// CheckRuns returns a copy of the check runs on sha, oldest first.
func (f *Server) CheckRuns(sha string) []CheckRun {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []CheckRun
	for _, c := range f.checkRuns {
		if c.HeadSHA == sha {
			cp := *c
			cp.Annotations = append([]map[string]any(nil), c.Annotations...)
			out = append(out, cp)
		}
	}
	return out
}

// Violations returns what broke GitHub's contract so far.
func (f *Server) Violations() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.violations...)
}

// specPath finds fixtures/openapi from the test's package folder.
func specPath() string {
	// The source file's own location finds the repository even when a
	// test has moved to a temporary folder.
	if _, file, _, ok := runtime.Caller(0); ok {
		p := filepath.Join(filepath.Dir(file), "..", "..", "fixtures", "openapi", "github-rest-subset.json")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	for dir := "."; ; dir = filepath.Join("..", dir) {
		p := filepath.Join(dir, "fixtures", "openapi", "github-rest-subset.json")
		if _, err := os.Stat(p); err == nil {
			return p
		}
		if abs, _ := filepath.Abs(dir); abs == filepath.Dir(abs) {
			return "fixtures/openapi/github-rest-subset.json"
		}
	}
}

func (f *Server) deploymentJSON(r *http.Request, d *Deployment) map[string]any {
	base := "https://api.github.com/repos/" + r.PathValue("owner") + "/" + r.PathValue("repo")
	id := strconv.FormatInt(d.ID, 10)
	return map[string]any{
		"url": base + "/deployments/" + id, "id": d.ID, "node_id": "DE_" + id, "sha": d.SHA, "ref": d.Ref, "task": d.Task,
		"payload": map[string]any{}, "original_environment": d.Environment, "environment": d.Environment, "description": nil,
		"creator": userJSON("github-actions[bot]"), "created_at": fakeTime, "updated_at": fakeTime,
		"statuses_url": base + "/deployments/" + id + "/statuses", "repository_url": base,
		"transient_environment": d.Transient, "production_environment": d.Production,
	}
}

func (f *Server) listDeployments(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := r.URL.Query()
	out := []any{}
	for i := len(f.deploys) - 1; i >= 0; i-- {
		d := f.deploys[i]
		if (q.Get("sha") == "" || q.Get("sha") == d.SHA) && (q.Get("task") == "" || q.Get("task") == d.Task) &&
			(q.Get("environment") == "" || q.Get("environment") == d.Environment) {
			out = append(out, f.deploymentJSON(r, d))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (f *Server) createDeployment(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Ref, Task, Environment string
		Transient              bool `json:"transient_environment"`
		Production             bool `json:"production_environment"`
	}
	json.NewDecoder(r.Body).Decode(&in)
	f.mu.Lock()
	defer f.mu.Unlock()
	d := &Deployment{ID: f.id(), SHA: in.Ref, Ref: in.Ref, Task: in.Task, Environment: in.Environment, Transient: in.Transient, Production: in.Production}
	f.deploys = append(f.deploys, d)
	writeJSON(w, http.StatusCreated, f.deploymentJSON(r, d))
}

func (f *Server) createDeploymentStatus(w http.ResponseWriter, r *http.Request) {
	var in struct {
		State          string `json:"state"`
		Description    string `json:"description"`
		EnvironmentURL string `json:"environment_url"`
		LogURL         string `json:"log_url"`
	}
	json.NewDecoder(r.Body).Decode(&in)
	f.mu.Lock()
	defer f.mu.Unlock()
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	var d *Deployment
	for _, x := range f.deploys {
		if x.ID == id {
			d = x
		}
	}
	if d == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found", "documentation_url": "https://docs.github.com/rest"})
		return
	}
	d.Statuses = append(d.Statuses, DeploymentStatus{State: in.State, Description: in.Description, EnvironmentURL: in.EnvironmentURL, LogURL: in.LogURL})
	base := "https://api.github.com/repos/" + r.PathValue("owner") + "/" + r.PathValue("repo")
	sid := strconv.FormatInt(f.id(), 10)
	writeJSON(w, http.StatusCreated, map[string]any{
		"url": base + "/deployments/" + r.PathValue("id") + "/statuses/" + sid, "id": f.nextID, "node_id": "DES_" + sid,
		"state": in.State, "creator": userJSON("github-actions[bot]"), "description": in.Description, "environment": d.Environment,
		"target_url": "", "created_at": fakeTime, "updated_at": fakeTime, "deployment_url": base + "/deployments/" + r.PathValue("id"),
		"repository_url": base, "environment_url": in.EnvironmentURL, "log_url": in.LogURL,
	})
}
