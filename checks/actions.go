package checks

import (
	"strings"

	"github.com/tollgate-dev/tollgate/iamdata"
	"github.com/tollgate-dev/tollgate/policy"
	"github.com/tollgate-dev/tollgate/template"
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

// actionMatches reports whether an action pattern as written in a policy
// ("s3:Get*", "*") covers the action "service:Name", without regard to case.
func actionMatches(pattern, action string) bool {
	return iamdata.WildcardMatch(strings.ToLower(strings.TrimSpace(pattern)), strings.ToLower(action))
}

// allowsAction reports whether an Allow statement grants action by its
// Action or NotAction element, judging only from known values: a NotAction
// with an unknown value grants nothing we can prove.
func allowsAction(s *policy.Statement, action string) (policy.Value, bool) {
	if !s.Allows() {
		return policy.Value{}, false
	}
	if s.Action.Present {
		for _, v := range s.Action.Values {
			if v.Known && actionMatches(v.Text, action) {
				return v, true
			}
		}
		return policy.Value{}, false
	}
	if s.NotAction.Present && s.NotAction.AllKnown() {
		for _, v := range s.NotAction.Values {
			if actionMatches(v.Text, action) {
				return policy.Value{}, false
			}
		}
		return policy.Value{Node: s.NotAction.Node, Path: s.NotAction.Path, Text: "NotAction", Known: true}, true
	}
	return policy.Value{}, false
}

// onEveryResource reports whether a statement applies to every resource:
// Resource "*", or a NotResource (which leaves everything else).
func onEveryResource(s *policy.Statement) bool {
	if s.NotResource.Present {
		return true
	}
	return s.Resource.Has("*", false)
}

// unconditional reports whether a statement has no Condition element.
func unconditional(s *policy.Statement) bool {
	n := s.ConditionNode
	return n == nil || n.Kind == template.Map && len(n.Fields) == 0
}
