package checks

import (
	"strings"

	"github.com/tollgate-dev/tollgate/policy"
	"github.com/tollgate-dev/tollgate/template"
)

// How a statement grants iam:PassRole, by the codes IAM Access Analyzer
// gives each shape.
const (
	codePassRoleStarResource             = "PASS_ROLE_WITH_STAR_IN_RESOURCE"
	codePassRoleStarActionAndResource    = "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE"
	codePassRoleNotResource              = "PASS_ROLE_WITH_NOT_RESOURCE"
	codePassRoleStarActionAndNotResource = "PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE"
	codePassRoleStarResourceAndNotAction = "PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION"
	codePassRoleNotActionAndNotResource  = "PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE"
	passRoleAction                       = "iam:PassRole"
	passRoleFixDefault                   = "list the roles it may pass in Resource (arn:aws:iam::123456789012:role/app-*), or add Condition StringEquals iam:PassedToService: the service that needs them"
)

// passRoleShape is how one identity policy statement grants iam:PassRole
// on every role, and where to report it.
type passRoleShape struct {
	code    string
	node    *template.Node
	path    string
	subject string
}

// passRoleOf classifies a statement; ok is false when it does not grant
// iam:PassRole broadly (or limits it with iam:PassedToService).
func passRoleOf(s *policy.Statement) (passRoleShape, bool) {
	if !s.Allows() {
		return passRoleShape{}, false
	}
	for _, c := range conditionsOn(s, "iam:PassedToService") {
		if positiveCondition(c) {
			return passRoleShape{}, false
		}
	}
	everyRole, notResource := false, s.NotResource.Present
	for _, v := range s.Resource.Values {
		if v.Known && allRoles(v.Text) {
			everyRole = true
		}
	}
	if !everyRole && !notResource {
		return passRoleShape{}, false
	}
	var literal, star *policy.Value
	for i := range s.Action.Values {
		v := &s.Action.Values[i]
		if !v.Known || !actionMatches(v.Text, passRoleAction) {
			continue
		}
		if strings.ContainsAny(v.Text, "*?") {
			if star == nil {
				star = v
			}
		} else if literal == nil {
			literal = v
		}
	}
	_, byNotAction := allowsAction(s, passRoleAction)
	byNotAction = byNotAction && !s.Action.Present
	switch {
	case literal != nil && everyRole:
		return passRoleShape{codePassRoleStarResource, literal.Node, literal.Path, literal.Text}, true
	case literal != nil:
		return passRoleShape{codePassRoleNotResource, literal.Node, literal.Path, literal.Text}, true
	case star != nil && everyRole:
		if strings.TrimSpace(star.Text) == "*" && s.Resource.Has("*", false) {
			return passRoleShape{}, false // administrator access, reported as such
		}
		return passRoleShape{codePassRoleStarActionAndResource, star.Node, star.Path, star.Text}, true
	case star != nil:
		return passRoleShape{codePassRoleStarActionAndNotResource, star.Node, star.Path, star.Text}, true
	case byNotAction && everyRole:
		return passRoleShape{codePassRoleStarResourceAndNotAction, s.NotAction.Node, s.NotAction.Path, "NotAction"}, true
	case byNotAction:
		return passRoleShape{codePassRoleNotActionAndNotResource, s.NotAction.Node, s.NotAction.Path, "NotAction"}, true
	}
	return passRoleShape{}, false
}

// allRoles reports whether a resource pattern covers every role of an
// account: "*", or an IAM ARN whose resource part is only wildcards after
// an optional "role/".
func allRoles(s string) bool {
	s = strings.TrimSpace(s)
	if strings.Trim(s, "*") == "" {
		return true
	}
	fields := strings.SplitN(s, ":", 6)
	if len(fields) != 6 || (fields[2] != "iam" && strings.Trim(fields[2], "*") != "") {
		return false
	}
	rest := strings.TrimPrefix(strings.TrimPrefix(fields[5], "role"), "/")
	return strings.Trim(rest, "*") == ""
}

// passRoleRule builds the rule for one PassRole shape.
func passRoleRule(r *Rule, message string) *Rule {
	r.Policy = func(c *PolicyContext) {
		if !c.grantsPermissions() {
			return
		}
		for _, s := range c.Doc.Statements {
			if shape, ok := passRoleOf(s); ok && shape.code == r.Code {
				c.At(shape.node, shape.path, shape.subject, message, "")
			}
		}
	}
	// An AWS managed policy's statements are judged at the line that
	// attaches the policy.
	r.Template = func(c *TemplateContext) {
		for _, f := range c.effective().passRole[r.Code] {
			f.Message += " " + message
			c.Report(f)
		}
	}
	return r
}

// passRoleWhy is the shared explanation of the PassRole rules.
const passRoleWhy = "iam:PassRole lets a principal hand a role to a service (an EC2 instance, a Lambda function, a " +
	"CloudFormation stack), which then acts with that role's permissions. On every role, it lets the principal " +
	"pass an administrator role to a service it controls and so gain every permission."
