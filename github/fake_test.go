package github

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// fakeGitHub is an httptest server with the REST endpoints tollgate uses.
// Every request, and every answer it gives, is validated against GitHub's
// own OpenAPI description (fixtures/openapi), so the fake cannot drift from
// the real API. Faults can be queued per endpoint.
type fakeGitHub struct {
	t      *testing.T
	srv    *httptest.Server
	router routers.Router

	mu        sync.Mutex
	nextID    int64
	comments  []*fakeComment
	checkRuns []*fakeCheckRun
	faults    []*fault
	requests  []string
	// readOnly answers every write with 403, as GitHub does for a
	// read-only token.
	readOnly bool
	// violations are requests or answers GitHub's description rejects;
	// any fails the test unless the test expects them.
	violations       []string
	expectViolations bool
}

type fakeComment struct {
	ID    int64
	Body  string
	Login string
}

type fakeCheckRun struct {
	ID                        int64
	Name, HeadSHA, ExternalID string
	Status, Conclusion        string
	DetailsURL                string
	Title, Summary            string
	Annotations               []map[string]any
}

// fault is an answer the fake gives instead of its normal one.
type fault struct {
	// route is the start of "METHOD /path" as requested, e.g.
	// "POST /repos/o/r/check-runs".
	route  string
	times  int
	used   int
	status int
	header map[string]string
	body   string
	// hang waits until the client gives up, like a server that never answers.
	hang bool
	// lost does the work, then answers status: the write landed but the
	// client cannot know.
	lost bool
}

func newFakeGitHub(t *testing.T) *fakeGitHub {
	t.Helper()
	f := &fakeGitHub{t: t, nextID: 1000}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /repos/{owner}/{repo}/issues/{number}/comments", f.listComments)
	mux.HandleFunc("POST /repos/{owner}/{repo}/issues/{number}/comments", f.createComment)
	mux.HandleFunc("PATCH /repos/{owner}/{repo}/issues/comments/{id}", f.editComment)
	mux.HandleFunc("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", f.listCheckRuns)
	mux.HandleFunc("POST /repos/{owner}/{repo}/check-runs", f.createCheckRun)
	mux.HandleFunc("PATCH /repos/{owner}/{repo}/check-runs/{id}", f.updateCheckRun)
	mux.HandleFunc("GET /repos/{owner}/{repo}/check-runs/{id}/annotations", f.listAnnotations)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		f.violate(fmt.Sprintf("fake GitHub: unexpected request %s %s", r.Method, r.URL))
		http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
	})
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { f.serve(mux, w, r) }))
	t.Cleanup(f.srv.Close)
	t.Cleanup(func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		if !f.expectViolations {
			for _, v := range f.violations {
				t.Error(v)
			}
		}
		for _, ft := range f.faults {
			if ft.used == 0 {
				t.Errorf("fault on %q never fired: the test does not test what it says", ft.route)
			}
		}
	})

	doc, err := openapi3.NewLoader().LoadFromFile("../fixtures/openapi/github-rest-subset.json")
	if err != nil {
		t.Fatalf("loading the GitHub REST description: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: f.srv.URL}}
	if f.router, err = gorillamux.NewRouter(doc); err != nil {
		t.Fatalf("routing the GitHub REST description: %v", err)
	}
	return f
}

func (f *fakeGitHub) services(t *testing.T, clock Clock) Services {
	t.Helper()
	tr := &Transport{Clock: clock, Policy: testPolicy, Jitter: func() float64 { return 0.5 }}
	s, err := NewServices(f.srv.URL, "test-token-123456", "tollgate-test", tr)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// testPolicy is the default policy with a short attempt timeout, so the
// "server never answers" tests take milliseconds; waits use a fake clock.
var testPolicy = RetryPolicy{Attempts: 5, BaseDelay: time.Second, MaxDelay: 30 * time.Second,
	MaxWait: 2 * time.Minute, Budget: 4 * time.Minute, AttemptTimeout: 200 * time.Millisecond}

func (f *fakeGitHub) fail(ft *fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, ft)
}

func (f *fakeGitHub) takeFault(route string) *fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ft := range f.faults {
		if ft.times > 0 && strings.HasPrefix(route, ft.route) {
			ft.times--
			ft.used++
			return ft
		}
	}
	return nil
}

// serve validates the request, applies faults, and validates the answer.
func (f *fakeGitHub) serve(mux *http.ServeMux, w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	route := r.Method + " " + r.URL.Path
	f.mu.Lock()
	f.requests = append(f.requests, route)
	f.mu.Unlock()

	input := f.validateRequest(r, body)
	if got := r.Header.Get("Authorization"); got != "Bearer test-token-123456" {
		f.violate(fmt.Sprintf("%s: Authorization = %q", route, got))
	}

	ft := f.takeFault(route)
	if ft != nil && ft.hang {
		<-r.Context().Done()
		return
	}
	if ft != nil && !ft.lost {
		for k, v := range ft.header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(ft.status)
		io.WriteString(w, ft.body)
		return
	}
	if f.readOnly && r.Method != http.MethodGet {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com/rest"}`)
		return
	}
	rec := httptest.NewRecorder()
	r.Body = io.NopCloser(bytes.NewReader(body))
	mux.ServeHTTP(rec, r)
	if input != nil && rec.Code < 300 {
		err := openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
			RequestValidationInput: input, Status: rec.Code, Header: rec.Header(),
			Body: io.NopCloser(bytes.NewReader(rec.Body.Bytes())), Options: &openapi3filter.Options{IncludeResponseStatus: true},
		})
		if err != nil {
			f.violate(fmt.Sprintf("fake GitHub answered %s with what GitHub's description does not allow: %v", route, err))
		}
	}
	if ft != nil && ft.lost {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(ft.status)
		io.WriteString(w, ft.body)
		return
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

func (f *fakeGitHub) validateRequest(r *http.Request, body []byte) *openapi3filter.RequestValidationInput {
	route, params, err := f.router.FindRoute(r)
	if err != nil {
		f.violate(fmt.Sprintf("%s %s is not an operation in GitHub's description: %v", r.Method, r.URL, err))
		return nil
	}
	input := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	if err := openapi3filter.ValidateRequest(context.Background(), input); err != nil {
		f.violate(fmt.Sprintf("%s %s does not match GitHub's description: %v\nbody: %.500s", r.Method, r.URL, err, body))
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return input
}

func (f *fakeGitHub) violate(msg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.violations = append(f.violations, msg)
}

func (f *fakeGitHub) id() int64 {
	f.nextID++
	return f.nextID
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// paginate answers one page and sets GitHub's Link header.
func (f *fakeGitHub) paginate(w http.ResponseWriter, r *http.Request, n int) (lo, hi int) {
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

func (f *fakeGitHub) commentJSON(r *http.Request, c *fakeComment) map[string]any {
	base := "https://api.github.com/repos/" + r.PathValue("owner") + "/" + r.PathValue("repo")
	return map[string]any{
		"id": c.ID, "node_id": "IC_" + strconv.FormatInt(c.ID, 10), "url": base + "/issues/comments/" + strconv.FormatInt(c.ID, 10),
		"html_url": "https://github.com/" + r.PathValue("owner") + "/" + r.PathValue("repo") + "/pull/2#issuecomment-" + strconv.FormatInt(c.ID, 10),
		"body":     c.Body, "user": userJSON(c.Login), "created_at": fakeTime, "updated_at": fakeTime,
		"issue_url": base + "/issues/2", "author_association": "NONE",
	}
}

func (f *fakeGitHub) listComments(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	lo, hi := f.paginate(w, r, len(f.comments))
	out := []map[string]any{}
	for _, c := range f.comments[lo:hi] {
		out = append(out, f.commentJSON(r, c))
	}
	writeJSON(w, http.StatusOK, out)
}

func (f *fakeGitHub) createComment(w http.ResponseWriter, r *http.Request) {
	var in struct{ Body string }
	json.NewDecoder(r.Body).Decode(&in)
	f.mu.Lock()
	defer f.mu.Unlock()
	c := &fakeComment{ID: f.id(), Body: in.Body, Login: "github-actions[bot]"}
	f.comments = append(f.comments, c)
	writeJSON(w, http.StatusCreated, f.commentJSON(r, c))
}

func (f *fakeGitHub) editComment(w http.ResponseWriter, r *http.Request) {
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

func (f *fakeGitHub) checkRunJSON(r *http.Request, c *fakeCheckRun) map[string]any {
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

func (c *fakeCheckRun) apply(in checkRunInput) {
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

func (f *fakeGitHub) createCheckRun(w http.ResponseWriter, r *http.Request) {
	var in checkRunInput
	json.NewDecoder(r.Body).Decode(&in)
	f.mu.Lock()
	defer f.mu.Unlock()
	c := &fakeCheckRun{ID: f.id(), HeadSHA: in.HeadSHA, Status: "queued"}
	c.apply(in)
	f.checkRuns = append(f.checkRuns, c)
	writeJSON(w, http.StatusCreated, f.checkRunJSON(r, c))
}

func (f *fakeGitHub) findRun(r *http.Request) *fakeCheckRun {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	for _, c := range f.checkRuns {
		if c.ID == id {
			return c
		}
	}
	return nil
}

func (f *fakeGitHub) updateCheckRun(w http.ResponseWriter, r *http.Request) {
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

func (f *fakeGitHub) listCheckRuns(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	name := r.URL.Query().Get("check_name")
	var runs []*fakeCheckRun
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

func (f *fakeGitHub) listAnnotations(w http.ResponseWriter, r *http.Request) {
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

// count returns how many requests matched "METHOD path-prefix".
func (f *fakeGitHub) count(prefix string) int {
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

// fakeClock moves only when slept; it records every wait.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

func (c *fakeClock) slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}
