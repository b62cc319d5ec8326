package checks

import (
	"fmt"
	"strings"

	"github.com/tollgate-dev/tollgate/policy"
)

// escalation is a set of permissions that lets their holder give itself
// more: the first (the pivot) granted on every resource, the others on any.
type escalation struct {
	actions []string
	how     string
}

// escalations are the known paths, after Rhino Security Labs' catalogue of
// IAM privilege escalation methods.
var escalations = []escalation{
	{[]string{"iam:CreatePolicyVersion"}, "write a new default version of a managed policy attached to it"},
	{[]string{"iam:SetDefaultPolicyVersion"}, "switch a managed policy attached to it to a broader version"},
	{[]string{"iam:AttachUserPolicy"}, "attach AdministratorAccess to a user"},
	{[]string{"iam:AttachGroupPolicy"}, "attach AdministratorAccess to a group"},
	{[]string{"iam:AttachRolePolicy"}, "attach AdministratorAccess to a role"},
	{[]string{"iam:PutUserPolicy"}, "write an inline policy granting anything to a user"},
	{[]string{"iam:PutGroupPolicy"}, "write an inline policy granting anything to a group"},
	{[]string{"iam:PutRolePolicy"}, "write an inline policy granting anything to a role"},
	{[]string{"iam:AddUserToGroup"}, "add a user to any group, administrators included"},
	{[]string{"iam:CreateAccessKey"}, "create access keys for any user, administrators included"},
	{[]string{"iam:CreateLoginProfile"}, "set a console password for any user"},
	{[]string{"iam:UpdateLoginProfile"}, "change the console password of any user"},
	{[]string{"iam:UpdateAssumeRolePolicy", "sts:AssumeRole"}, "make any role trust it, then assume that role"},
	{[]string{"sts:AssumeRole"}, "assume every role that trusts this account"},
	{[]string{"iam:PassRole", "ec2:RunInstances"}, "start an instance with any role and use its credentials"},
	{[]string{"iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"}, "create and run a function with any role"},
	{[]string{"iam:PassRole", "lambda:CreateFunction", "lambda:CreateEventSourceMapping"}, "create a function with any role and trigger it"},
	{[]string{"lambda:UpdateFunctionCode"}, "replace the code of any function and act with its role"},
	{[]string{"iam:PassRole", "cloudformation:CreateStack"}, "create a stack that acts with any role"},
	{[]string{"iam:PassRole", "glue:CreateDevEndpoint"}, "create a Glue development endpoint with any role"},
	{[]string{"glue:UpdateDevEndpoint"}, "put its SSH key on any Glue development endpoint and use its role"},
	{[]string{"iam:PassRole", "glue:CreateJob", "glue:StartJobRun"}, "run a Glue job with any role"},
	{[]string{"iam:PassRole", "codebuild:CreateProject", "codebuild:StartBuild"}, "run a build with any role"},
	{[]string{"iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"}, "run a container task with any role"},
	{[]string{"iam:PassRole", "sagemaker:CreateNotebookInstance", "sagemaker:CreatePresignedNotebookInstanceUrl"}, "open a notebook with any role"},
	{[]string{"iam:PassRole", "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition"}, "run a data pipeline with any role"},
}

func rulePrivilegeEscalation() *Rule {
	r := &Rule{
		Code:  "PRIVILEGE_ESCALATION",
		Type:  SecurityWarning,
		Title: "A policy lets its holder grant itself more permissions",
		Why: "Some permissions, granted on every resource, are administrator access by another name: " +
			"iam:AttachRolePolicy or iam:PutRolePolicy let the holder give any role any permission, " +
			"iam:CreatePolicyVersion rewrites its own policy, iam:PassRole with lambda:CreateFunction or " +
			"ec2:RunInstances runs code as any role. A compromised principal with them owns the account.",
		Fix: "scope these actions to the resources they are for (specific roles, users or functions), or add " +
			"conditions (iam:PassedToService, iam:PolicyARN, aws:ResourceTag) that pin them",
		Example:   "Statement:\n  - Effect: Allow\n    Action: [iam:PassRole, lambda:CreateFunction, lambda:InvokeFunction]\n    Resource: \"*\"",
		LearnMore: docsURL + "privilege_escalation",
	}
	r.Policy = func(c *PolicyContext) {
		if !c.grantsPermissions() || hasAdministratorStatement(c.Doc) {
			return
		}
		// find returns where the policy allows action without conditions:
		// on every resource when everywhere is set (the pivot of an
		// escalation), on any resource otherwise (its companions: creating
		// a function named app-* still runs it with any role passed).
		find := func(action string, everywhere bool) (policy.Value, bool) {
			for _, s := range c.Doc.Statements {
				if !unconditional(s) || (everywhere && !onEveryResource(s)) {
					continue
				}
				if v, ok := allowsAction(s, action); ok {
					return v, true
				}
			}
			return policy.Value{}, false
		}
		type anchor struct {
			v     policy.Value
			paths []string
		}
		var order []string
		anchors := map[string]*anchor{}
	combos:
		for _, e := range escalations {
			var first policy.Value
			for i, a := range e.actions {
				v, ok := find(a, i == 0)
				if !ok {
					continue combos
				}
				if i == 0 {
					first = v
				}
			}
			key := first.Path
			if anchors[key] == nil {
				anchors[key] = &anchor{v: first}
				order = append(order, key)
			}
			path := e.actions[0] + " on every resource"
			if len(e.actions) > 1 {
				path += " with " + strings.Join(e.actions[1:], " and ")
			}
			anchors[key].paths = append(anchors[key].paths, path+" lets it "+e.how)
		}
		for _, key := range order {
			a := anchors[key]
			shown := a.paths
			more := ""
			if len(shown) > 3 {
				more = fmt.Sprintf("; and %d more ways", len(shown)-3)
				shown = shown[:3]
			}
			c.At(a.v.Node, a.v.Path, a.v.Text, fmt.Sprintf("This policy lets its holder escalate its privileges: %s%s.", strings.Join(shown, "; "), more), "")
		}
	}
	return r
}
