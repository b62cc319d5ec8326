// Package httpcache downloads the documents tollgate's data refreshes read
// (the IAM service reference, the AWS managed policies) with conditional
// requests, retries and size limits, and keeps them in files that readers
// never see half written.
package httpcache

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// Validators are what a server said identifies a document's version.
type Validators struct {
	ETag, LastModified string
}

// Client fetches documents. The zero value works: a two-minute timeout,
// retries after 500 ms, then 1 s.
type Client struct {
	HTTP       *http.Client
	UserAgent  string
	Accept     string
	RetryDelay time.Duration
}

// Fetch returns the document at u. When cached, the copy in path is sent
// with its validators, and a 304 answer returns that copy (downloaded is
// false). A 200 answer is written to path atomically and its validators
// returned. 429 and 5xx answers and transport errors are tried three times
// in all; any other status is an error. A body over limit bytes is refused.
func (c Client) Fetch(ctx context.Context, u, path string, v Validators, cached bool, limit int64) (data []byte, nv Validators, downloaded bool, err error) {
	delay := c.RetryDelay
	if delay <= 0 {
		delay = 500 * time.Millisecond
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return nil, v, false, ctx.Err()
			case <-time.After(delay << (attempt - 1)):
			}
		}
		data, status, hdr, err := c.get(ctx, u, v, cached, limit)
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return nil, v, false, ctx.Err()
			}
			lastErr = err
		case status == http.StatusNotModified && cached:
			data, err := os.ReadFile(path)
			if err != nil {
				return nil, v, false, fmt.Errorf("reading the cached copy: %w", err)
			}
			return data, v, false, nil
		case status == http.StatusOK:
			if err := WriteAtomic(path, data); err != nil {
				return nil, v, false, err
			}
			return data, Validators{ETag: hdr.Get("ETag"), LastModified: hdr.Get("Last-Modified")}, true, nil
		case status == http.StatusTooManyRequests || status >= 500:
			lastErr = fmt.Errorf("the server answered %d %s", status, http.StatusText(status))
		default:
			return nil, v, false, fmt.Errorf("the server answered %d %s", status, http.StatusText(status))
		}
	}
	return nil, v, false, fmt.Errorf("gave up after 3 attempts: %w", lastErr)
}

// get makes one request; a status other than 200 comes back with no data
// and no error.
func (c Client) get(ctx context.Context, u string, v Validators, cached bool, limit int64) ([]byte, int, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, nil, err
	}
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	if c.Accept != "" {
		req.Header.Set("Accept", c.Accept)
	}
	if cached {
		if v.ETag != "" {
			req.Header.Set("If-None-Match", v.ETag)
		}
		if v.LastModified != "" {
			req.Header.Set("If-Modified-Since", v.LastModified)
		}
	}
	client := c.HTTP
	if client == nil {
		client = &http.Client{Timeout: 2 * time.Minute}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, resp.StatusCode, resp.Header, nil
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, 0, nil, fmt.Errorf("reading the response: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, 0, nil, fmt.Errorf("the response is larger than %d MB; refusing it", limit>>20)
	}
	return data, resp.StatusCode, resp.Header, nil
}

// WriteAtomic replaces path with data so that readers never see half a file.
func WriteAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	_, werr := f.Write(data)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(f.Name(), path)
	}
	if werr != nil {
		os.Remove(f.Name())
		return fmt.Errorf("writing %s: %w", path, werr)
	}
	return nil
}
