package managed

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/internal/httpcache"
)

// DefaultRegistryURL is the npm registry's document for the package's
// latest version: its version number, tarball URL and checksum.
const DefaultRegistryURL = "https://registry.npmjs.org/" + NPMPackage + "/latest"

// DataFile is the packed data set inside a cache directory (beside the IAM
// service data); PreviousFile keeps the set it replaced, so that a refresh
// can be diffed.
const (
	DataFile     = "managed.dat"
	PreviousFile = "managed.previous.dat"
)

// sourceDir holds the last tarball and the HTTP validators.
const sourceDir = "managed-source"

// maxMetadataBytes bounds the registry's version document (about 2 KB).
const maxMetadataBytes = 1 << 20

// Refresher downloads the npm package into a cache directory and packs it
// there. Both downloads are conditional, and the tarball is fetched only
// when the registry names a version other than the cached one, so a
// refresh that finds nothing new transfers a kilobyte. The tarball is
// checked against the registry's checksum, and must come from the
// registry's host.
type Refresher struct {
	// Dir is the cache directory; it is created when missing.
	Dir string
	// URL is the registry's latest-version document; DefaultRegistryURL
	// when empty.
	URL       string
	Client    *http.Client
	UserAgent string
	// RetryDelay is the wait before the first retry of a server error
	// (doubled for the second); 500 ms when zero.
	RetryDelay time.Duration
}

// RefreshResult says what a refresh did.
type RefreshResult struct {
	File     string
	Version  string
	Updated  string
	Policies int
	// Unchanged is set when the registry named the cached version, and
	// nothing was downloaded or written.
	Unchanged bool
}

type validators struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"lastModified,omitempty"`
}

type sourceIndex struct {
	Documents map[string]validators `json:"documents"`
}

// npmMetadata is the part of the registry's version document used.
type npmMetadata struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Dist    struct {
		Tarball   string `json:"tarball"`
		Integrity string `json:"integrity"`
		Shasum    string `json:"shasum"`
	} `json:"dist"`
}

// Refresh brings Dir/managed.dat up to the registry's latest version.
func (r *Refresher) Refresh(ctx context.Context) (*RefreshResult, error) {
	metaURL := r.URL
	if metaURL == "" {
		metaURL = DefaultRegistryURL
	}
	base, err := url.Parse(metaURL)
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return nil, fmt.Errorf("registry URL %q is not an http(s) URL", metaURL)
	}
	src := filepath.Join(r.Dir, sourceDir)
	if err := os.MkdirAll(src, 0o755); err != nil {
		return nil, fmt.Errorf("creating the data directory: %w", err)
	}
	idx := r.readIndex()
	data, err := r.fetch(ctx, metaURL, "latest.json", maxMetadataBytes, idx)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", metaURL, err)
	}
	var meta npmMetadata
	if err := json.Unmarshal(data, &meta); err != nil {
		return nil, fmt.Errorf("%s is not an npm version document: %w", metaURL, err)
	}
	if meta.Name != NPMPackage || meta.Version == "" || strings.ContainsAny(meta.Version, "\t\n") {
		return nil, fmt.Errorf("%s describes %q version %q, not a version of %s", metaURL, meta.Name, meta.Version, NPMPackage)
	}
	res := &RefreshResult{File: filepath.Join(r.Dir, DataFile), Version: meta.Version}
	if cur, err := ReadFile(res.File); err == nil && cur.Source == NPMPackage && cur.Version == meta.Version {
		res.Unchanged, res.Updated, res.Policies = true, cur.Updated, cur.Len()
		return res, r.writeIndex(idx)
	}
	tarURL, err := base.Parse(meta.Dist.Tarball)
	if err != nil || meta.Dist.Tarball == "" || tarURL.Scheme != base.Scheme || tarURL.Host != base.Host {
		return nil, fmt.Errorf("%s: the tarball is at %q, not on %s; refusing to follow it", metaURL, meta.Dist.Tarball, base.Host)
	}
	tarball, err := r.fetch(ctx, tarURL.String(), "package.tgz", MaxTarballSize, idx)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", tarURL, err)
	}
	if err := r.writeIndex(idx); err != nil {
		return nil, err
	}
	if err := verify(tarball, meta.Dist.Integrity, meta.Dist.Shasum); err != nil {
		return nil, fmt.Errorf("%s: %w", tarURL, err)
	}
	n, err := FromNPMTarball(bytes.NewReader(tarball))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := Pack(&buf, n); err != nil {
		return nil, fmt.Errorf("packing the AWS managed policies: %w", err)
	}
	s, err := Load(buf.Bytes())
	if err == nil {
		err = s.Validate()
	}
	if err != nil {
		return nil, fmt.Errorf("the packed AWS managed policies do not read back (a tollgate defect): %w", err)
	}
	if old, err := os.ReadFile(res.File); err == nil {
		if err := httpcache.WriteAtomic(filepath.Join(r.Dir, PreviousFile), old); err != nil {
			return nil, err
		}
	}
	if err := httpcache.WriteAtomic(res.File, buf.Bytes()); err != nil {
		return nil, err
	}
	res.Updated, res.Policies = n.Updated, len(n.Policies)
	return res, nil
}

// verify checks the tarball against the registry's Subresource Integrity
// value (sha512-BASE64), or its older SHA-1 shasum when that is all it
// gives.
func verify(data []byte, integrity, shasum string) error {
	if digest, ok := strings.CutPrefix(integrity, "sha512-"); ok {
		sum := sha512.Sum512(data)
		if base64.StdEncoding.EncodeToString(sum[:]) != digest {
			return errors.New("the tarball does not match the registry's sha512 integrity; refusing it")
		}
		return nil
	}
	if shasum != "" {
		sum := sha1.Sum(data)
		if !strings.EqualFold(hex.EncodeToString(sum[:]), shasum) {
			return errors.New("the tarball does not match the registry's shasum; refusing it")
		}
		return nil
	}
	return errors.New("the registry gives no checksum for the tarball; refusing it")
}

func (r *Refresher) readIndex() *sourceIndex {
	idx := &sourceIndex{}
	data, err := os.ReadFile(filepath.Join(r.Dir, sourceDir, "index.json"))
	if err != nil || json.Unmarshal(data, idx) != nil || idx.Documents == nil {
		idx.Documents = map[string]validators{}
	}
	return idx
}

func (r *Refresher) writeIndex(idx *sourceIndex) error {
	data, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		return err
	}
	return httpcache.WriteAtomic(filepath.Join(r.Dir, sourceDir, "index.json"), data)
}

// fetch returns the document at u, from the cached copy when the server
// says it has not changed; server errors are tried three times.
func (r *Refresher) fetch(ctx context.Context, u, file string, limit int64, idx *sourceIndex) ([]byte, error) {
	path := filepath.Join(r.Dir, sourceDir, file)
	v, cached := idx.Documents[u]
	if _, err := os.Stat(path); err != nil {
		cached = false
	}
	c := httpcache.Client{HTTP: r.Client, UserAgent: r.UserAgent, RetryDelay: r.RetryDelay}
	data, nv, downloaded, err := c.Fetch(ctx, u, path, httpcache.Validators{ETag: v.ETag, LastModified: v.LastModified}, cached, limit)
	if err == nil && downloaded {
		idx.Documents[u] = validators{ETag: nv.ETag, LastModified: nv.LastModified}
	}
	return data, err
}

// ReadFile loads a packed data set from a file.
func ReadFile(path string) (*Set, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Load(data)
}

// Choice is the data set a run uses and why.
type Choice struct {
	Set *Set
	// Path is the cached file used; "" for the embedded set.
	Path string
	// Note explains a cache that exists but could not be read.
	Note string
	// Older is a readable cache passed over because the embedded set is
	// at least as new (after upgrading tollgate).
	Older *Set
}

// Choose returns the set cached in dir when it exists and is newer than
// the embedded one, and the embedded one otherwise. A cache that cannot
// be read is ignored with a note rather than failing the run.
func Choose(dir string) (Choice, error) {
	emb, err := Embedded()
	if err != nil {
		return Choice{}, err
	}
	if dir == "" {
		return Choice{Set: emb}, nil
	}
	path := filepath.Join(dir, DataFile)
	cached, err := ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return Choice{Set: emb}, nil
	case err != nil:
		return Choice{Set: emb, Note: fmt.Sprintf("ignoring the AWS managed policies in %s (%v); using the built-in ones; run 'tollgate data refresh' to rebuild them", path, err)}, nil
	case !Newer(cached, emb):
		return Choice{Set: emb, Older: cached}, nil
	}
	return Choice{Set: cached, Path: path}, nil
}

// Newer reports whether a holds a later policy change than b. A set whose
// timestamp does not parse is never newer.
func Newer(a, b *Set) bool {
	ta, err := time.Parse(time.RFC3339, a.Updated)
	if err != nil {
		return false
	}
	tb, err := time.Parse(time.RFC3339, b.Updated)
	return err != nil || ta.After(tb)
}
