package checks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tollgate-dev/tollgate/iamdata"
)

func rulePrivilegeEscalation() *Rule {
	r := &Rule{
		Code:  "PRIVILEGE_ESCALATION",
		Type:  SecurityWarning,
		Title: "A principal can grant itself more permissions",
		Why: "Some permissions, granted on every resource, are administrator access by another name: " +
			"iam:AttachRolePolicy or iam:PutRolePolicy let the holder give any role any permission, " +
			"iam:CreatePolicyVersion rewrites its own policy, iam:PassRole with lambda:CreateFunction or " +
			"ec2:RunInstances runs code as any role. A compromised principal with them owns the account. The rule " +
			"judges each policy alone, then each role, user (with its groups) and group by the union of what is " +
			"attached to it: inline policies, the template's policies that name it, and AWS managed policies by their " +
			"content (IAMFullAccess, AWSLambda_FullAccess…). A path opened only by the union is reported at the " +
			"attachment that completes it, naming the parts. An iam:PassedToService condition closes a PassRole path " +
			"only when it excludes the service that path passes the role to. Conditions are judged as for " +
			"ADMINISTRATOR_ACCESS: only one that narrows who or what softens the finding to a WARNING.",
		Fix: "scope these actions to the resources they are for (specific roles, users or functions), or add " +
			"conditions (iam:PassedToService, iam:PolicyARN, aws:ResourceTag) that pin them",
		Example:   "Statement:\n  - Effect: Allow\n    Action: [iam:PassRole, lambda:CreateFunction, lambda:InvokeFunction]\n    Resource: \"*\"",
		LearnMore: docsURL + "privilege_escalation",
	}
	r.Policy = func(c *PolicyContext) {
		if !c.grantsPermissions() {
			return
		}
		docs := []grantDoc{{facts: c.facts(c.Doc)}}
		if adminCovers(docs) {
			return
		}
		type anchor struct {
			ways []escalationWay
		}
		var order []string
		anchors := map[string]*anchor{}
		for _, w := range newPathFinder(c.Options.Data, docs, docs[0].facts.cut).ways(nil) {
			key := w.parts[0].v.Path
			if anchors[key] == nil {
				anchors[key] = &anchor{}
				order = append(order, key)
			}
			anchors[key].ways = append(anchors[key].ways, w)
		}
		for _, key := range order {
			ways := anchors[key].ways
			pivot := ways[0].parts[0].v
			msg, typ := escalationMessage(c.Options.Data, ways, "This policy lets its holder escalate its privileges: ", nil)
			rep := c.atNode(pivot.Node, pivot.Path, pivot.Text, msg, "")
			rep.Type = typ
			c.Report(rep)
		}
	}
	r.Template = func(c *TemplateContext) {
		for _, f := range c.effective().escalation {
			c.Report(f)
		}
	}
	return r
}

// escalationMessage words a finding about escalation ways: the ways that
// no condition narrows when there are any (a SECURITY_WARNING), else the
// narrowed ones with what remains (a WARNING). label, for a principal's
// union, names the source of each part.
func escalationMessage(data *iamdata.Set, ways []escalationWay, lead string, label func(src int) string) (string, Type) {
	var open, narrowed []escalationWay
	for _, w := range ways {
		if w.softened() {
			narrowed = append(narrowed, w)
		} else {
			open = append(open, w)
		}
	}
	shown, typ := open, Type("")
	if len(open) == 0 {
		shown, typ = narrowed, Warning
	}
	var texts []string
	var loose narrowing
	for _, w := range shown {
		t := wayLabel(w, label)
		if typ == Warning {
			t += " (" + softenedNote(data, w) + ")"
		}
		texts = append(texts, t)
		for _, p := range w.parts {
			for _, l := range p.narrow.loose {
				if !hasLoose(loose.loose, l) {
					loose.loose = append(loose.loose, l)
				}
			}
		}
	}
	more := ""
	if len(texts) > 3 {
		more = fmt.Sprintf("; and %d more ways", len(texts)-3)
		texts = texts[:3]
	}
	msg := lead
	if typ == Warning {
		msg = strings.TrimSuffix(lead, ": ") + ", under conditions that narrow it: "
	}
	return msg + strings.Join(texts, "; ") + more + "." + loose.looseNote(), typ
}

func hasLoose(ls []looseCondition, l looseCondition) bool {
	for _, x := range ls {
		if x.c == l.c {
			return true
		}
	}
	return false
}

// wayLabel describes a way, naming the source of each part when label is
// set: "iam:PassRole on every resource (from AppPolicy) with
// lambda:CreateFunction and lambda:InvokeFunction (from
// arn:aws:iam::aws:policy/AWSLambda_FullAccess) lets it create and run a
// function with any role".
func wayLabel(w escalationWay, label func(src int) string) string {
	if label == nil {
		return wayText(w)
	}
	// the parts grouped by source, in order: the pivot first
	var srcs []int
	var acts [][]string
	for i, p := range w.parts {
		text := p.action
		if i == 0 {
			text = pivotText(w)
		}
		j := slices.Index(srcs, p.src)
		if j < 0 {
			srcs = append(srcs, p.src)
			acts = append(acts, nil)
			j = len(srcs) - 1
		}
		acts[j] = append(acts[j], text)
	}
	groups := make([]string, len(srcs))
	for i, s := range srcs {
		groups[i] = strings.Join(acts[i], " and ") + " from " + label(s)
	}
	verb := " let it "
	if len(w.parts) == 1 {
		verb = " lets it "
	}
	return strings.Join(groups, " + ") + verb + w.e.how
}
