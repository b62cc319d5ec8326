package checks

import (
	"slices"
	"strings"

	"github.com/tollgate-dev/tollgate/iamdata"
	"github.com/tollgate-dev/tollgate/policy"
	"github.com/tollgate-dev/tollgate/template"
)

// escalation is a set of permissions that lets their holder give itself
// more: the first (the pivot) granted on every resource, the others on any.
type escalation struct {
	actions []string
	how     string
	// passTo is the service principal a PassRole pivot passes the role to;
	// an iam:PassedToService condition that names it leaves the path open.
	passTo string
}

// escalations are the known paths, after Rhino Security Labs' catalogue of
// IAM privilege escalation methods.
var escalations = []escalation{
	{actions: []string{"iam:CreatePolicyVersion"}, how: "write a new default version of a managed policy attached to it"},
	{actions: []string{"iam:SetDefaultPolicyVersion"}, how: "switch a managed policy attached to it to a broader version"},
	{actions: []string{"iam:AttachUserPolicy"}, how: "attach AdministratorAccess to a user"},
	{actions: []string{"iam:AttachGroupPolicy"}, how: "attach AdministratorAccess to a group"},
	{actions: []string{"iam:AttachRolePolicy"}, how: "attach AdministratorAccess to a role"},
	{actions: []string{"iam:PutUserPolicy"}, how: "write an inline policy granting anything to a user"},
	{actions: []string{"iam:PutGroupPolicy"}, how: "write an inline policy granting anything to a group"},
	{actions: []string{"iam:PutRolePolicy"}, how: "write an inline policy granting anything to a role"},
	{actions: []string{"iam:AddUserToGroup"}, how: "add a user to any group, administrators included"},
	{actions: []string{"iam:CreateAccessKey"}, how: "create access keys for any user, administrators included"},
	{actions: []string{"iam:CreateLoginProfile"}, how: "set a console password for any user"},
	{actions: []string{"iam:UpdateLoginProfile"}, how: "change the console password of any user"},
	{actions: []string{"iam:UpdateAssumeRolePolicy", "sts:AssumeRole"}, how: "make any role trust it, then assume that role"},
	{actions: []string{"sts:AssumeRole"}, how: "assume every role that trusts this account"},
	{actions: []string{"iam:PassRole", "ec2:RunInstances"}, how: "start an instance with any role and use its credentials", passTo: "ec2.amazonaws.com"},
	{actions: []string{"iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"}, how: "create and run a function with any role", passTo: "lambda.amazonaws.com"},
	{actions: []string{"iam:PassRole", "lambda:CreateFunction", "lambda:CreateEventSourceMapping"}, how: "create a function with any role and trigger it", passTo: "lambda.amazonaws.com"},
	{actions: []string{"lambda:UpdateFunctionCode"}, how: "replace the code of any function and act with its role"},
	{actions: []string{"iam:PassRole", "cloudformation:CreateStack"}, how: "create a stack that acts with any role", passTo: "cloudformation.amazonaws.com"},
	{actions: []string{"iam:PassRole", "glue:CreateDevEndpoint"}, how: "create a Glue development endpoint with any role", passTo: "glue.amazonaws.com"},
	{actions: []string{"glue:UpdateDevEndpoint"}, how: "put its SSH key on any Glue development endpoint and use its role"},
	{actions: []string{"iam:PassRole", "glue:CreateJob", "glue:StartJobRun"}, how: "run a Glue job with any role", passTo: "glue.amazonaws.com"},
	{actions: []string{"iam:PassRole", "codebuild:CreateProject", "codebuild:StartBuild"}, how: "run a build with any role", passTo: "codebuild.amazonaws.com"},
	{actions: []string{"iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"}, how: "run a container task with any role", passTo: "ecs-tasks.amazonaws.com"},
	{actions: []string{"iam:PassRole", "sagemaker:CreateNotebookInstance", "sagemaker:CreatePresignedNotebookInstanceUrl"}, how: "open a notebook with any role", passTo: "sagemaker.amazonaws.com"},
	{actions: []string{"iam:PassRole", "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition"}, how: "run a data pipeline with any role", passTo: "datapipeline.amazonaws.com"},
}

// escalationActions are the actions of every escalation path.
var escalationActions = func() []string {
	var out []string
	for _, e := range escalations {
		for _, a := range e.actions {
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	return out
}()

// docFacts are what the privilege rules need to know of one document,
// found once: an AWS managed policy's are shared by every principal and
// template that attaches it.
type docFacts struct {
	// allows maps each escalation action to the Allow statements that
	// grant it, adminAllows to the administrator statements (Action "*" on
	// every resource) that do, which ADMINISTRATOR_ACCESS reports unless a
	// Deny cuts them; denied holds the actions an unconditional Deny on
	// every resource takes away.
	allows      map[string][]allowHit
	adminAllows map[string][]allowHit
	denied      map[string]bool
	// cut is set when such a Deny takes any action away, so the document
	// does not grant every action; admin are its administrator grants
	// otherwise.
	cut   bool
	admin []adminGrant
	// passRoles are the statements that grant iam:PassRole broadly.
	passRoles []passRoleHit
}

type allowHit struct {
	s *policy.Statement
	v policy.Value
}

type passRoleHit struct {
	s     *policy.Statement
	shape passRoleShape
}

// lowerEscalationActions are escalationActions in lower case, as
// patterns are compared.
var lowerEscalationActions = func() []string {
	out := make([]string, len(escalationActions))
	for i, a := range escalationActions {
		out[i] = strings.ToLower(a)
	}
	return out
}()

// factsOf reads a document's facts.
func factsOf(data *iamdata.Set, d *policy.Document) *docFacts {
	f := &docFacts{allows: map[string][]allowHit{}, adminAllows: map[string][]allowHit{}, denied: map[string]bool{}}
	for _, s := range d.Statements {
		switch {
		case s.Allows():
			into := f.allows
			if _, ok := administratorStatement(s); ok {
				into = f.adminAllows
			}
			for i, v := range allowedActions(s, lowerEscalationActions) {
				if v != nil {
					a := escalationActions[i]
					into[a] = append(into[a], allowHit{s, *v})
				}
			}
			if shape, ok := passRoleOf(s); ok {
				f.passRoles = append(f.passRoles, passRoleHit{s, shape})
			}
		case s.Effect == "Deny" && unconditional(s) && onEveryResource(s) && (s.Action.Present || s.NotAction.Present):
			f.cut = true
			for _, a := range escalationActions {
				if deniesAction(s, a) {
					f.denied[a] = true
				}
			}
		}
	}
	if !f.cut {
		f.admin = adminGrants(data, d.Statements)
	}
	return f
}

// allowedActions is allowsAction for many actions (in lower case) at
// once, lowering each pattern of the statement only once: an AWS managed
// policy has thousands. It returns, per action, the value that allows it.
func allowedActions(s *policy.Statement, actions []string) []*policy.Value {
	out := make([]*policy.Value, len(actions))
	if s.Action.Present {
		for i := range s.Action.Values {
			v := &s.Action.Values[i]
			if !v.Known {
				continue
			}
			p := strings.ToLower(strings.TrimSpace(v.Text))
			for j, a := range actions {
				if out[j] == nil && lowerMatch(p, a) {
					out[j] = v
				}
			}
		}
		return out
	}
	if !s.NotAction.Present || !s.NotAction.AllKnown() {
		return out
	}
	excepted := make([]bool, len(actions))
	for _, v := range s.NotAction.Values {
		p := strings.ToLower(strings.TrimSpace(v.Text))
		for j, a := range actions {
			if lowerMatch(p, a) {
				excepted[j] = true
			}
		}
	}
	for j := range actions {
		if !excepted[j] {
			out[j] = &policy.Value{Node: s.NotAction.Node, Path: s.NotAction.Path, Text: "NotAction", Known: true}
		}
	}
	return out
}

// lowerMatch is actionMatches on lower-case text, skipping patterns of
// another service without matching them.
func lowerMatch(pattern, action string) bool {
	svc, _, _ := strings.Cut(pattern, ":")
	if !strings.ContainsAny(svc, "*?") {
		asvc, _, _ := strings.Cut(action, ":")
		if svc != asvc {
			return false
		}
	}
	return iamdata.WildcardMatch(pattern, action)
}

// grantDoc is one document a principal holds, with the source it comes
// from (an index the caller understands) and the branch it holds in.
type grantDoc struct {
	facts *docFacts
	src   int
	when  template.Assumption
}

// escalationPart is the statement element that grants one action of an
// escalation path, and the conditions that narrow it.
type escalationPart struct {
	action string
	v      policy.Value
	src    int
	when   template.Assumption
	narrow narrowing
	// passedTo is set for a PassRole part that an iam:PassedToService
	// condition limits to the service the path needs.
	passedTo string
}

// pathFinder searches documents for the parts of escalation paths.
type pathFinder struct {
	data *iamdata.Set
	docs []grantDoc
	// withAdmin makes administrator statements parts too: when a Deny cuts
	// them, ADMINISTRATOR_ACCESS does not report them, so what they still
	// grant is judged here.
	withAdmin bool
}

// newPathFinder searches docs; cut says a Deny takes actions from the
// administrator statements among them.
func newPathFinder(data *iamdata.Set, docs []grantDoc, cut bool) *pathFinder {
	return &pathFinder{data: data, docs: docs, withAdmin: cut}
}

// adminCovers reports whether an administrator grant that no condition
// narrows is among docs: the principal can do anything, which
// ADMINISTRATOR_ACCESS reports, so escalation paths are not listed too.
func adminCovers(docs []grantDoc) bool {
	for _, d := range docs {
		for _, a := range d.facts.admin {
			if !a.narrow.narrowed() {
				return true
			}
		}
	}
	return false
}

// denied reports whether an unconditional Deny on every resource, in a
// branch compatible with when, takes action away.
func (f *pathFinder) denied(action string, when template.Assumption) bool {
	for _, d := range f.docs {
		if d.facts.denied[action] && agree(d.when, when) {
			return true
		}
	}
	return false
}

// deniesAction reports whether a Deny statement covers action, judging
// only from known values.
func deniesAction(s *policy.Statement, action string) bool {
	if s.Action.Present {
		for _, v := range s.Action.Values {
			if v.Known && actionMatches(v.Text, action) {
				return true
			}
		}
		return false
	}
	if s.NotAction.Present && s.NotAction.AllKnown() {
		for _, v := range s.NotAction.Values {
			if actionMatches(v.Text, action) {
				return false
			}
		}
		return true
	}
	return false
}

// candidates returns every statement part that allows action: on every
// resource when pivot is set, on any resource otherwise. For a PassRole
// pivot, an iam:PassedToService condition that admits passTo is not a
// narrowing, and one that does not admit it means the statement does not
// open this path at all.
func (f *pathFinder) candidates(action string, pivot bool, passTo string) []escalationPart {
	var out []escalationPart
	for _, d := range f.docs {
		hits := d.facts.allows[action]
		if f.withAdmin {
			hits = append(hits[:len(hits):len(hits)], d.facts.adminAllows[action]...)
		}
		for _, h := range hits {
			s := h.s
			if pivot && !onEveryResourceFor(f.data, s, action) {
				continue
			}
			var skip func(*policy.Condition) bool
			passedTo := ""
			if action == passRoleAction {
				if !passesTo(s, passTo) {
					continue
				}
				skip = func(c *policy.Condition) bool { return strings.EqualFold(c.Key, "iam:PassedToService") }
				for _, c := range conditionsOn(s, "iam:PassedToService") {
					if positiveCondition(c) {
						passedTo = passTo
					}
				}
			}
			if f.denied(action, d.when) {
				continue
			}
			out = append(out, escalationPart{action: action, v: h.v, src: d.src, when: d.when,
				narrow: conditionsOf(f.data, s, skip), passedTo: passedTo})
		}
	}
	return out
}

// passesTo reports whether a statement's iam:PassedToService conditions
// let a role be passed to service (always, when it has none).
func passesTo(s *policy.Statement, service string) bool {
	for _, c := range conditionsOn(s, "iam:PassedToService") {
		if !positiveCondition(c) {
			continue
		}
		if service == "" {
			return false // the path passes to no particular service
		}
		op, _ := condOperator(c)
		admits := false
		for _, v := range c.Values.Values {
			if !v.Known {
				continue
			}
			want := strings.ToLower(strings.TrimSpace(v.Text))
			if op.like && iamdata.WildcardMatch(want, service) || want == service {
				admits = true
			}
		}
		if !admits {
			return false
		}
	}
	return true
}

// onEveryResourceFor reports whether a statement grants action on every
// resource it could act on: Resource "*", a NotResource, or an ARN of the
// action's service whose resource part is a type the action acts on
// followed only by wildcards (arn:aws:iam::*:role/* for iam:PassRole).
func onEveryResourceFor(data *iamdata.Set, s *policy.Statement, action string) bool {
	if onEveryResource(s) {
		return true
	}
	for _, v := range s.Resource.Values {
		if v.Known && coversAll(data, v.Text, action) {
			return true
		}
	}
	return false
}

// coversAll reports whether a resource pattern names every resource of
// action's types.
func coversAll(data *iamdata.Set, pattern, action string) bool {
	pattern = strings.TrimSpace(pattern)
	if strings.Trim(pattern, "*") == "" {
		return true
	}
	fields := strings.SplitN(pattern, ":", 6)
	prefix, name, ok := splitAction(action)
	if len(fields) != 6 || !ok {
		return false
	}
	if svc := fields[2]; strings.Trim(svc, "*") != "" && !strings.EqualFold(svc, prefix) {
		return false
	}
	rest, typ := fields[5], ""
	if i := strings.IndexAny(rest, "/:"); i > 0 && strings.Trim(rest[:i], "abcdefghijklmnopqrstuvwxyz-") == "" {
		typ, rest = rest[:i+1], rest[i+1:]
	}
	if strings.Trim(rest, "*") != "" {
		return false
	}
	if typ == "" {
		return true
	}
	a := data.Action(prefix, name)
	if a == nil {
		return false
	}
	for _, r := range a.Resources {
		rt := data.ResourceType(prefix, r.Type)
		if rt == nil {
			continue
		}
		for _, format := range rt.ARNs {
			if f := strings.SplitN(format, ":", 6); len(f) == 6 && strings.HasPrefix(f[5], typ) {
				return true
			}
		}
	}
	return false
}

// agree reports whether two branches can hold together: no condition
// is assumed true in one and false in the other.
func agree(a, b template.Assumption) bool {
	for k, v := range a {
		if w, ok := b[k]; ok && w != v {
			return false
		}
	}
	return true
}

// merge returns the assumptions of both branches (compatible ones).
func merge(a, b template.Assumption) template.Assumption {
	if len(a) == 0 {
		return b
	}
	if len(b) == 0 {
		return a
	}
	out := template.Assumption{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// escalationWay is one way a set of statements opens an escalation path.
type escalationWay struct {
	e     *escalation
	parts []escalationPart
	when  template.Assumption
}

// softened reports whether a narrowing condition limits some part.
func (w escalationWay) softened() bool {
	for _, p := range w.parts {
		if p.narrow.narrowed() {
			return true
		}
	}
	return false
}

// sources returns the distinct sources of the parts, in part order.
func (w escalationWay) sources() []int {
	var out []int
	for _, p := range w.parts {
		if !slices.Contains(out, p.src) {
			out = append(out, p.src)
		}
	}
	return out
}

// ways returns, for each escalation path the statements open, the best way
// to open it: without narrowing conditions when possible, then with the
// fewest sources, choosing parts whose branches agree. prefer, when not
// nil, ranks the ways of one path (lower is better) after those two.
func (f *pathFinder) ways(prefer func(escalationWay) int) []escalationWay {
	var out []escalationWay
	for i := range escalations {
		e := &escalations[i]
		cands := make([][]escalationPart, len(e.actions))
		ok := true
		for j, a := range e.actions {
			cands[j] = distinctParts(f.candidates(a, j == 0, e.passTo))
			if len(cands[j]) == 0 {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		var best *escalationWay
		var bestRank [3]int
		pick := make([]escalationPart, len(e.actions))
		leaves := 0
		var walk func(j int, when template.Assumption)
		walk = func(j int, when template.Assumption) {
			if leaves >= maxWayLeaves {
				return // the best way so far stands; the path is open either way
			}
			if j == len(e.actions) {
				leaves++
				w := escalationWay{e: e, parts: append([]escalationPart(nil), pick...), when: when}
				rank := [3]int{0, len(w.sources()), 0}
				if w.softened() {
					rank[0] = 1
				}
				if prefer != nil {
					rank[2] = prefer(w)
				}
				if best == nil || less(rank, bestRank) {
					best, bestRank = &w, rank
				}
				return
			}
			for _, p := range cands[j] {
				if !agree(when, p.when) {
					continue
				}
				pick[j] = p
				walk(j+1, merge(when, p.when))
			}
		}
		walk(0, nil)
		if best != nil {
			out = append(out, *best)
		}
	}
	return out
}

// maxWayLeaves bounds the combinations of parts tried per path: a
// principal with hundreds of statements granting the same actions does not
// make the search cubic. Parts are distinct by source and narrowing, and
// unnarrowed ones are tried first, so the bound only gives up on ranking
// among equivalent ways, never on finding that a path is open.
const maxWayLeaves = 4096

// distinctParts keeps one part per source, branch and narrowing, the
// unnarrowed first: parts that differ only in which statement grants the
// action rank the same.
func distinctParts(ps []escalationPart) []escalationPart {
	type key struct {
		src    int
		when   string
		narrow bool
	}
	seen := map[key]bool{}
	out := ps[:0:0]
	for pass := 0; pass < 2; pass++ {
		for _, p := range ps {
			if p.narrow.narrowed() != (pass == 1) {
				continue
			}
			k := key{p.src, p.when.String(), p.narrow.narrowed()}
			if !seen[k] {
				seen[k] = true
				out = append(out, p)
			}
		}
	}
	return out
}

func less(a, b [3]int) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// wayText describes an escalation way's path: "iam:PassRole on every
// resource with lambda:CreateFunction and lambda:InvokeFunction lets it
// create and run a function with any role".
func wayText(w escalationWay) string {
	e := w.e
	path := pivotText(w)
	if len(e.actions) > 1 {
		path += " with " + strings.Join(e.actions[1:], " and ")
	}
	return path + " lets it " + e.how
}

// pivotText describes the pivot of a way: "iam:PassRole on every
// resource", "iam:PassRole on every resource (to lambda.amazonaws.com)".
func pivotText(w escalationWay) string {
	t := w.e.actions[0] + " on every resource"
	if p := w.parts[0].passedTo; p != "" {
		t += " (to " + p + ")"
	}
	return t
}

// softenedNote says which conditions narrow the parts of a way.
func softenedNote(data *iamdata.Set, w escalationWay) string {
	var n narrowing
	for _, p := range w.parts {
		n.narrow = append(n.narrow, p.narrow.narrow...)
	}
	return "only where " + n.where(data)
}
