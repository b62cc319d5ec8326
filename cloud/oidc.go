// Package cloud talks to AWS: it turns a GitHub Actions OIDC token into
// temporary credentials (no stored keys), previews change sets and reads the
// CloudFormation registry. It never decides findings.
package cloud

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultAudience is the audience AWS expects in GitHub's OIDC tokens.
const DefaultAudience = "sts.amazonaws.com"

// Masker hides secrets from logs (GitHub Actions' add-mask). Every token and
// credential is masked before it could be printed.
type Masker interface {
	Mask(secret string)
}

// MaskFunc adapts a function to Masker.
type MaskFunc func(string)

// Mask calls f.
func (f MaskFunc) Mask(s string) { f(s) }

// ErrNoIDToken means the job cannot request an OIDC token: the request
// variables are missing because the workflow lacks `id-token: write`, or the
// run is a pull request from a fork.
var ErrNoIDToken = errors.New("this job cannot request a GitHub OIDC token: ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set. " +
	"Give the job `permissions: id-token: write` (pull requests from forks never get a token)")

// Claims are the fields of a GitHub OIDC token that explain a refusal.
type Claims struct {
	Subject     string `json:"sub"`
	Audience    any    `json:"aud"`
	Issuer      string `json:"iss"`
	Repository  string `json:"repository"`
	Ref         string `json:"ref"`
	Environment string `json:"environment"`
	EventName   string `json:"event_name"`
	Expires     int64  `json:"exp"`
}

// ExpiresAt is when the token stops being valid.
func (c Claims) ExpiresAt() time.Time { return time.Unix(c.Expires, 0) }

// IDToken is a GitHub OIDC token and what it says.
type IDToken struct {
	// Raw is the JWT; it is a secret.
	Raw    string
	Claims Claims
}

// TokenRequest says where to ask for a token; the fields come from the
// ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN variables.
type TokenRequest struct {
	URL      string
	Bearer   string
	Audience string
	Client   *http.Client
}

// RequestIDToken asks GitHub for an OIDC token for the audience. The token
// is masked before this function returns.
func RequestIDToken(ctx context.Context, req TokenRequest, m Masker) (*IDToken, error) {
	if req.URL == "" || req.Bearer == "" {
		return nil, ErrNoIDToken
	}
	m.Mask(req.Bearer)
	audience := req.Audience
	if audience == "" {
		audience = DefaultAudience
	}
	u, err := url.Parse(req.URL)
	if err != nil {
		return nil, fmt.Errorf("ACTIONS_ID_TOKEN_REQUEST_URL is not a URL: %w", err)
	}
	q := u.Query()
	q.Set("audience", audience)
	u.RawQuery = q.Encode()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("Authorization", "Bearer "+req.Bearer)
	hreq.Header.Set("Accept", "application/json; api-version=2.0")
	client := req.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(hreq)
	if err != nil {
		return nil, fmt.Errorf("requesting the GitHub OIDC token: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("reading the GitHub OIDC token: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("requesting the GitHub OIDC token: HTTP %d from the token service; check that the job has `permissions: id-token: write`", resp.StatusCode)
	}
	var out struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.Value == "" {
		return nil, errors.New("the GitHub OIDC token service answered without a token")
	}
	m.Mask(out.Value)
	claims, err := DecodeClaims(out.Value)
	if err != nil {
		return nil, err
	}
	return &IDToken{Raw: out.Value, Claims: claims}, nil
}

// DecodeClaims reads the payload of a JWT without verifying it: STS
// verifies the signature; we only need the claims to explain refusals.
func DecodeClaims(jwt string) (Claims, error) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return Claims{}, errors.New("the GitHub OIDC token is not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return Claims{}, errors.New("the GitHub OIDC token's payload is not base64url")
	}
	var c Claims
	if err := json.Unmarshal(payload, &c); err != nil {
		return Claims{}, errors.New("the GitHub OIDC token's payload is not JSON")
	}
	return c, nil
}

// AudienceList returns the aud claim as a list (it may be a string or a list).
func (c Claims) AudienceList() []string {
	switch v := c.Audience.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, a := range v {
			if s, ok := a.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
