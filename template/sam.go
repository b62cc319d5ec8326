package template

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/tollgate-dev/tollgate/iamdata/sampolicy"
)

// SAMProblem is an entry of a SAM resource's Policies that the SAM
// transform rejects, so the stack cannot be deployed.
type SAMProblem struct {
	LogicalID    string
	ResourceType string
	// Path locates the entry: "Resources.Fn.Properties.Policies[1]".
	Path    string
	Pos     Pos
	EndLine int
	Message string
	Fix     string
	Branch  string
}

// managedRef records a managed policy ARN (or, in SAM, a name) attached by
// the resource being extracted.
func (x *extractor) managedRef(v *Node, path string, sam bool) {
	ref := ManagedPolicyRef{LogicalID: x.res.LogicalID, ResourceType: x.res.Type, ARN: v, Path: path,
		Branch: x.branch, SAM: sam}
	if x.branch != "" {
		ref.When = x.a
	}
	x.out.ManagedPolicies = append(x.out.ManagedPolicies, ref)
}

// samProblem records an entry the SAM transform rejects.
func (x *extractor) samProblem(n *Node, path, msg, fix string) {
	x.out.SAMProblems = append(x.out.SAMProblems, SAMProblem{LogicalID: x.res.LogicalID, ResourceType: x.res.Type,
		Path: path, Pos: n.Pos, EndLine: n.lastLine(), Message: msg, Fix: fix, Branch: x.branch})
}

// samPolicies reads the Policies property of SAM functions and state
// machines as the SAM transform does (ResourcePolicies and the policy
// templates plugin of aws-sam-translator): one entry or a list of them,
// each an AWS managed policy name or an ARN, a policy document (a mapping
// with Statement), or a SAM policy template ({S3CrudPolicy: {BucketName:
// …}}), which is expanded into the document SAM writes into the role. An
// Fn::If around an entry has already been decided by the resolver for
// this branch. Anything else SAM rejects, and so is recorded as a problem.
func samPolicies(x *extractor, props *Node, prefix string) {
	pol := props.Get("Policies")
	if pol == nil {
		return
	}
	items := []*Node{pol}
	paths := []string{prefix + ".Policies"}
	if pol.Kind == Seq {
		items = pol.Items
		paths = paths[:0]
		for i := range pol.Items {
			paths = append(paths, prefix+".Policies["+strconv.Itoa(i)+"]")
		}
	}
	for i, it := range items {
		// SAM names the role's inline policies after the role and the
		// entry's index: FnRolePolicy0.
		name := x.res.LogicalID + "RolePolicy" + strconv.Itoa(i)
		switch {
		case it.Kind == String || it.Kind == Unknown:
			x.managedRef(it, paths[i], true)
		case it.Kind == Map && it.Get("Statement") != nil:
			x.add(&Policy{Kind: Identity, Path: paths[i], Name: name}, it)
		case it.Kind == Map && len(it.Fields) == 1:
			x.samTemplate(it.Fields[0], it, paths[i], name)
		case it.Kind == Null:
			// an empty entry (`- `): SAM skips nothing, CloudFormation
			// rejects a null policy ARN.
			x.samProblem(it, paths[i], "A Policies entry is empty.", "remove the entry, or give a managed policy name, a policy document or a SAM policy template")
		default:
			x.samProblem(it, paths[i], fmt.Sprintf("Policy at index %d of Policies is neither a managed policy name or ARN, a policy document with Statement, nor a SAM policy template; the SAM transform rejects it.", i),
				"write an AWS managed policy name (AmazonS3ReadOnlyAccess) or ARN, a document with Statement, or one SAM policy template such as S3ReadPolicy: {BucketName: …}")
		}
	}
}

// samTemplate expands one SAM policy template entry, or records why SAM
// rejects it.
func (x *extractor) samTemplate(f Field, entry *Node, path, name string) {
	set, err := sampolicy.Embedded()
	if err != nil {
		x.samProblem(entry, path, err.Error(), "")
		return
	}
	st, err := set.Template(f.Key)
	if err != nil {
		fix := "use one of the SAM policy templates (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-policy-template-list.html), or write a policy document with Statement"
		var unknown *sampolicy.UnknownError
		if errors.As(err, &unknown) && unknown.Suggestion != "" {
			fix = "write " + unknown.Suggestion
		}
		x.samProblem(entry, path, fmt.Sprintf("%s is not a SAM policy template, nor is the entry a policy document (it has no Statement); the SAM transform rejects it.", strconv.Quote(f.Key)), fix)
		return
	}
	if f.Value == nil || f.Value.Kind != Map {
		e := &sampolicy.ValuesError{Template: f.Key}
		x.samProblem(entry, path, upperFirst(e.Error())+".", fmt.Sprintf("write %s: {%s}", f.Key, paramList(st)))
		return
	}
	values := make(map[string]*Node, len(f.Value.Fields))
	for _, v := range f.Value.Fields {
		values[v.Key] = v.Value
	}
	raw, err := sampolicy.Expand[*Node](st, values, samBuilder{at: f.KeyPos})
	if err != nil {
		var missing *sampolicy.MissingError
		if errors.As(err, &missing) {
			given := make([]string, 0, len(values))
			for k := range values {
				given = append(given, k)
			}
			sort.Strings(given)
			noun := "parameter"
			if len(missing.Missing) > 1 {
				noun = "parameters"
			}
			msg := fmt.Sprintf("SAM policy template %s has no value for its %s %s, so the SAM transform rejects it.", f.Key, noun, strings.Join(missing.Missing, ", "))
			if unused := st.Unused(given); len(unused) > 0 {
				msg += fmt.Sprintf(" (%s is not one of its parameters.)", strings.Join(unused, ", "))
			}
			x.samProblem(f.Value, path, msg, fmt.Sprintf("give every parameter a value: %s: {%s}", f.Key, paramList(st)))
			return
		}
		x.samProblem(entry, path, err.Error(), "")
		return
	}
	// The definition holds Fn::Sub and pseudo parameters for
	// CloudFormation; the values were resolved already, so resolving again
	// only evaluates the definition's own intrinsics.
	doc := x.r.Resolve(raw, x.a)
	x.add(&Policy{Kind: Identity, Path: path, Name: name, Expanded: f.Key}, doc)
}

// paramList writes a template's parameters for a fix: "BucketName: …".
func paramList(st *sampolicy.Template) string {
	out := ""
	for i, p := range st.Parameters {
		if i > 0 {
			out += ", "
		}
		out += p.Name + ": …"
	}
	return out
}

func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// samBuilder builds the nodes of an expanded SAM policy template. The
// definition's own values are placed at the template entry, where a reader
// finds the template's name; the user's parameter values keep their own
// positions.
type samBuilder struct{ at Pos }

var samKinds = [...]Kind{sampolicy.Null: Null, sampolicy.Bool: Bool, sampolicy.Number: Number, sampolicy.String: String}

func (b samBuilder) Scalar(v *sampolicy.Value) *Node {
	k := String
	if int(v.Kind) < len(samKinds) {
		k = samKinds[v.Kind]
	}
	return &Node{Kind: k, Value: v.Text, Pos: b.at, EndLine: b.at.Line}
}

func (b samBuilder) Seq(_ *sampolicy.Value, items []*Node) *Node {
	return &Node{Kind: Seq, Items: items, Pos: b.at, EndLine: b.at.Line}
}

func (b samBuilder) Map(_ *sampolicy.Value, keys []string, vals []*Node) *Node {
	n := &Node{Kind: Map, Pos: b.at, EndLine: b.at.Line, Fields: make([]Field, len(keys))}
	for i, k := range keys {
		n.Fields[i] = Field{Key: k, KeyPos: b.at, Value: vals[i]}
	}
	return n
}
