package cfnpv

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/tollgate-dev/tollgate/checks"
	"github.com/tollgate-dev/tollgate/model"
	"github.com/tollgate-dev/tollgate/policy"
	"github.com/tollgate-dev/tollgate/template"
)

// Finding is one finding as cfn-policy-validator reports it.
type Finding struct {
	FindingType  string
	Code         string
	Message      string
	ResourceName string
	PolicyName   string
	// Details is the IAM Access Analyzer finding the tool would pass on:
	// a ValidatePolicy finding, or an access-preview one for external
	// access.
	Details Object
	// Tollgate says where tollgate found it.
	Tollgate Object
	// Blocking is set when the finding blocks.
	Blocking bool
	// Source is the tollgate finding.
	Source *checks.Finding
	key    sortKey
}

// Report is cfn-policy-validator's validate output.
type Report struct {
	Blocking, NonBlocking []Finding
	// Errors are failures of the run (a template that could not be read).
	Errors []template.Notice
}

// Options say how findings are filtered and classified, as the tool's
// flags do; the zero value keeps tollgate's own decisions.
type Options struct {
	// Ignore drops the findings the selectors name, matched on the
	// reported resourceName and code (--ignore-finding).
	Ignore []checks.IgnoreSelector
	// Blocks decides which findings block (--treat-finding-type-as-blocking);
	// nil keeps tollgate's blocking decision.
	Blocks func(findingType string) bool
	// Exclude are resource types left out (--exclude-resource-types).
	Exclude []string
}

// NewReport builds the validate report of a result whose templates kept
// their policies (engine.Options.KeepPolicies); a template that did not is
// reported under the finding's own names. Suppressed findings are left
// out, as the tool leaves out ignored ones.
func NewReport(r *model.Result, o Options) *Report {
	rep := &Report{Errors: r.Errors}
	views := map[string]*viewOf{}
	for _, t := range r.Templates {
		if t.Extracted != nil {
			views[t.File] = newViewOf(t.Extracted, o.Exclude)
		}
	}
	var all []Finding
	for i := range r.Findings {
		f := &r.Findings[i]
		if f.Suppression != nil {
			continue
		}
		for _, cf := range views[f.File].findings(f) {
			if ignored(o.Ignore, cf) {
				continue
			}
			cf.Blocking = f.Blocking
			if o.Blocks != nil {
				cf.Blocking = o.Blocks(cf.FindingType)
			}
			all = append(all, cf)
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].key.less(all[j].key) })
	for _, f := range all {
		if f.Blocking {
			rep.Blocking = append(rep.Blocking, f)
		} else {
			rep.NonBlocking = append(rep.NonBlocking, f)
		}
	}
	return rep
}

func ignored(sel []checks.IgnoreSelector, f Finding) bool {
	for _, s := range sel {
		if s.Matches(f.ResourceName, f.Code) {
			return true
		}
	}
	return false
}

// JSON is the report as the tool prints it.
func (r *Report) JSON() Object {
	list := func(fs []Finding) []any {
		out := make([]any, 0, len(fs))
		for _, f := range fs {
			out = append(out, f.Object())
		}
		return out
	}
	o := Object{{"BlockingFindings", list(r.Blocking)}, {"NonBlockingFindings", list(r.NonBlocking)}}
	if len(r.Errors) > 0 {
		errs := make([]any, len(r.Errors))
		for i, e := range r.Errors {
			errs[i] = e.String()
		}
		o.Set("Errors", errs)
	}
	return o
}

// Object is the finding in the tool's key order, with tollgate's own
// position under "tollgate".
func (f Finding) Object() Object {
	return Object{{"findingType", f.FindingType}, {"code", f.Code}, {"message", f.Message},
		{"resourceName", f.ResourceName}, {"policyName", f.PolicyName}, {"details", f.Details}, {"tollgate", f.Tollgate}}
}

// sortKey orders findings as the tool reports them: by type (errors,
// security warnings, warnings, suggestions), then in the order it
// validates policies.
type sortKey struct {
	rank, phase, target, policy, line, col int
	code                                   string
}

func (a sortKey) less(b sortKey) bool {
	for _, d := range [][2]int{{a.rank, b.rank}, {a.phase, b.phase}, {a.target, b.target}, {a.policy, b.policy}, {a.line, b.line}, {a.col, b.col}} {
		if d[0] != d[1] {
			return d[0] < d[1]
		}
	}
	return a.code < b.code
}

// The tool validates orphaned policies, roles (the trust policies'
// external access after all roles), users, groups, permission sets, then
// resources (external access after all of them).
const (
	phaseOrphans = iota
	phaseRoles
	phaseRoleAccess
	phaseUsers
	phaseGroups
	phasePermissionSets
	phaseResources
	phaseResourceAccess
	phaseTemplate
)

// viewOf is a template's view with what findings are matched against.
type viewOf struct {
	x      *model.Extracted
	view   *View
	b      *builder
	docs   map[*template.Policy]*rendered
	merges map[*Resource]*rendered
}

func newViewOf(x *model.Extracted, exclude []string) *viewOf {
	b := newBuilder(x.Template, x.Values, x.Extraction, exclude)
	return &viewOf{x: x, view: b.view, b: b, docs: map[*template.Policy]*rendered{}, merges: map[*Resource]*rendered{}}
}

// target is one place a policy is reported under.
type target struct {
	name, policyName  string
	phase, idx, order int
	offset            int
	// doc is the document the tool validates there (a function's merged
	// permissions policy), for spans.
	doc  *rendered
	kind string
	// attachment is the IAM Access Analyzer resource type of the
	// governed resource, for external access.
	attachment, resource string
	// logicalID is the principal's, for a principal target.
	logicalID string
}

// targets lists where a policy is reported, in the tool's order.
func (v *viewOf) targets(p *template.Policy, access bool) []target {
	var out []target
	phaseOf := func(base int) int {
		if access {
			switch base {
			case phaseRoles:
				return phaseRoleAccess
			case phaseResources:
				return phaseResourceAccess
			}
		}
		return base
	}
	for i, a := range v.view.Orphaned {
		if a.Policy == p {
			out = append(out, target{name: Orphan, policyName: a.Name, phase: phaseOrphans, idx: i})
		}
	}
	principals := []struct {
		list  []*Principal
		phase int
	}{{v.view.Roles, phaseRoles}, {v.view.Users, phaseUsers}, {v.view.Groups, phaseGroups}, {v.view.PermissionSets, phasePermissionSets}}
	for _, pl := range principals {
		for i, pr := range pl.list {
			if pr.Trust == p {
				out = append(out, target{name: pr.Name, policyName: "TrustPolicy", phase: phaseOf(pl.phase), idx: i, kind: pr.Kind,
					attachment: "AWS::IAM::Role", resource: v.b.arn("iam", "", "role/"+strings.TrimPrefix(pr.Path, "/")+pr.Name), logicalID: pr.LogicalID})
			}
			for j, a := range pr.Policies {
				if a.Policy == p {
					out = append(out, target{name: pr.Name, policyName: a.Name, phase: pl.phase, idx: i, order: j + 1, kind: pr.Kind, logicalID: pr.LogicalID})
				}
			}
		}
	}
	for i, r := range v.view.Resources {
		if r.ACL == p {
			// The ACL is judged with the bucket policy, under its name;
			// its own locations are in the ACL's synthesized document.
			out = append(out, target{name: r.Name, policyName: r.PolicyName, phase: phaseOf(phaseResources), idx: i,
				kind: KindResource, attachment: r.Type, resource: v.resourceARN(r)})
		}
		for k, part := range r.Parts {
			if part == p {
				out = append(out, target{name: r.Name, policyName: r.PolicyName, phase: phaseOf(phaseResources), idx: i,
					offset: r.Offsets[k], doc: v.merged(r), kind: KindResource, attachment: r.Type, resource: v.resourceARN(r)})
			}
		}
	}
	return out
}

// findings maps a tollgate finding onto the places the tool reports it:
// once per principal its policy is attached to.
func (v *viewOf) findings(f *checks.Finding) []Finding {
	code := f.Code
	var p *template.Policy
	if v != nil {
		p = v.policyOf(f)
	}
	if p != nil && code == "INVALID_ARN_PREFIX" && v.fewerThanSixFields(p, f.PolicyPath) {
		// Access Analyzer counts an ARN's fields before its prefix: a
		// value that is no ARN at all lacks fields first.
		code = "MISSING_ARN_FIELD"
	}
	var targets []target
	if p != nil {
		targets = v.targets(p, f.Code == "EXTERNAL_PRINCIPAL")
		for _, q := range v.b.byPath[f.Resource] {
			if len(targets) > 0 {
				break
			}
			// A policy of another parameter variant stands at the same
			// place: it is reported where the view's one is.
			if q != p && q.Path == p.Path && q.Kind == p.Kind {
				targets = v.targets(q, f.Code == "EXTERNAL_PRINCIPAL")
			}
		}
	}
	if f.Principal != "" {
		// About one principal's union of policies: reported under that
		// principal only, not every holder of the policy it points at.
		targets = slices.DeleteFunc(targets, func(t target) bool { return t.logicalID != f.Principal })
		if len(targets) == 0 && v != nil {
			name := f.Principal
			if pr := v.b.principals[f.Principal]; pr != nil {
				name = pr.Name
			}
			targets = []target{{name: name, policyName: f.Policy, phase: phaseTemplate, logicalID: f.Principal}}
		}
	}
	if len(targets) == 0 {
		targets = []target{{name: f.Resource, policyName: f.Policy, phase: phaseTemplate}}
		if v != nil {
			if pr := v.b.principals[f.Resource]; pr != nil {
				targets[0].name = pr.Name
			}
		}
	}
	msg := f.Message
	if c := f.Conditions(); c != "" {
		// A script that reads only the message still learns that the
		// finding needs non-default parameter values.
		msg += " (" + c + ")"
	}
	out := make([]Finding, 0, len(targets))
	for _, t := range targets {
		cf := Finding{FindingType: string(f.Type), Code: code, Message: msg, ResourceName: t.name, PolicyName: t.policyName,
			Source: f, Tollgate: tollgateDetails(f),
			key: sortKey{rank: f.Type.Rank(), phase: t.phase, target: t.idx, policy: t.order, line: f.Line, col: f.Column, code: code}}
		if f.Code == "EXTERNAL_PRINCIPAL" && p != nil {
			cf.Details = v.accessDetails(f, p, t)
		} else {
			cf.Details = v.validationDetails(f, code, p, t)
		}
		out = append(out, cf)
	}
	return out
}

// policyOf finds the policy a finding is in: the one of its resource whose
// path is the longest prefix of the finding's path, in its branch.
func (v *viewOf) policyOf(f *checks.Finding) *template.Policy {
	var best *template.Policy
	for _, p := range v.b.byPath[f.Resource] {
		if f.Path != p.Path && !strings.HasPrefix(f.Path, p.Path+".") && !strings.HasPrefix(f.Path, p.Path+"[") {
			continue
		}
		switch {
		case best == nil, len(p.Path) > len(best.Path):
			best = p
		case len(p.Path) == len(best.Path) && p.Branch == f.Branch && best.Branch != f.Branch:
			best = p
		}
	}
	return best
}

func (v *viewOf) fewerThanSixFields(p *template.Policy, path string) bool {
	n := nodeAt(p.Document, path)
	if n == nil {
		return false
	}
	s, ok := v.b.textOf(n, 0)
	return ok && strings.Count(s, ":") < 5
}

// nodeAt finds the node at a document path ("Statement[0].Resource[1]").
func nodeAt(doc *template.Node, path string) *template.Node {
	n := doc
	for path != "" && n != nil {
		if strings.HasPrefix(path, "[") {
			j := strings.IndexByte(path, ']')
			i, err := strconv.Atoi(path[1:max(j, 1)])
			if j < 0 || err != nil {
				return nil
			}
			path = strings.TrimPrefix(path[j+1:], ".")
			if n.Kind != template.Seq {
				if i == 0 {
					continue // a single value written without a list
				}
				return nil
			}
			if i >= len(n.Items) {
				return nil
			}
			n = n.Items[i]
			continue
		}
		if n.Kind != template.Map {
			return nil
		}
		// Keys may hold dots (condition keys): take the longest that fits.
		var next *template.Node
		rest, best := "", -1
		for _, f := range n.Fields {
			if len(f.Key) > best && (path == f.Key || strings.HasPrefix(path, f.Key+".") || strings.HasPrefix(path, f.Key+"[")) {
				next, rest, best = f.Value, strings.TrimPrefix(path[len(f.Key):], "."), len(f.Key)
			}
		}
		if next == nil {
			return nil
		}
		n, path = next, rest
	}
	return n
}

// tollgateDetails is where tollgate found the finding.
func tollgateDetails(f *checks.Finding) Object {
	o := Object{{"code", f.Code}, {"file", f.File}, {"line", f.Line}, {"column", f.Column}, {"endLine", f.EndLine}}
	if f.Resource != "" {
		o.Set("resource", f.Resource)
	}
	if f.Path != "" {
		o.Set("path", f.Path)
	}
	if f.Branch != "" {
		o.Set("branch", f.Branch)
	}
	if f.When != "" {
		o.Set("when", f.When)
	}
	if f.Environment != "" {
		o.Set("environment", f.Environment)
	}
	if f.Fix != "" {
		o.Set("fix", f.Fix)
	}
	o.Set("source", f.Source)
	o.Set("fingerprint", f.Fingerprint)
	return o
}

// validationDetails is the ValidatePolicy finding the tool would pass on.
func (v *viewOf) validationDetails(f *checks.Finding, code string, p *template.Policy, t target) Object {
	link := f.LearnMore
	if code != f.Code {
		link = learnMore(code, f.Type)
	}
	o := Object{{"findingDetails", f.Message}, {"findingType", string(f.Type)}, {"issueCode", code}}
	if link != "" {
		o.Set("learnMoreLink", link)
	}
	locs := []any{}
	if p != nil {
		doc := t.doc
		if doc == nil {
			doc = v.rendered(p)
		}
		path := shiftStatement(f.PolicyPath, t.offset)
		loc := Object{{"path", pathElements(path)}}
		if s, ok := doc.spans[path]; ok {
			loc.Set("span", Object{{"start", position(s[0])}, {"end", position(s[1])}})
		}
		locs = append(locs, loc)
	}
	o.Set("locations", locs)
	return o
}

func position(offset int) Object {
	return Object{{"line", 1}, {"column", offset}, {"offset", offset}}
}

// shiftStatement moves a path into a merged policy: Statement[0] of the
// third permission of a function is Statement[2] of its policy.
func shiftStatement(path string, offset int) string {
	if offset == 0 || !strings.HasPrefix(path, "Statement[") {
		return path
	}
	rest := strings.TrimPrefix(path, "Statement[")
	j := strings.IndexByte(rest, ']')
	i, err := strconv.Atoi(rest[:max(j, 0)])
	if j < 0 || err != nil {
		return path
	}
	return "Statement[" + strconv.Itoa(i+offset) + "]" + rest[j+1:]
}

// pathElements turns "Statement[0].Condition.StringEquals.aws:SourceIp[1]"
// into Access Analyzer's path elements. Condition keys may hold dots
// (token.actions.githubusercontent.com:sub): after the operator, the rest
// up to a list index is the key.
func pathElements(p string) []any {
	out := []any{}
	value := func(s string) { out = append(out, Object{{"value", s}}) }
	index := func(s string) bool {
		for strings.HasPrefix(s, "[") {
			j := strings.IndexByte(s, ']')
			n, err := strconv.Atoi(s[1:max(j, 1)])
			if j < 0 || err != nil {
				return false
			}
			out = append(out, Object{{"index", n}})
			s = s[j+1:]
		}
		return s == ""
	}
	segments := strings.SplitN(p, ".", 4)
	for i, seg := range segments {
		if i == 3 && segments[1] == "Condition" {
			key, idx := seg, ""
			if j := strings.IndexByte(seg, '['); j > 0 {
				key, idx = seg[:j], seg[j:]
			}
			out = append(out, Object{{"key", key}})
			index(idx)
			continue
		}
		if i == 3 {
			for _, s := range strings.Split(seg, ".") {
				step(s, value, index)
			}
			continue
		}
		step(seg, value, index)
	}
	return out
}

func step(seg string, value func(string), index func(string) bool) {
	if seg == "" {
		return
	}
	j := strings.IndexByte(seg, '[')
	if j < 0 {
		value(seg)
		return
	}
	if j > 0 {
		value(seg[:j])
	}
	index(seg[j:])
}

// accessDetails is the access-preview finding the tool would pass on for
// external access: who gets in, to do what, on which resource.
func (v *viewOf) accessDetails(f *checks.Finding, p *template.Policy, t target) Object {
	doc := policy.Parse(p.Document)
	principal, actions, public := Object{}, []any{}, false
	stmt := statementOf(doc, f.PolicyPath)
	if stmt != nil {
		for _, a := range stmt.Action.Values {
			actions = append(actions, v.b.text(a.Node, a.Text))
		}
		if stmt.Principal != nil && stmt.Principal.Wildcard {
			principal.Set("AWS", "*")
			public = true
		}
	}
	if n := nodeAt(p.Document, f.PolicyPath); n != nil && principal.Get("AWS") == nil {
		key := "AWS"
		if strings.Contains(f.PolicyPath, ".Federated") {
			key = "Federated"
		}
		text := v.b.text(n, n.Value)
		principal.Set(key, text)
		public = text == "*"
	}
	resource := t.resource
	account := v.b.v.AccountID
	return Object{{"principal", principal}, {"action", actions}, {"condition", Object{}}, {"resource", resource},
		{"isPublic", public}, {"resourceType", t.attachment}, {"changeType", "NEW"}, {"status", "ACTIVE"},
		{"resourceOwnerAccount", account}, {"sources", []any{Object{{"type", "POLICY"}}}}}
}

// statementOf returns the statement a document path is in.
func statementOf(doc *policy.Document, path string) *policy.Statement {
	for _, s := range doc.Statements {
		if path == s.Path || strings.HasPrefix(path, s.Path+".") || strings.HasPrefix(path, s.Path+"[") {
			return s
		}
	}
	if len(doc.Statements) == 1 {
		return doc.Statements[0]
	}
	return nil
}

// resourceARN is the ARN the tool gives a governed resource in its access
// previews.
func (v *viewOf) resourceARN(r *Resource) string {
	b := v.b
	switch r.Type {
	case "AWS::S3::Bucket":
		return "arn:" + b.v.Partition + ":s3:::" + r.Name
	case "AWS::SQS::Queue":
		return b.arn("sqs", b.v.Region, r.Name)
	case "AWS::KMS::Key":
		return b.arn("kms", b.v.Region, "key/"+r.Name)
	case "AWS::S3::AccessPoint":
		return b.arn("s3", b.v.Region, "accesspoint/"+r.Name)
	case "AWS::S3::MultiRegionAccessPoint":
		return b.arn("s3", "", "accesspoint/"+r.Name)
	case "AWS::SecretsManager::Secret":
		return b.arn("secretsmanager", b.v.Region, "secret:"+r.Name)
	case "AWS::SNS::Topic":
		return b.arn("sns", b.v.Region, r.Name)
	case "AWS::Lambda::Function":
		return b.arn("lambda", b.v.Region, "function:"+r.Name)
	}
	return r.Name
}

// learnMore links a code to its section of Access Analyzer's policy
// checks reference.
func learnMore(code string, t checks.Type) string {
	kind := map[checks.Type]string{checks.Error: "error", checks.SecurityWarning: "security-warning",
		checks.Warning: "general-warning", checks.Suggestion: "suggestion"}[t]
	return "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-" +
		kind + "-" + strings.ReplaceAll(strings.ToLower(code), "_", "-")
}
