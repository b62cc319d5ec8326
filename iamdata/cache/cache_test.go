package cache_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate-dev/tollgate/iamdata"
	"github.com/tollgate-dev/tollgate/iamdata/cache"
)

// fakeReference is a service reference server: service documents by prefix,
// with ETags, and hooks to make it misbehave.
type fakeReference struct {
	mu       sync.Mutex
	docs     map[string]string // prefix → JSON
	list     string            // overrides the generated list when set
	failures map[string]int    // prefix → 500s to answer before succeeding
	requests []string          // "GET /path [If-None-Match]" in order
	srv      *httptest.Server
}

func newFakeReference(t *testing.T) *fakeReference {
	f := &fakeReference{docs: map[string]string{}, failures: map[string]int{}}
	f.docs["s3"] = serviceDoc("s3", "GetObject", "PutObject")
	f.docs["sqs"] = serviceDoc("sqs", "SendMessage")
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func serviceDoc(prefix string, actions ...string) string {
	type act struct {
		Name        string `json:"Name"`
		Annotations struct {
			Properties map[string]bool `json:"Properties"`
		} `json:"Annotations"`
		Resources []map[string]string `json:"Resources"`
	}
	doc := struct {
		Name          string              `json:"Name"`
		Version       string              `json:"Version"`
		Actions       []act               `json:"Actions"`
		Resources     []map[string]any    `json:"Resources"`
		ConditionKeys []map[string]any    `json:"ConditionKeys"`
		Operations    []map[string]string `json:"Operations"`
	}{Name: prefix, Version: "v1.4",
		Resources:     []map[string]any{{"Name": "thing", "ARNFormats": []string{"arn:${Partition}:" + prefix + ":${Region}:${Account}:thing/${Name}"}}},
		ConditionKeys: []map[string]any{{"Name": prefix + ":Color", "Types": []string{"String"}}}}
	for _, a := range actions {
		x := act{Name: a, Resources: []map[string]string{{"Name": "thing"}}}
		x.Annotations.Properties = map[string]bool{"IsWrite": strings.HasPrefix(a, "Put") || strings.HasPrefix(a, "Send")}
		doc.Actions = append(doc.Actions, x)
	}
	b, _ := json.Marshal(doc)
	return string(b)
}

func (f *fakeReference) listURL() string { return f.srv.URL + "/v1/service-list.json" }

func (f *fakeReference) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, strings.TrimSpace(r.Method+" "+r.URL.Path+" "+r.Header.Get("If-None-Match")))
	var body string
	switch {
	case r.URL.Path == "/v1/service-list.json":
		body = f.list
		if body == "" {
			var list []iamdata.ServiceListEntry
			for _, p := range []string{"s3", "sqs"} {
				if _, ok := f.docs[p]; ok {
					list = append(list, iamdata.ServiceListEntry{Service: p, URL: f.srv.URL + "/v1/" + p + "/" + p + ".json"})
				}
			}
			b, _ := json.Marshal(list)
			body = string(b)
		}
	case strings.HasPrefix(r.URL.Path, "/v1/"):
		prefix := strings.Split(r.URL.Path, "/")[2]
		if f.failures[prefix] > 0 {
			f.failures[prefix]--
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		var ok bool
		if body, ok = f.docs[prefix]; !ok {
			http.NotFound(w, r)
			return
		}
	default:
		http.NotFound(w, r)
		return
	}
	sum := sha256.Sum256([]byte(body))
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Last-Modified", "Tue, 24 Nov 2026 10:00:00 GMT")
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, body)
}

func (f *fakeReference) takeRequests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.requests
	f.requests = nil
	return out
}

func refresher(t *testing.T, f *fakeReference, dir string) *cache.Refresher {
	return &cache.Refresher{Dir: dir, ListURL: f.listURL(), Base: embedded(t), Client: f.srv.Client(), Workers: 1,
		RetryDelay: time.Millisecond, Now: func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }}
}

func loadFile(t *testing.T, path string) *iamdata.Set {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := iamdata.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRefreshDownloadsOnlyWhatChanged(t *testing.T) {
	f := newFakeReference(t)
	dir := t.TempDir()
	r := refresher(t, f, dir)

	res, err := r.Refresh(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Services != 2 || res.Actions != 3 || res.Downloaded != 3 || res.NotModified != 0 {
		t.Errorf("first refresh = %+v, want 2 services, 3 actions, 3 documents downloaded", res)
	}
	s := loadFile(t, filepath.Join(dir, cache.DataFile))
	if a := s.Action("s3", "putobject"); a == nil || a.Access != iamdata.Write {
		t.Errorf("s3:PutObject = %+v, want a Write action", a)
	}
	if s.ServiceName("s3") != "Amazon S3" || s.Source != cache.SourceName || s.Updated != "2026-11-25T12:00:00Z" {
		t.Errorf("name %q, source %q, updated %q: want the built-in name and the refresh time", s.ServiceName("s3"), s.Source, s.Updated)
	}
	if _, ok := s.GlobalConditionKey("aws:SourceIp"); !ok {
		t.Error("the global condition keys, which the service reference lacks, were not kept")
	}
	f.takeRequests()

	// Nothing changed: every request is conditional and answered 304.
	res, err = r.Refresh(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Downloaded != 0 || res.NotModified != 3 {
		t.Errorf("second refresh = %+v, want everything not modified", res)
	}
	for _, req := range f.takeRequests() {
		if !strings.Contains(req, `"`) {
			t.Errorf("request %q was not conditional", req)
		}
	}

	// One service gains an action: only it is downloaded, and the diff
	// with the previous set shows the new action.
	f.mu.Lock()
	f.docs["sqs"] = serviceDoc("sqs", "SendMessage", "ReceiveMessage")
	f.mu.Unlock()
	if res, err = r.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if res.Downloaded != 1 || res.NotModified != 2 {
		t.Errorf("third refresh = %+v, want one document downloaded", res)
	}
	d, err := iamdata.Compare(loadFile(t, filepath.Join(dir, cache.PreviousFile)), loadFile(t, filepath.Join(dir, cache.DataFile)))
	if err != nil {
		t.Fatal(err)
	}
	want := []iamdata.ServiceDiff{{Prefix: "sqs", Name: "Amazon SQS", ActionsAdded: []iamdata.ActionChange{{Name: "ReceiveMessage", Access: iamdata.Read}}}}
	if diff := cmp.Diff(want, d.Services); diff != "" {
		t.Errorf("diff of the refresh (-want +got):\n%s", diff)
	}
}

func TestARefreshThatFailsKeepsThePreviousData(t *testing.T) {
	f := newFakeReference(t)
	dir := t.TempDir()
	r := refresher(t, f, dir)
	if _, err := r.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(filepath.Join(dir, cache.DataFile))
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.failures["sqs"] = 10
	f.docs["s3"] = serviceDoc("s3", "GetObject", "PutObject", "DeleteObject")
	f.mu.Unlock()
	_, err = r.Refresh(context.Background())
	if err == nil || !strings.Contains(err.Error(), "service sqs") || !strings.Contains(err.Error(), "503") {
		t.Fatalf("err = %v, want the failing service and status named", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, cache.DataFile))
	if string(after) != string(before) {
		t.Error("a failed refresh replaced the data set")
	}
}

func TestTransientServerErrorsAreRetried(t *testing.T) {
	f := newFakeReference(t)
	f.failures["s3"] = 2
	if _, err := refresher(t, f, t.TempDir()).Refresh(context.Background()); err != nil {
		t.Fatalf("two 503s then success: %v", err)
	}
}

func TestHostileServiceListsAreRefused(t *testing.T) {
	cases := []struct {
		name, list, want string
	}{
		{"a document on another host", `[{"service":"s3","url":"https://evil.example/s3.json"}]`, "refusing to follow it"},
		{"a prefix that is a path", `[{"service":"../../etc","url":"/v1/s3/s3.json"}]`, "is not a service prefix"},
		{"a service listed twice", `[{"service":"s3","url":"/v1/s3/s3.json"},{"service":"s3","url":"/v1/s3/s3.json"}]`, "listed twice"},
		{"not a list", `{"services":[]}`, "not the JSON list"},
		{"an empty list", `[]`, "empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeReference(t)
			f.list = c.list
			dir := t.TempDir()
			_, err := refresher(t, f, dir).Refresh(context.Background())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if _, err := os.Stat(filepath.Join(dir, cache.DataFile)); err == nil {
				t.Error("a data set was written")
			}
		})
	}
}

func TestServiceDocumentsMustDescribeTheirService(t *testing.T) {
	f := newFakeReference(t)
	f.docs["sqs"] = serviceDoc("sns", "Publish")
	_, err := refresher(t, f, t.TempDir()).Refresh(context.Background())
	if err == nil || !strings.Contains(err.Error(), `describes "sns" instead`) {
		t.Fatalf("err = %v", err)
	}
}

func TestTheCacheIsUsedOnlyWhenNewer(t *testing.T) {
	emb := embedded(t)
	write := func(t *testing.T, updated string) string {
		dir := t.TempDir()
		n := &iamdata.Normalized{Source: "cache", Updated: updated, Services: []iamdata.Service{{Prefix: "demo"}}}
		f, err := os.Create(filepath.Join(dir, cache.DataFile))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := iamdata.Pack(f, n); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	t.Run("no directory gives the built-in data", func(t *testing.T) {
		c, err := cache.Choose("")
		if err != nil || c.Set != emb || c.Path != "" || c.Note != "" {
			t.Errorf("%+v, %v", c, err)
		}
	})
	t.Run("an empty directory gives the built-in data silently", func(t *testing.T) {
		c, _ := cache.Choose(t.TempDir())
		if c.Set != emb || c.Note != "" {
			t.Errorf("%+v", c)
		}
	})
	t.Run("a newer cache is used", func(t *testing.T) {
		dir := write(t, "2099-01-01T00:00:00Z")
		c, _ := cache.Choose(dir)
		if c.Set == emb || c.Path != filepath.Join(dir, cache.DataFile) {
			t.Errorf("%+v", c)
		}
	})
	t.Run("an older cache is passed over", func(t *testing.T) {
		c, _ := cache.Choose(write(t, "2001-01-01T00:00:00Z"))
		if c.Set != emb || c.Older == nil || c.Note != "" {
			t.Errorf("%+v", c)
		}
	})
	t.Run("a corrupt cache is ignored with a note", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, cache.DataFile), []byte("garbage"), 0o644)
		c, _ := cache.Choose(dir)
		if c.Set != emb || !strings.Contains(c.Note, "tollgate data refresh") {
			t.Errorf("%+v", c)
		}
	})
}

func embedded(t testing.TB) *iamdata.Set {
	t.Helper()
	s, err := iamdata.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return s
}
