package cloud

import (
	"context"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Access says how a run reaches AWS: over GitHub OIDC inside Actions (no
// stored keys), or with the machine's own credentials elsewhere.
type Access struct {
	Role, Region  string
	Audience      string
	SessionName   string
	Duration      time.Duration
	Chain         []string
	Tags          map[string]string
	SessionPolicy string
	Mask          Masker
	Getenv        func(string) string
	// Client is the HTTP client of the token request (tests point it at a fake).
	Client *http.Client
}

// Config returns the AWS configuration of the run, with the role assumed
// when one is set; the session is returned when it came from OIDC.
func (a Access) Config(ctx context.Context) (aws.Config, *Session, error) {
	if a.Region == "" {
		a.Region = nonEmptyString(a.Getenv("AWS_REGION"), a.Getenv("AWS_DEFAULT_REGION"))
	}
	if a.Role == "" {
		cfg, err := LoadConfig(ctx, a.Region)
		return cfg, nil, err
	}
	tokenURL, bearer := a.Getenv("ACTIONS_ID_TOKEN_REQUEST_URL"), a.Getenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
	if tokenURL == "" || bearer == "" {
		if a.Getenv("GITHUB_ACTIONS") == "true" {
			return aws.Config{}, nil, ErrNoIDToken
		}
		return a.local(ctx)
	}
	tok, err := RequestIDToken(ctx, TokenRequest{URL: tokenURL, Bearer: bearer, Audience: a.Audience, Client: a.Client}, a.Mask)
	if err != nil {
		return aws.Config{}, nil, err
	}
	s, err := AssumeRole(ctx, tok, RoleOptions{RoleARN: a.Role, Region: a.Region, SessionName: a.SessionName,
		Duration: a.Duration, Chain: a.Chain, Tags: a.Tags, SessionPolicy: a.SessionPolicy}, a.Mask)
	if err != nil {
		return aws.Config{}, nil, err
	}
	return s.Config, s, nil
}

// local assumes the role with the machine's credentials, on a workstation.
func (a Access) local(ctx context.Context) (aws.Config, *Session, error) {
	if err := ValidateRoleARN(a.Role); err != nil {
		return aws.Config{}, nil, err
	}
	cfg, err := LoadConfig(ctx, a.Region)
	if err != nil {
		return aws.Config{}, nil, err
	}
	cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), a.Role, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = SessionName(nonEmptyString(a.SessionName, "tollgate-local"))
	}))
	return cfg, nil, nil
}

// RunSessionName names a role session after the GitHub Actions run.
func RunSessionName(getenv func(string) string) string {
	repo, run, attempt := getenv("GITHUB_REPOSITORY"), getenv("GITHUB_RUN_ID"), getenv("GITHUB_RUN_ATTEMPT")
	if repo == "" {
		return "tollgate"
	}
	return SessionName("tollgate", repo, run, attempt)
}
