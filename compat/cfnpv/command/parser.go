package command

import (
	"errors"
	"strings"
)

// The commands and options of cfn-policy-validator 0.0.37, with
// tollgate's own help text. Option names, metavars, which are required and
// which commands have them are its; --account is tollgate's addition.

// CompatibleVersion is the cfn-policy-validator release whose command line
// this package speaks.
const CompatibleVersion = "0.0.37"

// findingTypes are the values of --treat-finding-type-as-blocking.
var findingTypes = []string{"ERROR", "SECURITY_WARNING", "SUGGESTION", "WARNING", "NONE"}

// checkRegion accepts what botocore accepts as a Region name: a host
// label (letters, digits and inner hyphens, at most 63, not all digits).
func checkRegion(s string) (string, error) {
	bad := len(s) > 63 || strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-") ||
		strings.Trim(s, "0123456789") == "" && s != "" ||
		strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != ""
	if bad {
		return "", errors.New("Invalid region name: " + s + ".")
	}
	return s, nil
}

// checkFindingTypes validates a comma-separated list of finding types.
func checkFindingTypes(s string) (string, error) {
	var out []string
	for _, t := range strings.Split(s, ",") {
		t = strings.ToUpper(strings.TrimSpace(t))
		ok := false
		for _, f := range findingTypes {
			ok = ok || f == t
		}
		if !ok {
			return "", errors.New("Invalid finding type: " + t + ".")
		}
		out = append(out, t)
	}
	return strings.Join(out, ","), nil
}

// checkKeyValue requires KEY=VALUE; without "=" cfn-policy-validator
// stops with status 1.
func checkKeyValue(s string) (string, error) {
	if !strings.Contains(s, "=") {
		return "", &fatalError{"--parameters " + s + ": expected KEY=VALUE (a parameter name, =, and its value)"}
	}
	return s, nil
}

// newParser builds the command line; prog is how the program was called.
func newParser(prog string) *parser {
	common := func() []*option {
		return []*option{
			{name: "--help", dest: "help", help: "show this help message and exit"},
			{name: "--template-path", dest: "template_path", metavar: "TEMPLATE_PATH", nargs: 1, required: true,
				help: "The CloudFormation template to read (JSON or YAML)."},
			{name: "--region", dest: "region", metavar: "REGION", nargs: 1, check: checkRegion,
				help: "The Region the template deploys to. Default: $AWS_REGION, else $AWS_DEFAULT_REGION."},
			{name: "--parameters", dest: "parameters", metavar: "KEY=VALUE", nargs: -1, check: checkKeyValue,
				help: "Values of template parameters, as Name=Value; give them all after one --parameters."},
			{name: "--template-configuration-file", dest: "template_configuration_file", metavar: "FILE_PATH.json", nargs: 1,
				help: `Parameter values from a JSON file: {"Parameters": {"Name": "Value"}}, [{"ParameterKey": "Name", "ParameterValue": "Value"}] or ["Name=Value"]. --parameters win over it.`},
			{name: "--profile", dest: "profile", metavar: "PROFILE", nargs: 1,
				help: "The named AWS profile whose credentials tell the account (and, where needed, call IAM Access Analyzer)."},
			{name: "--enable-logging", dest: "enable_logging", help: "Log what is read and checked to standard output."},
			{name: "--allow-dynamic-ref-without-version", dest: "allow_dynamic_ref_without_version",
				help: "Accept {{resolve:ssm:NAME}} without a version number in policies."},
			{name: "--exclude-resource-types", dest: "exclude_resource_type", metavar: "EXCLUDE_RESOURCE_TYPE", nargs: 1,
				help: "Resource types whose policies are not read, comma-separated (AWS::IAM::Role,Custom::Thing)."},
		}
	}
	// account is tollgate's: it is left out of the usage line, which stays
	// cfn-policy-validator's.
	account := &option{name: "--account", dest: "account", metavar: "ACCOUNT", nargs: 1, exact: true, hidden: true,
		help: "(tollgate) The 12-digit account the template deploys to, when no credentials tell it. Default: $AWS_ACCOUNT_ID."}
	ignore := &option{name: "--ignore-finding", dest: "ignore_finding", metavar: "FINDING_CODE,RESOURCE_NAME,RESOURCE_NAME.FINDING_CODE", nargs: 1,
		help: "Findings to leave out, comma-separated: a code, a resourceName, or both as RESOURCE_NAME.FINDING_CODE."}
	nonBlocking := &option{name: "--treat-findings-as-non-blocking", dest: "findings_are_non_blocking",
		help: "Report the findings as non-blocking, and exit 0."}
	with := func(extra ...*option) []*option { return append(append(common(), extra...), account) }
	validate := with(ignore,
		&option{name: "--treat-finding-type-as-blocking", dest: "treat_as_blocking", metavar: "ERROR,SECURITY_WARNING", nargs: 1, check: checkFindingTypes,
			help: "Finding types that block, comma-separated: ERROR, SECURITY_WARNING, WARNING, SUGGESTION, or NONE. Default: ERROR,SECURITY_WARNING."},
		&option{name: "--allow-external-principals", dest: "allowed_external_principals", metavar: "ACCOUNT,ARN", nargs: 1,
			help: `External principals that may have access, comma-separated: account IDs, principal ARNs, identity providers (graph.facebook.com), or "*" for anonymous access.`})
	compare := with(
		&option{name: "--reference-policy", dest: "reference_policy", metavar: "REFERENCE_POLICY", nargs: 1, required: true,
			help: "The JSON policy file the template's policies may grant no more than."},
		&option{name: "--reference-policy-type", dest: "reference_policy_type", metavar: "REFERENCE_POLICY_TYPE", nargs: 1, required: true,
			help: "identity (compare identity policies) or resource (resource and trust policies)."},
		ignore, nonBlocking)
	access := with(
		&option{name: "--resources", dest: "resources", metavar: "RESOURCES", nargs: 1,
			help: "Resource ARNs no policy may grant access to, comma-separated (at most 100)."},
		&option{name: "--actions", dest: "actions", metavar: "ACTIONS", nargs: 1,
			help: "Actions no policy may grant, comma-separated. At least one of --actions and --resources is needed."},
		ignore, nonBlocking)
	public := with(ignore, nonBlocking)
	sub := func(name, desc string, opts []*option) *parser {
		return &parser{name: name, prog: prog + " " + name, description: desc, options: opts}
	}
	return &parser{prog: prog,
		description: "Reads the IAM policies of a CloudFormation template as cfn-policy-validator does, and checks them with tollgate's offline rules.",
		options: []*option{
			{name: "--help", dest: "help", help: "show this help message and exit"},
			{name: "--version", dest: "version", help: "show program's version number and exit"},
		},
		commands: []*parser{
			sub("parse", "Prints the template's principals, resources and policies with intrinsic functions and pseudo parameters evaluated, as JSON.", with()),
			sub("validate", "Checks every policy of the template and prints the findings as JSON; exits 2 when one blocks.", validate),
			sub("check-no-new-access", "Compares each policy with a reference policy in IAM Access Analyzer (needs AWS credentials); exits 2 when one grants more.", compare),
			sub("check-access-not-granted", "Reports the policies that grant any of the given actions or access to any of the given resources; exits 2 when one does.", access),
			sub("check-no-public-access", "Reports the resource and trust policies that grant public access; exits 2 when one does.", public),
		},
	}
}
