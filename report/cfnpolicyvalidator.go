package report

import (
	"encoding/json"
	"io"
	"strconv"
	"strings"
)

// cfn-policy-validator prints {"BlockingFindings": [...], "NonBlockingFindings":
// [...]}, each finding {findingType, code, message, resourceName,
// policyName, details}, where details is the raw IAM Access Analyzer
// finding. Scripts written for it read this shape; tollgate's own location
// (file, line, column) is added under details.tollgate.

// CfnPolicyValidatorReport is the shape of --format cfn-policy-validator.
type CfnPolicyValidatorReport struct {
	BlockingFindings    []CfnFinding `json:"BlockingFindings"`
	NonBlockingFindings []CfnFinding `json:"NonBlockingFindings"`
	// Errors are failures of the run, which cfn-policy-validator reports by
	// failing; present only when there are some.
	Errors []string `json:"Errors,omitempty"`
}

// CfnFinding is one finding as cfn-policy-validator reports it.
type CfnFinding struct {
	FindingType  string     `json:"findingType"`
	Code         string     `json:"code"`
	Message      string     `json:"message"`
	ResourceName string     `json:"resourceName"`
	PolicyName   string     `json:"policyName"`
	Details      CfnDetails `json:"details"`
}

// CfnDetails mirrors IAM Access Analyzer's ValidatePolicy finding.
type CfnDetails struct {
	FindingDetails string        `json:"findingDetails"`
	FindingType    string        `json:"findingType"`
	IssueCode      string        `json:"issueCode"`
	LearnMoreLink  string        `json:"learnMoreLink,omitempty"`
	Locations      []CfnLocation `json:"locations"`
	Tollgate       CfnTollgate   `json:"tollgate"`
}

// CfnLocation is a location inside the policy document.
type CfnLocation struct {
	Path []CfnPathElement `json:"path"`
}

// CfnPathElement is one step of a location path: an element name, a list
// index or a condition key.
type CfnPathElement struct {
	Value *string `json:"value,omitempty"`
	Index *int    `json:"index,omitempty"`
	Key   *string `json:"key,omitempty"`
}

// CfnTollgate is where tollgate found the finding in the template.
type CfnTollgate struct {
	File        string `json:"file"`
	Line        int    `json:"line"`
	Column      int    `json:"column"`
	Path        string `json:"path,omitempty"`
	Branch      string `json:"branch,omitempty"`
	When        string `json:"when,omitempty"`
	Environment string `json:"environment,omitempty"`
	Fix         string `json:"fix,omitempty"`
	Fingerprint string `json:"fingerprint"`
}

// NewCfnPolicyValidatorReport builds the cfn-policy-validator shape of a
// result. Suppressed findings are left out, as cfn-policy-validator leaves
// out ignored ones.
func NewCfnPolicyValidatorReport(r *Result) CfnPolicyValidatorReport {
	out := CfnPolicyValidatorReport{BlockingFindings: []CfnFinding{}, NonBlockingFindings: []CfnFinding{}, Errors: r.Errors}
	for _, f := range r.Active() {
		msg := f.Message
		if f.When != "" || f.Environment != "" {
			// Scripts that read only the message still learn that the
			// finding needs non-default parameter values.
			msg += " (" + f.Conditions() + ")"
		}
		cf := CfnFinding{
			FindingType: string(f.Type), Code: f.Code, Message: msg, ResourceName: f.Resource,
			PolicyName: f.Policy,
			Details: CfnDetails{FindingDetails: f.Message, FindingType: string(f.Type), IssueCode: f.Code,
				LearnMoreLink: f.LearnMore, Locations: []CfnLocation{},
				Tollgate: CfnTollgate{File: f.File, Line: f.Line, Column: f.Column, Path: f.Path, Branch: f.Branch, When: f.When, Environment: f.Environment, Fix: f.Fix, Fingerprint: f.Fingerprint}},
		}
		if f.PolicyPath != "" {
			cf.Details.Locations = append(cf.Details.Locations, CfnLocation{Path: policyPathElements(f.PolicyPath)})
		}
		if f.Blocking {
			out.BlockingFindings = append(out.BlockingFindings, cf)
		} else {
			out.NonBlockingFindings = append(out.NonBlockingFindings, cf)
		}
	}
	return out
}

// CfnPolicyValidator writes the result in cfn-policy-validator's shape.
func CfnPolicyValidator(w io.Writer, r *Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "    ")
	enc.SetEscapeHTML(false)
	return enc.Encode(NewCfnPolicyValidatorReport(r))
}

// policyPathElements turns "Statement[0].Condition.StringEquals.aws:SourceIp[1]"
// into Access Analyzer's path elements. Condition keys may contain dots
// (token.actions.githubusercontent.com:sub), so everything after the
// operator is the key.
func policyPathElements(p string) []CfnPathElement {
	var out []CfnPathElement
	value := func(s string) { out = append(out, CfnPathElement{Value: &s}) }
	step := func(seg string) {
		i := strings.IndexByte(seg, '[')
		if i < 0 || !strings.HasSuffix(seg, "]") {
			if seg != "" {
				value(seg)
			}
			return
		}
		if seg[:i] != "" {
			value(seg[:i])
		}
		for rest := seg[i:]; strings.HasPrefix(rest, "["); {
			j := strings.IndexByte(rest, ']')
			n, err := strconv.Atoi(rest[1:j])
			if err != nil {
				value(rest)
				return
			}
			out = append(out, CfnPathElement{Index: &n})
			rest = rest[j+1:]
		}
	}
	parts := strings.SplitN(p, ".", 4)
	for i, seg := range parts {
		if i == 3 && len(parts) == 4 && parts[1] == "Condition" {
			key, idx := seg, ""
			if j := strings.LastIndexByte(seg, '['); j > 0 && strings.HasSuffix(seg, "]") {
				key, idx = seg[:j], seg[j:]
			}
			out = append(out, CfnPathElement{Key: &key})
			if idx != "" {
				step(idx)
			}
			continue
		}
		if i == 3 {
			for _, s := range strings.Split(seg, ".") {
				step(s)
			}
			continue
		}
		step(seg)
	}
	return out
}
