package main

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/tollgate-dev/tollgate/cloud"
)

// awsAccess says how this run reaches AWS: over GitHub OIDC inside Actions
// (no stored keys), or with the machine's own credentials elsewhere.
type awsAccess struct {
	role, region  string
	audience      string
	sessionName   string
	duration      time.Duration
	chain         []string
	tags          map[string]string
	sessionPolicy string
	mask          cloud.Masker
	getenv        func(string) string
	// client is the HTTP client of the token request (tests point it at a fake).
	client *http.Client
}

// errNoToken is returned when a role is set but this run cannot get an
// OIDC token (fork pull requests, or no id-token permission).
var errNoToken = cloud.ErrNoIDToken

// config returns the AWS configuration of the run, with the role assumed
// when one is set.
func (a awsAccess) config(ctx context.Context) (aws.Config, *cloud.Session, error) {
	if a.region == "" {
		a.region = firstNonEmpty(a.getenv("AWS_REGION"), a.getenv("AWS_DEFAULT_REGION"))
	}
	if a.role == "" {
		cfg, err := cloud.LoadConfig(ctx, a.region)
		return cfg, nil, err
	}
	tokenURL, bearer := a.getenv("ACTIONS_ID_TOKEN_REQUEST_URL"), a.getenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
	if tokenURL == "" || bearer == "" {
		if a.getenv("GITHUB_ACTIONS") == "true" {
			return aws.Config{}, nil, errNoToken
		}
		// On a workstation: assume the role with the machine's credentials.
		if err := cloud.ValidateRoleARN(a.role); err != nil {
			return aws.Config{}, nil, err
		}
		cfg, err := cloud.LoadConfig(ctx, a.region)
		if err != nil {
			return aws.Config{}, nil, err
		}
		cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), a.role, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = cloud.SessionName(firstNonEmpty(a.sessionName, "tollgate-local"))
		}))
		return cfg, nil, nil
	}
	tok, err := cloud.RequestIDToken(ctx, cloud.TokenRequest{URL: tokenURL, Bearer: bearer, Audience: a.audience, Client: a.client}, a.mask)
	if err != nil {
		return aws.Config{}, nil, err
	}
	s, err := cloud.AssumeRole(ctx, tok, cloud.RoleOptions{RoleARN: a.role, Region: a.region, SessionName: a.sessionName,
		Duration: a.duration, Chain: a.chain, Tags: a.tags, SessionPolicy: a.sessionPolicy}, a.mask)
	if err != nil {
		return aws.Config{}, nil, err
	}
	return s.Config, s, nil
}

// defaultSessionName names the role session after the run.
func defaultSessionName(getenv func(string) string) string {
	repo, run, attempt := getenv("GITHUB_REPOSITORY"), getenv("GITHUB_RUN_ID"), getenv("GITHUB_RUN_ATTEMPT")
	if repo == "" {
		return "tollgate"
	}
	return cloud.SessionName("tollgate", repo, run, attempt)
}

// isNoToken reports whether err means this run has no OIDC token.
func isNoToken(err error) bool { return errors.Is(err, errNoToken) }
