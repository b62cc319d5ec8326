package diff

import (
	"fmt"
	"github.com/tollgate-dev/tollgate/internal/awsid"
	"sort"
	"strings"

	"github.com/tollgate-dev/tollgate/iamdata"
	"github.com/tollgate-dev/tollgate/policy"
	"github.com/tollgate-dev/tollgate/template"
)

// iamPolicy is one policy of one side, keyed for matching across sides.
type iamPolicy struct {
	key   string
	p     *template.Policy
	stmts []*stmt
	// rel is the document's path inside the resource's Properties.
	rel string
}

// stmt is a statement reduced to what it grants: sets of actions,
// resources and principals under conditions.
type stmt struct {
	sid          string
	effect       string
	actions      []string
	notActions   []string
	hasNotAction bool
	resources    []string
	notResources []string
	hasNotRes    bool
	// principals maps a principal type to its values; nil for identity
	// policies, which have no Principal.
	principals map[string][]string
	notPrinc   bool
	conds      map[string][]string
	// condNames keeps the keys of conds as written, for summaries.
	condNames map[string]string
	canon     string
	line      int
}

// security finds the security-relevant changes: IAM, network, exposure.
func (d *differ) security() {
	d.iam()
	d.network()
	d.exposure()
	rank := map[string]int{Widened: 0, Changed: 1, Narrowed: 2}
	sort.SliceStable(d.sd.IAM, func(i, j int) bool {
		a, b := d.sd.IAM[i], d.sd.IAM[j]
		if rank[a.Change] != rank[b.Change] {
			return rank[a.Change] < rank[b.Change]
		}
		if a.Resource != b.Resource {
			return a.Resource < b.Resource
		}
		return a.Policy < b.Policy
	})
	sort.SliceStable(d.sd.Network, func(i, j int) bool {
		a, b := d.sd.Network[i], d.sd.Network[j]
		if rank[a.Change] != rank[b.Change] {
			return rank[a.Change] < rank[b.Change]
		}
		if a.Public != b.Public {
			return a.Public
		}
		return a.Resource < b.Resource
	})
	sort.SliceStable(d.sd.Exposure, func(i, j int) bool {
		a, b := d.sd.Exposure[i], d.sd.Exposure[j]
		if rank[a.Change] != rank[b.Change] {
			return rank[a.Change] < rank[b.Change]
		}
		return a.Resource < b.Resource
	})
}

func (d *differ) policies(s *side, isBase bool) ([]*iamPolicy, []template.ManagedPolicyRef) {
	if s.t == nil || s.t.Root == nil {
		return nil, nil
	}
	// Only resources that changed can change permissions: extract their
	// policies alone (a shallow copy of the template with fewer resources).
	changed := map[string]bool{}
	for _, rc := range d.sd.Resources {
		if isBase && rc.PreviousLogicalID != "" {
			changed[rc.PreviousLogicalID] = true
		} else {
			changed[rc.LogicalID] = true
		}
	}
	sub := *s.t
	sub.Resources = nil
	for _, r := range s.t.Resources {
		if changed[r.LogicalID] {
			sub.Resources = append(sub.Resources, r)
		}
	}
	ex := template.Extract(&sub, s.c.r)
	out := make([]*iamPolicy, 0, len(ex.Policies))
	for _, p := range ex.Policies {
		id := p.LogicalID
		if isBase {
			if n, ok := d.ren[id]; ok {
				id = n
			}
		}
		rel := strings.TrimPrefix(p.Path, "Resources."+p.LogicalID+".Properties")
		rel = strings.TrimPrefix(rel, ".")
		ip := &iamPolicy{key: id + "\x00" + rel + "\x00" + p.Branch, p: p, rel: rel}
		doc := policy.Parse(p.Document)
		for _, st := range doc.Statements {
			ip.stmts = append(ip.stmts, d.reduce(st, isBase))
		}
		out = append(out, ip)
	}
	return out, ex.ManagedPolicies
}

// ident renders a policy value for comparison: its text when known, else
// what it is made of, with renamed resources under their new names.
func (d *differ) ident(v policy.Value, isBase bool) string {
	if v.Known {
		return v.Text
	}
	return d.nodeIdent(v.Node, isBase)
}

func (d *differ) nodeIdent(n *template.Node, isBase bool) string {
	if n == nil {
		return ""
	}
	if s, ok := n.Str(); ok {
		return s
	}
	if n.Kind == template.Unknown && len(n.Items) > 0 {
		var b strings.Builder
		for _, p := range n.Items {
			if s, ok := p.Str(); ok {
				b.WriteString(s)
			} else {
				b.WriteString("${" + strings.TrimSuffix(strings.TrimPrefix(d.nodeIdent(p, isBase), "${"), "}") + "}")
			}
		}
		return b.String()
	}
	if o := n.Origin; o != nil {
		res := o.Resource
		if isBase {
			if nn, ok := d.ren[res]; ok {
				res = nn
			}
		}
		switch {
		case o.Func == "Fn::GetAtt" && res != "":
			return "${" + res + "." + o.Attribute + "}"
		case o.Func == "Ref" && res != "":
			return "${" + res + "}"
		case o.Parameter != "":
			return "${" + o.Parameter + "}"
		case o.Pseudo != "":
			return "${" + o.Pseudo + "}"
		}
	}
	return n.Value
}

func (d *differ) list(l policy.List, isBase, lower bool) []string {
	out := make([]string, 0, len(l.Values))
	seen := map[string]bool{}
	for _, v := range l.Values {
		s := d.ident(v, isBase)
		k := s
		if lower {
			// IAM action names compare without case; keep the spelling.
			k = strings.ToLower(s)
		}
		if !seen[k] {
			seen[k] = true
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i]) < strings.ToLower(out[j]) })
	return out
}

func (d *differ) reduce(st *policy.Statement, isBase bool) *stmt {
	s := &stmt{sid: st.Sid, effect: st.Effect, conds: map[string][]string{}, condNames: map[string]string{}}
	if st.Node != nil {
		s.line = st.Node.Pos.Line
	}
	s.actions = d.list(st.Action, isBase, true)
	s.notActions = d.list(st.NotAction, isBase, true)
	s.hasNotAction = st.NotAction.Present
	s.resources = d.list(st.Resource, isBase, false)
	s.notResources = d.list(st.NotResource, isBase, false)
	s.hasNotRes = st.NotResource.Present
	pr := st.Principal
	if pr == nil && st.NotPrincipal != nil {
		pr, s.notPrinc = st.NotPrincipal, true
	}
	if pr != nil {
		s.principals = map[string][]string{}
		if pr.Wildcard {
			s.principals["AWS"] = []string{"*"}
		}
		for _, t := range pr.TypeNames() {
			vals := d.list(pr.Types[t], isBase, false)
			for i, v := range vals {
				if t == "AWS" && awsid.IsAccount(v) {
					vals[i] = "arn:aws:iam::" + v + ":root"
				}
			}
			sort.Strings(vals)
			s.principals[t] = vals
		}
	}
	for _, c := range st.Conditions {
		k := c.Operator + " " + strings.ToLower(c.Key)
		s.conds[k] = d.list(c.Values, isBase, false)
		s.condNames[k] = c.Operator + " " + c.Key
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%s|%q|%q|%v|%q|%q|%v|%v|", s.sid, s.effect, lowerAll(s.actions), lowerAll(s.notActions), s.hasNotAction, s.resources, s.notResources, s.hasNotRes, s.notPrinc)
	for _, t := range sortedKeys(s.principals) {
		fmt.Fprintf(&b, "%s=%q;", t, s.principals[t])
	}
	b.WriteByte('|')
	for _, k := range sortedKeys(s.conds) {
		fmt.Fprintf(&b, "%s=%q;", k, s.conds[k])
	}
	s.canon = b.String()
	return s
}

func lowerAll(vals []string) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = strings.ToLower(v)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (d *differ) iam() {
	bp, bm := d.policies(d.base, true)
	hp, hm := d.policies(d.head, false)
	byKey := map[string]*iamPolicy{}
	for _, p := range bp {
		byKey[p.key] = p
	}
	matched := map[string]bool{}
	for _, h := range hp {
		b := byKey[h.key]
		if b != nil {
			matched[h.key] = true
		}
		d.comparePolicies(b, h)
	}
	for _, b := range bp {
		if !matched[b.key] {
			d.comparePolicies(b, nil)
		}
	}
	d.managed(bm, hm)
}

func (d *differ) comparePolicies(b, h *iamPolicy) {
	var bs, hs []*stmt
	ref := h
	if b != nil {
		bs = b.stmts
	}
	if h != nil {
		hs = h.stmts
	} else {
		ref = b
	}
	// Drop statements that are the same on both sides.
	count := map[string]int{}
	for _, s := range bs {
		count[s.canon]++
	}
	var restH []*stmt
	for _, s := range hs {
		if count[s.canon] > 0 {
			count[s.canon]--
			continue
		}
		restH = append(restH, s)
	}
	count = map[string]int{}
	for _, s := range hs {
		count[s.canon]++
	}
	var restB []*stmt
	for _, s := range bs {
		if count[s.canon] > 0 {
			count[s.canon]--
			continue
		}
		restB = append(restB, s)
	}
	usedB := make([]bool, len(restB))
	// Pairing compares every remaining statement with every other; past
	// this many pairs only statements with the same Sid pair up.
	const maxPairs = 10000
	bySidOnly := len(restB)*len(restH) > maxPairs
	for _, hsmt := range restH {
		// Any statement of the same effect pairs, the most alike first: an
		// edit that shares no value (s3:GetObject to s3:*) is still an edit.
		best, bestScore := -1, -1.0
		for i, bsmt := range restB {
			if usedB[i] || bsmt.effect != hsmt.effect || bySidOnly && (bsmt.sid == "" || bsmt.sid != hsmt.sid) {
				continue
			}
			score := stmtSimilarity(bsmt, hsmt)
			if score > bestScore {
				best, bestScore = i, score
			}
		}
		if best >= 0 {
			usedB[best] = true
			d.addStatement(ref, restB[best], hsmt)
			continue
		}
		d.addStatement(ref, nil, hsmt)
	}
	for i, bsmt := range restB {
		if !usedB[i] {
			d.addStatement(ref, bsmt, nil)
		}
	}
}

// stmtSimilarity scores how likely two statements are one statement edited:
// the same Sid, or shared actions, resources and principals.
func stmtSimilarity(a, b *stmt) float64 {
	if a.sid != "" && a.sid == b.sid {
		return 100
	}
	shared, total := 0, 0
	overlap := func(x, y []string) {
		set := map[string]bool{}
		for _, v := range x {
			set[strings.ToLower(v)] = true
		}
		for _, v := range y {
			if set[strings.ToLower(v)] {
				shared++
			}
		}
		total += len(x) + len(y)
	}
	overlap(a.actions, b.actions)
	overlap(a.notActions, b.notActions)
	overlap(a.resources, b.resources)
	for t, v := range a.principals {
		overlap(v, b.principals[t])
	}
	if total == 0 {
		return 0.5
	}
	return float64(2*shared) / float64(total)
}

// maxListed bounds how many values a summary names.
const maxListed = 3

func listText(vals []string) string {
	if len(vals) <= maxListed {
		return strings.Join(vals, ", ")
	}
	return strings.Join(vals[:maxListed], ", ") + fmt.Sprintf(" and %d more", len(vals)-maxListed)
}

// grantText describes what a statement allows or denies.
func grantText(s *stmt) string {
	var b strings.Builder
	switch {
	case s.hasNotAction:
		b.WriteString("every action except " + listText(s.notActions))
	default:
		b.WriteString(listText(s.actions))
	}
	switch {
	case s.hasNotRes:
		b.WriteString(" on every resource except " + listText(s.notResources))
	case len(s.resources) > 0:
		b.WriteString(" on " + listText(s.resources))
	}
	if s.principals != nil {
		var ps []string
		for _, t := range sortedKeys(s.principals) {
			for _, v := range s.principals[t] {
				ps = append(ps, t+" "+v)
			}
		}
		if s.notPrinc {
			b.WriteString(" to every principal except " + listText(ps))
		} else {
			b.WriteString(" to " + listText(ps))
		}
	}
	if len(s.conds) > 0 {
		var names []string
		for _, k := range sortedKeys(s.conds) {
			names = append(names, s.condNames[k])
		}
		b.WriteString(" when " + listText(names))
	}
	return b.String()
}

func (d *differ) addStatement(p *iamPolicy, b, h *stmt) {
	sc := &StatementChange{Resource: p.p.LogicalID, ResourceType: p.p.ResourceType, Policy: p.rel,
		Kind: p.p.Kind.String(), Branch: p.p.Branch}
	if p.p.Name != "" {
		sc.Policy += " (" + p.p.Name + ")"
	}
	if sc.Policy == "" {
		sc.Policy = "(from its properties)"
	}
	switch {
	case b == nil:
		sc.Sid, sc.Line = h.sid, h.line
		verb := "allows"
		sc.Change = Widened
		if h.effect != "Allow" {
			verb, sc.Change = "denies", Narrowed
		}
		sc.Summary = "new statement " + verb + " " + grantText(h)
	case h == nil:
		sc.Sid = b.sid
		verb := "allowed"
		sc.Change = Narrowed
		if b.effect != "Allow" {
			verb, sc.Change = "denied", Widened
		}
		sc.Summary = "statement removed; it " + verb + " " + grantText(b)
	default:
		sc.Sid, sc.Line = h.sid, h.line
		sc.Change, sc.Summary = d.compareStatements(b, h)
		if sc.Change == "" {
			// Written differently, granting the same: the property diff
			// shows the edit; there is nothing to say about access.
			return
		}
	}
	if p.p.LogicalID != "" {
		if h != nil {
			if rc := d.changes[p.p.LogicalID]; rc != nil && rc.Change == Added {
				sc.Summary = strings.Replace(sc.Summary, "new statement", "new resource's statement", 1)
			}
		}
	}
	d.sd.IAM = append(d.sd.IAM, sc)
}

// compareStatements classifies the edit of one statement. A statement
// grants the product of its actions, resources and principals under its
// conditions, so it grants more exactly when one of them grows (or a
// condition goes away); for a Deny, growing takes access away.
func (d *differ) compareStatements(b, h *stmt) (string, string) {
	sd := &stmtDelta{d: d}
	actionCovered := func(v string, set []string) bool { return d.actionCovered(v, set) }
	sd.negatable("action", b.hasNotAction, h.hasNotAction, b.actions, h.actions, b.notActions, h.notActions, actionCovered)
	sd.negatable("resource", b.hasNotRes, h.hasNotRes, b.resources, h.resources, b.notResources, h.notResources, globCovered)
	sd.principals(b, h)
	sd.conditions(b, h)
	return sd.verdict(b, h)
}

// stmtDelta collects what an edit of one statement grants (wide), takes
// away (narrow) or changes in a way that cannot be ordered (other), from
// the point of view of an Allow.
type stmtDelta struct {
	d                   *differ
	wide, narrow, other []string
}

// dim compares one list of the statement. A list grants more when it
// gains items; a list of exceptions (NotAction, NotResource, NotPrincipal)
// grants more when it loses them. Wildcard actions on the side that grants
// more are shown with the number they match.
func (sd *stmtDelta) dim(name string, bv, hv []string, covered func(string, []string) bool, exceptions bool) {
	var added, removed []string
	for _, v := range hv {
		if !covered(v, bv) {
			added = append(added, v)
		}
	}
	for _, v := range bv {
		if !covered(v, hv) {
			removed = append(removed, v)
		}
	}
	if exceptions {
		if len(removed) > 0 {
			sd.wide = append(sd.wide, name+" "+sd.d.describeAdded(name, removed)+" removed")
		}
		if len(added) > 0 {
			sd.narrow = append(sd.narrow, name+" "+listText(added)+" added")
		}
		return
	}
	if len(added) > 0 {
		sd.wide = append(sd.wide, name+" "+sd.d.describeAdded(name, added)+" added")
	}
	if len(removed) > 0 {
		sd.narrow = append(sd.narrow, name+" "+listText(removed)+" removed")
	}
}

// negatable compares a dimension a statement states either as a list
// (Action, Resource) or as the exceptions to everything (NotAction,
// NotResource).
func (sd *stmtDelta) negatable(noun string, bNot, hNot bool, bList, hList, bExcept, hExcept []string, covered func(string, []string) bool) {
	switch {
	case bNot == hNot && !hNot:
		sd.dim(noun+"s", bList, hList, covered, false)
	case bNot == hNot:
		sd.dim("excepted "+noun+"s", bExcept, hExcept, covered, true)
	case hNot:
		sd.wide = append(sd.wide, "now every "+noun+" except "+listText(hExcept))
	default:
		sd.other = append(sd.other, "now only "+listText(hList)+" instead of every "+noun+" except "+listText(bExcept))
	}
}

// principals compares Principal (or NotPrincipal) type by type.
func (sd *stmtDelta) principals(b, h *stmt) {
	switch {
	case b.notPrinc != h.notPrinc:
		sd.other = append(sd.other, "the statement switched between Principal and NotPrincipal")
	case b.principals != nil || h.principals != nil:
		for _, t := range unionKeys(b.principals, h.principals) {
			if h.notPrinc {
				sd.dim("excepted "+t+" principals", b.principals[t], h.principals[t], principalCovered, true)
			} else {
				sd.dim(t+" principals", b.principals[t], h.principals[t], principalCovered, false)
			}
		}
	}
}

// conditions compares the condition keys: one removed grants more, one
// added grants less, and a changed value list widens or narrows by what
// the operator does with more values.
func (sd *stmtDelta) conditions(b, h *stmt) {
	for _, k := range unionKeys(b.conds, h.conds) {
		bv, bok := b.conds[k]
		hv, hok := h.conds[k]
		op, _, _ := strings.Cut(k, " ")
		name := h.condNames[k]
		if name == "" {
			name = b.condNames[k]
		}
		switch {
		case !hok:
			sd.wide = append(sd.wide, "condition "+name+" removed")
		case !bok:
			sd.narrow = append(sd.narrow, "condition "+name+" added")
		default:
			sd.conditionValues(op, name, bv, hv)
		}
	}
}

func (sd *stmtDelta) conditionValues(op, name string, bv, hv []string) {
	added, removed := diffStrings(bv, hv)
	if len(added) == 0 && len(removed) == 0 {
		return
	}
	base, _, _ := policy.SplitOperator(op)
	desc := fmt.Sprintf("condition %s: %s", name, changeList(added, removed))
	switch {
	case strings.Contains(base, "Not"):
		// A negated operator matches more when its list shrinks.
		if len(removed) > 0 {
			sd.wide = append(sd.wide, desc)
		} else {
			sd.narrow = append(sd.narrow, desc)
		}
	case strings.HasPrefix(base, "String") || strings.HasPrefix(base, "Arn") || base == "IpAddress":
		if len(added) > 0 {
			sd.wide = append(sd.wide, desc)
		} else {
			sd.narrow = append(sd.narrow, desc)
		}
	default:
		sd.other = append(sd.other, desc)
	}
}

// verdict turns the collected differences into the change and its
// summary; for a Deny, what grows takes access away.
func (sd *stmtDelta) verdict(b, h *stmt) (string, string) {
	wide, narrow := sd.wide, sd.narrow
	if b.effect != "Allow" {
		wide, narrow = narrow, wide
	}
	parts := append(append(append([]string(nil), wide...), sd.other...), narrow...)
	summary := strings.Join(parts, "; ")
	if summary == "" {
		if b.sid == h.sid {
			return "", ""
		}
		summary = fmt.Sprintf("Sid changed from %q to %q", b.sid, h.sid)
	}
	if b.effect != "Allow" {
		summary = "Deny: " + summary
	}
	switch {
	case len(wide) > 0:
		return Widened, summary
	case len(sd.other) > 0:
		return Changed, summary
	case len(narrow) > 0:
		return Narrowed, summary
	}
	return Changed, summary
}

func unionKeys[V any](a, b map[string]V) []string {
	set := map[string]bool{}
	for k := range a {
		set[k] = true
	}
	for k := range b {
		set[k] = true
	}
	return sortedKeys(set)
}

func diffStrings(b, h []string) (added, removed []string) {
	bs := map[string]bool{}
	for _, v := range b {
		bs[v] = true
	}
	hs := map[string]bool{}
	for _, v := range h {
		hs[v] = true
		if !bs[v] {
			added = append(added, v)
		}
	}
	for _, v := range b {
		if !hs[v] {
			removed = append(removed, v)
		}
	}
	return added, removed
}

func changeList(added, removed []string) string {
	var parts []string
	if len(added) > 0 {
		parts = append(parts, listText(added)+" added")
	}
	if len(removed) > 0 {
		parts = append(parts, listText(removed)+" removed")
	}
	return strings.Join(parts, ", ")
}

// describeAdded names the values that make a grant wider; for action
// wildcards it says how many actions they match.
func (d *differ) describeAdded(dim string, vals []string) string {
	if dim != "actions" && dim != "excepted actions" || d.o.Data == nil {
		return listText(vals)
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = v
		if strings.ContainsAny(v, "*?") {
			if n := len(expandActions(d.o.Data, v)); n > 0 {
				out[i] = fmt.Sprintf("%s (%d actions)", v, n)
			}
		}
	}
	return listText(out)
}

// actionCovered reports whether every action the pattern v matches is
// matched by some pattern of set. Wildcards are compared by the actions they
// match in the service reference, so s3:Get* is covered by the list of
// every s3:Get action; patterns of unknown services compare as text.
func (d *differ) actionCovered(v string, set []string) bool {
	if globCoveredFold(v, set) {
		return true
	}
	if d.o.Data == nil || !strings.ContainsAny(v, "*?") {
		return false
	}
	prefix, _, _ := strings.Cut(v, ":")
	if strings.ContainsAny(prefix, "*?") {
		return false
	}
	acts := expandActions(d.o.Data, v)
	if len(acts) == 0 {
		return false
	}
	for _, a := range acts {
		if !globCoveredFold(a, set) {
			return false
		}
	}
	return true
}

// expandActions lists the actions ("s3:getobject", lower case) that an
// action pattern of a known service matches.
func expandActions(data *iamdata.Set, pattern string) []string {
	prefix, name, ok := strings.Cut(strings.ToLower(pattern), ":")
	if !ok {
		return nil
	}
	svc := data.Service(prefix)
	if svc == nil {
		return nil
	}
	var out []string
	for _, a := range svc.Actions {
		if glob(name, strings.ToLower(a.Name)) {
			out = append(out, prefix+":"+strings.ToLower(a.Name))
		}
	}
	return out
}

// globCovered reports whether some pattern of set matches v as text, so
// "arn:aws:s3:::b/*" covers "arn:aws:s3:::b/logs/*".
func globCovered(v string, set []string) bool {
	for _, p := range set {
		if p == v || glob(p, v) {
			return true
		}
	}
	return false
}

func globCoveredFold(v string, set []string) bool {
	lv := strings.ToLower(v)
	for _, p := range set {
		if glob(strings.ToLower(p), lv) {
			return true
		}
	}
	return false
}

// principalCovered also knows that an account's root principal stands for
// every principal of the account.
func principalCovered(v string, set []string) bool {
	if globCovered(v, set) {
		return true
	}
	acct := arnAccount(v)
	if acct == "" {
		return false
	}
	for _, p := range set {
		if strings.HasSuffix(p, ":root") && arnAccount(p) == acct {
			return true
		}
	}
	return false
}

func arnAccount(s string) string {
	f := strings.SplitN(s, ":", 6)
	if len(f) == 6 && f[0] == "arn" && awsid.IsAccount(f[4]) {
		return f[4]
	}
	return ""
}

// glob matches IAM wildcards: * any run of characters, ? one character.
// It runs in linear time (no backtracking blow-up on hostile patterns).
func glob(pattern, s string) bool {
	px, sx := 0, 0
	nextPx, nextSx := -1, -1
	for px < len(pattern) || sx < len(s) {
		if px < len(pattern) {
			switch c := pattern[px]; c {
			case '*':
				nextPx, nextSx = px, sx+1
				px++
				continue
			case '?':
				if sx < len(s) {
					px++
					sx++
					continue
				}
			default:
				if sx < len(s) && s[sx] == c {
					px++
					sx++
					continue
				}
			}
		}
		if nextSx > 0 && nextSx <= len(s) {
			px, sx = nextPx, nextSx
			continue
		}
		return false
	}
	return true
}

// managed diffs the managed policies attached to roles, users and groups.
func (d *differ) managed(base, head []template.ManagedPolicyRef) {
	key := func(m template.ManagedPolicyRef, isBase bool) (string, string) {
		id := m.LogicalID
		if isBase {
			if n, ok := d.ren[id]; ok {
				id = n
			}
		}
		arn := d.nodeIdent(m.ARN, isBase)
		return id + "\x00" + arn, arn
	}
	bset := map[string]bool{}
	for _, m := range base {
		k, _ := key(m, true)
		bset[k] = true
	}
	hset := map[string]bool{}
	for _, m := range head {
		k, arn := key(m, false)
		hset[k] = true
		if bset[k] {
			continue
		}
		line := 0
		if m.ARN != nil {
			line = m.ARN.Pos.Line
		}
		d.sd.IAM = append(d.sd.IAM, &StatementChange{Resource: m.LogicalID, ResourceType: m.ResourceType,
			Policy: strings.TrimPrefix(m.Path, "Resources."+m.LogicalID+".Properties."), Kind: "managed", Change: Widened,
			Summary: "attaches the managed policy " + arn, Line: line})
	}
	for _, m := range base {
		k, arn := key(m, true)
		if hset[k] {
			continue
		}
		id := m.LogicalID
		if n, ok := d.ren[id]; ok {
			id = n
		}
		d.sd.IAM = append(d.sd.IAM, &StatementChange{Resource: id, ResourceType: m.ResourceType,
			Policy: strings.TrimPrefix(m.Path, "Resources."+m.LogicalID+".Properties."), Kind: "managed", Change: Narrowed,
			Summary: "detaches the managed policy " + arn})
	}
}
