package engine

import (
	"context"

	"github.com/tollgate-dev/tollgate/config"
	"github.com/tollgate-dev/tollgate/gitops"
	"github.com/tollgate-dev/tollgate/report"
)

// Mapping loads the environments of cfg's gitops section with the
// templates under its paths: the one way plan, deploy's gate and the
// previews read it. Notices say which files were skipped.
func Mapping(ctx context.Context, cfg *config.Config) (*gitops.Mapping, []string, error) {
	paths := cfg.GitOps.Paths
	if len(paths) == 0 {
		paths = cfg.Paths
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	templates, notices, err := Templates(ctx, paths, cfg.Include, cfg.Exclude)
	if err != nil {
		return nil, nil, err
	}
	m, err := gitops.NewMapping(cfg.GitOps, templates)
	if err != nil {
		return nil, nil, gitops.ConfigError(cfg, err)
	}
	return m, notices, nil
}

// Gate is the second part of a deploy's gate: the check of the entry's
// template at this commit, with the entry's account, Region and
// parameters. The deploy goes ahead only when the result is Clean.
func Gate(ctx context.Context, cfg *config.Config, en gitops.Entry, params map[string]string, tool report.Tool) (*report.Result, error) {
	s, err := cfg.Resolve(config.Overrides{Account: en.Account, Region: en.Region, Paths: []string{en.Template}})
	if err != nil {
		return nil, err
	}
	for k, v := range params {
		s.Checks.Values.Parameters[k] = v
	}
	return Check(ctx, FromSettings(s, tool))
}
