package github

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Clock is time as the retry logic sees it; tests move it by hand instead
// of sleeping for real Retry-After seconds.
type Clock interface {
	Now() time.Time
	// Sleep waits d or until ctx is done.
	Sleep(ctx context.Context, d time.Duration) error
}

// RealClock is the wall clock.
type RealClock struct{}

// Now returns the current time.
func (RealClock) Now() time.Time { return time.Now() }

// Sleep waits d or until ctx is done.
func (RealClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// RetryPolicy bounds how hard tollgate tries against a failing or limiting
// API. Every wait counts against Budget, so a run ends in bounded time.
type RetryPolicy struct {
	// Attempts is the most tries of one request, the first included.
	Attempts int
	// BaseDelay and MaxDelay shape the backoff after a server error.
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// MaxWait is the longest single rate-limit wait accepted; a limit that
	// resets later is reported instead of waited out.
	MaxWait time.Duration
	// Budget is the total time all waits of a run may add up to.
	Budget time.Duration
	// AttemptTimeout bounds one try.
	AttemptTimeout time.Duration
}

// DefaultRetryPolicy suits a CI step: a few minutes at most.
var DefaultRetryPolicy = RetryPolicy{
	Attempts: 5, BaseDelay: time.Second, MaxDelay: 30 * time.Second,
	MaxWait: 2 * time.Minute, Budget: 4 * time.Minute, AttemptTimeout: 30 * time.Second,
}

// secondaryLimitWait is what GitHub asks for when a secondary rate limit
// response has no Retry-After: "wait at least one minute".
const secondaryLimitWait = time.Minute

type idempotentKey struct{}

// Idempotent marks a request as safe to repeat after a server error or a
// timeout, such as an edit that sets a comment's whole body. Requests not so
// marked (creating a comment, adding annotations) are repeated only after a
// rate limit, which GitHub answers before doing anything, so a retry can
// never post twice; the publisher reconciles the ambiguous cases itself.
func Idempotent(ctx context.Context) context.Context {
	return context.WithValue(ctx, idempotentKey{}, true)
}

func isIdempotent(r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	v, _ := r.Context().Value(idempotentKey{}).(bool)
	return v
}

// Transport retries GitHub API requests: it waits out primary and secondary
// rate limits (Retry-After, x-ratelimit-reset), and retries server errors
// and timeouts of idempotent requests with capped, jittered exponential
// backoff, all within the policy's time budget.
type Transport struct {
	Base   http.RoundTripper
	Clock  Clock
	Policy RetryPolicy
	// Jitter returns a number in [0, 1); nil uses math/rand.
	Jitter func() float64
	// Logf, when set, is told about every wait.
	Logf func(format string, args ...any)

	mu    sync.Mutex
	spent time.Duration
}

// Spent returns the total time waited so far.
func (t *Transport) Spent() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.spent
}

// reserve takes d from the budget, or reports that it does not fit.
func (t *Transport) reserve(d time.Duration) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.spent+d > t.Policy.Budget {
		return false
	}
	t.spent += d
	return true
}

func (t *Transport) logf(format string, args ...any) {
	if t.Logf != nil {
		t.Logf(format, args...)
	}
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	attempts := max(t.Policy.Attempts, 1)
	idem := isIdempotent(req)
	secondaryHits := 0
	for attempt := 1; ; attempt++ {
		r := req
		if attempt > 1 {
			var err error
			if r, err = rewind(req); err != nil {
				return nil, err
			}
		}
		resp, err := t.try(base, r)
		last := attempt >= attempts
		var wait time.Duration
		var why string
		switch {
		case err != nil:
			if req.Context().Err() != nil || !idem || last {
				return nil, err
			}
			wait, why = t.backoff(attempt), "request failed ("+err.Error()+")"
		case isRateLimited(resp):
			if last {
				return resp, nil
			}
			wait, why = t.rateLimitWait(resp, &secondaryHits), "rate limited"
			if wait > t.Policy.MaxWait {
				t.logf("GitHub API rate limit resets in %s, longer than the %s tollgate waits; giving up on %s %s", wait.Round(time.Second), t.Policy.MaxWait, req.Method, req.URL.Path)
				return resp, nil
			}
		case resp.StatusCode >= 500 && idem && !last:
			wait, why = t.backoff(attempt), "server error "+strconv.Itoa(resp.StatusCode)
			if ra, ok := retryAfter(resp, t.Clock.Now()); ok {
				wait = min(max(ra, wait), t.Policy.MaxDelay)
			}
		default:
			return resp, nil
		}
		if !t.reserve(wait) {
			t.logf("%s on %s %s, but waiting %s more would pass the %s retry budget; giving up", why, req.Method, req.URL.Path, wait.Round(time.Second), t.Policy.Budget)
			if err != nil {
				return nil, err
			}
			return resp, nil
		}
		if resp != nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
		}
		t.logf("%s on %s %s; retrying in %s (attempt %d of %d)", why, req.Method, req.URL.Path, wait.Round(time.Millisecond), attempt+1, attempts)
		if err := t.Clock.Sleep(req.Context(), wait); err != nil {
			return nil, err
		}
	}
}

// try sends one attempt with its own timeout; the timeout lasts until the
// body is closed, so reading a slow body is bounded too.
func (t *Transport) try(base http.RoundTripper, req *http.Request) (*http.Response, error) {
	if t.Policy.AttemptTimeout <= 0 {
		return base.RoundTrip(req)
	}
	ctx, cancel := context.WithTimeout(req.Context(), t.Policy.AttemptTimeout)
	resp, err := base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		if ctx.Err() == context.DeadlineExceeded && req.Context().Err() == nil {
			return nil, fmt.Errorf("no answer within %s: %w", t.Policy.AttemptTimeout, err)
		}
		return nil, err
	}
	// A 403 is read whole here: telling a rate limit from a permission
	// error needs its body.
	if resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusTooManyRequests {
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		cancel()
		if rerr != nil {
			return nil, rerr
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		return resp, nil
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// rewind makes a fresh copy of req for another attempt.
func rewind(req *http.Request) (*http.Request, error) {
	r := req.Clone(req.Context())
	if req.Body != nil && req.Body != http.NoBody {
		if req.GetBody == nil {
			return nil, errors.New("cannot retry a request whose body cannot be read again")
		}
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		r.Body = body
	}
	return r, nil
}

// backoff is the wait before try attempt+1: exponential, capped, with
// "equal jitter" so concurrent jobs spread out but still wait.
func (t *Transport) backoff(attempt int) time.Duration {
	d := t.Policy.BaseDelay << (attempt - 1)
	if d <= 0 || d > t.Policy.MaxDelay {
		d = t.Policy.MaxDelay
	}
	j := t.Jitter
	if j == nil {
		j = rand.Float64
	}
	return d/2 + time.Duration(j()*float64(d/2))
}

// isRateLimited tells a rate limit (primary or secondary) from other 403s
// and 429s, which are permission or validation errors.
func isRateLimited(resp *http.Response) bool {
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusTooManyRequests {
		return false
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "" ||
		resp.Header.Get("X-Ratelimit-Remaining") == "0" {
		return true
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return bytes.Contains(bytes.ToLower(body), []byte("rate limit"))
}

// rateLimitWait is how long GitHub asks us to wait.
func (t *Transport) rateLimitWait(resp *http.Response, secondaryHits *int) time.Duration {
	now := t.Clock.Now()
	if d, ok := retryAfter(resp, now); ok {
		return d
	}
	if resp.Header.Get("X-Ratelimit-Remaining") == "0" {
		if reset, err := strconv.ParseInt(resp.Header.Get("X-Ratelimit-Reset"), 10, 64); err == nil {
			return max(time.Unix(reset, 0).Sub(now)+time.Second, time.Second)
		}
	}
	// A secondary limit without a header: a minute, doubling on repeats.
	*secondaryHits++
	return secondaryLimitWait << (*secondaryHits - 1)
}

// retryAfter reads Retry-After as seconds or as an HTTP date.
func retryAfter(resp *http.Response, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil && s >= 0 {
		if s > 24*3600 {
			s = 24 * 3600
		}
		return time.Duration(s) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}
