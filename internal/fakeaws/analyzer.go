// Package fakeaws has fakes of AWS APIs that moto does not emulate, speaking
// the real wire protocols as the AWS SDK serializes them, for tests.
package fakeaws

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	aa "github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
)

// Analyzer speaks IAM Access Analyzer's REST-JSON protocol as the SDK
// serializes it. Its findings are computed from the document it receives,
// with spans and paths derived from that text, as the real service does.
type Analyzer struct {
	*httptest.Server
	mu sync.Mutex
	// Rules: a string value equal to a rule's Needle gets its finding.
	Rules []Rule
	// Throttle answers this many calls with 429 first; Fail answers every
	// call of the named operation with 500; Slow delays every call.
	Throttle int
	Fail     string
	Slow     time.Duration
	// Requests records every call received.
	Requests []Request
}

// Rule makes ValidatePolicy report a finding on a value.
type Rule struct {
	Needle, Code, Type, Details string
}

// Request is one call the fake received.
type Request struct {
	Op   string
	Body map[string]any
}

// NewAnalyzer starts a fake Access Analyzer for the test.
func NewAnalyzer(t testing.TB, rules ...Rule) *Analyzer {
	f := &Analyzer{Rules: rules}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// Client returns an SDK client pointed at the fake, retrying fast.
func (f *Analyzer) Client() *aa.Client {
	return aa.New(aa.Options{
		BaseEndpoint: aws.String(f.URL), Region: "eu-west-1",
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIA", SecretAccessKey: "s"}, nil
		}),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = 4; o.MaxBackoff = time.Millisecond }),
	})
}

// Ops lists the operations called, sorted.
func (f *Analyzer) Ops() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.Requests {
		out = append(out, r.Op)
	}
	sort.Strings(out)
	return out
}

func apiError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", code)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"message": msg})
}

func (f *Analyzer) serve(w http.ResponseWriter, r *http.Request) {
	ops := map[string]string{"/policy/validation": "ValidatePolicy", "/policy/check-no-new-access": "CheckNoNewAccess",
		"/policy/check-no-public-access": "CheckNoPublicAccess", "/policy/check-access-not-granted": "CheckAccessNotGranted"}
	op, ok := ops[r.URL.Path]
	if r.Method != http.MethodPost || !ok {
		apiError(w, 404, "ResourceNotFoundException", "no such operation "+r.Method+" "+r.URL.Path)
		return
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		apiError(w, 403, "AccessDeniedException", "unsigned request")
		return
	}
	var body map[string]any
	raw, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(raw, &body); err != nil {
		apiError(w, 400, "ValidationException", "body is not JSON")
		return
	}
	f.mu.Lock()
	f.Requests = append(f.Requests, Request{op, body})
	throttled := f.Throttle > 0
	if throttled {
		f.Throttle--
	}
	f.mu.Unlock()
	if f.Slow > 0 {
		time.Sleep(f.Slow)
	}
	switch {
	case throttled:
		apiError(w, 429, "ThrottlingException", "Rate exceeded")
		return
	case f.Fail == op:
		apiError(w, 500, "InternalServerException", "internal failure")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch op {
	case "ValidatePolicy":
		f.validate(w, r, body)
	case "CheckNoNewAccess":
		f.noNewAccess(w, body)
	case "CheckNoPublicAccess":
		doc := body["policyDocument"].(string)
		result := "PASS"
		if strings.Contains(doc, `"Principal":"*"`) && !strings.Contains(doc, `"Condition"`) {
			result = "FAIL"
		}
		json.NewEncoder(w).Encode(map[string]any{"result": result, "message": "The resource policy grants public access.",
			"reasons": []map[string]any{{"description": "Public access granted in the following statement with index: 0.", "statementIndex": 0}}})
	case "CheckAccessNotGranted":
		doc := body["policyDocument"].(string)
		access := body["access"].([]any)[0].(map[string]any)["actions"].([]any)
		var parsed any
		json.Unmarshal([]byte(doc), &parsed)
		result, reasons := "PASS", []map[string]any{}
		for _, a := range access {
			if path, ok := findValue(parsed, a.(string), nil); ok && len(path) > 1 {
				i := path[1].(map[string]any)["index"]
				result = "FAIL"
				reasons = append(reasons, map[string]any{"description": fmt.Sprintf("One or more of the listed actions in the statement with index: %v.", i), "statementIndex": i})
			}
		}
		json.NewEncoder(w).Encode(map[string]any{"result": result, "message": "The policy document grants access to perform one or more of the listed actions.",
			"reasons": reasons})
	}
}

func (f *Analyzer) validate(w http.ResponseWriter, r *http.Request, body map[string]any) {
	doc, _ := body["policyDocument"].(string)
	pt, _ := body["policyType"].(string)
	if doc == "" || (pt != "IDENTITY_POLICY" && pt != "RESOURCE_POLICY") {
		apiError(w, 400, "ValidationException", "1 validation error detected")
		return
	}
	var parsed any
	if err := json.Unmarshal([]byte(doc), &parsed); err != nil {
		json.NewEncoder(w).Encode(map[string]any{"findings": []any{map[string]any{"issueCode": "JSON_SYNTAX_ERROR",
			"findingType": "ERROR", "findingDetails": "Fix the JSON syntax error.", "learnMoreLink": "https://example.com",
			"locations": []any{}}}})
		return
	}
	var findings []any
	for _, rule := range f.Rules {
		path, ok := findValue(parsed, rule.Needle, nil)
		if !ok {
			continue
		}
		off := strings.Index(doc, strconv.Quote(rule.Needle))
		findings = append(findings, map[string]any{
			"issueCode": rule.Code, "findingType": rule.Type, "findingDetails": rule.Details,
			"learnMoreLink": "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html",
			"locations": []any{map[string]any{"path": path, "span": map[string]any{
				"start": map[string]any{"line": 1, "column": off, "offset": off},
				"end":   map[string]any{"line": 1, "column": off + len(rule.Needle) + 2, "offset": off + len(rule.Needle) + 2}}}},
		})
	}
	// One finding per page, to exercise pagination.
	start, _ := strconv.Atoi(r.URL.Query().Get("nextToken"))
	out := map[string]any{"findings": []any{}}
	if start < len(findings) {
		out["findings"] = findings[start : start+1]
		if start+1 < len(findings) {
			out["nextToken"] = strconv.Itoa(start + 1)
		}
	}
	json.NewEncoder(w).Encode(out)
}

// findValue returns the Access Analyzer path to the first string equal to
// needle.
func findValue(v any, needle string, path []any) ([]any, bool) {
	switch x := v.(type) {
	case string:
		return path, x == needle
	case []any:
		for i, it := range x {
			if p, ok := findValue(it, needle, append(append([]any(nil), path...), map[string]any{"index": i})); ok {
				return p, true
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if p, ok := findValue(x[k], needle, append(append([]any(nil), path...), map[string]any{"value": k})); ok {
				return p, true
			}
		}
	}
	return nil, false
}

func (f *Analyzer) noNewAccess(w http.ResponseWriter, body map[string]any) {
	actions := func(s string) map[string]bool {
		out := map[string]bool{}
		var doc struct{ Statement []struct{ Action any } }
		json.Unmarshal([]byte(s), &doc)
		for _, st := range doc.Statement {
			switch a := st.Action.(type) {
			case string:
				out[a] = true
			case []any:
				for _, x := range a {
					out[fmt.Sprint(x)] = true
				}
			}
		}
		return out
	}
	old, neu := actions(body["existingPolicyDocument"].(string)), actions(body["newPolicyDocument"].(string))
	for a := range neu {
		if !old[a] {
			json.NewEncoder(w).Encode(map[string]any{"result": "FAIL", "message": "The modified permissions grant new access compared to your existing policy.",
				"reasons": []map[string]any{{"description": "New access in the statement with index: 1.", "statementIndex": 1}}})
			return
		}
	}
	json.NewEncoder(w).Encode(map[string]any{"result": "PASS", "message": "The policy does not grant new access."})
}
