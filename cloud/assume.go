package cloud

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
)

// RoleOptions say which role to assume and how.
type RoleOptions struct {
	// RoleARN is the role-to-assume input.
	RoleARN string
	// Region is required: STS endpoints and every later call are regional.
	Region string
	// SessionName defaults to one derived from the run; it is sanitised.
	SessionName string
	// Duration defaults to one hour.
	Duration time.Duration
	// SessionPolicy is an inline policy (JSON) that narrows the session.
	SessionPolicy string
	// Chain lists roles assumed one after the other with the credentials of
	// the previous one. Tags apply to these calls (STS takes session tags
	// from the token itself for the web identity call).
	Chain []string
	Tags  map[string]string
}

// Session is an assumed role: credentials that live only in this process,
// and the configuration to make AWS clients with them.
type Session struct {
	RoleARN string
	// AssumedRoleARN is the assumed-role identity (arn:aws:sts::…:assumed-role/…).
	AssumedRoleARN string
	Config         aws.Config
	Credentials    aws.Credentials
}

var (
	roleARNRE     = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$`)
	sessionNameRE = regexp.MustCompile(`[^\w+=,.@-]+`)
	dashesRE      = regexp.MustCompile(`-{2,}`)
)

// ValidateRoleARN checks the role-to-assume input before any call is made.
func ValidateRoleARN(arn string) error {
	if !roleARNRE.MatchString(arn) {
		return fmt.Errorf("role-to-assume %q is not a role ARN; expected arn:aws:iam::123456789012:role/Name", arn)
	}
	return nil
}

// SessionName turns any text (the repository, run ID and attempt) into a
// role session name STS accepts: [\w+=,.@-], 2 to 64 characters.
func SessionName(parts ...string) string {
	s := sessionNameRE.ReplaceAllString(strings.Join(parts, "-"), "-")
	s = strings.Trim(dashesRE.ReplaceAllString(s, "-"), "-")
	if len(s) > 64 {
		s = s[:64]
	}
	for len(s) < 2 {
		s += "-tollgate"
		s = strings.Trim(s, "-")
	}
	return s
}

// LoadConfig returns an AWS configuration for region with the SDK's standard
// sources (environment, shared files), including the endpoint overrides
// AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>.
func LoadConfig(ctx context.Context, region string, opts ...func(*config.LoadOptions) error) (aws.Config, error) {
	if region == "" {
		return aws.Config{}, errors.New("aws-region is not set: AWS calls need a Region (set the aws-region input or AWS_REGION)")
	}
	base := []func(*config.LoadOptions) error{
		config.WithRegion(region),
		config.WithRetryer(func() aws.Retryer {
			return retry.AddWithErrorCodes(retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = 5
				o.MaxBackoff = 10 * time.Second
			}), "IDPCommunicationError", "ThrottlingException", "Throttling")
		}),
	}
	cfg, err := config.LoadDefaultConfig(ctx, append(base, opts...)...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("loading the AWS configuration: %w", err)
	}
	return cfg, nil
}

// AssumeRole exchanges the OIDC token for credentials of o.RoleARN, then
// walks the role chain. Credentials are masked before they are returned.
func AssumeRole(ctx context.Context, tok *IDToken, o RoleOptions, m Masker) (*Session, error) {
	if err := ValidateRoleARN(o.RoleARN); err != nil {
		return nil, err
	}
	for _, r := range o.Chain {
		if err := ValidateRoleARN(r); err != nil {
			return nil, fmt.Errorf("role-chain: %w", err)
		}
	}
	if len(o.Tags) > 0 && len(o.Chain) == 0 {
		return nil, errors.New("role-session-tags need role-chain: STS takes the tags of a web identity session from the OIDC token, so tags can only be set on the chained AssumeRole calls")
	}
	if o.Duration == 0 {
		o.Duration = time.Hour
	}
	if o.Duration < 15*time.Minute || o.Duration > 12*time.Hour {
		return nil, fmt.Errorf("role-duration-seconds %d is out of range; STS accepts 900 to 43200", int(o.Duration.Seconds()))
	}
	name := SessionName(o.SessionName)
	cfg, err := LoadConfig(ctx, o.Region, config.WithCredentialsProvider(aws.AnonymousCredentials{}))
	if err != nil {
		return nil, err
	}
	client := sts.NewFromConfig(cfg)
	in := &sts.AssumeRoleWithWebIdentityInput{
		RoleArn:          aws.String(o.RoleARN),
		RoleSessionName:  aws.String(name),
		WebIdentityToken: aws.String(tok.Raw),
		DurationSeconds:  aws.Int32(int32(o.Duration.Seconds())),
	}
	if o.SessionPolicy != "" {
		in.Policy = aws.String(o.SessionPolicy)
	}
	out, err := client.AssumeRoleWithWebIdentity(ctx, in)
	if err != nil {
		return nil, explainWebIdentity(err, o.RoleARN, tok)
	}
	s, err := sessionFrom(ctx, o.RoleARN, o.Region, out.Credentials, out.AssumedRoleUser, m)
	if err != nil {
		return nil, err
	}
	for _, next := range o.Chain {
		in := &sts.AssumeRoleInput{
			RoleArn:         aws.String(next),
			RoleSessionName: aws.String(name),
			// Chained sessions are limited to one hour by STS.
			DurationSeconds: aws.Int32(int32(min(o.Duration, time.Hour).Seconds())),
		}
		for k, v := range o.Tags {
			in.Tags = append(in.Tags, ststypes.Tag{Key: aws.String(k), Value: aws.String(v)})
		}
		out, err := sts.NewFromConfig(s.Config).AssumeRole(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("role-chain: assuming %s from %s: %w", next, s.RoleARN, apiMessage(err))
		}
		if s, err = sessionFrom(ctx, next, o.Region, out.Credentials, out.AssumedRoleUser, m); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func sessionFrom(ctx context.Context, role, region string, c *ststypes.Credentials, user *ststypes.AssumedRoleUser, m Masker) (*Session, error) {
	if c == nil || c.AccessKeyId == nil || c.SecretAccessKey == nil || c.SessionToken == nil {
		return nil, errors.New("STS answered without credentials")
	}
	m.Mask(*c.AccessKeyId)
	m.Mask(*c.SecretAccessKey)
	m.Mask(*c.SessionToken)
	creds := aws.Credentials{AccessKeyID: *c.AccessKeyId, SecretAccessKey: *c.SecretAccessKey, SessionToken: *c.SessionToken,
		Source: "tollgate-oidc", CanExpire: c.Expiration != nil}
	if c.Expiration != nil {
		creds.Expires = *c.Expiration
	}
	cfg, err := LoadConfig(ctx, region, config.WithCredentialsProvider(credentials.StaticCredentialsProvider{Value: creds}))
	if err != nil {
		return nil, err
	}
	s := &Session{RoleARN: role, Config: cfg, Credentials: creds}
	if user != nil && user.Arn != nil {
		s.AssumedRoleARN = *user.Arn
	}
	return s, nil
}

// RefusalError is STS refusing this run's token; it carries what the user
// needs to fix the trust policy.
type RefusalError struct {
	RoleARN string
	// Subject and Audience are the claims of this run's token.
	Subject  string
	Audience []string
	Code     string
	Message  string
	// Hint says what to change.
	Hint string
}

func (e *RefusalError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "role-to-assume: %s", e.Message)
	if e.Subject != "" {
		fmt.Fprintf(&b, "\n  This run's sub claim is %q", e.Subject)
		if len(e.Audience) > 0 {
			fmt.Fprintf(&b, " and its aud claim is %q", strings.Join(e.Audience, ","))
		}
		b.WriteString(".")
	}
	if e.Hint != "" {
		b.WriteString("\n  " + e.Hint)
	}
	return b.String()
}

// explainWebIdentity turns STS errors into messages that say what to fix.
func explainWebIdentity(err error, role string, tok *IDToken) error {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return fmt.Errorf("role-to-assume: calling STS: %w", err)
	}
	r := &RefusalError{RoleARN: role, Subject: tok.Claims.Subject, Audience: tok.Claims.AudienceList(), Code: ae.ErrorCode()}
	msg := ae.ErrorMessage()
	switch {
	case ae.ErrorCode() == "AccessDenied":
		r.Message = fmt.Sprintf("the trust policy of %s refused this run's token (%s).", role, msg)
		r.Hint = "Allow this sub in the role's trust policy, e.g. a StringLike condition on token.actions.githubusercontent.com:sub " +
			"(see docs/oidc.md#pull-requests: pull_request runs have the sub repo:OWNER/REPO:pull_request)."
	case ae.ErrorCode() == "InvalidIdentityToken" && strings.Contains(strings.ToLower(msg), "audience"):
		r.Message = fmt.Sprintf("STS refused the token's audience (%s).", msg)
		r.Hint = "The IAM OIDC provider for token.actions.githubusercontent.com must list the audience as a client ID " +
			"(sts.amazonaws.com unless the audience input says otherwise)."
	case ae.ErrorCode() == "InvalidIdentityToken" && strings.Contains(msg, "No OpenIDConnect provider"):
		r.Message = fmt.Sprintf("the account of %s has no IAM OIDC provider for GitHub (%s).", role, msg)
		r.Hint = "Create an IAM OIDC identity provider for https://token.actions.githubusercontent.com with the audience sts.amazonaws.com."
	case ae.ErrorCode() == "ExpiredTokenException":
		r.Message = fmt.Sprintf("the OIDC token expired before STS read it (%s).", msg)
		r.Hint = "Rerun the job; if it happens again, check the runner's clock."
	case ae.ErrorCode() == "InvalidIdentityToken":
		r.Message = fmt.Sprintf("STS refused the token (%s).", msg)
	case ae.ErrorCode() == "RegionDisabledException":
		r.Message = fmt.Sprintf("STS is not enabled in this Region (%s).", msg)
		r.Hint = "Activate STS in the account's Region settings, or set aws-region to an enabled Region."
	case ae.ErrorCode() == "ValidationError":
		r.Message = fmt.Sprintf("STS rejected the request (%s).", msg)
		r.Subject = ""
	default:
		return fmt.Errorf("role-to-assume: STS %s: %s", ae.ErrorCode(), msg)
	}
	return r
}

// apiMessage keeps the code and message of an AWS API error, without the
// request metadata that makes logs noisy.
func apiMessage(err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return fmt.Errorf("%s: %s", ae.ErrorCode(), ae.ErrorMessage())
	}
	return err
}
