package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"golang.org/x/sync/errgroup"

	"github.com/tollgate-dev/tollgate/cloud"
	"github.com/tollgate-dev/tollgate/config"
	"github.com/tollgate-dev/tollgate/engine"
	"github.com/tollgate-dev/tollgate/github"
	"github.com/tollgate-dev/tollgate/gitops"
	"github.com/tollgate-dev/tollgate/report"
)

// maxPreviews bounds the change sets one review creates.
const maxPreviews = 20

// actionAWS is what the action's review asks of AWS: a role over OIDC, the
// online checks and change-set previews. Every failure becomes a notice:
// the offline review always ships.
type actionAWS struct {
	env    *github.Env
	getenv func(string) string
	log    *github.Log

	mu       sync.Mutex
	sessions map[string]aws.Config
	exported bool
}

func (a *actionAWS) inputBool(v string) bool {
	b, _ := github.ParseBool(v)
	return b
}

// wanted reports whether the run asks for anything online.
func (a *actionAWS) wanted(cfg *config.Config) bool {
	in := a.env.Inputs
	return in.RoleToAssume != "" || a.inputBool(in.AccessAnalyzer) || a.inputBool(in.Preview) || cfg.AccessAnalyzer || len(cfg.Regions) > 0
}

// access describes how to reach AWS with role (the action's role when "").
func (a *actionAWS) access(role, region string) awsAccess {
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
	acc := awsAccess{role: firstNonEmpty(role, in.RoleToAssume), region: region, audience: in.Audience,
		sessionName: firstNonEmpty(in.RoleSessionName, defaultSessionName(a.getenv)), duration: time.Duration(dur) * time.Second,
		sessionPolicy: in.InlineSessionPolicy, mask: cloud.MaskFunc(a.log.Mask), getenv: a.getenv}
	if role == "" || role == in.RoleToAssume {
		acc.chain, acc.tags = splitList(in.RoleChain), tags
	}
	return acc
}

// config returns (and caches) the AWS configuration for a role and Region.
func (a *actionAWS) config(ctx context.Context, role, region string) (aws.Config, error) {
	key := role + "\x00" + region
	a.mu.Lock()
	if cfg, ok := a.sessions[key]; ok {
		a.mu.Unlock()
		return cfg, nil
	}
	a.mu.Unlock()
	cfg, session, err := a.access(role, region).config(ctx)
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
func (a *actionAWS) configure(ctx context.Context, plan *github.Event, cfg *config.Config, opts *engine.Options) ([]string, bool) {
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
		if isNoToken(err) {
			msg = "AWS checks skipped: " + err.Error() + "; the offline review is complete"
		}
		a.log.Warning(msg)
		return []string{msg}, false
	}
	values := opts.Checks.Values
	values.Region = region
	online, err := onlineBackends(ctx, cfg, func(r string) (aws.Config, error) { return a.config(ctx, "", r) }, values,
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
func (a *actionAWS) previews(ctx context.Context, plan *github.Event, cfg *config.Config, res *report.Result) []string {
	if !a.inputBool(a.env.Inputs.Preview) {
		return nil
	}
	if cfg.GitOps.Preset == "" && len(cfg.GitOps.Environments) == 0 {
		return []string{"preview: the gitops section of .tollgate.yml names no environments, so there are no live stacks to preview against"}
	}
	var templates []string
	for _, t := range res.Templates {
		templates = append(templates, t.File)
	}
	all, _, err := engine.Templates(ctx, firstNonEmptyList(cfg.GitOps.Paths, cfg.Paths, []string{"."}), cfg.Include, cfg.Exclude)
	if err != nil {
		return []string{"preview: " + err.Error()}
	}
	m, err := gitops.NewMapping(cfg.GitOps, all)
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

func (a *actionAWS) preview(ctx context.Context, en gitops.Entry, name string, cfg *config.Config) report.Preview {
	p := report.Preview{File: en.Template, Stack: en.Stack}
	body, err := os.ReadFile(en.Template)
	if err != nil {
		p.Error = err.Error()
		return p
	}
	var params map[string]string
	if en.Parameters != "" {
		if params, err = cloud.ReadParameters(en.Parameters); err != nil {
			p.Error = err.Error()
			return p
		}
	}
	awsCfg, err := a.config(ctx, en.Role, en.Region)
	if err != nil {
		p.Error = err.Error()
		return p
	}
	out, err := cloud.PreviewChangeSet(ctx, cloud.NewCloudFormation(awsCfg), cloud.Target{File: en.Template, StackName: en.Stack, Body: string(body), Parameters: params}, name, cloud.Waiting{})
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
