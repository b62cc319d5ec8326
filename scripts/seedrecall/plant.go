package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Class names what a plant is and which finding catches it.
type Class struct {
	Name string
	// Codes are the finding codes that count as catching the plant.
	Codes []string
	Doc   string
}

// The planted classes, in report order.
var classes = []Class{
	{"misspelled-action", []string{"INVALID_ACTION", "INVALID_SERVICE_IN_ACTION"},
		"a misspelled action added to an existing statement of the template"},
	{"trust-wildcard", []string{"EXTERNAL_PRINCIPAL"},
		`a statement {Principal: {AWS: "*"}, Action: sts:AssumeRole} added to a role's trust policy`},
	{"admin-irrelevant-condition", []string{"ADMINISTRATOR_ACCESS"},
		`Action "*" on Resource "*" behind aws:SecureTransport, aws:RequestedRegion or aws:MultiFactorAuthPresent, added to an identity policy`},
	{"escalation-irrelevant-condition", []string{"PRIVILEGE_ESCALATION"},
		`iam:AttachRolePolicy on Resource "*" behind the same conditions, added to an identity policy`},
	{"admin-no-condition", []string{"ADMINISTRATOR_ACCESS"},
		`control: the admin statement above without its condition (shows the plant itself is detectable)`},
	{"escalation-no-condition", []string{"PRIVILEGE_ESCALATION"},
		`control: the escalation statement above without its condition`},
	{"admin-off-by-default", []string{"ADMINISTRATOR_ACCESS"},
		`a new managed policy granting Action "*" on "*", whose Condition is false under the parameters' defaults (Stage=prod; sandbox is allowed)`},
	{"misspelled-action-off-by-default", []string{"INVALID_ACTION", "INVALID_SERVICE_IN_ACTION"},
		"a misspelled action in a new managed policy whose Condition is false under the defaults"},
	{"trust-wildcard-nondefault-if", []string{"EXTERNAL_PRINCIPAL"},
		`a trust statement whose Principal is !If [off-by-default condition, "*", the account root]`},
}

// irrelevant are condition keys that narrow neither who nor what.
var irrelevant = []string{"Bool:aws:SecureTransport:true", "StringEquals:aws:RequestedRegion:eu-west-1", "Bool:aws:MultiFactorAuthPresent:true"}

// Names the plants add to a template; unlikely to collide with real ones.
const (
	seedParam     = "TollgateSeedStage"
	seedCondition = "TollgateSeedIsSandbox"
	seedResource  = "TollgateSeedPolicy"
	sidPrefix     = "TollgateSeed"
)

// site is one policy statement of a template that a plant can go into.
type site struct {
	stmt     *yaml.Node // the statement mapping
	resource string
	rtype    string
	// condition is the resource's Condition, if any; inIf tells that the
	// statement sits inside an Fn::If branch.
	condition string
	inIf      bool
	// trust and identity tell which kind of policy holds the statement.
	trust, identity bool
	// list is the Statement sequence the statement is an item of.
	list *yaml.Node
}

// Plant is one planted problem at a known place in a variant file.
type Plant struct {
	Class    string `json:"class"`
	File     string `json:"file"`
	Source   string `json:"source"`
	Resource string `json:"resource"`
	Type     string `json:"resourceType"`
	// Token is the planted misspelled action, or the Sid of a planted statement.
	Token string `json:"token"`
	// Line and EndLine bound the place in File where a finding catches it.
	Line    int    `json:"line"`
	EndLine int    `json:"endLine"`
	Context string `json:"context,omitempty"`
	// Caught is whether a finding of the class's codes was reported there;
	// Found lists every finding code reported there (for misses).
	Caught   bool     `json:"caught"`
	Blocking bool     `json:"blocking"`
	Found    []string `json:"found,omitempty"`
	// CaughtPinned is the control run's result (classes behind the seed
	// parameter only).
	CaughtPinned *bool `json:"caughtPinned,omitempty"`
}

// doc is a parsed template.
type doc struct {
	root *yaml.Node // the document's top mapping
}

func parseDoc(src []byte) (*doc, error) {
	var n yaml.Node
	if err := yaml.Unmarshal(src, &n); err != nil {
		return nil, err
	}
	if n.Kind != yaml.DocumentNode || len(n.Content) != 1 || n.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("not a mapping")
	}
	blockStyle(&n)
	return &doc{root: n.Content[0]}, nil
}

// blockStyle turns JSON's flow collections into YAML blocks, so that each
// statement and action has its own line.
func blockStyle(n *yaml.Node) {
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		n.Style &^= yaml.FlowStyle
	}
	for _, c := range n.Content {
		blockStyle(c)
	}
}

func (d *doc) encode() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(d.root); err != nil {
		return nil, err
	}
	return buf.Bytes(), enc.Close()
}

func get(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// ensure returns the mapping under key, adding an empty one when missing.
func ensure(m *yaml.Node, key string) *yaml.Node {
	if v := get(m, key); v != nil {
		return v
	}
	v := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	m.Content = append(m.Content, str(key), v)
	return v
}

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func mapping(kv ...any) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for i := 0; i+1 < len(kv); i += 2 {
		var v *yaml.Node
		switch x := kv[i+1].(type) {
		case string:
			v = str(x)
		case *yaml.Node:
			v = x
		}
		m.Content = append(m.Content, str(kv[i].(string)), v)
	}
	return m
}

func seq(items ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: items}
}

// resources lists the template's resources in order: logical ID and node.
func (d *doc) resources() [][2]*yaml.Node {
	r := get(d.root, "Resources")
	if r == nil || r.Kind != yaml.MappingNode {
		return nil
	}
	var out [][2]*yaml.Node
	for i := 0; i+1 < len(r.Content); i += 2 {
		if r.Content[i+1].Kind == yaml.MappingNode {
			out = append(out, [2]*yaml.Node{r.Content[i], r.Content[i+1]})
		}
	}
	return out
}

// identityTypes hold identity policies (PolicyDocument or Policies).
var identityTypes = map[string]bool{"AWS::IAM::Role": true, "AWS::IAM::Policy": true, "AWS::IAM::ManagedPolicy": true,
	"AWS::IAM::User": true, "AWS::IAM::Group": true, "AWS::IAM::RolePolicy": true, "AWS::IAM::UserPolicy": true, "AWS::IAM::GroupPolicy": true}

// sites finds every statement mapping (Effect and Action or NotAction)
// in the template's resources.
func (d *doc) sites() []site {
	var out []site
	for _, r := range d.resources() {
		id, res := r[0].Value, r[1]
		rtype := get(res, "Type")
		if rtype == nil || rtype.Kind != yaml.ScalarNode {
			continue
		}
		s := site{resource: id, rtype: rtype.Value}
		if c := get(res, "Condition"); c != nil && c.Kind == yaml.ScalarNode {
			s.condition = c.Value
		}
		props := get(res, "Properties")
		if props == nil {
			continue
		}
		walkStatements(props, s, nil, "", false, &out)
	}
	return out
}

func walkStatements(n *yaml.Node, s site, parent *yaml.Node, key string, inIf bool, out *[]site) {
	if n.Tag == "!If" {
		inIf = true
	}
	switch n.Kind {
	case yaml.MappingNode:
		if get(n, "Effect") != nil && (get(n, "Action") != nil || get(n, "NotAction") != nil) {
			t := s
			t.stmt, t.inIf = n, inIf
			if parent != nil && parent.Kind == yaml.SequenceNode && key == "Statement" {
				t.list = parent
			}
			*out = append(*out, t)
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			v := n.Content[i+1]
			childIf := inIf || k == "Fn::If"
			switch {
			case k == "AssumeRolePolicyDocument":
				walkPolicy(v, s, true, false, childIf, out)
			case k == "PolicyDocument" && identityTypes[s.rtype]:
				walkPolicy(v, s, false, true, childIf, out)
			default:
				walkStatements(v, s, n, k, childIf, out)
			}
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			walkStatements(c, s, n, key, inIf, out)
		}
	}
}

// walkPolicy records the statements of one policy document with its kind.
func walkPolicy(p *yaml.Node, s site, trust, identity, inIf bool, out *[]site) {
	var found []site
	walkStatements(p, s, nil, "", inIf, &found)
	st := get(p, "Statement")
	for _, f := range found {
		f.trust, f.identity = trust, identity
		if st != nil && st.Kind == yaml.SequenceNode {
			for _, c := range st.Content {
				if c == f.stmt {
					f.list = st
				}
			}
		}
		*out = append(*out, f)
	}
}

// context says why a plant at this site could be missed.
func (s site) context() string {
	var parts []string
	if s.condition != "" {
		parts = append(parts, "resource Condition "+s.condition)
	}
	if s.inIf {
		parts = append(parts, "inside Fn::If")
	}
	return strings.Join(parts, ", ")
}

// plainActions tells whether the statement's Action is a string or a list
// (not an intrinsic such as !Ref or !If), so an action can be added to it.
func plainActions(stmt *yaml.Node) bool {
	a := get(stmt, "Action")
	if a == nil || (a.Tag != "" && !strings.HasPrefix(a.Tag, "!!")) {
		return false
	}
	return a.Kind == yaml.ScalarNode || a.Kind == yaml.SequenceNode
}

// actionList returns the statement's Action as a list, turning a single
// string into one; call it only when plainActions holds.
func actionList(stmt *yaml.Node) *yaml.Node {
	a := get(stmt, "Action")
	if a.Kind == yaml.ScalarNode {
		cp := *a
		*a = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{&cp}}
	}
	return a
}

// Validator tells whether "prefix:Name" is a real IAM action.
type Validator interface {
	Valid(action string) bool
	// Example returns a real action of the service, chosen by r.
	Example(prefix string, r *rand.Rand) string
}

// misspell returns a misspelling of a real action in the statement (or of
// a real action of a common service) that no service defines and that is
// not in used.
func misspell(stmt *yaml.Node, v Validator, r *rand.Rand, used map[string]bool) string {
	var real []string
	if a := get(stmt, "Action"); a != nil {
		for _, n := range append([]*yaml.Node{a}, a.Content...) {
			if n.Kind == yaml.ScalarNode && strings.Contains(n.Value, ":") && !strings.ContainsAny(n.Value, "*?${") && v.Valid(n.Value) {
				real = append(real, n.Value)
			}
		}
	}
	for attempt := 0; attempt < 200; attempt++ {
		base := ""
		if len(real) > 0 && attempt < 100 {
			base = real[r.IntN(len(real))]
		} else {
			base = v.Example([]string{"s3", "ec2", "logs", "dynamodb", "sqs", "sns", "lambda", "kms"}[r.IntN(8)], r)
		}
		prefix, name, _ := strings.Cut(base, ":")
		bad := prefix + ":" + mutate(name, r)
		if !v.Valid(bad) && !used[strings.ToLower(bad)] {
			used[strings.ToLower(bad)] = true
			return bad
		}
	}
	return ""
}

// mutate makes one typing mistake: a letter dropped, doubled, swapped with
// its neighbour, or replaced by a neighbouring vowel.
func mutate(s string, r *rand.Rand) string {
	if len(s) < 3 {
		return s + "x"
	}
	i := 1 + r.IntN(len(s)-2)
	switch r.IntN(4) {
	case 0:
		return s[:i] + s[i+1:]
	case 1:
		return s[:i] + s[i:i+1] + s[i:]
	case 2:
		return s[:i] + s[i+1:i+2] + s[i:i+1] + s[i+2:]
	}
	vowels := "aeiou"
	for j := i; j < len(s); j++ {
		if k := strings.IndexByte(vowels, s[j]); k >= 0 {
			return s[:j] + string(vowels[(k+1+r.IntN(4))%5]) + s[j+1:]
		}
	}
	return s[:i] + "q" + s[i:]
}

// planted is what plant returns: the variant's text and where the plants
// are (before their lines are known).
type planted struct {
	class   string
	token   string // misspelled action or Sid
	site    site
	context string
}

// plantClass adds the problems of one class to d and says what it added;
// nil when the template has no place for the class.
func plantClass(d *doc, class string, count int, v Validator, r *rand.Rand) []planted {
	sites := d.sites()
	pick := func(ok func(site) bool) *site {
		var c []int
		for i, s := range sites {
			if ok(s) {
				c = append(c, i)
			}
		}
		if len(c) == 0 {
			return nil
		}
		return &sites[c[r.IntN(len(c))]]
	}
	switch class {
	case "misspelled-action":
		var out []planted
		used := map[string]bool{}
		for range count {
			s := pick(func(s site) bool { return plainActions(s.stmt) })
			if s == nil {
				return out
			}
			bad := misspell(s.stmt, v, r, used)
			if bad == "" {
				continue
			}
			a := actionList(s.stmt)
			a.Content = append(a.Content, str(bad))
			out = append(out, planted{class, bad, *s, s.context()})
		}
		return out
	case "trust-wildcard", "trust-wildcard-nondefault-if":
		s := pick(func(s site) bool { return s.trust && s.list != nil })
		if s == nil {
			return nil
		}
		principal := any("*")
		if class == "trust-wildcard-nondefault-if" {
			addSeedSwitch(d)
			principal = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!If", Style: yaml.FlowStyle, Content: []*yaml.Node{
				str(seedCondition), str("*"),
				{Kind: yaml.ScalarNode, Tag: "!Sub", Value: "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}}
		}
		sid := sidPrefix + "Trust"
		s.list.Content = append(s.list.Content, mapping("Sid", sid, "Effect", "Allow",
			"Principal", mapping("AWS", principal), "Action", "sts:AssumeRole"))
		return []planted{{class, sid, *s, s.context()}}
	case "admin-irrelevant-condition", "escalation-irrelevant-condition", "admin-no-condition", "escalation-no-condition":
		// the same site and key for a class and its control: the choice
		// draws the same numbers from the same seed
		s := pick(func(s site) bool { return s.identity && s.list != nil })
		if s == nil {
			return nil
		}
		k := strings.SplitN(irrelevant[r.IntN(len(irrelevant))], ":", 4)
		action := "*"
		if strings.HasPrefix(class, "escalation") {
			action = "iam:AttachRolePolicy"
		}
		sid := sidPrefix + "Cond"
		stmt := mapping("Sid", sid, "Effect", "Allow", "Action", action, "Resource", "*")
		ctx := s.context()
		if strings.HasSuffix(class, "irrelevant-condition") {
			stmt.Content = append(stmt.Content, str("Condition"), mapping(k[0], mapping(k[1]+":"+k[2], k[3])))
			ctx += condDesc(k)
		}
		s.list.Content = append(s.list.Content, stmt)
		return []planted{{class, sid, *s, ctx}}
	case "admin-off-by-default", "misspelled-action-off-by-default":
		addSeedSwitch(d)
		sid := sidPrefix + "Off"
		stmt := mapping("Sid", sid, "Effect", "Allow", "Action", "*", "Resource", "*")
		token := sid
		if class == "misspelled-action-off-by-default" {
			token = misspell(mapping("Action", "s3:GetObject"), v, r, map[string]bool{})
			stmt = mapping("Sid", sid, "Effect", "Allow", "Action", seq(str("s3:GetObject"), str(token)), "Resource", "*")
		}
		props := mapping("PolicyDocument", mapping("Version", "2012-10-17", "Statement", seq(stmt)))
		// attach it to a role that is always created, as a real one would be
		for _, rr := range d.resources() {
			if t := get(rr[1], "Type"); t != nil && t.Value == "AWS::IAM::Role" && get(rr[1], "Condition") == nil {
				props.Content = append(props.Content, str("Roles"), seq(&yaml.Node{Kind: yaml.ScalarNode, Tag: "!Ref", Value: rr[0].Value}))
				break
			}
		}
		res := mapping("Type", "AWS::IAM::ManagedPolicy", "Condition", seedCondition, "Properties", props)
		get(d.root, "Resources").Content = append(get(d.root, "Resources").Content, str(seedResource), res)
		return []planted{{class, token, site{resource: seedResource, rtype: "AWS::IAM::ManagedPolicy", condition: seedCondition},
			"resource Condition " + seedCondition + " (false under defaults)"}}
	}
	panic("unknown class " + class)
}

func condDesc(k []string) string { return "; condition " + k[0] + " " + k[1] + ":" + k[2] }

// addSeedSwitch adds a parameter whose default switches the seed condition off.
func addSeedSwitch(d *doc) {
	params := ensure(d.root, "Parameters")
	if get(params, seedParam) == nil {
		params.Content = append(params.Content, str(seedParam),
			mapping("Type", "String", "Default", "prod", "AllowedValues", seq(str("prod"), str("sandbox"))))
	}
	conds := ensure(d.root, "Conditions")
	if get(conds, seedCondition) == nil {
		conds.Content = append(conds.Content, str(seedCondition), &yaml.Node{Kind: yaml.SequenceNode, Tag: "!Equals", Style: yaml.FlowStyle,
			Content: []*yaml.Node{{Kind: yaml.ScalarNode, Tag: "!Ref", Value: seedParam}, str("sandbox")}})
	}
}

// locate finds where each plant landed in the encoded variant: the line of
// a planted action, or the lines of a planted statement (found by its Sid).
func locate(src []byte, ps []planted) ([][2]int, error) {
	var n yaml.Node
	if err := yaml.Unmarshal(src, &n); err != nil {
		return nil, err
	}
	out := make([][2]int, len(ps))
	for i, p := range ps {
		found := false
		visit(&n, func(x *yaml.Node) bool {
			switch {
			case strings.HasPrefix(p.token, sidPrefix) && x.Kind == yaml.MappingNode:
				if sid := get(x, "Sid"); sid != nil && sid.Value == p.token {
					out[i] = [2]int{x.Line, lastLine(x)}
					found = true
				}
			case !strings.HasPrefix(p.token, sidPrefix) && x.Kind == yaml.ScalarNode && x.Value == p.token:
				out[i] = [2]int{x.Line, x.Line}
				found = true
			}
			return found
		})
		if !found {
			return nil, fmt.Errorf("planted %s %q not found in the encoded variant", p.class, p.token)
		}
	}
	return out, nil
}

// visit walks n depth-first until f returns true.
func visit(n *yaml.Node, f func(*yaml.Node) bool) bool {
	if f(n) {
		return true
	}
	for _, c := range n.Content {
		if visit(c, f) {
			return true
		}
	}
	return false
}

func lastLine(n *yaml.Node) int {
	l := n.Line
	for _, c := range n.Content {
		if x := lastLine(c); x > l {
			l = x
		}
	}
	return l
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
