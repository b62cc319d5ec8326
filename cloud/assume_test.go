package cloud

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/fakeaws"
	"github.com/tollgate-dev/tollgate/internal/motoserver"
)

func newTokenIssuer(t *testing.T, subject string) *fakeaws.TokenIssuer {
	return fakeaws.NewTokenIssuer(t, subject)
}

func request(ti *fakeaws.TokenIssuer) TokenRequest {
	return TokenRequest{URL: ti.RequestURL(), Bearer: ti.Bearer}
}

// masks records what was masked, to assert secrets never escape unmasked.
type masks struct {
	mu  sync.Mutex
	got []string
}

func (m *masks) Mask(s string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.got = append(m.got, s)
}

func (m *masks) has(s string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, g := range m.got {
		if g == s {
			return true
		}
	}
	return false
}

func TestTheIDTokenIsRequestedForTheAudienceAndMasked(t *testing.T) {
	ti := newTokenIssuer(t, "repo:acme/shop:pull_request")
	m := &masks{}
	tok, err := RequestIDToken(context.Background(), request(ti), m)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Claims.Subject != "repo:acme/shop:pull_request" || tok.Claims.Repository != "acme/shop" {
		t.Errorf("claims = %+v", tok.Claims)
	}
	if got := ti.Requests[0]; got.Get("audience") != DefaultAudience || got.Get("api-version") != "2.0" {
		t.Errorf("query = %v", got)
	}
	if !m.has(tok.Raw) || !m.has(ti.Bearer) {
		t.Error("the token or the request bearer was not masked")
	}
	custom := request(ti)
	custom.Audience = "my-audience"
	tok, err = RequestIDToken(context.Background(), custom, m)
	if err != nil || tok.Claims.AudienceList()[0] != "my-audience" {
		t.Errorf("custom audience: %v %v", err, tok)
	}
}

func TestTokenRequestFailuresAreExplained(t *testing.T) {
	ti := newTokenIssuer(t, "x")
	cases := []struct {
		name string
		req  TokenRequest
		want string
	}{
		{"no id-token permission", TokenRequest{}, "permissions: id-token: write"},
		{"a refused request token", TokenRequest{URL: ti.RequestURL(), Bearer: "wrong"}, "HTTP 401"},
		{"an unreachable service", TokenRequest{URL: "http://127.0.0.1:1/token", Bearer: "b"}, "requesting the GitHub OIDC token"},
		{"a bad URL", TokenRequest{URL: "::", Bearer: "b"}, "is not a URL"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := RequestIDToken(context.Background(), c.req, &masks{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want it to mention %q", err, c.want)
			}
		})
	}
	if _, err := DecodeClaims("not-a-jwt"); err == nil {
		t.Error("a malformed JWT decoded")
	}
}

func TestTheRoleIsAssumedAgainstMoto(t *testing.T) {
	moto := motoserver.Shared(t)
	moto.Env(t)
	ti := newTokenIssuer(t, "repo:acme/shop:ref:refs/heads/main")
	m := &masks{}
	tok, err := RequestIDToken(context.Background(), request(ti), m)
	if err != nil {
		t.Fatal(err)
	}
	s, err := AssumeRole(context.Background(), tok, RoleOptions{
		RoleARN: "arn:aws:iam::123456789012:role/ci", Region: "eu-west-1",
		SessionName: SessionName("acme/shop", "run 42", "1"),
		Chain:       []string{"arn:aws:iam::210987654321:role/deployer"}, Tags: map[string]string{"repo": "acme-shop"},
	}, m)
	if err != nil {
		t.Fatal(err)
	}
	if s.RoleARN != "arn:aws:iam::210987654321:role/deployer" || !strings.Contains(s.AssumedRoleARN, "assumed-role/deployer/acme-shop-run-42-1") {
		t.Errorf("session = %s / %s", s.RoleARN, s.AssumedRoleARN)
	}
	for _, secret := range []string{s.Credentials.AccessKeyID, s.Credentials.SecretAccessKey, s.Credentials.SessionToken} {
		if secret == "" || !m.has(secret) {
			t.Errorf("credential %q was not masked", secret)
		}
	}
	creds, err := s.Config.Credentials.Retrieve(context.Background())
	if err != nil || creds.AccessKeyID != s.Credentials.AccessKeyID {
		t.Errorf("the session's config does not carry its credentials: %v", err)
	}
}

// fakeSTS answers every call with one canned error, after failing `flaky`
// times with a 503.
func fakeSTS(t *testing.T, status int, code, message string, flaky int) *int {
	t.Helper()
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/xml")
		if calls <= flaky {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code><Message>busy</Message></Error></ErrorResponse>`)
			return
		}
		w.WriteHeader(status)
		if status == http.StatusOK {
			fmt.Fprint(w, `<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>AKIAFAKE</AccessKeyId><SecretAccessKey>secret</SecretAccessKey><SessionToken>session</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/ci/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>`)
			return
		}
		fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>r</RequestId></ErrorResponse>`, code, message)
	}))
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ENDPOINT_URL_STS", srv.URL)
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	return &calls
}

func TestSTSRefusalsSayWhatToFix(t *testing.T) {
	tok := &IDToken{Raw: "h.p.s", Claims: Claims{Subject: "repo:acme/shop:pull_request", Audience: []any{"sts.amazonaws.com"}}}
	opts := RoleOptions{RoleARN: "arn:aws:iam::123456789012:role/ci", Region: "eu-west-1"}
	cases := []struct {
		name          string
		status        int
		code, message string
		want          []string
	}{
		{"the trust policy refuses the sub", 403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity",
			[]string{"the trust policy of arn:aws:iam::123456789012:role/ci refused this run's token", `This run's sub claim is "repo:acme/shop:pull_request"`, "docs/oidc.md#pull-requests"}},
		{"the audience is not accepted", 400, "InvalidIdentityToken", "Incorrect token audience",
			[]string{"STS refused the token's audience", "must list the audience as a client ID", `aud claim is "sts.amazonaws.com"`}},
		{"there is no OIDC provider", 400, "InvalidIdentityToken", "No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com",
			[]string{"has no IAM OIDC provider for GitHub"}},
		{"the token expired", 400, "ExpiredTokenException", "Token expired: current date/time 1700000000 must be before the expiration date/time 1699999000",
			[]string{"the OIDC token expired", "Rerun the job"}},
		{"STS is disabled in the Region", 403, "RegionDisabledException", "STS is not activated in this region",
			[]string{"STS is not enabled in this Region"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fakeSTS(t, c.status, c.code, c.message, 0)
			_, err := AssumeRole(context.Background(), tok, opts, &masks{})
			var re *RefusalError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want a *RefusalError", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message lacks %q:\n%s", w, err)
				}
			}
			if strings.Contains(err.Error(), tok.Raw) {
				t.Error("the token leaked into the message")
			}
		})
	}
}

func TestTransientSTSErrorsAreRetried(t *testing.T) {
	calls := fakeSTS(t, 200, "", "", 2)
	s, err := AssumeRole(context.Background(), &IDToken{Raw: "h.p.s"}, RoleOptions{RoleARN: "arn:aws:iam::123456789012:role/ci", Region: "eu-west-1"}, &masks{})
	if err != nil {
		t.Fatal(err)
	}
	if *calls != 3 || s.Credentials.AccessKeyID != "AKIAFAKE" {
		t.Errorf("calls = %d, key = %q", *calls, s.Credentials.AccessKeyID)
	}
}

func TestBadRoleOptionsFailBeforeAnyCall(t *testing.T) {
	calls := fakeSTS(t, 200, "", "", 0)
	tok := &IDToken{Raw: "h.p.s"}
	cases := []struct {
		name string
		o    RoleOptions
		want string
	}{
		{"a role name instead of an ARN", RoleOptions{RoleARN: "ci", Region: "eu-west-1"}, `role-to-assume "ci" is not a role ARN`},
		{"a user ARN", RoleOptions{RoleARN: "arn:aws:iam::123456789012:user/bob", Region: "eu-west-1"}, "is not a role ARN"},
		{"no Region", RoleOptions{RoleARN: "arn:aws:iam::123456789012:role/ci"}, "aws-region is not set"},
		{"a duration too long", RoleOptions{RoleARN: "arn:aws:iam::123456789012:role/ci", Region: "eu-west-1", Duration: 13 * time.Hour}, "role-duration-seconds 46800 is out of range"},
		{"tags without a chain", RoleOptions{RoleARN: "arn:aws:iam::123456789012:role/ci", Region: "eu-west-1", Tags: map[string]string{"a": "b"}}, "role-session-tags need role-chain"},
		{"a bad chained role", RoleOptions{RoleARN: "arn:aws:iam::123456789012:role/ci", Region: "eu-west-1", Chain: []string{"nope"}}, "role-chain: role-to-assume \"nope\""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := AssumeRole(context.Background(), tok, c.o, &masks{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want %q", err, c.want)
			}
		})
	}
	if *calls != 0 {
		t.Errorf("%d calls reached STS", *calls)
	}
}

func TestSessionNamesAreWhatSTSAccepts(t *testing.T) {
	cases := map[string]string{
		"acme/shop-42-1":            "acme-shop-42-1",
		"x":                         "x-tollgate",
		"":                          "tollgate",
		"ünïcode & $(shell) 'q'":    "n-code-shell-q",
		strings.Repeat("a", 100):    strings.Repeat("a", 64),
		"feature/ABC-123_fix+x=y@z": "feature-ABC-123_fix+x=y@z",
	}
	for in, want := range cases {
		if got := SessionName(in); got != want {
			t.Errorf("SessionName(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzSessionName(f *testing.F) {
	for _, s := range []string{"", "a", "acme/shop", "\x00\n", strings.Repeat("é", 70)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := SessionName(s)
		if len(got) < 2 || len(got) > 64 || sessionNameRE.MatchString(got) {
			t.Fatalf("SessionName(%q) = %q", s, got)
		}
	})
}
