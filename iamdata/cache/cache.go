// Package cache keeps a local copy of the AWS service reference: it
// downloads what changed since the last refresh (conditional requests) and
// chooses between that copy and the data built into the binary. It is the
// only part of tollgate's IAM data that does I/O; package iamdata decides
// from bytes.
package cache

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tollgate-dev/tollgate/iamdata"
	"github.com/tollgate-dev/tollgate/iamdata/managed"
	"github.com/tollgate-dev/tollgate/internal/escape"
	"github.com/tollgate-dev/tollgate/internal/httpcache"
)

// DefaultListURL is the AWS service reference's list of services.
const DefaultListURL = "https://servicereference.us-east-1.amazonaws.com/v1/service-list.json"

// DataFile is the name of the packed data set inside a cache directory;
// PreviousFile keeps the set it replaced, so a refresh can be diffed.
const (
	DataFile     = "iam.dat"
	PreviousFile = "iam.previous.dat"
)

// sourceDir holds the downloaded documents and their HTTP validators.
const sourceDir = "source"

// Limits on what the service reference may send, far above what it does
// (the largest service, ec2, is about 2 MB), so a broken or hostile server
// cannot fill the disk or the memory.
const (
	maxListBytes = 4 << 20
	maxServices  = 2000
)

// SourceName is the Source of data sets built from the service reference.
const SourceName = "AWS service reference"

// Refresher downloads the AWS service reference into a cache directory and
// packs it into a data set there. Downloads are conditional (ETag and
// Last-Modified), so a refresh that finds nothing new transfers almost
// nothing. A refresh is all or nothing: the packed data set is replaced
// only when every service was read, because a partial set would make
// valid actions look unknown.
type Refresher struct {
	// Dir is the cache directory; it is created when missing.
	Dir string
	// ListURL is the service list; DefaultListURL when empty. iamdata.Service
	// documents must be on the same scheme and host.
	ListURL string
	Client  *http.Client
	// Base provides what the service reference lacks: service names and
	// the global condition keys. Required.
	Base *iamdata.Set
	// Workers bounds parallel downloads; 8 when zero.
	Workers int
	// Now stamps the result; time.Now when nil.
	Now func() time.Time
	// RetryDelay is the wait before the first retry of a failed download
	// (doubled for the second); 500 ms when zero.
	RetryDelay time.Duration
	// UserAgent identifies the client to the server.
	UserAgent string
}

// RefreshResult says what a refresh did.
type RefreshResult struct {
	// File is the packed data set written.
	File string
	// Services and Actions count what it holds.
	Services, Actions int
	// Downloaded documents had changed; NotModified ones were reused.
	Downloaded, NotModified int
	// Updated is the new data set's timestamp.
	Updated string
}

// validators are the HTTP cache validators of one downloaded document.
type validators struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"lastModified,omitempty"`
	File         string `json:"file"`
}

type cacheIndex struct {
	Documents map[string]validators `json:"documents"`
}

// Refresh downloads what changed and writes Dir/iam.dat.
func (r *Refresher) Refresh(ctx context.Context) (*RefreshResult, error) {
	if r.Base == nil {
		return nil, errors.New("refresh: no base data set")
	}
	listURL := r.ListURL
	if listURL == "" {
		listURL = DefaultListURL
	}
	base, err := url.Parse(listURL)
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return nil, fmt.Errorf("service list URL %q is not an http(s) URL", listURL)
	}
	if err := os.MkdirAll(filepath.Join(r.Dir, sourceDir), 0o755); err != nil {
		return nil, fmt.Errorf("creating the data directory: %w", err)
	}
	f := &fetching{r: r, idx: r.readIndex(), res: &RefreshResult{}}
	list, err := f.serviceList(ctx, listURL, base)
	if err != nil {
		return nil, err
	}
	services, versions, errs := f.services(ctx, base, list)
	if err := r.writeIndex(f.idx); err != nil {
		return nil, err
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("the data set was not updated (what was downloaded is kept for the next run): %w", err)
	}
	if err := r.write(services, versions, f.res); err != nil {
		return nil, err
	}
	return f.res, nil
}

// fetching is one refresh's downloads: the validators of what is cached,
// and the counts.
type fetching struct {
	r   *Refresher
	mu  sync.Mutex // guards idx and res
	idx *cacheIndex
	res *RefreshResult
}

func (f *fetching) get(ctx context.Context, u, file string) ([]byte, error) {
	data, changed, err := f.r.fetch(ctx, u, file, f.idx, &f.mu)
	if err == nil {
		f.mu.Lock()
		count(f.res, changed)
		f.mu.Unlock()
	}
	return data, err
}

// serviceList reads the list of services, refusing one that is too long or
// that points at documents on another host.
func (f *fetching) serviceList(ctx context.Context, listURL string, base *url.URL) ([]iamdata.ServiceListEntry, error) {
	listData, err := f.get(ctx, listURL, "service-list.json")
	if err != nil {
		return nil, fmt.Errorf("reading the service list %s: %w", listURL, err)
	}
	list, err := iamdata.ParseServiceList(listData)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", listURL, err)
	}
	if len(list) > maxServices {
		return nil, fmt.Errorf("%s lists %d services, more than the %d expected; refusing it", listURL, len(list), maxServices)
	}
	for _, e := range list {
		u, err := base.Parse(e.URL)
		if err != nil || u.Scheme != base.Scheme || u.Host != base.Host {
			return nil, fmt.Errorf("%s: the document of %s is at %q, not on %s; refusing to follow it", listURL, e.Service, e.URL, base.Host)
		}
	}
	return list, nil
}

// services downloads and parses every service's document, Workers at a
// time; errs holds each one's failure.
func (f *fetching) services(ctx context.Context, base *url.URL, list []iamdata.ServiceListEntry) ([]iamdata.Service, []string, []error) {
	services := make([]iamdata.Service, len(list))
	versions := make([]string, len(list))
	errs := make([]error, len(list))
	workers := f.r.Workers
	if workers <= 0 {
		workers = 8
	}
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for i, e := range list {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			u, _ := base.Parse(e.URL)
			data, err := f.get(ctx, u.String(), e.Service+".json")
			if err != nil {
				errs[i] = fmt.Errorf("service %s (%s): %w", e.Service, u, err)
				return
			}
			svc, version, err := iamdata.ParseServiceReference(e.Service, data)
			if err != nil {
				errs[i] = err
				return
			}
			if name := f.r.Base.ServiceName(e.Service); name != "" {
				svc.Name = name
			}
			services[i], versions[i] = *svc, version
		}()
	}
	wg.Wait()
	return services, versions, errs
}

// write packs the services into Dir/iam.dat, keeping the set it replaces
// as Dir/iam.previous.dat, and fills the result's counts.
func (r *Refresher) write(services []iamdata.Service, versions []string, res *RefreshResult) error {
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	n := &iamdata.Normalized{Source: SourceName, Version: summarizeVersions(versions),
		Updated: now().UTC().Format(time.RFC3339), Services: services}
	n.Global = r.Base.GlobalKeys()
	sort.Slice(n.Global, func(i, j int) bool { return n.Global[i].Name < n.Global[j].Name })
	var buf bytes.Buffer
	if err := iamdata.Pack(&buf, n); err != nil {
		return fmt.Errorf("packing the data set: %w", err)
	}
	if _, err := iamdata.Load(buf.Bytes()); err != nil {
		return fmt.Errorf("the packed data set does not read back (a tollgate defect): %w", err)
	}
	res.File = filepath.Join(r.Dir, DataFile)
	if old, err := os.ReadFile(res.File); err == nil {
		if err := httpcache.WriteAtomic(filepath.Join(r.Dir, PreviousFile), old); err != nil {
			return err
		}
	}
	if err := httpcache.WriteAtomic(res.File, buf.Bytes()); err != nil {
		return err
	}
	res.Services = len(services)
	for _, s := range services {
		res.Actions += len(s.Actions)
	}
	res.Updated = n.Updated
	return nil
}

func count(res *RefreshResult, changed bool) {
	if changed {
		res.Downloaded++
	} else {
		res.NotModified++
	}
}

// summarizeVersions names the document versions the set was built from.
func summarizeVersions(vs []string) string {
	set := map[string]bool{}
	for _, v := range vs {
		if v != "" {
			set[v] = true
		}
	}
	out := make([]string, 0, len(set))
	for v := range set {
		out = append(out, v)
	}
	sort.Strings(out)
	if len(out) == 0 {
		return "unversioned"
	}
	return strings.Join(out, ",")
}

func (r *Refresher) readIndex() *cacheIndex {
	idx := &cacheIndex{Documents: map[string]validators{}}
	data, err := os.ReadFile(filepath.Join(r.Dir, sourceDir, "index.json"))
	if err == nil && json.Unmarshal(data, idx) == nil && idx.Documents != nil {
		return idx
	}
	return &cacheIndex{Documents: map[string]validators{}}
}

func (r *Refresher) writeIndex(idx *cacheIndex) error {
	data, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		return err
	}
	return httpcache.WriteAtomic(filepath.Join(r.Dir, sourceDir, "index.json"), data)
}

// fetch returns the document at u, from the cache when the server says it
// has not changed. changed reports whether it was downloaded.
func (r *Refresher) fetch(ctx context.Context, u, file string, idx *cacheIndex, mu *sync.Mutex) ([]byte, bool, error) {
	path := filepath.Join(r.Dir, sourceDir, file)
	mu.Lock()
	v, cached := idx.Documents[u]
	mu.Unlock()
	if cached {
		if _, err := os.Stat(path); err != nil {
			cached = false // validators without the file: download again
		}
	}
	limit := int64(iamdata.MaxServiceBytes)
	if file == "service-list.json" {
		limit = maxListBytes
	}
	c := httpcache.Client{HTTP: r.Client, UserAgent: r.UserAgent, Accept: "application/json", RetryDelay: r.RetryDelay}
	data, nv, downloaded, err := c.Fetch(ctx, u, path, httpcache.Validators{ETag: v.ETag, LastModified: v.LastModified}, cached, limit)
	if err != nil || !downloaded {
		return data, false, err
	}
	mu.Lock()
	idx.Documents[u] = validators{ETag: nv.ETag, LastModified: nv.LastModified, File: file}
	mu.Unlock()
	return data, true, nil
}

// Choice is the data set a run uses and why.
type Choice struct {
	Set *iamdata.Set
	// Path is the cached file used; "" for the embedded set.
	Path string
	// Note explains a cache that exists but could not be read; "" otherwise.
	Note string
	// Older is set when a readable cache was passed over because the
	// embedded set is at least as new (after upgrading tollgate).
	Older *iamdata.Set
}

// Choose returns the data set cached in dir when it exists and is newer than
// the embedded one, and the embedded one otherwise. A cache that cannot be
// read is ignored with a note rather than failing the run.
func Choose(dir string) (Choice, error) {
	emb, err := iamdata.Embedded()
	if err != nil {
		return Choice{}, err
	}
	if dir == "" {
		return Choice{Set: emb}, nil
	}
	path := filepath.Join(dir, DataFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return Choice{Set: emb}, nil
	}
	if err != nil {
		return Choice{Set: emb, Note: fmt.Sprintf("ignoring the IAM data in %s (%v); using the built-in data", path, err)}, nil
	}
	cached, err := iamdata.Load(data)
	if err != nil {
		return Choice{Set: emb, Note: fmt.Sprintf("ignoring the IAM data in %s: %v; run 'tollgate data refresh' to rebuild it", path, err)}, nil
	}
	if !Newer(cached, emb) {
		return Choice{Set: emb, Older: cached}, nil
	}
	return Choice{Set: cached, Path: path}, nil
}

// Newer reports whether a was updated after b. A set whose timestamp does
// not parse is never newer.
func Newer(a, b *iamdata.Set) bool {
	ta, err := time.Parse(time.RFC3339, a.Updated)
	if err != nil {
		return false
	}
	tb, err := time.Parse(time.RFC3339, b.Updated)
	if err != nil {
		return true
	}
	return ta.After(tb)
}

// UsageError is a data set named on the command line that is not there;
// the run exits with status 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usage marks the error as one of usage: the run exits with status 2.
func (e *UsageError) Usage() {}

// Open reads one data set named as tollgate data diff names them:
// "builtin", "cache" (dir's data), "previous" (dir's data before its last
// refresh), a cache directory or a data file.
func Open(name, dir string) (*iamdata.Set, error) {
	switch name {
	case "builtin":
		return iamdata.Embedded()
	case "cache", "previous":
		if dir == "" {
			return nil, &UsageError{"no cache directory: pass --data-dir DIR or set TOLLGATE_DATA_DIR"}
		}
		file := DataFile
		if name == "previous" {
			file = PreviousFile
		}
		return readSet(filepath.Join(dir, file), name)
	}
	if info, err := os.Stat(name); err == nil && info.IsDir() {
		return readSet(filepath.Join(name, DataFile), name)
	}
	return readSet(name, name)
}

func readSet(path, what string) (*iamdata.Set, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		hint := "run 'tollgate data refresh' first"
		if what == "previous" {
			hint = "it exists after the second refresh"
		}
		return nil, &UsageError{fmt.Sprintf("%s: no IAM data at %s; %s", what, escape.Plain(path), hint)}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	s, err := iamdata.Load(data)
	if err != nil {
		return nil, fmt.Errorf("%s (%s): %w; run 'tollgate data refresh' to rebuild it", what, escape.Plain(path), err)
	}
	return s, nil
}

// OpenManaged reads one set of AWS managed policies, named as Open names
// data sets.
func OpenManaged(name, dir string) (*managed.Set, error) {
	path := name
	switch name {
	case "builtin":
		return managed.Embedded()
	case "cache", "previous":
		if dir == "" {
			return nil, &UsageError{"no cache directory: pass --data-dir DIR or set TOLLGATE_DATA_DIR"}
		}
		path = filepath.Join(dir, managed.DataFile)
		if name == "previous" {
			path = filepath.Join(dir, managed.PreviousFile)
		}
	default:
		if info, err := os.Stat(name); err == nil && info.IsDir() {
			path = filepath.Join(name, managed.DataFile)
		}
	}
	s, err := managed.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		hint := "run 'tollgate data refresh' first"
		if name == "previous" {
			hint = "it exists after a refresh that found a new version"
		}
		return nil, &UsageError{fmt.Sprintf("%s: no AWS managed policies at %s; %s", name, escape.Plain(path), hint)}
	}
	if err != nil {
		return nil, fmt.Errorf("%s (%s): %w; run 'tollgate data refresh' to rebuild it", name, escape.Plain(path), err)
	}
	return s, nil
}

// Compare reads two IAM data sets, named as Open names them, and compares
// them.
func Compare(oldName, newName, dir string) (*iamdata.Diff, error) {
	return compareNamed(Open, iamdata.Compare, oldName, newName, dir)
}

// CompareManaged reads two sets of AWS managed policies, named as Open
// names data sets, and compares them.
func CompareManaged(oldName, newName, dir string) (*managed.Diff, error) {
	return compareNamed(OpenManaged, managed.Compare, oldName, newName, dir)
}

// Comparison compares two IAM data sets or, with managedSets, two sets of
// AWS managed policies (named as Open names them); one of the diffs is set.
func Comparison(oldName, newName, dir string, managedSets bool) (*iamdata.Diff, *managed.Diff, error) {
	if managedSets {
		d, err := CompareManaged(oldName, newName, dir)
		return nil, d, err
	}
	d, err := Compare(oldName, newName, dir)
	return d, nil, err
}

func compareNamed[S, D any](open func(name, dir string) (S, error), compare func(old, cur S) (D, error), oldName, newName, dir string) (D, error) {
	var zero D
	old, err := open(oldName, dir)
	if err != nil {
		return zero, err
	}
	cur, err := open(newName, dir)
	if err != nil {
		return zero, err
	}
	return compare(old, cur)
}

// RefreshAll brings both caches up to date: the IAM service data and the
// AWS managed policies. The two are independent: one source
// being down does not keep the other from being refreshed, and the error
// names each that failed.
func RefreshAll(ctx context.Context, iam *Refresher, man *managed.Refresher) (*RefreshResult, *managed.RefreshResult, error) {
	res, iamErr := iam.Refresh(ctx)
	mres, mErr := man.Refresh(ctx)
	switch {
	case iamErr != nil && mErr != nil:
		return nil, nil, fmt.Errorf("data refresh: %w; and the AWS managed policies: %w", iamErr, mErr)
	case iamErr != nil:
		return nil, mres, fmt.Errorf("data refresh: %w", iamErr)
	case mErr != nil:
		return res, nil, fmt.Errorf("data refresh of the AWS managed policies: %w", mErr)
	}
	return res, mres, nil
}
