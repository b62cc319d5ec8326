package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"golang.org/x/sync/errgroup"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/checks/accessanalyzer"
	"github.com/tollgate-dev/tollgate/cloud"
	"github.com/tollgate-dev/tollgate/config"
	"github.com/tollgate-dev/tollgate/github"
	"github.com/tollgate-dev/tollgate/gitops"
	"github.com/tollgate-dev/tollgate/report"
	"github.com/tollgate-dev/tollgate/template"
)

// maxPreviews bounds the change sets one review creates.
const maxPreviews = 20

// reviewAWS is what the action's review asks of AWS: a role over OIDC, the
// online checks and change-set previews. Every failure becomes a notice:
// the offline review always ships.
type reviewAWS struct {
	env    *github.Env
	getenv func(string) string
	log    *github.Log

	mu       sync.Mutex
	sessions map[string]aws.Config
	exported bool
}

func (a *reviewAWS) inputBool(v string) bool {
	b, _ := github.ParseBool(v)
	return b
}

// wanted reports whether the run asks for anything online.
func (a *reviewAWS) wanted(cfg *config.Config) bool {
	in := a.env.Inputs
	return in.RoleToAssume != "" || a.inputBool(in.AccessAnalyzer) || a.inputBool(in.Preview) || cfg.AccessAnalyzer || len(cfg.Regions) > 0
}

// access describes how to reach AWS with role (the action's role when "").
func (a *reviewAWS) access(role, region string) cloud.Access {
	in := a.env.Inputs
	dur, _ := strconv.Atoi(in.RoleDurationSeconds)
	tags := map[string]string{}
	for _, kv := range splitList(in.RoleSessionTags) {
		if k, v, ok := strings.Cut(kv, "="); ok {
			tags[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	if len(tags) == 0 {
		tags = nil
	}
	acc := cloud.Access{Role: firstNonEmpty(role, in.RoleToAssume), Region: region, Audience: in.Audience,
		SessionName: firstNonEmpty(in.RoleSessionName, cloud.RunSessionName(a.getenv)), Duration: time.Duration(dur) * time.Second,
		SessionPolicy: in.InlineSessionPolicy, Mask: cloud.MaskFunc(a.log.Mask), Getenv: a.getenv}
	if role == "" || role == in.RoleToAssume {
		acc.Chain, acc.Tags = splitList(in.RoleChain), tags
	}
	return acc
}

// config returns (and caches) the AWS configuration for a role and Region.
func (a *reviewAWS) config(ctx context.Context, role, region string) (aws.Config, error) {
	key := role + "\x00" + region
	a.mu.Lock()
	if cfg, ok := a.sessions[key]; ok {
		a.mu.Unlock()
		return cfg, nil
	}
	a.mu.Unlock()
	cfg, session, err := a.access(role, region).Config(ctx)
	if err != nil {
		return aws.Config{}, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.sessions == nil {
		a.sessions = map[string]aws.Config{}
	}
	a.sessions[key] = cfg
	if session != nil && role == "" && !a.exported && a.inputBool(a.env.Inputs.ExportCredentials) {
		a.exported = true
		files := github.Files{EnvFile: a.getenv("GITHUB_ENV")}
		c := session.Credentials
		if err := files.ExportEnv([][2]string{{"AWS_ACCESS_KEY_ID", c.AccessKeyID}, {"AWS_SECRET_ACCESS_KEY", c.SecretAccessKey},
			{"AWS_SESSION_TOKEN", c.SessionToken}, {"AWS_REGION", region}, {"AWS_DEFAULT_REGION", region}}); err != nil {
			a.log.Warning("export-credentials: " + err.Error())
		}
	}
	return cfg, nil
}

// configure adds the online checks to a review. It returns notices, and
// whether AWS can be reached at all.
func (a *reviewAWS) configure(ctx context.Context, plan *github.Event, cfg *config.Config, opts *Options) ([]string, bool) {
	if !a.wanted(cfg) {
		return nil, false
	}
	if plan.ReadOnly() {
		return nil, false // the summary opens with the fork notice
	}
	region := opts.Checks.Values.Region
	if region == "" {
		region = firstNonEmpty(a.getenv("AWS_REGION"), a.getenv("AWS_DEFAULT_REGION"))
	}
	if _, err := a.config(ctx, "", region); err != nil {
		msg := "AWS checks skipped: " + err.Error()
		if errors.Is(err, cloud.ErrNoIDToken) {
			msg = "AWS checks skipped: " + err.Error() + "; the offline review is complete"
		}
		a.log.Warning(msg)
		return []string{msg}, false
	}
	values := opts.Checks.Values
	values.Region = region
	online, err := OnlineBackends(ctx, cfg, func(r string) (aws.Config, error) { return a.config(ctx, "", r) }, values,
		a.inputBool(a.env.Inputs.AccessAnalyzer) || cfg.AccessAnalyzer)
	if err != nil {
		return []string{"AWS checks skipped: " + err.Error()}, false
	}
	opts.Online = online
	return nil, true
}

// previews creates change sets against the live stacks the reviewed change
// will deploy to: the environment of the pull request's base branch (or of
// the pushed branch), for the templates reviewed.
func (a *reviewAWS) previews(ctx context.Context, plan *github.Event, cfg *config.Config, res *report.Result) []string {
	if !a.inputBool(a.env.Inputs.Preview) {
		return nil
	}
	if !gitops.Configured(cfg) {
		return []string{"preview: the gitops section of .tollgate.yml names no environments, so there are no live stacks to preview against"}
	}
	var templates []string
	for _, t := range res.Templates {
		templates = append(templates, t.File)
	}
	m, _, _, err := Mapping(ctx, cfg)
	if err != nil {
		return []string{"preview: " + err.Error()}
	}
	dp, err := m.Plan(gitops.PlanOptions{Branch: plan.TargetBranch(), Changed: templates, DefaultRegion: cfg.Region, DefaultAccount: cfg.Account})
	if err != nil {
		return []string{"preview: " + err.Error()}
	}
	if dp.Environment == nil {
		return []string{fmt.Sprintf("preview: %s; nothing to preview", dp.Why)}
	}
	entries := dp.Matrix.Include
	var notices []string
	if len(entries) > maxPreviews {
		notices = append(notices, fmt.Sprintf("preview: %d stacks would deploy; only the first %d were previewed", len(entries), maxPreviews))
		entries = entries[:maxPreviews]
	}
	previews := make([]report.Preview, len(entries))
	name := cloud.ChangeSetName("tollgate-preview", a.getenv("GITHUB_RUN_ID")+"-"+a.getenv("GITHUB_RUN_ATTEMPT"))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for i, en := range entries {
		g.Go(func() error {
			previews[i] = a.preview(gctx, en, name, cfg)
			return nil
		})
	}
	g.Wait()
	sort.SliceStable(previews, func(i, j int) bool { return previews[i].Stack < previews[j].Stack })
	res.Previews = append(res.Previews, previews...)
	return notices
}

func (a *reviewAWS) preview(ctx context.Context, en gitops.Entry, name string, cfg *config.Config) report.Preview {
	p := report.Preview{File: en.Template, Stack: en.Stack}
	target, err := cloud.LoadTarget(en.Template, en.Stack, en.Parameters)
	if err != nil {
		p.Error = err.Error()
		return p
	}
	awsCfg, err := a.config(ctx, en.Role, en.Region)
	if err != nil {
		p.Error = err.Error()
		return p
	}
	out, err := cloud.PreviewChangeSet(ctx, cloud.NewCloudFormation(awsCfg), target, name, cloud.Waiting{})
	if err != nil {
		out.Error = err.Error()
	}
	out.File, out.Stack = en.Template, en.Stack
	return out
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ',' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// OnlineBackends builds the checks that call AWS with the given
// configuration (local credentials for `check`, the assumed role in the
// action). It returns none when neither Access Analyzer nor regions are
// configured.
func OnlineBackends(ctx context.Context, cfg *config.Config, awsCfg func(region string) (aws.Config, error), values template.Values, analyzer bool) ([]Online, error) {
	var out []Online
	if analyzer {
		c, err := awsCfg(values.Region)
		if err != nil {
			return nil, &UsageError{fmt.Errorf("--access-analyzer: %w", err)}
		}
		out = append(out, &accessanalyzer.Online{Options: accessanalyzer.Options{
			Client: accessanalyzer.NewClient(c), SensitiveActions: cfg.SensitiveActions, Values: values, Fix: checks.RuleFix,
		}})
	}
	if len(cfg.Regions) > 0 {
		avail := &cloud.Availability{Client: func(region string) cloud.Registry {
			c, err := awsCfg(region)
			if err != nil {
				return failingRegistry{err}
			}
			return cloud.NewCloudFormation(c)
		}}
		out = append(out, &cloud.RegionCheck{Availability: avail, Regions: cfg.Regions})
	}
	return out, nil
}

// LocalAWS loads the AWS configuration from the environment and shared
// files, as the AWS CLI would.
func LocalAWS(ctx context.Context) func(region string) (aws.Config, error) {
	return func(region string) (aws.Config, error) { return cloud.LoadConfig(ctx, region) }
}

// failingRegistry answers every call with the error that prevented making a
// client, so it surfaces as a notice like any other API failure.
type failingRegistry struct{ err error }

func (f failingRegistry) ListTypes(context.Context, *cfn.ListTypesInput, ...func(*cfn.Options)) (*cfn.ListTypesOutput, error) {
	return nil, f.err
}

func (f failingRegistry) DescribeType(context.Context, *cfn.DescribeTypeInput, ...func(*cfn.Options)) (*cfn.DescribeTypeOutput, error) {
	return nil, f.err
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// LocalOnline are the online backends of tollgate check, reached with the
// machine's own credentials: none unless Access Analyzer (analyzer or the
// configuration) or regions are asked for. The Region falls back to
// AWS_REGION and AWS_DEFAULT_REGION.
func LocalOnline(ctx context.Context, cfg *config.Config, values template.Values, analyzer bool, getenv func(string) string) ([]Online, error) {
	analyzer = analyzer || cfg.AccessAnalyzer
	if !analyzer && len(cfg.Regions) == 0 {
		return nil, nil
	}
	if values.Region == "" {
		values.Region = firstNonEmpty(getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION"))
	}
	return OnlineBackends(ctx, cfg, LocalAWS(ctx), values, analyzer)
}
