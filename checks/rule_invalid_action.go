package checks

import (
	"fmt"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/spelling"
	"github.com/tollgate-dev/tollgate/policy"
)

// apiNameActions maps API operation names that people write in policies to
// the IAM action that authorizes them, where the two differ.
var apiNameActions = map[string]string{
	"s3:listbuckets":              "s3:ListAllMyBuckets",
	"s3:listobjects":              "s3:ListBucket",
	"s3:listobjectsv2":            "s3:ListBucket",
	"s3:headobject":               "s3:GetObject",
	"s3:headbucket":               "s3:ListBucket",
	"s3:deleteobjects":            "s3:DeleteObject",
	"s3:createmultipartupload":    "s3:PutObject",
	"s3:uploadpart":               "s3:PutObject",
	"s3:completemultipartupload":  "s3:PutObject",
	"s3:copyobject":               "s3:GetObject and s3:PutObject",
	"s3:listobjectversions":       "s3:ListBucketVersions",
	"s3:listmultipartuploads":     "s3:ListBucketMultipartUploads",
	"s3:getbucketlifecycle":       "s3:GetLifecycleConfiguration",
	"s3:putbucketlifecycle":       "s3:PutLifecycleConfiguration",
	"s3:getbucketreplication":     "s3:GetReplicationConfiguration",
	"s3:getbucketencryption":      "s3:GetEncryptionConfiguration",
	"s3:putbucketencryption":      "s3:PutEncryptionConfiguration",
	"lambda:invoke":               "lambda:InvokeFunction",
	"sts:getcalleridentity":       "sts:GetCallerIdentity",
	"dynamodb:batchgetitems":      "dynamodb:BatchGetItem",
	"ec2:describeinstancesstatus": "ec2:DescribeInstanceStatus",
}

// splitAction separates "service:Action"; ok is false when there is no colon.
func splitAction(s string) (prefix, name string, ok bool) {
	prefix, name, ok = strings.Cut(s, ":")
	return prefix, name, ok && prefix != "" && name != ""
}

// actionValues yields the known action strings of a statement's Action and
// NotAction elements.
func actionValues(s *policy.Statement, visit func(v policy.Value, element string)) {
	for _, el := range []struct {
		name string
		list policy.List
	}{{"Action", s.Action}, {"NotAction", s.NotAction}} {
		for _, v := range el.list.Values {
			if v.Known {
				visit(v, el.name)
			}
		}
	}
}

func ruleInvalidServiceInAction() *Rule {
	r := &Rule{
		Code:  "INVALID_SERVICE_IN_ACTION",
		Type:  Error,
		Title: "An action names a service prefix that does not exist",
		Why: "IAM ignores actions of services that do not exist, so the statement grants or denies less than " +
			"its author meant; a Deny that names a misspelled service protects nothing.",
		Fix:       "use the service prefix from the service authorization reference, e.g. s3, dynamodb, lambda",
		Example:   "Action: s4:GetObject",
		LearnMore: aaURL + "access-analyzer-reference-policy-checks-error-invalid-service-in-action",
	}
	r.Policy = func(c *PolicyContext) {
		data := c.Options.Data
		for _, s := range c.Doc.Statements {
			actionValues(s, func(v policy.Value, element string) {
				if v.Text == "*" {
					return
				}
				prefix, _, ok := splitAction(v.Text)
				if !ok {
					c.At(v.Node, v.Path, v.Text, fmt.Sprintf("%q is not an action: actions are written service:Action, e.g. s3:GetObject", v.Text),
						"write the action as service:Action")
					return
				}
				if strings.ContainsAny(prefix, "*?") || data.HasService(prefix) {
					return
				}
				msg := fmt.Sprintf("%s is not a service prefix, so %s matches no action", prefix, v.Text)
				fix := r.Fix
				if s, ok := spelling.Closest(prefix, data.Prefixes()); ok {
					msg += fmt.Sprintf(". Did you mean %s (%s)?", s, data.ServiceName(s))
					fix = fmt.Sprintf("replace %s with %s", prefix, s)
				}
				c.At(v.Node, v.Path, v.Text, msg, fix)
			})
		}
	}
	return r
}

func ruleInvalidAction() *Rule {
	r := &Rule{
		Code:  "INVALID_ACTION",
		Type:  Error,
		Title: "An action does not exist in its service",
		Why: "IAM silently ignores an action that does not exist: the permission the author meant to grant is " +
			"missing (the deploy works, the application fails later), or the Deny meant to protect something does not apply.",
		Fix:       "use an action listed in the service authorization reference",
		Example:   "Action: s3:GetObjekt",
		LearnMore: aaURL + "access-analyzer-reference-policy-checks-error-invalid-action",
	}
	r.Policy = func(c *PolicyContext) {
		data := c.Options.Data
		for _, s := range c.Doc.Statements {
			actionValues(s, func(v policy.Value, element string) {
				prefix, name, ok := splitAction(v.Text)
				if !ok || strings.ContainsAny(v.Text, "*?") {
					return
				}
				svc := data.Service(prefix)
				if svc == nil || data.Action(prefix, name) != nil {
					return
				}
				msg := fmt.Sprintf("%s is not an action of %s.", v.Text, svc.Name)
				fix := r.Fix
				if alt, ok := apiNameActions[strings.ToLower(v.Text)]; ok {
					msg += fmt.Sprintf(" Did you mean %s? (%s is an API operation; IAM authorizes it with %s.)", alt, name, alt)
					fix = "replace it with " + alt
				} else {
					names := make([]string, len(svc.Actions))
					for i, a := range svc.Actions {
						names[i] = a.Name
					}
					if s, ok := spelling.Closest(name, names); ok {
						msg += fmt.Sprintf(" Did you mean %s:%s?", svc.Prefix, s)
						fix = fmt.Sprintf("replace it with %s:%s", svc.Prefix, s)
					}
				}
				c.At(v.Node, v.Path, v.Text, msg, fix)
			})
		}
	}
	return r
}
