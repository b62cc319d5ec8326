package cloud

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/template"
)

// Registry is the part of the CloudFormation registry API used to learn which
// resource types a Region offers.
type Registry interface {
	ListTypes(ctx context.Context, in *cfn.ListTypesInput, opts ...func(*cfn.Options)) (*cfn.ListTypesOutput, error)
	DescribeType(ctx context.Context, in *cfn.DescribeTypeInput, opts ...func(*cfn.Options)) (*cfn.DescribeTypeOutput, error)
}

// Availability answers "does this Region have this resource type", asking
// each Region's registry once per run.
type Availability struct {
	// Client returns the registry client for a Region.
	Client func(region string) Registry
	mu     sync.Mutex
	lists  map[string]*regionTypes
}

type regionTypes struct {
	once  sync.Once
	types map[string]bool
	err   error
	// confirmed caches DescribeType answers for types not in the list.
	confirmed map[string]bool
	mu        sync.Mutex
}

// Missing returns, sorted, the resource types among types that region does
// not offer. Only AWS:: types are checked: third-party and private types are
// registered per account.
func (a *Availability) Missing(ctx context.Context, region string, types []string) ([]string, error) {
	rt := a.region(region)
	rt.once.Do(func() { rt.types, rt.err = listTypes(ctx, a.Client(region)) })
	if rt.err != nil {
		return nil, fmt.Errorf("listing the resource types of %s: %w", region, rt.err)
	}
	var missing []string
	seen := map[string]bool{}
	for _, t := range types {
		if seen[t] || !strings.HasPrefix(t, "AWS::") || rt.types[t] {
			continue
		}
		seen[t] = true
		ok, err := a.confirm(ctx, region, rt, t)
		if err != nil {
			return nil, err
		}
		if !ok {
			missing = append(missing, t)
		}
	}
	sort.Strings(missing)
	return missing, nil
}

func (a *Availability) region(region string) *regionTypes {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.lists == nil {
		a.lists = map[string]*regionTypes{}
	}
	rt := a.lists[region]
	if rt == nil {
		rt = &regionTypes{confirmed: map[string]bool{}}
		a.lists[region] = rt
	}
	return rt
}

// confirm asks DescribeType about a type the list lacks: the list can lag
// behind, and a wrong "missing" would block a valid change.
func (a *Availability) confirm(ctx context.Context, region string, rt *regionTypes, typ string) (bool, error) {
	rt.mu.Lock()
	if v, ok := rt.confirmed[typ]; ok {
		rt.mu.Unlock()
		return v, nil
	}
	rt.mu.Unlock()
	_, err := a.Client(region).DescribeType(ctx, &cfn.DescribeTypeInput{Type: cfntypes.RegistryTypeResource, TypeName: aws.String(typ)})
	var ae smithy.APIError
	var found bool
	switch {
	case err == nil:
		found = true
	case errors.As(err, &ae) && (ae.ErrorCode() == "TypeNotFoundException" || ae.ErrorCode() == "CFNRegistryException"):
		found = false
	default:
		return false, fmt.Errorf("describing %s in %s: %w", typ, region, apiMessage(err))
	}
	rt.mu.Lock()
	rt.confirmed[typ] = found
	rt.mu.Unlock()
	return found, nil
}

func listTypes(ctx context.Context, api Registry) (map[string]bool, error) {
	out := map[string]bool{}
	in := &cfn.ListTypesInput{Type: cfntypes.RegistryTypeResource, Visibility: cfntypes.VisibilityPublic,
		DeprecatedStatus: cfntypes.DeprecatedStatusLive, ProvisioningType: cfntypes.ProvisioningTypeFullyMutable, MaxResults: aws.Int32(100)}
	for _, prov := range []cfntypes.ProvisioningType{cfntypes.ProvisioningTypeFullyMutable, cfntypes.ProvisioningTypeImmutable, cfntypes.ProvisioningTypeNonProvisionable} {
		in.ProvisioningType = prov
		in.NextToken = nil
		for page := 0; page < 200; page++ {
			resp, err := api.ListTypes(ctx, in)
			if err != nil {
				return nil, apiMessage(err)
			}
			for _, s := range resp.TypeSummaries {
				out[aws.ToString(s.TypeName)] = true
			}
			if resp.NextToken == nil || *resp.NextToken == "" {
				break
			}
			in.NextToken = resp.NextToken
		}
	}
	return out, nil
}

// RegionCheck reports resource types the target Regions lack (it satisfies
// engine.Online).
type RegionCheck struct {
	Availability *Availability
	Regions      []string
}

// Check asks each Region about the template's resource types.
func (r *RegionCheck) Check(ctx context.Context, t *template.Template, _ *template.Extraction) ([]checks.Finding, []template.Notice) {
	var types []string
	for _, res := range t.Resources {
		types = append(types, res.Type)
	}
	var findings []checks.Finding
	var notices []template.Notice
	for _, region := range r.Regions {
		missing, err := r.Availability.Missing(ctx, region, types)
		if err != nil {
			notices = append(notices, template.Noticef("%v; regional availability was not checked", err))
			continue
		}
		findings = append(findings, checks.RegionFindings(t, region, missing)...)
	}
	return findings, notices
}
