package checks

import (
	"fmt"

	"github.com/tollgate-dev/tollgate/template"
)

// Codes of findings that only an online backend can produce.
const (
	CodeNewAccess         = "NEW_ACCESS"
	CodePublicAccess      = "PUBLIC_ACCESS"
	CodeSensitiveAccess   = "SENSITIVE_ACCESS_GRANTED"
	CodeTypeNotInRegion   = "RESOURCE_TYPE_NOT_IN_REGION"
	accessAnalyzerChecks  = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-custom-policy-checks.html"
	registryDocumentation = "https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-register.html"
)

// OnlineRuleInfos describes the findings of the online backends (IAM Access
// Analyzer's custom policy checks and the CloudFormation registry), for SARIF
// and the rules reference. Access Analyzer's ValidatePolicy findings keep
// the codes it gives them, which the offline rules share where they can.
func OnlineRuleInfos() []Info {
	return []Info{
		{Code: CodeNewAccess, Type: SecurityWarning, Title: "The change grants access the base revision did not",
			Why: "IAM Access Analyzer's CheckNoNewAccess compares each policy with its version at the base of the pull request. " +
				"New access is not wrong in itself, but it is what a reviewer must look at.",
			Fix:       "check that the new access is intended; narrow the statement's actions, resources or principals otherwise",
			LearnMore: accessAnalyzerChecks},
		{Code: CodePublicAccess, Type: SecurityWarning, Title: "A resource policy allows public access",
			Why: "IAM Access Analyzer's CheckNoPublicAccess found that anyone, without credentials of your organization, can use the resource.",
			Fix: "restrict the principal, or add a condition on aws:PrincipalOrgID, aws:SourceArn or aws:SourceAccount", LearnMore: accessAnalyzerChecks},
		{Code: CodeSensitiveAccess, Type: SecurityWarning, Title: "A policy grants an action listed in sensitive-actions",
			Why: "IAM Access Analyzer's CheckAccessNotGranted found an action your configuration lists as sensitive.",
			Fix: "remove the sensitive action, or allow the code in .tollgate.yml if this role is meant to have it", LearnMore: accessAnalyzerChecks},
		{Code: CodeTypeNotInRegion, Type: Error, Title: "A resource type is not available in a target Region",
			Why: "CloudFormation fails the deploy in a Region whose registry lacks the type; the CloudFormation registry of each " +
				"Region in the configuration's regions list was asked.",
			Fix: "deploy the stack to another Region, or replace the resource with one available there", LearnMore: registryDocumentation},
	}
}

// RegionFindings reports each resource whose type region lacks, at its Type line.
func RegionFindings(t *template.Template, region string, missing []string) []Finding {
	lacks := map[string]bool{}
	for _, m := range missing {
		lacks[m] = true
	}
	var out []Finding
	for _, r := range t.Resources {
		if !lacks[r.Type] {
			continue
		}
		pos := r.Pos
		if n := r.Node.Get("Type"); n != nil {
			pos = n.Pos
		}
		out = append(out, Finding{
			Code: CodeTypeNotInRegion, Type: Error, Span: template.At(t.File, pos, pos.Line),
			Resource: r.LogicalID, ResourceType: r.Type, Path: "Resources." + r.LogicalID + ".Type",
			Message: fmt.Sprintf("%s is not available in %s, so the deploy there fails.", r.Type, region),
			Fix:     "deploy the stack to another Region, or replace the resource with one available there",
			Source:  SourceOnline, LearnMore: registryDocumentation, subject: region,
		})
	}
	return out
}
