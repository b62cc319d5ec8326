package main

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/checks/accessanalyzer"
	"github.com/tollgate-dev/tollgate/cloud"
	"github.com/tollgate-dev/tollgate/config"
	"github.com/tollgate-dev/tollgate/engine"
	"github.com/tollgate-dev/tollgate/template"
)

// onlineBackends builds the checks that call AWS with the given
// configuration (local credentials for `check`, the assumed role in the
// action). It returns none when neither Access Analyzer nor regions are
// configured.
func onlineBackends(ctx context.Context, cfg *config.Config, awsCfg func(region string) (aws.Config, error), values template.Values, analyzer bool) ([]engine.Online, error) {
	var out []engine.Online
	if analyzer {
		c, err := awsCfg(values.Region)
		if err != nil {
			return nil, usagef("--access-analyzer: %v", err)
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

// localAWS loads the AWS configuration from the environment and shared
// files, as the AWS CLI would.
func localAWS(ctx context.Context) func(region string) (aws.Config, error) {
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
