package cloud

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
)

// fakeRegistry lists types in pages of two and knows a few more through
// DescribeType only (as when the list lags behind).
type fakeRegistry struct {
	mu        sync.Mutex
	listed    []string
	described map[string]bool
	listCalls int
	descCalls int
	err       error
}

func (f *fakeRegistry) ListTypes(ctx context.Context, in *cfn.ListTypesInput, _ ...func(*cfn.Options)) (*cfn.ListTypesOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.listCalls++
	if f.err != nil {
		return nil, f.err
	}
	if in.ProvisioningType != cfntypes.ProvisioningTypeFullyMutable {
		return &cfn.ListTypesOutput{}, nil
	}
	start := len(aws.ToString(in.NextToken))
	out := &cfn.ListTypesOutput{}
	for _, t := range f.listed[start:min(start+2, len(f.listed))] {
		out.TypeSummaries = append(out.TypeSummaries, cfntypes.TypeSummary{TypeName: aws.String(t)})
	}
	if start+2 < len(f.listed) {
		out.NextToken = aws.String(strings.Repeat("n", start+2))
	}
	return out, nil
}

func (f *fakeRegistry) DescribeType(ctx context.Context, in *cfn.DescribeTypeInput, _ ...func(*cfn.Options)) (*cfn.DescribeTypeOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.descCalls++
	if f.described[aws.ToString(in.TypeName)] {
		return &cfn.DescribeTypeOutput{TypeName: in.TypeName}, nil
	}
	return nil, &smithy.GenericAPIError{Code: "TypeNotFoundException", Message: "The type does not exist"}
}

func TestAvailabilityAsksEachRegionOnce(t *testing.T) {
	regs := map[string]*fakeRegistry{
		"eu-west-1":  {listed: []string{"AWS::S3::Bucket", "AWS::SQS::Queue", "AWS::SNS::Topic", "AWS::Lambda::Function"}},
		"ap-south-2": {listed: []string{"AWS::S3::Bucket", "AWS::SQS::Queue"}, described: map[string]bool{"AWS::SNS::Topic": true}},
	}
	a := &Availability{Client: func(r string) Registry { return regs[r] }}
	types := []string{"AWS::S3::Bucket", "AWS::SNS::Topic", "AWS::Lambda::Function", "AWS::Lambda::Function", "Custom::Thing", "Acme::Widget::Thing"}
	for i := 0; i < 3; i++ {
		for region, want := range map[string][]string{"eu-west-1": nil, "ap-south-2": {"AWS::Lambda::Function"}} {
			got, err := a.Missing(context.Background(), region, types)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", region, diff)
			}
		}
	}
	if c := regs["ap-south-2"]; c.listCalls != 3 || c.descCalls != 2 {
		t.Errorf("ap-south-2: %d list calls (3 provisioning types, 1 page each), %d describe calls; want 3 and 2", c.listCalls, c.descCalls)
	}
	if c := regs["eu-west-1"]; c.listCalls != 4 {
		t.Errorf("eu-west-1: %d list calls, want 4 (two pages + two empty provisioning types)", c.listCalls)
	}
}

func TestAvailabilityErrorsNameTheRegion(t *testing.T) {
	a := &Availability{Client: func(string) Registry {
		return &fakeRegistry{err: &smithy.GenericAPIError{Code: "AccessDenied", Message: "not authorized to perform cloudformation:ListTypes"}}
	}}
	_, err := a.Missing(context.Background(), "eu-west-3", []string{"AWS::S3::Bucket"})
	if err == nil || !strings.Contains(err.Error(), "listing the resource types of eu-west-3: AccessDenied") {
		t.Errorf("err = %v", err)
	}
}
