package command

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	aa "github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
	aatypes "github.com/aws/aws-sdk-go-v2/service/accessanalyzer/types"
	smithy "github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/tollgate-dev/tollgate/compat/cfnpv"
	"github.com/tollgate-dev/tollgate/model"
)

// noNewAccess is check-no-new-access: each policy of the reference type is
// compared with the reference policy by IAM Access Analyzer, which alone
// can tell whether one grants more than another.
func (r *run) noNewAccess(ctx context.Context, x *model.Extracted) (int, error) {
	file := r.a.str("reference_policy")
	data, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return 0, appErrorf("File not found: %s", file)
	}
	if err != nil {
		return 0, appErrorf("Unexpected error occurred. %v", err)
	}
	if !json.Valid(data) {
		return 0, appErrorf("Unable to parse json file. Invalid JSON detected.")
	}
	var list []cfnpv.Checked
	var policyType aatypes.AccessCheckPolicyType
	switch strings.ToLower(r.a.str("reference_policy_type")) {
	case "identity":
		list, policyType = cfnpv.IdentityPolicies(x, r.exclude), aatypes.AccessCheckPolicyTypeIdentityPolicy
	case "resource":
		list, policyType = cfnpv.ResourcePolicies(x, r.exclude), aatypes.AccessCheckPolicyTypeResourcePolicy
	default:
		return 0, appErrorf("Invalid reference policy type specified. Please specify 'identity' or 'resource'")
	}
	analyzer := r.e.Analyzer
	if analyzer == nil {
		analyzer = machineAnalyzer
	}
	client, err := analyzer(ctx, r.region, r.a.str("profile"))
	if err != nil {
		return 0, appErrorf("check-no-new-access compares policies in IAM Access Analyzer, which needs AWS credentials: %v", err)
	}
	reference := string(data)
	cache := map[string]cfnpv.Object{}
	var fs []cfnpv.Finding
	for i, c := range list {
		if c.Managed {
			continue
		}
		r.log.info("Checking policy %s of %s", c.PolicyName, c.ResourceName)
		details, ok := cache[c.JSON]
		if !ok {
			out, err := client.CheckNoNewAccess(ctx, &aa.CheckNoNewAccessInput{NewPolicyDocument: aws.String(c.JSON),
				ExistingPolicyDocument: aws.String(reference), PolicyType: policyType})
			if details, err = newAccessDetails(out, err); err != nil {
				return 0, err
			}
			cache[c.JSON] = details
		}
		if details == nil {
			continue
		}
		code, typ, msg := cfnpv.CodeNoNewAccess, "SECURITY_WARNING", ""
		if e, ok := details.Get("Error").(cfnpv.Object); ok {
			code, typ = code+e.Get("Code").(string), "ERROR"
		}
		msg, _ = details.Get("message").(string)
		fs = append(fs, cfnpv.CustomFinding(c, code, typ, msg, details, i))
	}
	return r.print(cfnpv.CustomReport(fs, r.ignore(), r.a.flag("findings_are_non_blocking")))
}

// newAccessDetails is Access Analyzer's answer as the tool reports it: nil
// for a pass, the result for a fail, the error for a refusal of the policy
// (a 4xx); other failures end the run.
func newAccessDetails(out *aa.CheckNoNewAccessOutput, err error) (cfnpv.Object, error) {
	if err != nil {
		var re *smithyhttp.ResponseError
		var ae smithy.APIError
		if errors.As(err, &re) && re.HTTPStatusCode() >= 400 && re.HTTPStatusCode() < 500 && errors.As(err, &ae) {
			return cfnpv.O("Error", cfnpv.O("Message", ae.ErrorMessage(), "Code", ae.ErrorCode()), "message", ae.ErrorMessage()), nil
		}
		return nil, appErrorf("IAM Access Analyzer CheckNoNewAccess: %v", err)
	}
	if out.Result == aatypes.CheckNoNewAccessResultPass {
		return nil, nil
	}
	reasons := []any{}
	for _, rs := range out.Reasons {
		o := cfnpv.O("description", aws.ToString(rs.Description))
		if rs.StatementIndex != nil {
			o.Set("statementIndex", int(*rs.StatementIndex))
		}
		if rs.StatementId != nil {
			o.Set("statementId", *rs.StatementId)
		}
		reasons = append(reasons, o)
	}
	return cfnpv.O("result", string(out.Result), "message", aws.ToString(out.Message), "reasons", reasons), nil
}
