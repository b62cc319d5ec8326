package httpcache

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFetchRevalidatesRetriesAndRefusesLargeBodies(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		switch r.URL.Path {
		case "/doc":
			if r.Header.Get("If-None-Match") == `"v1"` {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("ETag", `"v1"`)
			w.Write([]byte("fresh"))
		case "/flaky":
			if calls%2 == 1 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			w.Write([]byte("ok"))
		case "/big":
			w.Write([]byte(strings.Repeat("x", 100)))
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()
	c := Client{RetryDelay: time.Millisecond}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "doc.json")

	data, v, downloaded, err := c.Fetch(ctx, srv.URL+"/doc", path, Validators{}, false, 1<<20)
	if err != nil || string(data) != "fresh" || !downloaded || v.ETag != `"v1"` {
		t.Fatalf("first fetch: %q %+v %v %v", data, v, downloaded, err)
	}
	if err := os.WriteFile(path, []byte("cached copy"), 0o644); err != nil {
		t.Fatal(err)
	}
	data, _, downloaded, err = c.Fetch(ctx, srv.URL+"/doc", path, v, true, 1<<20)
	if err != nil || string(data) != "cached copy" || downloaded {
		t.Errorf("a 304 returns the cached copy: %q %v %v", data, downloaded, err)
	}

	calls = 0
	data, _, _, err = c.Fetch(ctx, srv.URL+"/flaky", filepath.Join(t.TempDir(), "f"), Validators{}, false, 1<<20)
	if err != nil || string(data) != "ok" || calls != 2 {
		t.Errorf("a 503 is retried: %q %v after %d calls", data, err, calls)
	}
	if _, _, _, err := c.Fetch(ctx, srv.URL+"/big", filepath.Join(t.TempDir(), "b"), Validators{}, false, 10); err == nil ||
		!strings.Contains(err.Error(), "larger than") {
		t.Errorf("a body over the limit is refused: %v", err)
	}
	if _, _, _, err := c.Fetch(ctx, srv.URL+"/missing", filepath.Join(t.TempDir(), "m"), Validators{}, false, 10); err == nil ||
		!strings.Contains(err.Error(), "404") {
		t.Errorf("a 404 is an error at once: %v", err)
	}
}
