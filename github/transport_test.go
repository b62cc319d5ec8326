package github

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate-dev/tollgate/github/githubtest"
)

func TestTransport(t *testing.T) {
	clockNow := githubtest.NewClock().Now()
	cases := []struct {
		name       string
		method     string
		idempotent bool
		answers    []func(w http.ResponseWriter)
		policy     func(*RetryPolicy)
		wantStatus int
		wantCalls  int32
		wantSleeps []time.Duration
	}{
		{name: "a POST answered 500 is not repeated, as it may have been done",
			method: "POST", answers: []func(http.ResponseWriter){status(500, nil)}, wantStatus: 500, wantCalls: 1},
		{name: "a PATCH marked idempotent is repeated after a 500",
			method: "PATCH", idempotent: true, answers: []func(http.ResponseWriter){status(500, nil), status(200, nil)},
			wantStatus: 200, wantCalls: 2, wantSleeps: []time.Duration{750 * time.Millisecond}},
		{name: "a POST is repeated after a 429, which GitHub answers before doing anything",
			method: "POST", answers: []func(http.ResponseWriter){status(429, map[string]string{"Retry-After": "3"}), status(201, nil)},
			wantStatus: 201, wantCalls: 2, wantSleeps: []time.Duration{3 * time.Second}},
		{name: "Retry-After as an HTTP date is waited until",
			method: "GET", answers: []func(http.ResponseWriter){status(503, map[string]string{"Retry-After": clockNow.Add(9 * time.Second).UTC().Format(http.TimeFormat)}), status(200, nil)},
			wantStatus: 200, wantCalls: 2, wantSleeps: []time.Duration{9 * time.Second}},
		{name: "a 403 that is not a rate limit is a permission error, returned at once",
			method: "POST", answers: []func(http.ResponseWriter){status(403, nil)}, wantStatus: 403, wantCalls: 1},
		{name: "a wait that would pass the budget is not started",
			method: "GET", answers: []func(http.ResponseWriter){status(429, map[string]string{"Retry-After": "50"})},
			policy: func(p *RetryPolicy) { p.Budget = 40 * time.Second }, wantStatus: 429, wantCalls: 1},
		{name: "backoff is capped at MaxDelay",
			method: "GET", answers: []func(http.ResponseWriter){status(502, nil), status(502, nil), status(502, nil), status(200, nil)},
			policy: func(p *RetryPolicy) { p.MaxDelay = 1500 * time.Millisecond }, wantStatus: 200, wantCalls: 4,
			wantSleeps: []time.Duration{750 * time.Millisecond, 1125 * time.Millisecond, 1125 * time.Millisecond}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := int(calls.Add(1)) - 1
				body, _ := io.ReadAll(r.Body)
				if r.Method != "GET" && string(body) != `{"x":1}` {
					t.Errorf("attempt %d sent body %q", n+1, body)
				}
				tc.answers[min(n, len(tc.answers)-1)](w)
			}))
			defer srv.Close()
			clock := githubtest.NewClock()
			p := testPolicy
			if tc.policy != nil {
				tc.policy(&p)
			}
			tr := &Transport{Clock: clock, Policy: p, Jitter: func() float64 { return 0.5 }}
			ctx := context.Background()
			if tc.idempotent {
				ctx = Idempotent(ctx)
			}
			var body io.Reader
			if tc.method != "GET" {
				body = strings.NewReader(`{"x":1}`)
			}
			req, _ := http.NewRequestWithContext(ctx, tc.method, srv.URL, body)
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.wantStatus || calls.Load() != tc.wantCalls {
				t.Errorf("status %d after %d calls, want %d after %d", resp.StatusCode, calls.Load(), tc.wantStatus, tc.wantCalls)
			}
			if diff := cmp.Diff(tc.wantSleeps, clock.Slept()); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
		})
	}
}

func status(code int, header map[string]string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(code)
		io.WriteString(w, `{"message":"`+http.StatusText(code)+`"}`)
	}
}
