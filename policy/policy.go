// Package policy reads IAM policy documents from resolved template nodes
// into statements whose every element keeps its template position and path.
package policy

import (
	"sort"
	"strconv"
	"strings"

	"github.com/tollgate-dev/tollgate/template"
)

// Value is one string element of a policy (an action, a resource ARN, a
// principal, a condition value). Known is false when the template computes
// it at deploy time; Node then holds the Unknown (with any known parts).
type Value struct {
	Text  string
	Known bool
	Node  *template.Node
	// Path is the element's path relative to the document: "Statement[0].Action[1]".
	Path string
}

// List is a policy element that may be one string or a list of strings.
type List struct {
	// Present is false when the element is absent from the statement.
	Present bool
	Values  []Value
	Node    *template.Node
	Path    string
}

// Has reports whether any known value equals s (case-insensitively when fold).
func (l List) Has(s string, fold bool) bool {
	for _, v := range l.Values {
		if v.Known && (v.Text == s || fold && strings.EqualFold(v.Text, s)) {
			return true
		}
	}
	return false
}

// AllKnown reports whether every value is known.
func (l List) AllKnown() bool {
	for _, v := range l.Values {
		if !v.Known {
			return false
		}
	}
	return true
}

// Principal is a Principal or NotPrincipal element.
type Principal struct {
	Node *template.Node
	Path string
	// Wildcard is set for `Principal: "*"`, which means every principal,
	// authenticated or not.
	Wildcard bool
	// Types maps "AWS", "Service", "Federated", "CanonicalUser" to their values.
	Types map[string]List
}

// TypeNames returns the principal types in a stable order.
func (p *Principal) TypeNames() []string {
	names := make([]string, 0, len(p.Types))
	for k := range p.Types {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Condition is one key under one operator of a Condition block.
type Condition struct {
	// Operator as written: "ForAnyValue:StringLikeIfExists".
	Operator string
	// Base is the operator without qualifiers: "StringLike".
	Base string
	// IfExists and Set ("ForAllValues", "ForAnyValue" or "") qualify Base.
	IfExists bool
	Set      string
	Key      string
	Values   List
	OpNode   *template.Node
	KeyPos   template.Pos
	Path     string
}

// Statement is one statement of a policy.
type Statement struct {
	Index int
	Sid   string
	Node  *template.Node
	Path  string
	// Effect is "Allow" or "Deny" as written (possibly invalid); EffectNode
	// is nil when absent.
	Effect     string
	EffectNode *template.Node

	Principal    *Principal
	NotPrincipal *Principal
	Action       List
	NotAction    List
	Resource     List
	NotResource  List
	Conditions   []Condition
	// ConditionNode is the whole Condition block, nil when absent.
	ConditionNode *template.Node
}

// Allows reports whether the statement's effect is Allow.
func (s *Statement) Allows() bool { return s.Effect == "Allow" }

// HasConditionKey reports whether the statement conditions on key
// (case-insensitively, as IAM compares condition keys).
func (s *Statement) HasConditionKey(key string) bool {
	for _, c := range s.Conditions {
		if strings.EqualFold(c.Key, key) {
			return true
		}
	}
	return false
}

// Document is a parsed policy document.
type Document struct {
	Node        *template.Node
	Version     string
	VersionNode *template.Node
	Statements  []*Statement
	// StatementNode is the Statement element; nil when absent.
	StatementNode *template.Node
	// Problems are elements of the wrong shape, found while reading.
	Problems []Problem
}

// Problem is a malformed element of a policy document.
type Problem struct {
	Pos     template.Pos
	Path    string
	Message string
}

// Parse reads a resolved policy document. It never fails: elements of the
// wrong shape are recorded as problems and left out.
func Parse(n *template.Node) *Document {
	d := &Document{Node: n}
	if n == nil {
		return d
	}
	if n.Kind != template.Map {
		if n.Kind != template.Unknown {
			d.problem(n, "", "a policy document must be a JSON object with Version and Statement")
		}
		return d
	}
	if v := n.Get("Version"); v != nil {
		d.VersionNode = v
		d.Version, _ = v.Str()
	}
	st := n.Get("Statement")
	d.StatementNode = st
	switch {
	case st == nil:
	case st.Kind == template.Map:
		d.Statements = append(d.Statements, d.statement(st, 0, "Statement"))
	case st.Kind == template.Seq:
		for i, it := range st.Items {
			path := "Statement[" + strconv.Itoa(i) + "]"
			if it.Kind != template.Map {
				if it.Kind != template.Unknown {
					d.problem(it, path, "a statement must be an object with Effect, Action and Resource")
				}
				continue
			}
			d.Statements = append(d.Statements, d.statement(it, i, path))
		}
	case st.Kind == template.Unknown:
	default:
		d.problem(st, "Statement", "Statement must be an object or a list of objects")
	}
	return d
}

func (d *Document) problem(n *template.Node, path, msg string) {
	d.Problems = append(d.Problems, Problem{Pos: n.Pos, Path: path, Message: msg})
}

func (d *Document) statement(n *template.Node, i int, path string) *Statement {
	s := &Statement{Index: i, Node: n, Path: path}
	s.Sid, _ = n.Get("Sid").Str()
	if e := n.Get("Effect"); e != nil {
		s.EffectNode = e
		s.Effect, _ = e.Str()
	}
	s.Action = d.list(n, "Action", path)
	s.NotAction = d.list(n, "NotAction", path)
	s.Resource = d.list(n, "Resource", path)
	s.NotResource = d.list(n, "NotResource", path)
	s.Principal = d.principal(n, "Principal", path)
	s.NotPrincipal = d.principal(n, "NotPrincipal", path)
	if c := n.Get("Condition"); c != nil {
		s.ConditionNode = c
		d.conditions(s, c, path+".Condition")
	}
	return s
}

// list reads an element that is a string or a list of strings.
func (d *Document) list(n *template.Node, key, parent string) List {
	v := n.Get(key)
	path := parent + "." + key
	l := List{Node: v, Path: path, Present: v != nil}
	if v == nil {
		return l
	}
	switch v.Kind {
	case template.Seq:
		for i, it := range v.Items {
			l.Values = append(l.Values, d.value(it, path+"["+strconv.Itoa(i)+"]"))
		}
	default:
		l.Values = append(l.Values, d.value(v, path))
	}
	return l
}

func (d *Document) value(n *template.Node, path string) Value {
	switch n.Kind {
	case template.String, template.Number, template.Bool:
		return Value{Text: n.Value, Known: true, Node: n, Path: path}
	case template.Unknown:
		return Value{Node: n, Path: path}
	}
	d.problem(n, path, "expected a string, found a "+n.Kind.String())
	return Value{Node: n, Path: path}
}

func (d *Document) principal(n *template.Node, key, parent string) *Principal {
	v := n.Get(key)
	if v == nil {
		return nil
	}
	path := parent + "." + key
	p := &Principal{Node: v, Path: path, Types: map[string]List{}}
	switch v.Kind {
	case template.String:
		if v.Value == "*" {
			p.Wildcard = true
		} else {
			d.problem(v, path, `a principal string must be "*"; name others as {"AWS": "arn:..."} or {"Service": "..."}`)
		}
	case template.Map:
		for _, f := range v.Fields {
			p.Types[f.Key] = d.list(v, f.Key, path)
		}
	case template.Unknown:
	default:
		d.problem(v, path, "Principal must be \"*\" or an object such as {\"AWS\": \"arn:...\"}")
	}
	return p
}

func (d *Document) conditions(s *Statement, c *template.Node, path string) {
	if c.Kind != template.Map {
		if c.Kind != template.Unknown {
			d.problem(c, path, "Condition must be an object of operators, each an object of keys")
		}
		return
	}
	for _, op := range c.Fields {
		opPath := path + "." + op.Key
		if op.Value.Kind != template.Map {
			if op.Value.Kind != template.Unknown {
				d.problem(op.Value, opPath, "a condition operator must hold an object of condition keys and values")
			}
			continue
		}
		base, set, ifExists := SplitOperator(op.Key)
		for _, k := range op.Value.Fields {
			s.Conditions = append(s.Conditions, Condition{
				Operator: op.Key, Base: base, Set: set, IfExists: ifExists,
				Key: k.Key, KeyPos: k.KeyPos, OpNode: op.Value,
				Values: d.list(op.Value, k.Key, opPath),
				Path:   opPath + "." + k.Key,
			})
		}
	}
}

// SplitOperator separates a condition operator into its base, set qualifier
// and IfExists suffix: "ForAnyValue:StringLikeIfExists" → ("StringLike",
// "ForAnyValue", true).
func SplitOperator(op string) (base, set string, ifExists bool) {
	base = op
	if q, rest, ok := strings.Cut(op, ":"); ok {
		set, base = q, rest
	}
	if b, ok := strings.CutSuffix(base, "IfExists"); ok && b != "" {
		base, ifExists = b, true
	}
	return base, set, ifExists
}
